"""Acts like KEDA against the real binary: unary calls, push streams, errors, metrics, shutdown."""
import socket
import subprocess
import threading

import grpc
import pytest

from conftest import free_port, wait_for

STATIC = {
    "scalerAddress": "prescale.prescale.svc:6000",
    "source": "static",
    "value": "25",
    "target": "10",
    "activationValue": "3",
}


def ref(pb, metadata, name="orders", namespace="shop"):
    return pb[0].ScaledObjectRef(name=name, namespace=namespace, scalerMetadata=metadata)


def stub(pb, process):
    channel = grpc.insecure_channel(process.target)
    grpc.channel_ready_future(channel).result(timeout=10)
    return channel, pb[1].ExternalScalerStub(channel)


def test_keda_call_sequence(pb, shared_scaler):
    _, scaler = stub(pb, shared_scaler)
    spec = scaler.GetMetricSpec(ref(pb, STATIC), timeout=5)
    assert len(spec.metricSpecs) == 1
    name = spec.metricSpecs[0].metricName
    assert name == "static"
    assert spec.metricSpecs[0].targetSizeFloat == 10.0
    assert spec.metricSpecs[0].targetSize == 10

    metrics = scaler.GetMetrics(pb[0].GetMetricsRequest(scaledObjectRef=ref(pb, STATIC), metricName=name), timeout=5)
    assert len(metrics.metricValues) == 1
    assert metrics.metricValues[0].metricValueFloat == 25.0
    assert metrics.metricValues[0].metricValue == 25

    assert scaler.IsActive(ref(pb, STATIC), timeout=5).result is True
    inactive = dict(STATIC, value="3")
    assert scaler.IsActive(ref(pb, inactive), timeout=5).result is False


def test_metric_name_with_keda_index_prefix(pb, shared_scaler):
    _, scaler = stub(pb, shared_scaler)
    metrics = scaler.GetMetrics(pb[0].GetMetricsRequest(scaledObjectRef=ref(pb, STATIC), metricName="s0-static"), timeout=5)
    assert metrics.metricValues[0].metricValueFloat == 25.0


def test_stream_is_active_sends_current_state_on_open(pb, shared_scaler):
    _, scaler = stub(pb, shared_scaler)
    stream = scaler.StreamIsActive(ref(pb, STATIC), timeout=10)
    first = next(stream)
    assert first.result is True
    stream.cancel()


def test_stream_metric_spec_agrees_with_get_metric_spec(pb, shared_scaler):
    _, scaler = stub(pb, shared_scaler)
    unary = scaler.GetMetricSpec(ref(pb, STATIC), timeout=5)
    stream = scaler.StreamMetricSpec(ref(pb, STATIC), timeout=10)
    assert next(stream) == unary
    stream.cancel()


@pytest.mark.parametrize("metadata,key,fragment", [
    (dict(STATIC, target="0"), "target", "a number > 0"),
    (dict(STATIC, value="lots"), "value", "\"lots\""),
    (dict(STATIC, activationValu="1"), "activationValu", "did you mean \"activationValue\""),
    ({"scalerAddress": "x:6000"}, "source", "allowed: one of static, kafka"),
    (dict(STATIC, source="sqs"), "source", "\"sqs\" is not a known source"),
])
def test_bad_metadata_is_invalid_argument_naming_the_key(pb, shared_scaler, metadata, key, fragment):
    _, scaler = stub(pb, shared_scaler)
    for call in (
        lambda: scaler.GetMetricSpec(ref(pb, metadata), timeout=5),
        lambda: scaler.IsActive(ref(pb, metadata), timeout=5),
        lambda: scaler.GetMetrics(pb[0].GetMetricsRequest(scaledObjectRef=ref(pb, metadata), metricName="static"), timeout=5),
    ):
        with pytest.raises(grpc.RpcError) as raised:
            call()
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert f"\"{key}\"" in raised.value.details()
        assert fragment in raised.value.details()


def test_unknown_method_is_unimplemented(pb, shared_scaler):
    channel, _ = stub(pb, shared_scaler)
    call = channel.unary_unary("/externalscaler.ExternalScaler/GetEverything",
                               request_serializer=lambda b: b, response_deserializer=lambda b: b)
    with pytest.raises(grpc.RpcError) as raised:
        call(b"", timeout=5)
    assert raised.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_http_endpoints(pb, shared_scaler):
    _, scaler = stub(pb, shared_scaler)
    scaler.IsActive(ref(pb, STATIC, name="metrics-check"), timeout=5)
    assert shared_scaler.http("/healthz") == (200, "ok\n")
    assert shared_scaler.http("/readyz") == (200, "ok\n")
    status, body = shared_scaler.http("/metrics")
    assert status == 200
    assert 'prescale_grpc_requests_total{method="IsActive",code="ok"}' in body
    assert 'prescale_trigger_value{namespace="shop",scaledobject="metrics-check",metric="static",source="static"} 25' in body
    assert 'prescale_triggers{source="static"}' in body
    assert "prescale_grpc_request_duration_seconds_bucket" in body


def test_sigterm_ends_streams_cleanly_and_exits_zero(pb, scaler):
    _, client = stub(pb, scaler)
    streams = [client.StreamIsActive(ref(pb, STATIC, name=f"so-{i}"), timeout=30) for i in range(3)]
    for stream in streams:
        assert next(stream).result is True
    outcomes = []

    def drain(stream):
        try:
            for _ in stream:
                pass
            outcomes.append(stream.code())
        except grpc.RpcError as error:
            outcomes.append(error.code())

    threads = [threading.Thread(target=drain, args=(s,)) for s in streams]
    for t in threads:
        t.start()
    assert scaler.terminate() == 0, scaler.output()
    for t in threads:
        t.join(timeout=30)
    assert outcomes == [grpc.StatusCode.OK] * 3
    assert "stopped cleanly" in scaler.output()


def test_bad_flag_is_one_clear_line_and_nonzero_exit(binary):
    result = subprocess.run([str(binary), "serve", "--grpc-address", "nowhere"], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == ['prescale: error: --grpc-address: "nowhere" is not allowed; allowed: host:port with a port from 0 to 65535']


def test_address_in_use_is_one_clear_line_and_nonzero_exit(binary):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [str(binary), "serve", f"--grpc-address=127.0.0.1:{port}", f"--http-address=127.0.0.1:{free_port()}",
             "--log-level=error"],
            capture_output=True, text=True, timeout=30,
        )
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("prescale: error:")]
    assert len(errors) == 1, result.stderr
    assert errors[0] == (f"prescale: error: cannot listen on --grpc-address 127.0.0.1:{port}: "
                         "the address is already in use (is another process listening there?)")


def test_client_going_away_closes_its_stream(pb, scaler):
    _, client = stub(pb, scaler)
    stream = client.StreamIsActive(ref(pb, STATIC, name="leaving"), timeout=30)
    assert next(stream).result is True
    assert 'prescale_grpc_open_streams{method="StreamIsActive"} 1' in scaler.http("/metrics")[1]
    stream.cancel()
    # The server notices the cancelled RPC and releases the stream (bounded wait, not a timing goal).
    wait_for("the stream is released", lambda: 'prescale_grpc_open_streams{method="StreamIsActive"} 0' in scaler.http("/metrics")[1],
             timeout=20)
