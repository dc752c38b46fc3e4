"""A LocalStack Lambda runtime executor that runs each execution environment as a local process.

LocalStack creates one executor per execution environment. ``start`` spawns ``runtime.py`` on the Python of
the function's runtime with the function's environment and waits for its ``status/ready`` callback; ``invoke``
forwards an invocation to the process and waits for its result, enforcing the function timeout: past it the
process (and everything it started) is killed, the invocation ends with a "Task timed out after N.NN seconds"
error, and the next invocation gets a freshly started process, as Lambda's runtime init does.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import CancelledError, Future
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING

from localstack import config
from localstack.aws.api.lambda_ import PackageType
from localstack.services.lambda_.invocation.executor_endpoint import (
    ExecutorEndpoint,
    InvokeSendError,
    ShutdownDuringStartup,
)
from localstack.services.lambda_.invocation.lambda_models import InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)

if TYPE_CHECKING:
    from localstack.services.lambda_.invocation.lambda_models import FunctionVersion

LOG = logging.getLogger(__name__)

RUNTIME_SCRIPT = Path(__file__).with_name("runtime.py")
# Settings read from LocalStack's environment (set by tests/localstack/localstack_ctl.py).
WORK_DIR_ENV = "BATON_LAMBDA_WORK_DIR"
PACKAGES_ENV = "BATON_LAMBDA_RUNTIME_PACKAGES"
PYTHON_ENV = "BATON_LAMBDA_PYTHON"
PID_FILE = "runtime.pid"
LOG_TAIL_BYTES = 64 * 1024
POLL_SECONDS = 0.1

_python_cache: dict[str, str] = {}
_python_lock = threading.Lock()


def _python_version_of(executable: str) -> str | None:
    """``major.minor`` of an interpreter, or None if it does not run."""
    try:
        completed = subprocess.run(  # noqa: S603 - a candidate interpreter path, no shell
            [executable, "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None


def _candidate_pythons(version: str) -> list[str]:
    """Interpreters that may be Python ``version``, most specific first."""
    candidates: list[str] = []
    override = os.environ.get(f"{PYTHON_ENV}_{version.replace('.', '_')}") or os.environ.get(PYTHON_ENV)
    if override:
        candidates.append(override)
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        # The interpreter LocalStack's virtual environment was made from, without that environment's packages.
        candidates.append(getattr(sys, "_base_executable", "") or sys.executable)
    if found := shutil.which(f"python{version}"):
        candidates.append(found)
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates.extend(
        str(p) for p in sorted(pyenv_root.glob(f"versions/{version}*/bin/python{version}"))[::-1]
    )
    candidates.extend(f"{prefix}/bin/python{version}" for prefix in ("/usr/local", "/usr"))
    return candidates


def find_python(runtime: str) -> str:
    """The interpreter for a ``pythonX.Y`` runtime; falls back to LocalStack's own Python with a warning."""
    with _python_lock:
        if runtime in _python_cache:
            return _python_cache[runtime]
        version = runtime.removeprefix("python")
        for candidate in _candidate_pythons(version):
            if Path(candidate).is_file() and _python_version_of(candidate) == version:
                chosen = candidate
                break
        else:
            chosen = getattr(sys, "_base_executable", "") or sys.executable
            LOG.warning(
                "No Python %s found for runtime %s; running it with %s (Python %d.%d). Set %s to choose one.",
                version,
                runtime,
                chosen,
                *sys.version_info[:2],
                PYTHON_ENV,
            )
        LOG.info("Lambda runtime %s runs with %s", runtime, chosen)
        _python_cache[runtime] = chosen
        return chosen


def runtime_packages() -> list[str]:
    """Directories with what the Lambda Python runtime provides besides the standard library (boto3)."""
    configured = os.environ.get(PACKAGES_ENV)
    directory = Path(configured) if configured else Path(sys.prefix) / "lambda-runtime"
    if directory.is_dir():
        return [str(directory)]
    LOG.warning("No runtime packages at %s: function code that imports boto3 must bundle it", directory)
    return []


def _gateway_host() -> str:
    """The address a local process reaches LocalStack's gateway at."""
    host = config.GATEWAY_LISTEN[0].host
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - mapping a wildcard bind to loopback
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


