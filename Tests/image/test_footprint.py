"""A small point of the footprint curve, with thresholds, on the shipped binary (the image's, run from its
root filesystem as scripts/test-image sets up): resident memory and threads with 1,000 static triggers
after KEDA's calls, and threads per Kafka consumer group read (librdkafka's mock cluster, 3 brokers). The
thresholds are the figures measured when they were set (docs/benchmarks.md, "Footprint guard") plus a
margin, so that a regression fails CI. PRESCALE_FOOTPRINT_REPORT=1 prints the figures."""
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import pytest

from image_paths import IMAGE, ROOT, WRAPPER, conformance

# Measured on the stripped release binary in the image (2 cores, Debian 12), then a margin.
STATIC_TRIGGERS = 1_000
MAX_RSS_MB_STATIC = 64  # measured 46.6-46.8 MB
MAX_THREADS_STATIC = 16  # measured 7
KAFKA_GROUPS = 10
MAX_THREADS_PER_GROUP = 8  # measured 6.8: a librdkafka handle per group (its main thread, one per broker, internal ones), and the cluster's shared one



@pytest.fixture(scope="module")
def pb():
    from grpc_tools import protoc

    out = tempfile.mkdtemp(prefix="prescale-stubs-")
    assert protoc.main(["protoc", f"-I{ROOT / 'proto'}", f"--python_out={out}", f"--grpc_python_out={out}",
                        "externalscaler.proto"]) == 0
    sys.path.insert(0, out)
    import externalscaler_pb2
    import externalscaler_pb2_grpc

    return externalscaler_pb2, externalscaler_pb2_grpc


@pytest.fixture
def scaler(monkeypatch):
    if not WRAPPER.exists():
        pytest.fail(f"no image at {IMAGE}: run scripts/test-image")
    monkeypatch.setenv("PRESCALE_BIN", str(WRAPPER))
    process = conformance().ScalerProcess("--log-level=warning")
    yield process
    process.kill()


def status(pid):
    text = pathlib.Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"^VmRSS:\s+(\d+)", text, re.M).group(1)) / 1024
    threads = int(re.search(r"^Threads:\s+(\d+)", text, re.M).group(1))
    return rss, threads


def report(text):
    if os.environ.get("PRESCALE_FOOTPRINT_REPORT"):
        print(f"\nfootprint: {text}")


def test_static_triggers_fit_in_the_memory_and_threads_measured(pb, scaler):
    import grpc

    stub = pb[1].ExternalScalerStub(grpc.insecure_channel(scaler.target))
    for i in range(STATIC_TRIGGERS):
        ref = pb[0].ScaledObjectRef(name=f"function-{i}", namespace=f"team-{i % 20}",
                                    scalerMetadata={"source": "static", "value": str(i % 97), "target": "10"})
        name = stub.GetMetricSpec(ref, timeout=5).metricSpecs[0].metricName
        stub.GetMetrics(pb[0].GetMetricsRequest(scaledObjectRef=ref, metricName=name), timeout=5)
    rss, threads = status(scaler.proc.pid)
    report(f"{STATIC_TRIGGERS} static triggers: {rss:.1f} MB resident, {threads} threads")
    assert f'prescale_triggers{{source="static"}} {STATIC_TRIGGERS}' in scaler.http("/metrics")[1]
    assert rss <= MAX_RSS_MB_STATIC, f"{rss:.1f} MB resident with {STATIC_TRIGGERS} static triggers"
    assert threads <= MAX_THREADS_STATIC, f"{threads} threads with {STATIC_TRIGGERS} static triggers"


def test_threads_per_kafka_consumer_group_stay_where_measured(pb, scaler):
    import grpc

    kafka = subprocess.Popen([str(WRAPPER), "mock-kafka", "--brokers=3"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, bufsize=1)
    try:
        first = kafka.stdout.readline().split()
        assert first[0] == "bootstrap", first
        kafka.stdin.write("topic orders 6\n")
        kafka.stdin.flush()
        assert kafka.stdout.readline().strip() == "ok"
        stub = pb[1].ExternalScalerStub(grpc.insecure_channel(scaler.target))
        _, before = status(scaler.proc.pid)
        refs = []
        for group in range(KAFKA_GROUPS):
            metadata = {"source": "kafka", "bootstrapServers": first[1], "consumerGroup": f"group-{group}", "topic": "orders",
                        "lagThreshold": "10", "predict": "false"}
            ref = pb[0].ScaledObjectRef(name=f"consumer-{group}", namespace="shop", scalerMetadata=metadata)
            name = stub.GetMetricSpec(ref, timeout=5).metricSpecs[0].metricName
            refs.append(pb[0].GetMetricsRequest(scaledObjectRef=ref, metricName=name))
        # Every group sampled (answered), as KEDA's first poll would see it.
        deadline = time.monotonic() + 60
        pending = list(refs)
        while pending and time.monotonic() < deadline:
            try:
                stub.GetMetrics(pending[0], timeout=10)
                pending.pop(0)
            except grpc.RpcError:
                time.sleep(0.2)
        assert not pending, f"{len(pending)} groups never answered"
        _, after = status(scaler.proc.pid)
        per_group = (after - before) / KAFKA_GROUPS
        report(f"{KAFKA_GROUPS} Kafka groups on 3 brokers: {before} -> {after} threads, {per_group:.1f} per group")
        assert per_group <= MAX_THREADS_PER_GROUP, f"{per_group:.1f} threads per consumer group ({before} -> {after})"
    finally:
        kafka.kill()
        kafka.wait()
