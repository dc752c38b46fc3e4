"""Find an offline copy of the hashicorp/aws provider for `terraform init -plugin-dir`.

Without a reachable Terraform registry, init needs the provider on disk. The place is `BATON_TF_PLUGIN_DIR`
when set (and then it must hold the provider: a wrong setting is reported, not skipped), else the first of
Terraform's own implied local mirror directories that holds it. Terraform reads those directories by itself
only while the CLI configuration has no `provider_installation` block; naming the one found with
`-plugin-dir` makes init use it either way, and never ask the registry.

Standard library only, so it also runs before the project's virtual environment exists:
`python3 consumer/local/provider_mirror.py` prints the directory, or says what to set and exits 1.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

PROVIDER = "registry.terraform.io/hashicorp/aws"
ENV_VAR = "BATON_TF_PLUGIN_DIR"
_ARCHITECTURES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i686": "386"}


class ProviderMirrorError(RuntimeError):
    """No provider can be installed: the message is one line that says what to set."""


def current_platform() -> str:
    """Terraform's name of this machine's platform, such as linux_amd64."""
    machine = platform.machine().lower()
    return f"{platform.system().lower()}_{_ARCHITECTURES.get(machine, machine)}"


def holds_provider(directory: Path, os_arch: str) -> bool:
    """Whether `directory` is a mirror root with hashicorp/aws for `os_arch`: unpacked
    (<version>/<os_arch>/terraform-provider-aws*) or packed (terraform-provider-aws_<version>_<os_arch>.zip)
    under registry.terraform.io/hashicorp/aws/."""
    provider = directory / PROVIDER
    if not provider.is_dir():
        return False
    unpacked = any(provider.glob(f"*/{os_arch}/terraform-provider-aws*"))
    return unpacked or any(provider.glob(f"terraform-provider-aws_*_{os_arch}.zip"))


def implied_mirror_dirs(environ: Mapping[str, str], home: Path, cwd: Path) -> list[Path]:
    """Terraform's implied local mirror directories on Linux and other Unix systems, in its order: the working
    directory's terraform.d/plugins, ~/.terraform.d/plugins, then terraform/plugins under $XDG_DATA_HOME
    (default ~/.local/share) and under each entry of $XDG_DATA_DIRS (default /usr/local/share:/usr/share)."""
    data_home = environ.get("XDG_DATA_HOME") or str(home / ".local" / "share")
    data_dirs = (environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share").split(":")
    candidates = [cwd / "terraform.d" / "plugins", home / ".terraform.d" / "plugins"]
    candidates += [Path(base) / "terraform" / "plugins" for base in [data_home, *data_dirs] if base]
    return list(dict.fromkeys(candidates))


def missing_provider_message(searched: list[Path], *, registry_failed: bool = True) -> str:
    """The one line shown when no mirror was found (registry_failed: nor the registry reached)."""
    places = ", ".join(str(path) for path in searched)
    cause = "registry.terraform.io is out of reach and no" if registry_failed else "no"
    return (
        f"terraform init cannot install hashicorp/aws: {cause} provider mirror was found "
        f"({ENV_VAR} is not set; looked in {places}). Set {ENV_VAR} to a folder holding "
        f"{PROVIDER}/<version>/<os_arch>/ (terraform providers mirror makes one where a registry answers)."
    )


def find_provider_mirror(
    environ: Mapping[str, str] | None = None,
    *,
    home: Path | None = None,
    cwd: Path | None = None,
    os_arch: str | None = None,
) -> Path | None:
    """The mirror to pass as -plugin-dir, or None (init then asks the registry).

    Raises ProviderMirrorError if BATON_TF_PLUGIN_DIR is set but holds no hashicorp/aws for this platform."""
    environ = os.environ if environ is None else environ
    os_arch = os_arch or current_platform()
    explicit = environ.get(ENV_VAR, "")
    if explicit:
        path = Path(explicit).expanduser()
        if not holds_provider(path, os_arch):
            raise ProviderMirrorError(
                f"{ENV_VAR}={explicit} holds no hashicorp/aws for {os_arch}: it must be the folder that "
                f"contains {PROVIDER}/<version>/{os_arch}/"
            )
        return path
    for candidate in implied_mirror_dirs(environ, home or Path.home(), cwd or Path.cwd()):
        if holds_provider(candidate, os_arch):
            return candidate
    return None


def searched_dirs(environ: Mapping[str, str] | None = None) -> list[Path]:
    """Where find_provider_mirror looks when BATON_TF_PLUGIN_DIR is not set (for messages)."""
    return implied_mirror_dirs(os.environ if environ is None else environ, Path.home(), Path.cwd())


def main() -> int:
    try:
        mirror = find_provider_mirror()
    except ProviderMirrorError as error:
        print(error, file=sys.stderr)
        return 1
    if mirror is None:
        print(missing_provider_message(searched_dirs(), registry_failed=False), file=sys.stderr)
        return 1
    print(mirror)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
