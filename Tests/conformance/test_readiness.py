"""/readyz through the binary: 200 once both listeners are up, and 503 "shutting down" from the moment a graceful
shutdown begins while a call is still open, so that Kubernetes stops routing new calls before the process goes."""
import os
import signal
import socket

from conftest import ScalerProcess, wait_for
from test_connections import EMPTY_SETTINGS, PREFACE, frames


def literal(name: str, value: str) -> bytes:
    """One HPACK header field, literal without indexing, no Huffman coding (names and values under 127 bytes)."""
    return b"\x00" + bytes([len(name)]) + name.encode() + bytes([len(value)]) + value.encode()


def test_readyz_is_503_while_a_call_is_still_open_during_shutdown(pb):
    scaler = ScalerProcess("--shutdown-timeout=20")
    try:
        assert scaler.http("/readyz") == (200, "ok\n")
        # A call whose request never finishes: HEADERS without END_STREAM, and no message. The server must let
        # it finish (or its grace time run out) before it stops, so the shutdown stays in progress.
        sock = socket.create_connection(("127.0.0.1", scaler.grpc_port), timeout=5)
        block = b"".join(literal(n, v) for n, v in [
            (":method", "POST"), (":scheme", "http"), (":path", "/externalscaler.ExternalScaler/GetMetrics"),
            (":authority", "127.0.0.1"), ("content-type", "application/grpc"), ("te", "trailers"),
        ])
        headers = len(block).to_bytes(3, "big") + b"\x01\x04" + (1).to_bytes(4, "big") + block
        ping = b"\x00\x00\x08\x06\x00\x00\x00\x00\x00" + b"readyz!!"
        sock.sendall(PREFACE + EMPTY_SETTINGS + headers + ping)
        # Frames are handled in order: once the PING is acknowledged, the call's stream is open.
        sock.settimeout(0.2)
        assert frames(sock, lambda f: f[0] == 0x6 and f[1] & 0x1, within=5) is not None, "no PING ACK"
        os.kill(scaler.proc.pid, signal.SIGTERM)
        status = wait_for("/readyz answers 503", lambda: (lambda s: s[0] == 503 and s)(scaler.http("/readyz")), timeout=10,
                          interval=0.02)
        assert status == (503, "shutting down\n"), status
        assert scaler.proc.poll() is None, "the process did not wait for the open call"
        # The caller goes away: the shutdown completes, cleanly.
        sock.close()
        assert scaler.proc.wait(timeout=20) == 0, scaler.output()
    finally:
        scaler.kill()
