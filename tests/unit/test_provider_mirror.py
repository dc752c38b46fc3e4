"""Finding hashicorp/aws on disk for terraform init (consumer/local/provider_mirror.py), and what the
LocalStack deployments and `make demo` do with it when no registry answers."""

from __future__ import annotations

import json
import stat
import sys
from typing import TYPE_CHECKING

import pytest

from consumer.local import demo, deploy
from consumer.local.provider_mirror import (
    ENV_VAR,
    ProviderMirrorError,
    find_provider_mirror,
    holds_provider,
    implied_mirror_dirs,
)

if TYPE_CHECKING:
    from pathlib import Path

PLATFORM = "linux_amd64"


def unpacked_mirror(root: Path, os_arch: str = PLATFORM) -> Path:
    """An unpacked mirror: <root>/registry.terraform.io/hashicorp/aws/<version>/<os_arch>/<binary>."""
    binary = (
        root
        / "registry.terraform.io"
        / "hashicorp"
        / "aws"
        / "5.100.0"
        / os_arch
        / "terraform-provider-aws_v5.100.0_x5"
    )
    binary.parent.mkdir(parents=True)
    binary.write_bytes(b"\x7fELF")
    return root


def packed_mirror(root: Path, os_arch: str = PLATFORM) -> Path:
    """A mirror as `terraform providers mirror` writes it: zips next to the version index."""
    provider = root / "registry.terraform.io" / "hashicorp" / "aws"
    provider.mkdir(parents=True)
    (provider / f"terraform-provider-aws_5.100.0_{os_arch}.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    (provider / "index.json").write_text('{"versions": {"5.100.0": {}}}', encoding="utf-8")
    return root


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def cwd(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


# ------------------------------------------------------------------------------------------------------------
# What counts as a mirror
# ------------------------------------------------------------------------------------------------------------


def test_an_unpacked_and_a_packed_mirror_hold_the_provider(tmp_path: Path) -> None:
    assert holds_provider(unpacked_mirror(tmp_path / "unpacked"), PLATFORM)
    assert holds_provider(packed_mirror(tmp_path / "packed"), PLATFORM)


def test_a_mirror_for_another_platform_or_an_empty_folder_does_not(tmp_path: Path) -> None:
    assert not holds_provider(unpacked_mirror(tmp_path / "mac", "darwin_arm64"), PLATFORM)
    assert not holds_provider(packed_mirror(tmp_path / "windows", "windows_amd64"), PLATFORM)
    (tmp_path / "empty" / "registry.terraform.io" / "hashicorp" / "aws" / "5.100.0").mkdir(parents=True)
    assert not holds_provider(tmp_path / "empty", PLATFORM)
    assert not holds_provider(tmp_path / "missing", PLATFORM)


# ------------------------------------------------------------------------------------------------------------
# Where Terraform looks by itself
# ------------------------------------------------------------------------------------------------------------


def test_the_implied_directories_follow_terraform_without_xdg_variables(home: Path, cwd: Path) -> None:
    assert [str(path) for path in implied_mirror_dirs({}, home, cwd)] == [
        f"{cwd}/terraform.d/plugins",
        f"{home}/.terraform.d/plugins",
        f"{home}/.local/share/terraform/plugins",
        "/usr/local/share/terraform/plugins",
        "/usr/share/terraform/plugins",
    ]


def test_the_xdg_variables_replace_their_defaults(home: Path, cwd: Path) -> None:
    environ = {"XDG_DATA_HOME": "/data/home", "XDG_DATA_DIRS": "/opt/share::/srv/share"}
    assert [str(path) for path in implied_mirror_dirs(environ, home, cwd)] == [
        f"{cwd}/terraform.d/plugins",
        f"{home}/.terraform.d/plugins",
        "/data/home/terraform/plugins",
        "/opt/share/terraform/plugins",
        "/srv/share/terraform/plugins",
    ]


# ------------------------------------------------------------------------------------------------------------
# find_provider_mirror
# ------------------------------------------------------------------------------------------------------------


def test_the_variable_names_the_mirror(tmp_path: Path, home: Path, cwd: Path) -> None:
    mirror = unpacked_mirror(tmp_path / "mirror")
    unpacked_mirror(home / ".terraform.d" / "plugins")
    found = find_provider_mirror({ENV_VAR: str(mirror)}, home=home, cwd=cwd, os_arch=PLATFORM)
    assert found == mirror


def test_a_variable_without_the_provider_is_an_error_that_says_what_it_must_hold(
    tmp_path: Path, home: Path, cwd: Path
) -> None:
    unpacked_mirror(home / ".terraform.d" / "plugins")  # not a fallback for a wrong setting
    with pytest.raises(ProviderMirrorError) as raised:
        find_provider_mirror({ENV_VAR: str(tmp_path)}, home=home, cwd=cwd, os_arch=PLATFORM)
    message = str(raised.value)
    assert "\n" not in message
    assert f"{ENV_VAR}={tmp_path}" in message
    assert "registry.terraform.io/hashicorp/aws/<version>/linux_amd64/" in message


@pytest.mark.parametrize(
    ("environ", "where"),
    [
        ({}, "home/.terraform.d/plugins"),
        ({}, "home/.local/share/terraform/plugins"),
        ({}, "work/terraform.d/plugins"),
        ({"XDG_DATA_HOME": "{tmp}/xdg-home"}, "xdg-home/terraform/plugins"),
        ({"XDG_DATA_DIRS": "{tmp}/nothing:{tmp}/xdg-dir"}, "xdg-dir/terraform/plugins"),
    ],
)
def test_without_the_variable_an_implied_directory_is_found(
    tmp_path: Path, home: Path, cwd: Path, environ: dict[str, str], where: str
) -> None:
    mirror = unpacked_mirror(tmp_path / where)
    resolved = {key: value.format(tmp=tmp_path) for key, value in environ.items()}
    assert find_provider_mirror(resolved, home=home, cwd=cwd, os_arch=PLATFORM) == mirror


def test_the_first_implied_directory_with_the_provider_wins(tmp_path: Path, home: Path, cwd: Path) -> None:
    (home / ".terraform.d" / "plugins").mkdir(parents=True)  # exists, but empty
    second = packed_mirror(home / ".local" / "share" / "terraform" / "plugins")
    unpacked_mirror(tmp_path / "xdg-dir" / "terraform" / "plugins")
    environ = {"XDG_DATA_DIRS": f"{tmp_path}/xdg-dir"}
    assert find_provider_mirror(environ, home=home, cwd=cwd, os_arch=PLATFORM) == second


def test_no_mirror_anywhere_is_none(tmp_path: Path, home: Path, cwd: Path) -> None:
    environ = {ENV_VAR: "", "XDG_DATA_DIRS": str(tmp_path / "nothing")}
    assert find_provider_mirror(environ, home=home, cwd=cwd, os_arch=PLATFORM) is None


# ------------------------------------------------------------------------------------------------------------
# The LocalStack deployments and make demo
# ------------------------------------------------------------------------------------------------------------

FAKE_TERRAFORM = f"""#!{sys.executable}
# Records its arguments; fails init as terraform does when registry.terraform.io does not answer.
import json, os, sys
with open(os.environ["FAKE_TERRAFORM_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
if "init" in sys.argv and not any(a.startswith("-plugin-dir=") for a in sys.argv):
    print("Initializing provider plugins...")
    print("- Reusing previous version of hashicorp/aws from the dependency lock file", file=sys.stderr)
    print("Error: Failed to query available provider packages", file=sys.stderr)
    print("Could not retrieve the list of available versions for provider hashicorp/aws:", file=sys.stderr)
    print("could not connect to registry.terraform.io: failed to request discovery document", file=sys.stderr)
    sys.exit(1)
"""


@pytest.fixture
def offline(tmp_path: Path, home: Path, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine without registry: a stand-in terraform, an empty home, no mirror variable."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "terraform"
    fake.write_text(FAKE_TERRAFORM, encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "terraform.log"
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("FAKE_TERRAFORM_LOG", str(log))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_DIRS", str(tmp_path / "no-system-mirror"))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.delenv("TF_PLUGIN_CACHE_DIR", raising=False)
    monkeypatch.setattr(deploy, "ROOT", tmp_path)  # the plugin cache goes to tmp_path/.localstack
    monkeypatch.chdir(cwd)
    return log


def test_without_registry_or_mirror_init_fails_with_one_line_that_says_what_to_set(
    offline: Path, tmp_path: Path
) -> None:
    deployment = deploy.Deployment("relay", "baton-offline", tmp_path / "deployment")
    with pytest.raises(ProviderMirrorError) as raised:
        deployment._init()
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(
        "terraform init cannot install hashicorp/aws: registry.terraform.io is out of reach"
    )
    assert (
        f"Set {ENV_VAR} to a folder holding registry.terraform.io/hashicorp/aws/<version>/<os_arch>/"
        in message
    )
    assert f"{tmp_path}/home/.terraform.d/plugins" in message
    assert isinstance(raised.value.__cause__, deploy.DeployError)


def test_a_mirror_in_an_implied_directory_is_passed_to_init(
    offline: Path, tmp_path: Path, home: Path
) -> None:
    mirror = unpacked_mirror(home / ".terraform.d" / "plugins")
    deploy.Deployment("fifo", "baton-offline", tmp_path / "deployment")._init()
    (init,) = [json.loads(line) for line in offline.read_text(encoding="utf-8").splitlines()]
    assert init[1:] == ["init", "-input=false", "-no-color", "-lockfile=readonly", f"-plugin-dir={mirror}"]


def test_other_init_failures_keep_terraform_s_output(offline: Path, tmp_path: Path) -> None:
    (tmp_path / "bin" / "terraform").write_text(
        f"#!{sys.executable}\nimport sys\nsys.exit('Error: Unsupported argument')\n",
        encoding="utf-8",
    )
    with pytest.raises(deploy.DeployError, match="Unsupported argument"):
        deploy.Deployment("relay", "baton-offline", tmp_path / "deployment")._init()


def test_make_demo_reports_a_missing_provider_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def up(count: int) -> int:
        raise ProviderMirrorError(
            "terraform init cannot install hashicorp/aws: ... Set BATON_TF_PLUGIN_DIR to ..."
        )

    monkeypatch.setattr(demo, "up", up)
    assert demo.main(["up"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("demo: terraform init cannot install hashicorp/aws")
    assert "Traceback" not in err