class ProcessRuntimeExecutor(RuntimeExecutor):
    """One execution environment: a ``runtime.py`` process on a port of its own."""

    executor_endpoint: ExecutorEndpoint

    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self.executor_endpoint = ExecutorEndpoint(self.id, container_address="127.0.0.1")
        self._lock = threading.RLock()
        self._process: subprocess.Popen[bytes] | None = None
        self._listener: socket.socket | None = None
        self._parent_pipe: int | None = None
        self._env: dict[str, str] = {}
        self._work_dir: Path | None = None
        self._log_path: Path | None = None
        self._log_mark = 0
        self._generation = 0
        self._needs_restart = False
        self._stopped = False

    # Lifecycle

    def start(self, env_vars: dict[str, str]) -> None:
        """Start the environment's process and wait until it reports ready."""
        self.executor_endpoint.start()
        base = Path(os.environ.get(WORK_DIR_ENV) or Path(tempfile.gettempdir()) / "baton-lambda")
        base.mkdir(parents=True, exist_ok=True)
        self._work_dir = Path(tempfile.mkdtemp(prefix=f"{self.function_version.id.function_name}-", dir=base))
        (self._work_dir / "tmp").mkdir()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        self._listener = listener
        self.executor_endpoint.container_port = listener.getsockname()[1]
        self._env = self._process_environment(env_vars)
        self._spawn()
        self._wait_until_ready()

    def stop(self) -> None:
        """Kill the process and everything it started, release the port and the files."""
        self._stopped = True
        try:  # first: wakes up a start or invocation waiting on the process
            self.executor_endpoint.shutdown()
        except Exception as exc:  # noqa: BLE001 - stopping must not fail on an endpoint that never started
            LOG.debug("Error while shutting down the executor endpoint of %s: %s", self.id, exc)
        with self._lock:
            self._kill()
            if self._listener is not None:
                self._listener.close()
                self._listener = None
        if self._work_dir is not None:
            shutil.rmtree(self._work_dir, ignore_errors=True)

    def _process_environment(self, env_vars: dict[str, str]) -> dict[str, str]:
        """The function's environment as LocalStack gives it, plus what the Lambda Python runtime sets."""
        runtime = str(self.function_version.config.runtime)
        assert self._work_dir is not None
        python = find_python(runtime)
        tmp = str(self._work_dir / "tmp")
        env = {
            "PATH": os.pathsep.join([str(Path(python).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
            "LANG": "C.UTF-8",
            "HOME": tmp,
            "TMPDIR": tmp,
            "PYTHONUNBUFFERED": "1",
        }
        env.update({key: str(value) for key, value in env_vars.items() if value is not None})
        env.update(
            {
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
                "LAMBDA_TASK_ROOT": str(self._code_dir()),
                "LAMBDA_RUNTIME_DIR": str(RUNTIME_SCRIPT.parent),
            }
        )
        return env

    def _code_dir(self) -> Path:
        code = self.function_version.config.code
        if code is None:
            raise LambdaRuntimeException(f"Function {self.function_version.qualified_arn} has no code")
        return Path(code.get_unzipped_code_location())

    def _spawn(self) -> None:
        """Start a runtime process for this environment (first start or replacement)."""
        assert self._work_dir is not None
        assert self._listener is not None
        self._generation += 1
        self._log_path = self._work_dir / f"runtime-{self._generation}.log"
        self._log_mark = 0
        runtime = str(self.function_version.config.runtime)
        command = [
            find_python(runtime),
            "-u",  # unbuffered: output written before a timeout kill is not lost
            "-S",  # no site-packages of the interpreter: only the code, runtime packages and stdlib
            str(RUNTIME_SCRIPT),
            "--listen-fd",
            str(self._listener.fileno()),
            "--log-file",
            str(self._log_path),
            "--code-dir",
            str(self._code_dir()),
        ]
        for directory in runtime_packages():
            command += ["--packages", directory]
        read_end, write_end = os.pipe()
        log_file: IO[bytes]
        with open(self._log_path, "ab") as log_file:
            self._process = subprocess.Popen(  # noqa: S603 - fixed command, no shell
                command,
                stdin=read_end,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=self._env,
                cwd=self._code_dir(),
                pass_fds=(self._listener.fileno(),),
                start_new_session=True,
            )
        os.close(read_end)
        if self._parent_pipe is not None:
            os.close(self._parent_pipe)
        self._parent_pipe = write_end
        (self._work_dir / PID_FILE).write_text(f"{self._process.pid}\n")
        self._needs_restart = False
        LOG.debug("Started runtime process %s for executor %s", self._process.pid, self.id)

    def _wait_until_ready(self, timeout: float | None = None) -> None:
        """Block until the process posts status/ready; raise on status/error, early exit, shutdown or timeout.

        The first start has no timeout of its own: LocalStack stops environments that do not start in time.
        """
        future = self.executor_endpoint.startup_future
        assert future is not None
        assert self._process is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                future.result(timeout=POLL_SECONDS)
                return
            except TimeoutError:
                pass
            except CancelledError as exc:
                raise ShutdownDuringStartup("Execution environment shut down during startup") from exc
            if self._stopped:
                raise ShutdownDuringStartup("Execution environment shut down during startup")
            if self._process.poll() is not None:
                try:  # a status/error posted just before exiting wins
                    future.result(timeout=1)
                    return
                except TimeoutError:
                    pass
                raise LambdaRuntimeException(
                    f"Runtime process exited with code {self._process.returncode} before it was ready:\n"
                    f"{self.get_logs()}"
                )
            if deadline is not None and time.monotonic() > deadline:
                self._kill()
                raise LambdaRuntimeException(
                    f"Runtime process was not ready within {timeout:.0f} s:\n{self.get_logs()}"
                )

    def _restart(self) -> None:
        """Replace a killed or exited process with a fresh one (a new init)."""
        self._kill()
        self.executor_endpoint.startup_future = Future()
        self._spawn()
        self._wait_until_ready(timeout=float(config.LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT))

    def _kill(self) -> None:
        """SIGKILL the process group of the runtime process and reap it."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        if self._parent_pipe is not None:
            os.close(self._parent_pipe)
            self._parent_pipe = None
        if self._work_dir is not None:
            (self._work_dir / PID_FILE).unlink(missing_ok=True)

    # Invocations

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        """Send one invocation to the process and wait for its result, within the function timeout."""
        with self._lock:
            if self._stopped:
                raise LambdaRuntimeException(f"Executor {self.id} is stopped")
            if self._needs_restart or self._process is None or self._process.poll() is not None:
                self._restart()
            process = self._process
            assert process is not None
        timeout = float(self._env.get("AWS_LAMBDA_FUNCTION_TIMEOUT") or 3)
        request_id = payload.get("invoke-id", "")
        started = time.monotonic()
        deadline = started + timeout
        endpoint = self.executor_endpoint
        future: Future[InvocationResult] = Future()
        endpoint.invocation_future = future
        endpoint.logs = None
        self._send({**payload, "deadline-ms": str(int((time.time() + timeout) * 1000))})
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return self._timed_out(request_id, timeout)
            try:
                result = future.result(timeout=min(remaining, POLL_SECONDS))
                break
            except TimeoutError:
                pass
            if process.poll() is not None:
                try:  # a result posted just before exiting wins
                    result = future.result(timeout=0.5)
                    break
                except TimeoutError:
                    return self._exited(request_id, process.returncode, started)
        self._log_mark = self._log_size()
        return result

    def _send(self, payload: dict[str, str]) -> None:
        """POST the invocation to the runtime process (it answers at once and works in the background)."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.executor_endpoint.container_port, timeout=30
        )
        try:
            connection.request(
                "POST", "/invoke", body=json.dumps(payload), headers={"Content-Type": "application/json"}
            )
            response = connection.getresponse()
            response.read()
        except OSError as exc:
            raise InvokeSendError(f"Could not send the invocation to executor {self.id}: {exc}") from exc
        finally:
            connection.close()
        if response.status != 200:
            raise InvokeSendError(f"Executor {self.id} refused the invocation: HTTP {response.status}")

    def _timed_out(self, request_id: str, timeout: float) -> InvocationResult:
        """Kill the process past the function timeout and report the invocation the way Lambda does."""
        with self._lock:
            self._kill()
            self._needs_restart = True
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: UP017 - also 3.10
        message = f"{stamp} {request_id} Task timed out after {timeout:.2f} seconds"
        logs = self._unreported_output() + message + "\n" + self._end_lines(request_id, timeout * 1000)
        error = {"errorMessage": message, "errorType": "Sandbox.Timedout"}
        LOG.debug("Invocation %s of executor %s timed out after %.2f s", request_id, self.id, timeout)
        return InvocationResult(request_id, json.dumps(error).encode(), is_error=True, logs=logs)

    def _exited(self, request_id: str, returncode: int, started: float) -> InvocationResult:
        """Report an invocation whose runtime process exited before answering (Runtime.ExitError)."""
        with self._lock:
            self._kill()
            self._needs_restart = True
        status = (
            f"signal: {signal.Signals(-returncode).name}" if returncode < 0 else f"exit status {returncode}"
        )
        message = f"RequestId: {request_id} Error: Runtime exited with error: {status}"
        duration_ms = (time.monotonic() - started) * 1000
        logs = (
            self._unreported_output()
            + f"{message}\nRuntime.ExitError\n"
            + self._end_lines(request_id, duration_ms)
        )
        error = {"errorMessage": message, "errorType": "Runtime.ExitError"}
        return InvocationResult(request_id, json.dumps(error).encode(), is_error=True, logs=logs)

    def _end_lines(self, request_id: str, duration_ms: float) -> str:
        memory = self._env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        return (
            f"END RequestId: {request_id}\n"
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {math.ceil(duration_ms)} ms\tMemory Size: {memory} MB\t"
            f"Max Memory Used: {memory} MB\t\n"
        )

    def _log_size(self) -> int:
        try:
            return self._log_path.stat().st_size if self._log_path else 0
        except OSError:
            return 0

    def _unreported_output(self) -> str:
        """What the process wrote since the last invocation it reported itself."""
        if self._log_path is None:
            return ""
        try:
            with open(self._log_path, "rb") as log_file:
                log_file.seek(self._log_mark)
                data = log_file.read()
        except OSError:
            return ""
        text = data.decode("utf-8", errors="replace")
        return text if not text or text.endswith("\n") else text + "\n"

    # Addresses and logs

    def get_address(self) -> str:
        """The runtime processes listen on loopback."""
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        """LocalStack's gateway, as a local process reaches it."""
        return _gateway_host()

    def get_runtime_endpoint(self) -> str:
        """Base URL of LocalStack's callbacks for this environment."""
        port = config.GATEWAY_LISTEN[0].port
        return f"http://{_gateway_host()}:{port}{self.executor_endpoint.get_endpoint_prefix()}"

    def get_logs(self) -> str:
        """The tail of the current process's output."""
        if self._log_path is None or not self._log_path.exists():
            return "Runtime process was not started"
        with open(self._log_path, "rb") as log_file:
            log_file.seek(max(0, self._log_size() - LOG_TAIL_BYTES))
            return log_file.read().decode("utf-8", errors="replace")

    # Versions

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        """Unpack the code and check that the function is one this executor can run."""
        cfg = function_version.config
        if cfg.package_type != PackageType.Zip:
            raise LambdaRuntimeException(
                "The baton-process Lambda executor runs zip-packaged functions only, not container images"
            )
        runtime = str(cfg.runtime or "")
        if not runtime.startswith("python"):
            raise LambdaRuntimeException(
                f"The baton-process Lambda executor runs Python functions only, not runtime {runtime!r}"
            )
        if cfg.layers:
            LOG.warning(
                "Function %s has layers; the baton-process executor ignores them",
                function_version.qualified_arn,
            )
        if cfg.code:
            cfg.code.prepare_for_execution()
        find_python(runtime)

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        """Nothing is prepared beyond the unpacked code, which LocalStack removes."""

    @classmethod
    def validate_environment(cls) -> bool:
        """Runtime processes need nothing beyond a Python, found per function."""
        return True
