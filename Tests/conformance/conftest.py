"""Independent-client conformance tests: the built `prescale` binary, started on loopback, called
from Python's grpcio with stubs generated from proto/externalscaler.proto, the way KEDA calls it."""
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import grpc
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _binary() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("PRESCALE_BIN", ROOT / ".build" / "debug" / "prescale"))
    if not path.exists():
        pytest.exit(f"prescale binary not found at {path}; run `swift build` first or set PRESCALE_BIN", 2)
    return path


@pytest.fixture(scope="session")
def pb():
    """Python stubs generated at test time from the proto KEDA-compatible clients use."""
    from grpc_tools import protoc

    out = tempfile.mkdtemp(prefix="prescale-stubs-")
    code = protoc.main([
        "grpc_tools.protoc", f"-I{ROOT / 'proto'}", f"--python_out={out}", f"--grpc_python_out={out}",
        "externalscaler.proto",
    ])
    assert code == 0, "protoc failed on proto/externalscaler.proto"
    sys.path.insert(0, out)
    import externalscaler_pb2
    import externalscaler_pb2_grpc

    return externalscaler_pb2, externalscaler_pb2_grpc


def wait_for(what, fn, timeout=30, interval=0.05):
    """The one polling helper: calls `fn` every `interval` s until it returns something other than None or
    False (an RPC error counts as not yet) and returns it; fails naming `what` and the last result after
    `timeout` s. A liveness bound, not a timing goal."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
            if last is not None and last is not False:
                return last
        except grpc.RpcError as e:
            last = e
        time.sleep(interval)
    raise AssertionError(f"not reached within {timeout} s: {what}; last: {last!r}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ScalerProcess:
    """A running `prescale serve`, stopped by PID."""

    def __init__(self, *extra: str, env=None, grpc_port=None, http_port=None):
        self.grpc_port = grpc_port or free_port()
        self.http_port = http_port or free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="prescale-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [str(_binary()), "serve", f"--grpc-address=127.0.0.1:{self.grpc_port}",
             f"--http-address=127.0.0.1:{self.http_port}", *extra],
            stdout=self.log, stderr=subprocess.STDOUT, env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prescale exited early with {self.proc.returncode}: {self.output()}")
            try:
                if self.http("/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.proc.kill()
        raise RuntimeError(f"prescale not ready within 30 s: {self.output()}")

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def http(self, path: str):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}{path}", timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def output(self) -> str:
        return pathlib.Path(self.log.name).read_text(errors="replace")

    def terminate(self, timeout: float = 30) -> int:
        os.kill(self.proc.pid, signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def scaler():
    process = ScalerProcess()
    yield process
    process.kill()


@pytest.fixture(scope="module")
def shared_scaler():
    process = ScalerProcess()
    yield process
    process.kill()


@pytest.fixture
def binary():
    return _binary()
