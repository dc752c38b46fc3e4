"""Runtime interface process of one execution environment.

Started by the executor with the function's environment, its code directory as working directory, stdout and
stderr on a log file, a listening socket inherited as a file descriptor and a pipe on stdin whose end-of-file
means the executor is gone. It imports the handler (the Lambda "init" phase), reports ``status/ready`` (or
``status/error``) to LocalStack, then for each ``POST /invoke`` calls the handler in the main thread (so that
signal-based deadline guards in function code work) and posts the invocation's logs and then its response or
error back to LocalStack.

Standard library only: it runs on the Python of the function's runtime, not in LocalStack's environment.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import math
import os
import queue
import signal
import socket
import sys
import threading
import time
import traceback
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

Handler = Callable[[Any, "LambdaContext"], Any]

ERROR_LOG_LINE_TERMINATOR = "\r"
ERROR_LOG_INDENT = "\u00a0"


class FaultError(Exception):
    """An error of the runtime itself (bad handler name, import failure, marshalling)."""

    def __init__(self, error_type: str, message: str, stack_trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace or []


class LambdaContext:
    """The context object handed to the handler, with the attributes of the AWS Python runtime's."""

    def __init__(self, request_id: str, invoked_function_arn: str, deadline_ms: int) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        # The AWS runtime passes the memory size through as the string it reads from the environment.
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.identity: Any = None
        self.client_context: Any = None
        self.tenant_id: str | None = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left until the function timeout."""
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def log(self, msg: str) -> None:
        """Write to the function log, like the AWS runtime's ``context.log``."""
        sys.stdout.write(str(msg))

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},function_name={self.function_name},"
            f"invoked_function_arn={self.invoked_function_arn}])"
        )


class _RequestIdFilter(logging.Filter):
    """Adds the current request id to log records, as the AWS runtime's root handler does."""

    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


class _StdoutHandler(logging.Handler):
    """Writes formatted records to whatever ``sys.stdout`` is at the time."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stdout.write(self.format(record))


def setup_logging() -> _RequestIdFilter:
    """Install the AWS runtime's root log handler and format."""
    logging.Formatter.converter = time.gmtime
    handler = _StdoutHandler()
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    request_filter = _RequestIdFilter()
    handler.addFilter(request_filter)
    root = logging.getLogger()
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        root.setLevel(level)
    return request_filter


def make_error(error_type: str, message: str, stack_trace: list[str], request_id: str = "") -> dict[str, Any]:
    """An error document shaped like the AWS Python runtime's."""
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": stack_trace,
    }


def error_from_exception(exc: BaseException, request_id: str = "") -> dict[str, Any]:
    """Describe an exception raised by function code, without this module's frames."""
    frames = traceback.extract_tb(exc.__traceback__)
    while frames and frames[0].filename == __file__:
        frames.pop(0)
    return make_error(type(exc).__name__, str(exc), traceback.format_list(frames), request_id)


def log_error(error: dict[str, Any]) -> None:
    """Log an error the way the AWS runtime does: one record, lines joined with carriage returns."""
    description = "[ERROR]"
    if error.get("errorType"):
        description += " " + str(error["errorType"])
    if error.get("errorMessage"):
        description += (":" if error.get("errorType") else "") + " " + str(error["errorMessage"])
    lines = [description]
    if error.get("stackTrace") is not None:
        lines.append("Traceback (most recent call last):")
        for element in error["stackTrace"]:
            for line in str(element).splitlines():
                stripped = line.lstrip(" ")
                lines.append(ERROR_LOG_INDENT * (len(line) - len(stripped)) + stripped)
    sys.stdout.write(ERROR_LOG_LINE_TERMINATOR.join(lines) + "\n")


def load_handler(spec: str) -> Handler:
    """Import ``module.function`` from the code directory (the init phase)."""
    try:
        module_name, function_name = spec.rsplit(".", 1)
    except ValueError as exc:
        raise FaultError("Runtime.MalformedHandlerName", f"Bad handler '{spec}': {exc}") from exc
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise FaultError(
            "Runtime.BuiltInModuleConflict", f"Cannot use built-in module {module_name} as a handler module"
        )
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as exc:
        raise FaultError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from exc
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        raise FaultError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}", trace
        ) from exc
    handler = getattr(module, function_name, None)
    if handler is None:
        raise FaultError(
            "Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'"
        )
    return handler  # type: ignore[no-any-return]


