"""Hostile connections through the real binary: clients that open TCP and never finish the HTTP/2 handshake,
that drip it a byte at a time (slowloris), and that open too many connections from one address. Each is
closed by the server, counted on /metrics, and a well-behaved client is served throughout."""
import socket
import time

import grpc

from conftest import ScalerProcess, wait_for
from test_externalscaler import ref, stub  # noqa: F401

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
EMPTY_SETTINGS = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
STATIC = {"scalerAddress": "p:6000", "source": "static", "value": "1", "target": "1"}


def connect(scaler) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", scaler.grpc_port), timeout=5)
    sock.settimeout(0.2)
    return sock


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """True once the server has closed the socket (EOF or reset); reads and discards what it sent."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if sock.recv(65536) == b"":
                return True
        except socket.timeout:
            continue
        except ConnectionResetError:
            return True
    return False


def refused(scaler, reason: str) -> float:
    for line in scaler.http("/metrics")[1].splitlines():
        if line.startswith(f'prescale_grpc_connections_refused_total{{reason="{reason}"}}'):
            return float(line.split()[-1])
    raise AssertionError(f"no prescale_grpc_connections_refused_total for {reason}")


def test_a_silent_connection_is_closed_after_the_handshake_timeout_and_a_real_client_is_not(pb):
    scaler = ScalerProcess("--handshake-timeout=1")
    try:
        silent = connect(scaler)
        channel, client = stub(pb, scaler)
        client.GetMetricSpec(ref(pb, STATIC), timeout=5)
        # Ten times the timeout: the bound that matters is "closed", not how fast.
        assert closed_by_server(silent, within=10), "a silent connection was still open 10 s after a 1 s handshake timeout"
        assert refused(scaler, "handshake_timeout") >= 1
        # The client that finished its handshake long ago is still served on the same connection.
        time.sleep(1.5)
        assert client.GetMetricSpec(ref(pb, STATIC), timeout=5).metricSpecs
        channel.close()
    finally:
        scaler.kill()


def test_a_client_that_drips_the_preface_is_closed_although_it_keeps_sending(pb):
    scaler = ScalerProcess("--handshake-timeout=1")
    try:
        sock = connect(scaler)
        start = time.monotonic()
        closed = False
        for byte in (PREFACE + EMPTY_SETTINGS):
            try:
                sock.send(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            if closed_by_server(sock, within=0.25):
                closed = True
                break
        assert closed, "a client sending one byte every 0.25 s finished a handshake it should not have had time for"
        assert time.monotonic() - start < 10
        assert refused(scaler, "handshake_timeout") >= 1
    finally:
        scaler.kill()


def test_a_handshake_that_completes_in_time_is_kept(pb):
    scaler = ScalerProcess("--handshake-timeout=1")
    try:
        sock = connect(scaler)
        sock.sendall(PREFACE + EMPTY_SETTINGS)
        assert not closed_by_server(sock, within=3), "a connection that sent the preface and SETTINGS was closed"
        assert refused(scaler, "handshake_timeout") == 0
        sock.close()
    finally:
        scaler.kill()


def test_connections_past_the_per_address_bound_are_closed_and_the_bound_frees_up(pb):
    scaler = ScalerProcess("--max-connections-per-address=3")
    try:
        held = []
        for _ in range(3):
            sock = connect(scaler)
            sock.sendall(PREFACE + EMPTY_SETTINGS)
            held.append(sock)
        for sock in held:
            assert not closed_by_server(sock, within=0.5)
        extra = connect(scaler)
        assert closed_by_server(extra, within=5), "a fourth connection from one address was accepted with a bound of 3"
        assert refused(scaler, "per_address_limit") >= 1
        # A gRPC client from the same address is refused while the three are held...
        channel = grpc.insecure_channel(scaler.target)
        client = pb[1].ExternalScalerStub(channel)
        try:
            client.GetMetricSpec(ref(pb, STATIC), timeout=2)
            raise AssertionError("a call over a fourth connection succeeded")
        except grpc.RpcError as error:
            assert error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
        channel.close()
        # ...and served once one of them goes.
        held.pop().close()
        def served():
            with grpc.insecure_channel(scaler.target) as channel:
                return bool(pb[1].ExternalScalerStub(channel).GetMetricSpec(ref(pb, STATIC), timeout=2).metricSpecs)

        wait_for("a new connection is served once one of the three goes", served, timeout=10, interval=0.2)
        for sock in held:
            sock.close()
    finally:
        scaler.kill()


def frames(sock: socket.socket, until, within: float):
    """Reads HTTP/2 frames (type, flags, payload) from the server until `until(frame)` holds; acknowledges the
    server's SETTINGS and answers nothing else. Returns the frame that matched, or None after `within` s."""
    buffer = b""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        if chunk == b"":
            return None
        buffer += chunk
        while len(buffer) >= 9:
            length = int.from_bytes(buffer[0:3], "big")
            if len(buffer) < 9 + length:
                break
            kind, flags, payload = buffer[3], buffer[4], buffer[9:9 + length]
            buffer = buffer[9 + length:]
            if kind == 0x4 and not flags & 0x1:
                sock.sendall(b"\x00\x00\x00\x04\x01\x00\x00\x00\x00")  # SETTINGS ACK
            if until((kind, flags, payload)):
                return kind, flags, payload
    return None


def test_the_stream_limit_is_advertised_and_keepalive_pings_an_idle_client(pb):
    scaler = ScalerProcess("--max-streams-per-connection=37", "--keepalive-interval=10")
    try:
        sock = connect(scaler)
        sock.sendall(PREFACE + EMPTY_SETTINGS)
        settings = frames(sock, lambda f: f[0] == 0x4 and not f[1] & 0x1, within=5)
        assert settings is not None, "no SETTINGS from the server"
        payload = settings[2]
        advertised = {int.from_bytes(payload[i:i + 2], "big"): int.from_bytes(payload[i + 2:i + 6], "big")
                      for i in range(0, len(payload), 6)}
        assert advertised.get(0x3) == 37, advertised  # SETTINGS_MAX_CONCURRENT_STREAMS
        # No RPC at all on this connection: the server pings it after the keepalive interval.
        started = time.monotonic()
        ping = frames(sock, lambda f: f[0] == 0x6 and not f[1] & 0x1, within=25)
        assert ping is not None, "no keepalive PING within 25 s"
        assert time.monotonic() - started >= 8, "pinged long before the 10 s interval"
        sock.close()
    finally:
        scaler.kill()
