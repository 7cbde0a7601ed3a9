"""`source: kafka` against the real binary, with `prescale mock-kafka` (librdkafka's mock cluster speaking
the real Kafka protocol on loopback) as a separate process, called the way KEDA calls it."""
import subprocess
import re
import time

import grpc
import pytest

from conftest import _binary, wait_for
from test_externalscaler import ref, stub


class MockKafka:
    def __init__(self, brokers=3):
        self.proc = subprocess.Popen([str(_binary()), "mock-kafka", f"--brokers={brokers}"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        first = self.proc.stdout.readline().split()
        assert first[0] == "bootstrap", first
        self.bootstrap = first[1]

    def do(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        assert answer == "ok", f"{line}: {answer}"

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture
def kafka():
    k = MockKafka()
    yield k
    if k.proc.poll() is None:
        k.proc.kill()
        k.proc.wait()


def kafka_metadata(k, **extra):
    metadata = {"scalerAddress": "prescale:6000", "source": "kafka", "bootstrapServers": k.bootstrap,
                "consumerGroup": "workers", "topic": "orders", "lagThreshold": "1", "activationLagThreshold": "1",
                "sampleIntervalMs": "100", "predict": "false"}
    metadata.update(extra)
    return metadata


def failure(call, code=None):
    """The call's error if it fails (with `code`, when given), else None: a condition for `wait_for`."""
    try:
        call()
    except grpc.RpcError as e:
        return e if code is None or e.code() == code else None
    return None


def wait_value(pb, scaler, metadata, expected, timeout=30):
    request = pb[0].GetMetricsRequest(scaledObjectRef=ref(pb, metadata), metricName="s0-kafka-orders")
    wait_for(f"GetMetrics answers {expected}",
             lambda: scaler.GetMetrics(request, timeout=5).metricValues[0].metricValueFloat == expected, timeout=timeout)


def test_keda_kafka_scenario_through_the_binary(pb, shared_scaler, kafka):
    """KEDA's own case: 3 partitions, lagThreshold 1, activationLagThreshold 1."""
    kafka.do("topic orders 3")
    for partition in range(3):
        kafka.do(f"commit workers orders {partition} 0")
    _, scaler = stub(pb, shared_scaler)
    metadata = kafka_metadata(kafka)
    spec = scaler.GetMetricSpec(ref(pb, metadata), timeout=5)
    assert spec.metricSpecs[0].metricName == "kafka-orders" and spec.metricSpecs[0].targetSizeFloat == 1.0
    wait_value(pb, scaler, metadata, 0.0)
    kafka.do("produce orders 0 1")
    wait_value(pb, scaler, metadata, 1.0)
    assert scaler.IsActive(ref(pb, metadata), timeout=5).result is False  # one message: not above 1
    kafka.do("produce orders 1 1")
    wait_value(pb, scaler, metadata, 2.0)
    assert scaler.IsActive(ref(pb, metadata), timeout=5).result is True
    kafka.do("produce orders 2 50")
    wait_value(pb, scaler, metadata, 3.0)  # capped at partitions × lagThreshold


def test_brokers_down_is_unavailable_then_recovers(pb, shared_scaler, kafka):
    kafka.do("topic orders 2")
    kafka.do("commit workers orders 0 0")
    kafka.do("commit workers orders 1 0")
    kafka.do("produce orders 0 4")
    _, scaler = stub(pb, shared_scaler)
    metadata = kafka_metadata(kafka, lagThreshold="10")
    wait_value(pb, scaler, metadata, 4.0)
    kafka.do("brokers down")
    request = pb[0].GetMetricsRequest(scaledObjectRef=ref(pb, metadata), metricName="kafka-orders")
    error = wait_for("GetMetrics fails with the brokers down", lambda: failure(lambda: scaler.GetMetrics(request, timeout=5)))
    assert error.code() == grpc.StatusCode.UNAVAILABLE
    assert error.details().startswith("kafka: ") or "stale" in error.details()
    kafka.do("brokers up")
    wait_value(pb, scaler, metadata, 4.0)


def test_unknown_topic_is_invalid_argument(pb, shared_scaler, kafka):
    _, scaler = stub(pb, shared_scaler)
    metadata = kafka_metadata(kafka, topic="nope")
    error = wait_for("IsActive fails with INVALID_ARGUMENT", lambda: failure(
        lambda: scaler.IsActive(ref(pb, metadata), timeout=5), grpc.StatusCode.INVALID_ARGUMENT))
    assert 'topic "nope" does not exist' in error.details()


def test_prediction_is_on_by_default_and_never_below_reactive_before_anything_is_learned(pb, shared_scaler, kafka):
    kafka.do("topic orders 1")
    kafka.do("commit workers orders 0 0")
    _, scaler = stub(pb, shared_scaler)
    metadata = kafka_metadata(kafka, lagThreshold="100")
    del metadata["predict"]
    wait_value(pb, scaler, metadata, 0.0)
    for _ in range(5):
        kafka.do("produce orders 0 20")
        time.sleep(0.2)
    # All 100 produced: KEDA's own value is the lag, 100 (1 partition, lagThreshold 100: no cap).
    wait_for("the observed (reactive) value is the lag, 100",
             lambda: re.search(r'prescale_trigger_observed_value\{[^}]*metric="kafka-orders"[^}]*\} 100(\.0)?\n', shared_scaler.http("/metrics")[1]))
    request = pb[0].GetMetricsRequest(scaledObjectRef=ref(pb, metadata), metricName="kafka-orders")
    assert scaler.GetMetrics(request, timeout=5).metricValues[0].metricValueFloat >= 100
    # In one scrape (one decision), the reported value is at least the reactive one.
    _, body = shared_scaler.http("/metrics")
    def gauge(name):
        return float(re.search(rf'{name}\{{[^}}]*metric="kafka-orders"[^}}]*\}} (\S+)', body).group(1))
    assert gauge("prescale_trigger_value") >= gauge("prescale_trigger_observed_value") == 100
    status, body = shared_scaler.http("/metrics")
    assert "prescale_trigger_forecast_rate{" in body and "prescale_trigger_observed_value{" in body


def test_the_first_calls_on_a_new_group_answer_the_lag_not_unavailable(pb, shared_scaler, kafka):
    """KEDA's first poll of a new ScaledObject: the call waits for the trigger's first read instead of
    answering "no sample yet". Several first calls at once (KEDA's operator and metrics server) share it."""
    import concurrent.futures

    kafka.do("topic orders 2")
    kafka.do("commit fresh orders 0 0")
    kafka.do("commit fresh orders 1 0")
    kafka.do("produce orders 0 3")
    kafka.do("produce orders 1 4")
    _, scaler = stub(pb, shared_scaler)
    metadata = kafka_metadata(kafka, consumerGroup="fresh", lagThreshold="100", sampleIntervalMs="1000")
    request = pb[0].GetMetricsRequest(scaledObjectRef=ref(pb, metadata), metricName="s0-kafka-orders")
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        values = list(pool.map(lambda _: scaler.GetMetrics(request, timeout=10).metricValues[0].metricValueFloat, range(4)))
    assert values == [7.0] * 4
    assert scaler.IsActive(ref(pb, metadata), timeout=10).result is True


def test_the_hpa_sync_period_of_the_cluster_sets_the_lead_time(pb, kafka):
    """`--hpa-sync-seconds` (K3s of deploy/k3s: 5) is what a predicting trigger plans for through the HPA:
    its lead time is that sync plus coldStartSeconds; a bad value is refused naming the flag."""
    from conftest import ScalerProcess

    kafka.do("topic orders 1")
    kafka.do("commit workers orders 0 0")
    lead = {}
    for flag, expected in [(None, 15 + 3), ("--hpa-sync-seconds=5", 5 + 3)]:
        scaler = ScalerProcess(*([flag] if flag else []))
        try:
            _, client = stub(pb, scaler)
            metadata = kafka_metadata(kafka, predict="true", coldStartSeconds="3")
            client.GetMetricSpec(ref(pb, metadata), timeout=5)
            pattern = r'prescale_trigger_lead_time_seconds\{[^}]*scaledobject="[^"]*"[^}]*\} (\S+)'
            wait_for(f"the lead time with {flag}", lambda: re.search(pattern, scaler.http("/metrics")[1]))
            lead[flag] = float(re.search(pattern, scaler.http("/metrics")[1]).group(1))
            assert lead[flag] == expected, (flag, lead[flag])
        finally:
            scaler.kill()
    bad = subprocess.run([str(_binary()), "serve", "--hpa-sync-seconds=0"], capture_output=True, text=True, timeout=30)
    assert bad.returncode == 1
    assert "--hpa-sync-seconds" in bad.stderr and "whole seconds from 1 to 60" in bad.stderr, bad.stderr


def test_a_group_that_commits_every_few_seconds_is_planned_on_the_lag_less_what_it_consumed(pb, shared_scaler, kafka):
    """Consumers that consume at once and commit every 2 s (as auto-commit does every 5 s): the lag carries up
    to 2 s of consumption. The binary learns the cadence from the committed offsets alone and shows, between
    commits, the messages consumed and not yet committed, which the planner leaves out; KEDA's own value
    stays the whole lag."""
    kafka.do("topic cadence 1")
    kafka.do("commit periodic cadence 0 0")
    _, scaler = stub(pb, shared_scaler)
    metadata = kafka_metadata(kafka, consumerGroup="periodic", topic="cadence", lagThreshold="1000", sampleIntervalMs="200")
    del metadata["predict"]
    request = pb[0].GetMetricsRequest(scaledObjectRef=ref(pb, metadata, name="cadence"), metricName="s0-kafka-cadence")
    scaler.GetMetrics(request, timeout=10)

    def series(body, name):
        match = re.search(rf'{name}\{{[^}}]*metric="kafka-cadence"[^}}]*\}} (\S+)', body)
        return float(match.group(1)) if match else None

    produced, seen = 0, None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and seen is None:
        for _ in range(4):
            kafka.do("produce cadence 0 5")
            produced += 5
            time.sleep(0.5)
            scaler.GetMetrics(request, timeout=10)
            body = shared_scaler.http("/metrics")[1]
            uncommitted, observed = series(body, "prescale_trigger_uncommitted_messages"), series(body, "prescale_trigger_observed_value")
            if uncommitted and uncommitted > 0:
                seen = (uncommitted, observed)
                break
        kafka.do(f"commit periodic cadence 0 {produced}")
    assert seen is not None, "no sample between commits showed uncommitted messages"
    uncommitted, observed = seen
    # One scrape, one decision: never more than the lag, which KEDA's own value still is.
    assert 0 < uncommitted <= observed, seen
