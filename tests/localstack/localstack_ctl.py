#!/usr/bin/env python3
"""Start, stop and inspect the LocalStack that Baton's local runs and tests use.

With a working Docker engine it runs the ``localstack/localstack:4.14.0`` image. Without one it runs
LocalStack 4.14.0 on the host, in its own Python 3.13 virtual environment (created on first use), with Baton's
process-based Lambda runtime executor. State and logs live under ``.localstack/`` at the repository root.

Standard library only; runs on any Python >= 3.11. See tests/localstack/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLUGIN_DIR = HERE / "plugins"
RUNTIME_SCRIPT_MARKER = "baton_localstack/runtime.py"
DYNAMODB_PROVIDER = "baton_moto"

LOCALSTACK_VERSION = "4.14.0"
# localstack-core 4.14.0 resolves to dependency versions that fail at import or start; these pins work.
HOST_REQUIREMENTS = (
    f"localstack-core[runtime]=={LOCALSTACK_VERSION}",
    "cbor2==5.7.1",
    "cryptography==44.0.3",
    "pyOpenSSL==24.3.0",
    "service-identity==24.2.0",
)
HOST_PYTHON_VERSION = "3.13"
DEFAULT_SERVICES = "s3,sqs,lambda,events,iam,sts,logs,dynamodb,cloudwatch,scheduler,sns,s3control"
EXECUTOR_NAME = "baton-process"
# LocalStack settings passed on to the container when set in the caller's environment.
DOCKER_PASSTHROUGH = (
    "DEBUG",
    "LS_LOG",
    "LAMBDA_KEEPALIVE_MS",
    "LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT",
    "LAMBDA_DOCKER_NETWORK",
    "LOCALSTACK_HOST",
    "SQS_ENDPOINT_STRATEGY",
)


class CtlError(Exception):
    """A failure with a message meant for the person running make."""


def log(message: str) -> None:
    """Progress output of the make targets."""
    print(f"localstack: {message}", flush=True)


@dataclass(frozen=True)
class Settings:
    """Where and how LocalStack runs; every field can be overridden through the environment."""

    root: Path
    host: str
    port: int
    mode: str
    image: str
    container: str
    services: str
    venv: Path
    python: str
    start_timeout: float
    stop_grace: float

    @classmethod
    def from_env(cls, root: Path) -> Settings:
        """Read the BATON_LOCALSTACK_* overrides."""
        env = os.environ
        return cls(
            root=root,
            host=env.get("BATON_LOCALSTACK_HOST", "127.0.0.1"),
            port=int(env.get("BATON_LOCALSTACK_PORT", "4566")),
            mode=env.get("BATON_LOCALSTACK_MODE", "auto"),
            image=env.get("BATON_LOCALSTACK_IMAGE", f"localstack/localstack:{LOCALSTACK_VERSION}"),
            container=env.get("BATON_LOCALSTACK_CONTAINER", "baton-localstack"),
            services=env.get("BATON_LOCALSTACK_SERVICES", DEFAULT_SERVICES),
            venv=Path(env.get("BATON_LOCALSTACK_VENV") or root / ".venv-localstack"),
            python=env.get("BATON_LOCALSTACK_PYTHON", ""),
            start_timeout=float(env.get("BATON_LOCALSTACK_START_TIMEOUT", "120")),
            stop_grace=float(env.get("BATON_LOCALSTACK_STOP_GRACE", "15")),
        )

    @property
    def state_dir(self) -> Path:
        return self.root / ".localstack"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "localstack.log"

    @property
    def install_log(self) -> Path:
        return self.state_dir / "install.log"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "localstack.pid"

    @property
    def mode_file(self) -> Path:
        return self.state_dir / "mode"

    @property
    def lambda_dir(self) -> Path:
        return self.state_dir / "lambda"

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host  # noqa: S104 - client side
        return f"http://{host}:{self.port}"


# Processes


def pid_alive(pid: int) -> bool:
    """Whether a process exists (zombies count as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return status.rsplit(")", 1)[-1].split()[0] != "Z"


def read_pid(path: Path) -> int | None:
    """The pid in a pid file, if the file exists and holds one."""
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def cmdline(pid: int) -> str:
    """A process's command line (empty if unknown)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def terminate(pid: int, grace: float, what: str, group: bool = True) -> None:
    """SIGTERM a process (group), wait up to ``grace`` seconds, then SIGKILL it."""
    send = os.killpg if group else os.kill
    try:
        send(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            log(f"{what} (pid {pid}) stopped")
            return
        time.sleep(0.2)
    log(f"{what} (pid {pid}) still running after {grace:g} s: killing it")
    with contextlib.suppress(ProcessLookupError):
        send(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)


def healthy(settings: Settings, timeout: float = 2.0) -> dict[str, object] | None:
    """The health document if LocalStack answers at the configured address."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{settings.url}/_localstack/health", timeout=timeout) as response:
            document = json.loads(response.read())
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def log_tail(path: Path, lines: int = 25) -> str:
    """The last lines of a log file, indented for the console."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "    (no log)"
    return "\n".join("    " + line for line in text.splitlines()[-lines:])


# Docker mode


def docker_available() -> bool:
    """Whether a Docker engine answers (the CLI alone is not enough)."""
    if shutil.which("docker") is None:
        return False
    try:
        completed = subprocess.run(
            ["docker", "info"],  # noqa: S607 - the docker CLI on PATH
            capture_output=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return completed.returncode == 0


def docker_socket() -> str:
    """The engine's unix socket to mount into LocalStack, so that its Docker Lambda executor works."""
    docker_host = os.environ.get("DOCKER_HOST", "")
    if docker_host.startswith("unix://"):
        return docker_host.removeprefix("unix://")
    return "/var/run/docker.sock"


