"""Multi-tenant safety and bounds through the real binary: the broker allowlist, namespaced credential files,
metadata and message limits, and a scan of every log line, error message and /metrics scrape for secrets
after scenarios that use them (right and wrong MQTT passwords, a Kafka SASL password, a Kubernetes token)."""
import re
import subprocess

import grpc
import pytest

from conftest import ScalerProcess, _binary, wait_for
from fake_kubernetes import FakeKubernetes
from test_externalscaler import ref, stub
from test_kafka import MockKafka, kafka_metadata
from test_mqtt import MOSQUITTO, Broker

PASSWORD = "S3cr3t-Pa55word-4242"
WRONG_PASSWORD = "Wr0ng-Pa55word-9191"
SASL_PASSWORD = "Kafka-Sasl-Secret-7373"
TOKEN = "eyJ-secret-token-5151"


def rpc_error(call):
    try:
        call()
    except grpc.RpcError as error:
        return error
    raise AssertionError("the call succeeded")


def first_error(call, code, within=20):
    """Calls until the call fails with `code` and returns that error (fails after `within` seconds)."""
    return wait_for(f"the call fails with {code}", lambda: (lambda error: error.code() == code and error)(rpc_error(call)),
                    timeout=within)


def test_brokers_outside_the_allowlist_are_refused_naming_the_flag(pb):
    scaler = ScalerProcess("--allowed-brokers=*.kafka.svc.cluster.local,127.0.0.0/8")
    try:
        _, client = stub(pb, scaler)
        for metadata, key in [
            ({"source": "kafka", "bootstrapServers": "169.254.169.254:80", "consumerGroup": "g", "topic": "t"}, "bootstrapServers"),
            ({"source": "mqtt", "brokerAddress": "mqtt://10.0.0.7:1883", "topic": "a", "queryValue": "1"}, "brokerAddress"),
            ({"source": "kafka", "bootstrapServers": "internal-db.prod.svc:5432", "consumerGroup": "g"}, "bootstrapServers"),
        ]:
            error = rpc_error(lambda: client.GetMetricSpec(ref(pb, {"scalerAddress": "p:6000", **metadata}), timeout=5))
            assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert f'metadata key "{key}"' in error.details() and "--allowed-brokers" in error.details()
        # Inside the list: accepted (the mock broker address is on loopback).
        kafka = MockKafka()
        try:
            client.GetMetricSpec(ref(pb, kafka_metadata(kafka)), timeout=5)
        finally:
            kafka.proc.kill()
    finally:
        scaler.kill()


def test_credential_files_resolve_per_namespace_and_escapes_are_refused(pb, tmp_path):
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "ca.pem").write_text("not really a CA")
    scaler = ScalerProcess(f"--credentials-dir={tmp_path}")
    try:
        _, client = stub(pb, scaler)
        base = {"scalerAddress": "p:6000", "source": "mqtt", "brokerAddress": "mqtts://127.0.0.1:8883", "topic": "a",
                "queryValue": "1"}
        for name in ["/etc/passwd", "../shop/ca.pem", "x/../../shop/ca.pem"]:
            error = rpc_error(lambda: client.GetMetricSpec(ref(pb, {**base, "ca": name}, namespace="billing"), timeout=5))
            assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, name
            assert 'metadata key "ca"' in error.details() and "--credentials-dir" in error.details()
        # The same name from another namespace looks in that namespace's directory, where it does not exist;
        # the source reports the unreadable file as INVALID_ARGUMENT naming the resolved path.
        so = ref(pb, {**base, "ca": "ca.pem"}, namespace="billing")
        client.GetMetricSpec(so, timeout=5)
        request = pb[0].GetMetricsRequest(scaledObjectRef=so, metricName="s0-mqtt-a")
        error = first_error(lambda: client.GetMetrics(request, timeout=5), grpc.StatusCode.INVALID_ARGUMENT)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
        assert f"{tmp_path}/billing/ca.pem" in error.details()
        assert f"{tmp_path}/shop/ca.pem" not in error.details()
    finally:
        scaler.kill()


