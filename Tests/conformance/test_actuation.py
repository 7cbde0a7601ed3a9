"""Direct actuation by the real binary: `prescale serve --actuation …` against a fake Kubernetes API over
HTTPS (Python, independent of Prescale's Swift test server), a Kafka trigger on `prescale mock-kafka`,
and KEDA's calls from grpcio."""
import re

import grpc
import pytest

from conftest import ScalerProcess, _binary, wait_for
from fake_kubernetes import FakeKubernetes
from test_externalscaler import ref, stub
from test_kafka import kafka, kafka_metadata  # noqa: F401 (kafka is a fixture)


@pytest.fixture
def kube(tmp_path):
    fake = FakeKubernetes(tmp_path)
    yield fake
    fake.close()


def test_kafka_lag_is_patched_onto_the_target_after_a_single_keda_call(pb, kube, kafka):
    kube.add_scaled_object("shop", "orders", "orders-consumer", replicas=1, max_replicas=20)
    kafka.do("topic orders 3")
    for partition in range(3):
        kafka.do(f"commit workers orders {partition} 0")
    kafka.do("produce orders 0 160")
    kafka.do("produce orders 1 160")
    kafka.do("produce orders 2 160")
    scaler = ScalerProcess("--actuation=enabled", f"--kubeconfig={kube.kubeconfig()}", "--identity=prescale-0")
    try:
        _, client = stub(pb, scaler)
        metadata = kafka_metadata(kafka, lagThreshold="50", actuate="true", allowIdleConsumers="true")
        # One GetMetricSpec registers the trigger; from then on samples, not KEDA's polls, drive the patch.
        client.GetMetricSpec(ref(pb, metadata, name="orders", namespace="shop"), timeout=5)
        wait_for("patched to ceil(480 / 50) = 10", lambda: kube.replicas_of("shop", "orders-consumer") == 10)
        assert kube.lease_holder("prescale", "prescale-actuator") == "prescale-0"
        patches = [r for r in kube.requests if r[0] == "PATCH"]
        assert patches and all(r[2] == "application/merge-patch+json" for r in patches)
        # kubectl describe shows why: a PrescaleScaledUp Event on the target, 1→10, with the planner's reason.
        wait_for("an Event on the target", lambda: len(kube.events) > 0)
        event = kube.events[0]
        assert event["reason"] == "PrescaleScaledUp" and event["type"] == "Normal"
        assert event["involvedObject"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "orders-consumer", "namespace": "shop"}
        assert event["message"].startswith("Prescale scaled orders-consumer 1→10: "), event["message"]
        # Further samples with the same lag want 10 again: skipped, no second patch.
        wait_for("not_above_current counted", lambda: 'reason="not_above_current"' in scaler.http("/metrics")[1])
        # The lag drains: Prescale never patches downward; scale-down is the HPA's.
        kafka.do("commit workers orders 0 160")
        kafka.do("commit workers orders 1 160")
        kafka.do("commit workers orders 2 160")
        # Wait until the actuator has seen the drained lag (no demand left: skipped as inactive); no patch followed.
        wait_for("the drained lag seen by the actuator", lambda: re.search(
            r'^prescale_actuation_skipped_total\{namespace="shop",scaledobject="orders",reason="inactive"\} [1-9]',
            scaler.http("/metrics")[1], re.M))
        patched = len([r for r in kube.requests if r[0] == "PATCH"])
        assert kube.replicas_of("shop", "orders-consumer") == 10
        _, scrape = scaler.http("/metrics")
        assert 'prescale_actuation_patches_total{namespace="shop",scaledobject="orders"} 1' in scrape
        assert "prescale_actuation_leader 1" in scrape
        assert patched == 1
        assert "actuation enabled" in scaler.output() and "runsAs" in scaler.output()
        assert kube.token not in scaler.output()
        assert scaler.terminate() == 0
        # Graceful shutdown gave the lease up for the next replica.
        assert kube.lease_holder("prescale", "prescale-actuator") == ""
    finally:
        scaler.kill()


def test_dry_run_patches_nothing_and_counts_what_it_would_do(pb, kube, tmp_path):
    kube.add_scaled_object("shop", "smoke", "smoke-consumer", replicas=1)
    scaler = ScalerProcess("--actuation=dry-run", f"--kubeconfig={kube.kubeconfig()}", "--leader-election=disabled")
    try:
        _, client = stub(pb, scaler)
        metadata = {"scalerAddress": "prescale:6000", "source": "static", "value": "25", "target": "10",
                    "actuate": "true"}
        client.GetMetricSpec(ref(pb, metadata, name="smoke", namespace="shop"), timeout=5)
        wait_for("dry-run counted", lambda: 'prescale_actuation_dry_run_patches_total{namespace="shop",scaledobject="smoke"} 1'
                 in scaler.http("/metrics")[1])
        assert not [r for r in kube.requests if r[0] != "GET"]
        assert kube.replicas_of("shop", "smoke-consumer") == 1
        wait_for("the dry run is logged", lambda: "dry run: would scale up" in scaler.output())
    finally:
        scaler.kill()


def test_missing_rbac_target_is_reported_and_keda_is_still_answered(pb, kube):
    # No ScaledObject in the fake cluster: the actuator gets 404; KEDA's calls are unaffected.
    scaler = ScalerProcess("--actuation=enabled", f"--kubeconfig={kube.kubeconfig()}", "--leader-election=disabled")
    try:
        _, client = stub(pb, scaler)
        metadata = {"scalerAddress": "prescale:6000", "source": "static", "value": "25", "target": "10",
                    "actuate": "true"}
        so = ref(pb, metadata, name="ghost", namespace="shop")
        assert client.GetMetrics(pb[0].GetMetricsRequest(scaledObjectRef=so, metricName="s0-static"), timeout=5).metricValues[0].metricValueFloat == 25
        wait_for("not_found counted", lambda: 'code="not_found"' in scaler.http("/metrics")[1])
        wait_for("the log names the missing object", lambda: "scaledobjects.keda.sh shop/ghost does not exist" in scaler.output())
    finally:
        scaler.kill()


def test_actuate_without_actuation_is_invalid_argument(pb, shared_scaler):
    _, client = stub(pb, shared_scaler)
    metadata = {"scalerAddress": "prescale:6000", "source": "static", "value": "25", "target": "10", "actuate": "true"}
    with pytest.raises(grpc.RpcError) as error:
        client.GetMetricSpec(ref(pb, metadata), timeout=5)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert 'metadata key "actuate"' in error.value.details() and "--actuation enabled" in error.value.details()


def test_actuation_without_a_cluster_fails_at_startup_naming_the_flag(binary, tmp_path):
    import subprocess

    result = subprocess.run([str(binary), "serve", "--actuation=enabled", "--grpc-address=127.0.0.1:0",
                             "--http-address=127.0.0.1:0"], capture_output=True, text=True, timeout=30,
                            env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert "--kubeconfig" in result.stderr
    bad = subprocess.run([str(binary), "serve", "--actuation=on"], capture_output=True, text=True, timeout=30)
    assert bad.returncode == 1
    assert '--actuation: "on" is not allowed; allowed: one of auto, disabled, read-only, enabled, dry-run' in bad.stderr
