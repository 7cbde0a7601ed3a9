"""Hostile connections through the real binary: clients that open TCP and never finish the HTTP/2 handshake,
that drip it a byte at a time (slowloris), and that open too many connections from one address. Each is
closed by the server, counted on /metrics, and a well-behaved client is served throughout."""
import socket
import time

import grpc

from conftest import ScalerProcess
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
        deadline = time.monotonic() + 10
        while True:
            channel = grpc.insecure_channel(scaler.target)
            client = pb[1].ExternalScalerStub(channel)
            try:
                assert client.GetMetricSpec(ref(pb, STATIC), timeout=2).metricSpecs
                break
            except grpc.RpcError:
                channel.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        channel.close()
        for sock in held:
            sock.close()
    finally:
        scaler.kill()