def test_credential_files_are_refused_unless_a_directory_or_paths_are_allowed(pb, tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("not really a CA")
    base = {"scalerAddress": "p:6000", "source": "mqtt", "brokerAddress": "mqtts://127.0.0.1:8883", "topic": "a",
            "queryValue": "1"}
    scaler = ScalerProcess()
    try:
        _, client = stub(pb, scaler)
        for key, extra in [("ca", {}), ("cert", {"key": "k.pem"})]:
            for path in ["/etc/passwd", "../../etc/passwd", str(ca)]:
                error = rpc_error(lambda: client.GetMetricSpec(ref(pb, {**base, key: path, **extra}), timeout=5))
                assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (key, path)
                assert f'metadata key "{key}"' in error.details(), error.details()
                assert "--credentials-dir" in error.details() and "--allow-credential-paths enabled" in error.details()
        # The same trigger without file keys is served.
        assert client.GetMetricSpec(ref(pb, base), timeout=5).metricSpecs
    finally:
        scaler.kill()
    # The single-tenant opt-in takes paths as they are: the source then reads exactly that path (here a
    # missing file, which it reports naming the path).
    missing = tmp_path / "elsewhere" / "ca.pem"
    scaler = ScalerProcess("--allow-credential-paths=enabled")
    try:
        _, client = stub(pb, scaler)
        so = ref(pb, {**base, "ca": str(missing)})
        assert client.GetMetricSpec(so, timeout=5).metricSpecs
        request = pb[0].GetMetricsRequest(scaledObjectRef=so, metricName="s0-mqtt-a")
        error = first_error(lambda: client.GetMetrics(request, timeout=5), grpc.StatusCode.INVALID_ARGUMENT)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and str(missing) in error.details(), error.details()
    finally:
        scaler.kill()
    # Both at once is a startup error naming the flag.
    proc = subprocess.run([str(_binary()), "serve", "--allow-credential-paths=enabled", f"--credentials-dir={tmp_path}"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1 and "--allow-credential-paths" in proc.stderr and "--credentials-dir" in proc.stderr


def test_metadata_and_message_limits_are_resource_exhausted_naming_the_limit(pb):
    scaler = ScalerProcess("--max-metadata-keys=16", "--max-metadata-bytes=4096", "--max-message-bytes=65536",
                           "--max-triggers-per-namespace=2")
    try:
        _, client = stub(pb, scaler)
        static = {"scalerAddress": "p:6000", "source": "static", "value": "1", "target": "1"}
        many = {**static, **{f"k{i}": "v" for i in range(20)}}
        error = rpc_error(lambda: client.GetMetricSpec(ref(pb, many), timeout=5))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "--max-metadata-keys" in error.details()
        big = {**static, "note": "x" * 8000}
        error = rpc_error(lambda: client.GetMetricSpec(ref(pb, big), timeout=5))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "--max-metadata-bytes" in error.details()
        # Past --max-message-bytes: RESOURCE_EXHAUSTED naming the flag, on every method.
        huge = {**static, "note": "x" * 200_000}
        for call in (lambda: client.GetMetricSpec(ref(pb, huge), timeout=5),
                     lambda: client.IsActive(ref(pb, huge), timeout=5),
                     lambda: client.GetMetrics(pb[0].GetMetricsRequest(scaledObjectRef=ref(pb, huge), metricName="m"), timeout=5)):
            error = rpc_error(call)
            assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, error
            assert "--max-message-bytes" in error.details() and "65536" in error.details()
        # Past four times the limit the transport refuses the request before reading it (it never buffers
        # more): grpc-swift resets the stream, which the client sees as CANCELLED. The server stays healthy.
        enormous = {**static, "note": "x" * 300_000}
        error = rpc_error(lambda: client.GetMetricSpec(ref(pb, enormous), timeout=5))
        assert error.code() in (grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.CANCELLED)
        for name in ["a", "b"]:
            client.GetMetricSpec(ref(pb, static, name=name, namespace="team"), timeout=5)
        error = rpc_error(lambda: client.GetMetricSpec(ref(pb, static, name="c", namespace="team"), timeout=5))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "--max-triggers-per-namespace" in error.details()
        # The server is still healthy and answers everyone else.
        assert client.GetMetricSpec(ref(pb, static, name="a", namespace="other"), timeout=5).metricSpecs
        assert scaler.http("/healthz")[0] == 200
    finally:
        scaler.kill()


@pytest.mark.skipif(MOSQUITTO is None, reason="mosquitto is not installed (scripts/bootstrap installs it)")
def test_no_secret_appears_in_any_log_line_error_message_or_scrape(pb, tmp_path):
    broker = Broker(users={"reader": PASSWORD})
    kafka = MockKafka()
    kube = FakeKubernetes(tmp_path, token=TOKEN)
    kube.add_scaled_object("shop", "orders", "orders-consumer")
    scaler = ScalerProcess("--log-level=trace", "--actuation=enabled", f"--kubeconfig={kube.kubeconfig()}")
    messages = []
    try:
        _, client = stub(pb, scaler)
        mqtt = {"scalerAddress": "p:6000", "source": "mqtt", "brokerAddress": broker.address, "topic": "a/#",
                "queryValue": "1", "username": "reader", "allowInsecureAuth": "true", "actuate": "true"}
        kafka.do("topic orders 1")
        scenarios = [
            ("orders", {**mqtt, "password": PASSWORD}),
            ("wrong", {**mqtt, "password": WRONG_PASSWORD}),
            ("sasl", kafka_metadata(kafka, sasl="plaintext", username="svc", password=SASL_PASSWORD)),
            # Bad metadata that carries secrets: the errors must name keys, never echo secret values.
            ("nouser", {**mqtt, "username": "", "password": PASSWORD}),
            ("both", {**mqtt, "password": PASSWORD, "passwordFromEnv": PASSWORD}),
            ("plain", {**mqtt, "allowInsecureAuth": "false", "password": PASSWORD}),
            ("badsasl", kafka_metadata(kafka, sasl="oauthbearer", username="svc", password=SASL_PASSWORD)),
            ("typo", {**mqtt, "pasword": PASSWORD, "password": PASSWORD}),
        ]
        for name, metadata in scenarios:
            for call in (lambda: client.GetMetricSpec(ref(pb, metadata, name=name), timeout=5),
                         lambda: client.IsActive(ref(pb, metadata, name=name), timeout=5)):
                try:
                    call()
                except grpc.RpcError as error:
                    messages.append(error.details() or "")
        subprocess.run(["mosquitto_pub", "-p", str(broker.port), "-u", "reader", "-P", PASSWORD, "-t", "a/b", "-m", "x"],
                       check=True, timeout=10)
        # Every path that could log a secret has run: the good trigger sampled and actuated, the wrong
        # password and the SASL trigger failed at least once.
        wait_for("samples, failures and actuation of every scenario", lambda: all(re.search(pattern, scaler.http("/metrics")[1], re.M) for pattern in (
            r'^prescale_trigger_source_available\{[^}]*scaledobject="orders"[^}]*\} 1',
            r'^prescale_trigger_errors_total\{[^}]*scaledobject="wrong"[^}]*\} [1-9]',
            r'^prescale_trigger_errors_total\{[^}]*scaledobject="sasl"[^}]*\} [1-9]',
            r'^prescale_actuation_(patches|skipped)_total\{[^}]*scaledobject="orders"',
        )))
        for name, metadata in scenarios:
            metric = "kafka-orders" if metadata["source"] == "kafka" else "mqtt-a"
            try:
                client.GetMetrics(pb[0].GetMetricsRequest(scaledObjectRef=ref(pb, metadata, name=name), metricName=metric), timeout=5)
            except grpc.RpcError as error:
                messages.append(error.details() or "")
        scrape = scaler.http("/metrics")[1]
        assert scaler.terminate() == 0
        log = scaler.output()
        assert any("authentication" in m or "not authorized" in m or "refused" in m for m in messages), messages
        for secret in (PASSWORD, WRONG_PASSWORD, SASL_PASSWORD, TOKEN):
            assert secret not in log, f"a secret is in the log: {[l for l in log.splitlines() if secret in l][:3]}"
            assert secret not in scrape, "a secret is in /metrics"
            assert not [m for m in messages if secret in m], f"a secret is in an error message: {messages}"
    finally:
        scaler.kill()
        broker.close()
        if kafka.proc.poll() is None:
            kafka.proc.kill()
        kube.close()


def test_an_idle_client_connection_is_closed_after_the_idle_timeout(pb):
    import shutil

    if shutil.which("ss") is None:
        pytest.fail("ss (iproute2) is needed to count connections")
    scaler = ScalerProcess("--connection-idle-timeout=10")
    try:
        port = scaler.grpc_port

        def established():
            out = subprocess.run(["ss", "-tnH", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True).stdout
            return len([line for line in out.splitlines() if line.strip()])

        channel, client = stub(pb, scaler)
        client.GetMetricSpec(ref(pb, {"scalerAddress": "p:6000", "source": "static", "value": "1", "target": "1"}), timeout=5)
        assert established() == 1
        wait_for("the idle connection is closed (10 s idle timeout)", lambda: established() == 0, timeout=30, interval=0.5)
        channel.close()
    finally:
        scaler.kill()
