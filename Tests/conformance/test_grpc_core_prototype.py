"""The gRPC core prototype (Benchmarks/GRPCCoreBenchmark), whose throughput docs/benchmarks.md compares
with the peers: it must answer what it is measured on as the server does, or the comparison means nothing.
Built next to the server binary by `swift build`."""
import signal
import subprocess

import grpc
import pytest

from conftest import _binary, free_port, wait_for
from test_externalscaler import STATIC, ref


@pytest.mark.parametrize("mode", ["direct", "transport"])
def test_the_grpc_core_prototype_answers_the_measured_calls_as_the_server_does(pb, mode):
    """`direct`: the prototype's own handlers over the service's response code; `transport`: GRPCServer and
    the real ExternalScalerService over gRPC core as a ServerTransport (push streams included)."""
    binary = _binary().parent / "GRPCCoreBenchmark"
    assert binary.exists(), f"{binary} is built by `swift build` beside prescale"
    port = free_port()
    process = subprocess.Popen([str(binary), "serve", f"--grpc-address=127.0.0.1:{port}", "--http-address", "ignored",
                                "--mode", mode], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=20)
        scaler = pb[1].ExternalScalerStub(channel)
        spec = scaler.GetMetricSpec(ref(pb, STATIC), timeout=5).metricSpecs[0]
        assert (spec.metricName, spec.targetSize, spec.targetSizeFloat) == ("static", 10, 10.0)
        assert scaler.IsActive(ref(pb, STATIC), timeout=5).result is True
        assert scaler.IsActive(ref(pb, dict(STATIC, value="3")), timeout=5).result is False
        value = scaler.GetMetrics(pb[0].GetMetricsRequest(scaledObjectRef=ref(pb, STATIC), metricName="s0-static"),
                                  timeout=5).metricValues[0]
        assert (value.metricName, value.metricValue, value.metricValueFloat) == ("static", 25, 25.0)
        # Bad input is INVALID_ARGUMENT naming what is wrong, from the server's own parser.
        for request, named in [
            (pb[0].GetMetricsRequest(scaledObjectRef=ref(pb, STATIC), metricName="other"), 'metricName "other"'),
            (pb[0].GetMetricsRequest(scaledObjectRef=ref(pb, {"source": "static"}), metricName="static"), '"value"'),
        ]:
            try:
                scaler.GetMetrics(request, timeout=5)
                raise AssertionError("a bad request was answered")
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and named in error.details(), error.details()
        if mode == "transport":
            stream = scaler.StreamIsActive(ref(pb, STATIC), timeout=10)
            assert next(stream).result is True
            stream.cancel()
        channel.close()
        # SIGTERM stops it cleanly.
        process.send_signal(signal.SIGTERM)
        assert wait_for("the prototype exits on SIGTERM", lambda: process.poll() is not None, timeout=20)
        assert process.returncode == 0, process.stdout.read()
    finally:
        process.kill()