def docker_container_running(settings: Settings) -> bool:
    """Whether this project's LocalStack container runs."""
    completed = subprocess.run(  # noqa: S603
        ["docker", "inspect", "-f", "{{.State.Running}}", settings.container],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return completed.returncode == 0 and completed.stdout.strip() == "true"


def start_docker(settings: Settings) -> None:
    """Run the LocalStack image with the Docker socket mounted and follow its log into the log file."""
    subprocess.run(  # noqa: S603
        ["docker", "rm", "-f", settings.container],  # noqa: S607
        capture_output=True,
        check=False,
    )
    socket_path = docker_socket()
    command = [
        "docker",
        "run",
        "--detach",
        "--rm",
        "--name",
        settings.container,
        "--publish",
        f"{settings.host}:{settings.port}:4566",
        "--volume",
        f"{socket_path}:/var/run/docker.sock",
        "--env",
        f"SERVICES={settings.services}",
    ]
    for name in DOCKER_PASSTHROUGH:
        if name in os.environ:
            command += ["--env", f"{name}={os.environ[name]}"]
    command.append(settings.image)
    log(f"starting {settings.image} in Docker (container {settings.container})")
    completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if completed.returncode != 0:
        raise CtlError(f"docker run failed:\n{completed.stderr.strip()}")
    settings.mode_file.write_text("docker\n")
    with open(settings.log_file, "ab") as log_file:
        follower = subprocess.Popen(  # noqa: S603
            ["docker", "logs", "--follow", settings.container],  # noqa: S607
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    settings.pid_file.write_text(f"{follower.pid}\n")


def stop_docker(settings: Settings) -> None:
    """docker stop the container (it was started with --rm) and end the log follower."""
    log(f"stopping container {settings.container}")
    subprocess.run(  # noqa: S603
        ["docker", "stop", "--time", str(int(settings.stop_grace)), settings.container],  # noqa: S607
        capture_output=True,
        check=False,
    )
    follower = read_pid(settings.pid_file)
    if follower is not None and pid_alive(follower) and "docker" in cmdline(follower):
        terminate(follower, 5, "docker log follower")


# Host mode


def python_version(executable: str) -> str | None:
    """``major.minor`` of an interpreter, or None if it does not run (a pyenv shim of another version)."""
    try:
        completed = subprocess.run(  # noqa: S603 - a candidate interpreter path
            [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None


def find_host_python(settings: Settings) -> str | None:
    """A Python 3.13 for LocalStack's virtual environment."""
    version = HOST_PYTHON_VERSION
    if settings.python:
        if python_version(settings.python) != version:
            raise CtlError(f"BATON_LOCALSTACK_PYTHON={settings.python} is not a working Python {version}")
        return settings.python
    candidates: list[str] = []
    if found := shutil.which(f"python{version}"):
        candidates.append(found)
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates += [str(p) for p in sorted(pyenv_root.glob(f"versions/{version}*/bin/python{version}"))[::-1]]
    candidates += [f"{prefix}/bin/python{version}" for prefix in ("/usr/local", "/usr", "/opt/homebrew")]
    if uv := shutil.which("uv"):
        completed = subprocess.run(  # noqa: S603
            [uv, "python", "find", version], capture_output=True, text=True, check=False
        )
        if completed.returncode == 0 and completed.stdout.strip():
            candidates.append(completed.stdout.strip())
    for candidate in candidates:
        if python_version(candidate) == version:
            return candidate
    return None


def venv_stamp(python: str) -> str:
    """What the virtual environment was built from; a change triggers a reinstall."""
    digest = hashlib.sha256()
    digest.update("\n".join(HOST_REQUIREMENTS).encode())
    digest.update((PLUGIN_DIR / "pyproject.toml").read_bytes())
    digest.update(str(PLUGIN_DIR).encode())
    digest.update(str(Path(python).resolve()).encode())
    return digest.hexdigest()


def run_logged(command: list[str], settings: Settings, what: str) -> None:
    """Run an install step with its output in the install log."""
    with open(settings.install_log, "ab") as log_file:
        log_file.write(f"\n$ {' '.join(command)}\n".encode())
        log_file.flush()
        completed = subprocess.run(  # noqa: S603
            command, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False
        )
    if completed.returncode != 0:
        raise CtlError(
            f"{what} failed (exit {completed.returncode}). Log {settings.install_log}:\n"
            f"{log_tail(settings.install_log)}"
        )


def ensure_venv(settings: Settings, python: str) -> Path:
    """Create or update LocalStack's virtual environment; returns its Python."""
    venv_python = settings.venv / "bin" / "python"
    stamp_file = settings.venv / ".baton-localstack-stamp"
    stamp = venv_stamp(python)
    with contextlib.suppress(OSError):
        if (
            stamp_file.read_text().strip() == stamp
            and python_version(str(venv_python)) == HOST_PYTHON_VERSION
        ):
            return venv_python
    started = time.monotonic()
    log(
        f"installing LocalStack {LOCALSTACK_VERSION} into {settings.venv} with {python} (first use: ~1-2 min)"
    )
    log(f"install log: {settings.install_log}")
    if python_version(str(venv_python)) != HOST_PYTHON_VERSION:
        shutil.rmtree(settings.venv, ignore_errors=True)
        run_logged([python, "-m", "venv", str(settings.venv)], settings, "creating the virtual environment")
    pip = [str(venv_python), "-m", "pip", "--disable-pip-version-check", "--no-input"]
    install = [*pip, "install", "--progress-bar", "off"]
    run_logged([*install, *HOST_REQUIREMENTS, "-e", str(PLUGIN_DIR)], settings, "installing LocalStack")
    # The Lambda Python runtime ships boto3: give function processes the same boto3 LocalStack was built with.
    pins = subprocess.run(  # noqa: S603
        [
            str(venv_python),
            "-c",
            "import importlib.metadata as m; print(*(f'{d}=={m.version(d)}' for d in ('boto3', 'botocore')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    packages = settings.venv / "lambda-runtime"
    shutil.rmtree(packages, ignore_errors=True)
    run_logged(
        [*install, "--target", str(packages), *pins],
        settings,
        "installing the Lambda runtime's boto3",
    )
    stamp_file.write_text(stamp + "\n")
    log(f"installed in {time.monotonic() - started:.0f} s")
    return venv_python


def start_host(settings: Settings) -> None:
    """Run LocalStack on the host in its virtual environment, with the process Lambda executor."""
    python = find_host_python(settings)
    if python is None:
        raise CtlError(
            "no Docker engine (`docker info` fails) and no Python 3.13 found to run LocalStack on the host.\n"
            "  Either start Docker, or install Python 3.13, for example:\n"
            "    pyenv install 3.13        (https://github.com/pyenv/pyenv)\n"
            "    uv python install 3.13    (https://docs.astral.sh/uv/)\n"
            "    apt-get install python3.13 python3.13-venv\n"
            "  or point BATON_LOCALSTACK_PYTHON at a python3.13 executable."
        )
    venv_python = ensure_venv(settings, python)
    filesystem = settings.state_dir / "filesystem"
    tmp = settings.state_dir / "tmp"
    for directory in (filesystem, tmp, settings.lambda_dir):
        directory.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        {
            "GATEWAY_LISTEN": f"{settings.host}:{settings.port}",
            "SERVICES": settings.services,
            "LAMBDA_RUNTIME_EXECUTOR": EXECUTOR_NAME,
            # LocalStack's DynamoDB downloads Java and DynamoDB Local on first use; serve it from moto.
            "PROVIDER_OVERRIDE_DYNAMODB": DYNAMODB_PROVIDER,
            "BATON_LAMBDA_WORK_DIR": str(settings.lambda_dir),
            "BATON_LAMBDA_RUNTIME_PACKAGES": str(settings.venv / "lambda-runtime"),
            "FILESYSTEM_ROOT": str(filesystem),
            # tempfile honours TMP too; TMPDIR itself is a deprecated LocalStack setting that logs a warning.
            "TMP": str(tmp),
            "DNS_ADDRESS": "0",  # no DNS server on port 53 of the host
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            "DISABLE_EVENTS": "1",
        }
    )
    env.pop("PYTHONPATH", None)
    log(f"starting LocalStack {LOCALSTACK_VERSION} on the host ({venv_python})")
    with open(settings.log_file, "ab") as log_file:
        process = subprocess.Popen(  # noqa: S603
            [str(venv_python), "-m", "localstack.runtime.main"],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=settings.state_dir,
            start_new_session=True,
        )
    settings.pid_file.write_text(f"{process.pid}\n")
    settings.mode_file.write_text("host\n")


def stop_host(settings: Settings) -> None:
    """SIGTERM LocalStack, wait the grace period, SIGKILL it; then kill leftover runtime processes."""
    pid = read_pid(settings.pid_file)
    if pid is not None and pid_alive(pid) and "localstack" in cmdline(pid):
        log(f"stopping LocalStack (pid {pid}, grace {settings.stop_grace:g} s)")
        terminate(pid, settings.stop_grace, "LocalStack")
    else:
        log(f"LocalStack (pid {pid}) was not running any more")
    kill_runtime_leftovers(settings)


def kill_runtime_leftovers(settings: Settings) -> None:
    """Kill Lambda runtime processes LocalStack left behind (after a SIGKILL) and remove their directories.

    Only called while no host-mode LocalStack of this project runs.
    """
    for pid_file in settings.lambda_dir.glob("*/runtime.pid"):
        pid = read_pid(pid_file)
        if pid is not None and pid_alive(pid) and RUNTIME_SCRIPT_MARKER in cmdline(pid):
            log(f"killing leftover Lambda runtime process {pid}")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    if settings.lambda_dir.is_dir():
        for directory in settings.lambda_dir.iterdir():
            shutil.rmtree(directory, ignore_errors=True)


# Commands


def current_mode(settings: Settings) -> str | None:
    """The mode of the LocalStack this script started, if it is still running."""
    try:
        mode = settings.mode_file.read_text().strip()
    except OSError:
        return None
    if mode == "docker":
        return mode if docker_available() and docker_container_running(settings) else None
    pid = read_pid(settings.pid_file)
    if pid is not None and pid_alive(pid) and "localstack" in cmdline(pid):
        return mode
    return None


def choose_mode(settings: Settings) -> str:
    """docker or host, from BATON_LOCALSTACK_MODE (auto: docker when an engine answers)."""
    if settings.mode not in ("auto", "docker", "host"):
        raise CtlError(f"BATON_LOCALSTACK_MODE must be auto, docker or host, not {settings.mode!r}")
    if settings.mode != "auto":
        if settings.mode == "docker" and not docker_available():
            raise CtlError(
                "BATON_LOCALSTACK_MODE=docker but `docker info` fails: is the Docker engine running?"
            )
        return settings.mode
    return "docker" if docker_available() else "host"


def wait_healthy(settings: Settings, mode: str) -> None:
    """Wait for /_localstack/health, failing early if the process or container is gone."""
    deadline = time.monotonic() + settings.start_timeout
    pid = read_pid(settings.pid_file)
    while time.monotonic() < deadline:
        if healthy(settings) is not None:
            return
        if mode == "host" and pid is not None and not pid_alive(pid):
            raise CtlError(
                f"LocalStack exited during startup. Last lines of {settings.log_file}:\n"
                f"{log_tail(settings.log_file)}"
            )
        if mode == "docker" and not docker_container_running(settings):
            raise CtlError(f"the LocalStack container stopped during startup. See {settings.log_file}")
        time.sleep(0.5)
    raise CtlError(
        f"LocalStack did not answer {settings.url}/_localstack/health within {settings.start_timeout:.0f} s "
        f"(BATON_LOCALSTACK_START_TIMEOUT). Last lines of {settings.log_file}:\n"
        f"{log_tail(settings.log_file)}\n"
        "It is left running for inspection; `make localstack-down` stops it."
    )


def print_where(settings: Settings, mode: str) -> None:
    """Tell where LocalStack listens and where its log is."""
    detail = f"container {settings.container}" if mode == "docker" else f"pid {read_pid(settings.pid_file)}"
    log(f"LocalStack {LOCALSTACK_VERSION} ({mode} mode, {detail}) listens on {settings.url}")
    log(f"log: {settings.log_file}")
    log(
        f"use: AWS_ENDPOINT_URL={settings.url} AWS_DEFAULT_REGION=us-east-1 "
        "AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test"
    )


def cmd_up(settings: Settings) -> None:
    """Start LocalStack unless it already runs."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    mode = current_mode(settings)
    if mode is not None:
        wait_healthy(settings, mode)
        log("already running")
        print_where(settings, mode)
        return
    if healthy(settings) is not None:
        log(f"a LocalStack not started by this project already answers at {settings.url}; using it as it is")
        return
    mode = choose_mode(settings)
    started = time.monotonic()
    if mode == "docker":
        start_docker(settings)
    else:
        kill_runtime_leftovers(settings)
        start_host(settings)
    wait_healthy(settings, mode)
    log(f"ready after {time.monotonic() - started:.1f} s")
    print_where(settings, mode)


def cmd_down(settings: Settings) -> None:
    """Stop the LocalStack this script started (if any)."""
    try:
        mode = settings.mode_file.read_text().strip()
    except OSError:
        mode = ""
    if mode == "docker" and docker_available():
        stop_docker(settings)
    elif mode == "host":
        stop_host(settings)
    else:
        log("not running (nothing started by make localstack-up)")
    settings.pid_file.unlink(missing_ok=True)
    settings.mode_file.unlink(missing_ok=True)


def cmd_status(settings: Settings) -> None:
    """Print whether LocalStack runs."""
    mode = current_mode(settings)
    if mode is not None and healthy(settings) is not None:
        print_where(settings, mode)
        return
    if healthy(settings) is not None:
        log(f"a LocalStack not started by this project answers at {settings.url}")
        return
    log("not running")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("up", "down", "status"))
    parser.add_argument("--root", type=Path, default=HERE.parent.parent, help="repository root")
    args = parser.parse_args(argv)
    settings = Settings.from_env(args.root.resolve())
    commands = {"up": cmd_up, "down": cmd_down, "status": cmd_status}
    try:
        commands[args.command](settings)
    except CtlError as exc:
        print(f"localstack: error: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