class LocalStackClient:
    """Posts status, logs and results to LocalStack's executor endpoint for this environment."""

    def __init__(self, endpoint: str, runtime_id: str) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.runtime_id = runtime_id
        # Never send these through a proxy configured in the function's environment.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def post(self, path: str, body: bytes) -> None:
        """POST a JSON body under the endpoint (LocalStack refuses anything but application/json)."""
        request = urllib.request.Request(  # noqa: S310 - an http URL given by LocalStack
            f"{self.endpoint}/{path}",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with self._opener.open(request, timeout=30) as response:
            response.read()

    def status(self, status: str, body: dict[str, Any] | None = None) -> None:
        """Report ``ready`` or ``error`` for this environment."""
        self.post(f"status/{self.runtime_id}/{status}", json.dumps(body or {}).encode())

    def logs(self, request_id: str, logs: str) -> None:
        """Send the logs of one invocation."""
        self.post(f"invocations/{request_id}/logs", json.dumps({"logs": logs}).encode())

    def result(self, request_id: str, body: bytes, is_error: bool) -> None:
        """Send the response or the error of one invocation."""
        self.post(f"invocations/{request_id}/{'error' if is_error else 'response'}", body)


class LogWindow:
    """Reads what the process wrote to its log file since the previous read."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.offset = 0

    def take(self) -> str:
        """Everything written since the last call."""
        sys.stdout.flush()
        sys.stderr.flush()
        with open(self.path, "rb") as log_file:
            log_file.seek(self.offset)
            data = log_file.read()
        self.offset += len(data)
        return data.decode("utf-8", errors="replace")


def serve_invocations(listener: socket.socket, invocations: queue.Queue[dict[str, Any]]) -> None:
    """Accept ``POST /invoke`` from LocalStack on the inherited socket and queue the invocations."""

    class InvokeHandler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if self.path.rstrip("/") != "/invoke":
                self.send_error(404)
                return
            try:
                invocation = json.loads(body)
            except ValueError:
                self.send_error(400, "invalid JSON")
                return
            invocations.put(invocation)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, format: str, *args: Any) -> None:
            """Keep request lines out of the function log."""

    server = HTTPServer(listener.getsockname()[:2], InvokeHandler, bind_and_activate=False)
    server.socket.close()
    server.socket = listener
    thread = threading.Thread(target=server.serve_forever, name="invoke-server", daemon=True)
    thread.start()


def watch_parent() -> None:
    """Exit (with every process this one started) when the executor's end of stdin closes."""

    def wait_for_eof() -> None:
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        try:
            os.killpg(0, signal.SIGKILL)
        finally:
            os._exit(1)

    threading.Thread(target=wait_for_eof, name="parent-watch", daemon=True).start()


def report_line(request_id: str, started: float) -> str:
    """The END and REPORT lines LocalStack's runtime init writes after each invocation."""
    duration_ms = (time.monotonic() - started) * 1000
    memory = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
    return (
        f"END RequestId: {request_id}\n"
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {math.ceil(duration_ms)} ms\tMemory Size: {memory} MB\t"
        f"Max Memory Used: {memory} MB\t\n"
    )


def invoke(
    handler: Handler,
    invocation: dict[str, Any],
    client: LocalStackClient,
    window: LogWindow,
    request_filter: _RequestIdFilter,
) -> None:
    """Run one invocation and report it to LocalStack."""
    request_id = str(invocation.get("invoke-id", ""))
    timeout_s = float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT") or 3)
    deadline_ms = int(invocation.get("deadline-ms") or (time.time() + timeout_s) * 1000)
    trace_id = invocation.get("trace-id")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = str(trace_id)
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    request_filter.request_id = request_id
    version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
    sys.stdout.write(f"START RequestId: {request_id} Version: {version}\n")
    started = time.monotonic()
    error: dict[str, Any] | None = None
    body = b""
    try:
        raw = str(invocation.get("payload") or "")
        try:
            event = json.loads(raw) if raw.strip() else {}
        except ValueError as exc:
            raise FaultError("Runtime.UnmarshalError", f"Unable to unmarshal input: {exc}") from exc
        context = LambdaContext(request_id, str(invocation.get("invoked-function-arn", "")), deadline_ms)
        result = handler(event, context)
        try:
            body = json.dumps(result).encode()
        except (TypeError, ValueError) as exc:
            raise FaultError("Runtime.MarshalError", f"Unable to marshal response: {exc}") from exc
    except FaultError as exc:
        error = make_error(exc.error_type, exc.message, exc.stack_trace, request_id)
    except Exception as exc:  # noqa: BLE001 - any error of the function is reported as Lambda does
        error = error_from_exception(exc, request_id)
    if error is not None:
        log_error(error)
    sys.stdout.write(report_line(request_id, started))
    client.logs(request_id, window.take())
    if error is not None:
        client.result(request_id, json.dumps(error).encode(), is_error=True)
    else:
        client.result(request_id, body, is_error=False)
    request_filter.request_id = ""


def main(argv: list[str] | None = None) -> int:
    """Start the environment: init, report readiness, then serve invocations until killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen-fd", type=int, required=True, help="inherited listening socket")
    parser.add_argument("--log-file", required=True, help="file that stdout and stderr are written to")
    parser.add_argument("--code-dir", required=True, help="the function's unpacked code")
    parser.add_argument("--packages", action="append", default=[], help="runtime-provided packages")
    args = parser.parse_args(argv)

    # Lambda's module search order: the code first, then what the runtime provides, then the standard library.
    if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
        sys.path.pop(0)
    sys.path[0:0] = [args.code_dir, *args.packages]

    watch_parent()
    listener = socket.socket(fileno=args.listen_fd)
    client = LocalStackClient(os.environ["LOCALSTACK_RUNTIME_ENDPOINT"], os.environ["LOCALSTACK_RUNTIME_ID"])
    window = LogWindow(args.log_file)
    request_filter = setup_logging()

    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except FaultError as exc:
        init_error = make_error(exc.error_type, exc.message, exc.stack_trace)
    except Exception as exc:  # noqa: BLE001 - any error of the module's init is reported as Lambda does
        init_error = error_from_exception(exc)
    else:
        invocations: queue.Queue[dict[str, Any]] = queue.Queue()
        serve_invocations(listener, invocations)
        client.status("ready")
        while True:
            invoke(handler, invocations.get(), client, window, request_filter)
    log_error(init_error)
    sys.stdout.flush()
    client.status("error", init_error)
    return 1


if __name__ == "__main__":
    sys.exit(main())
