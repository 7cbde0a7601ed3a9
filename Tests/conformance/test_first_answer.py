"""A new trigger's first answer through the binary: a call on a trigger whose source has not produced its first
sample waits for it, but answers UNAVAILABLE (naming the wait and the flag) before the caller's deadline."""
import socket
import time

import grpc

from conftest import ScalerProcess
from test_externalscaler import ref, stub


def test_a_first_call_answers_unavailable_before_the_callers_deadline(pb):
    # A TCP listener that never answers MQTT: the source stays "connecting", so the trigger has no first sample.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    port = silent.getsockname()[1]
    scaler = ScalerProcess("--first-sample-wait=30")
    try:
        _, client = stub(pb, scaler)
        metadata = {"scalerAddress": "p:6000", "source": "mqtt", "brokerAddress": f"mqtt://127.0.0.1:{port}",
                    "topic": "a", "queryValue": "1"}
        request = pb[0].GetMetricsRequest(scaledObjectRef=ref(pb, metadata), metricName="s0-mqtt-a")
        started = time.monotonic()
        try:
            client.GetMetrics(request, timeout=3)
            raise AssertionError("a trigger without a sample answered a value")
        except grpc.RpcError as error:
            # Not DEADLINE_EXCEEDED: the server stopped waiting at 80% of the 3 s deadline and said why.
            assert error.code() == grpc.StatusCode.UNAVAILABLE, (error.code(), error.details())
            assert "no sample yet" in error.details() and "--first-sample-wait 30.0 s" in error.details(), error.details()
        # It did wait (for most of the deadline) rather than answer at once.
        assert time.monotonic() - started >= 2.0
    finally:
        scaler.kill()
        silent.close()
