"""`source: mqtt` against the real binary and a real mosquitto broker, each started on a free loopback
port and stopped by PID, called like KEDA calls it."""
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import grpc
import pytest

from conftest import free_port, wait_for
from test_externalscaler import ref, stub

MOSQUITTO = next((p for p in ("/usr/sbin/mosquitto", "/usr/bin/mosquitto") if os.path.exists(p)), None)
pytestmark = pytest.mark.skipif(MOSQUITTO is None, reason="mosquitto is not installed (scripts/bootstrap installs it)")


class Broker:
    """A mosquitto process with a temporary configuration (sys_interval 1)."""

    def __init__(self, users=None):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="prescale-mosquitto-"))
        # mosquitto started as root drops to the mosquitto user, which must read this directory.
        self.dir.chmod(0o755)
        lines = ["sys_interval 1", "persistence false"]
        if users:
            passwords = self.dir / "passwords"
            passwords.touch()
            for user, password in users.items():
                subprocess.run(["mosquitto_passwd", "-b", str(passwords), user, password], check=True)
            passwords.chmod(0o644)
            lines += ["allow_anonymous false", f"password_file {passwords}"]
        else:
            lines.append("allow_anonymous true")
        # A port free when picked can be taken before mosquitto binds it: then pick another.
        for attempt in range(5):
            self.port = free_port()
            (self.dir / "mosquitto.conf").write_text("\n".join([f"listener {self.port} 127.0.0.1"] + lines) + "\n")
            try:
                self.start()
                return
            except RuntimeError:
                if attempt == 4:
                    raise

    def start(self):
        self.log = open(self.dir / "mosquitto.log", "ab")
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.dir / "mosquitto.conf")], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break  # exited: the port was taken
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    @property
    def address(self):
        return f"mqtt://127.0.0.1:{self.port}"

    def publish(self, topic, count=1, qos=1):
        lines = "".join(f"m{i}\n" for i in range(count))
        subprocess.run(["mosquitto_pub", "-p", str(self.port), "-q", str(qos), "-t", topic, "-l"], input=lines.encode(), check=True, timeout=10)

    def kill(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def close(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def broker():
    b = Broker()
    yield b
    b.close()


def mqtt(broker, **extra):
    metadata = {
        "scalerAddress": "prescale.prescale.svc:6000", "source": "mqtt", "brokerAddress": broker.address,
        "topic": "orders/+", "queryValue": "5", "windowSeconds": "60",
    }
    metadata.update(extra)
    return metadata


def value(pb, scaler, metadata):
    request = pb[0].GetMetricsRequest(scaledObjectRef=ref(pb, metadata), metricName="s0-mqtt-orders")
    return scaler.GetMetrics(request, timeout=5).metricValues[0].metricValueFloat


def test_mqtt_metrics_follow_published_messages(pb, shared_scaler, broker):
    _, scaler = stub(pb, shared_scaler)
    # The window count itself, as KEDA would see it without prediction (prediction has its own tests).
    metadata = mqtt(broker, activationQueryValue="3", predict="false")
    spec = scaler.GetMetricSpec(ref(pb, metadata), timeout=5)
    assert spec.metricSpecs[0].metricName == "mqtt-orders"
    assert spec.metricSpecs[0].targetSizeFloat == 5.0
    wait_for("a first value of 0", lambda: value(pb, scaler, metadata) == 0.0)
    assert scaler.IsActive(ref(pb, metadata), timeout=5).result is False
    broker.publish("orders/eu", count=12)
    broker.publish("invoices/eu", count=4)
    wait_for("12 messages in the window", lambda: value(pb, scaler, metadata) == 12.0)
    assert scaler.IsActive(ref(pb, metadata), timeout=5).result is True
    status, body = shared_scaler.http("/metrics")
    assert status == 200
    assert f'prescale_mqtt_connected{{broker="{broker.address}"}} 1' in body
    assert f'prescale_mqtt_messages_received_total{{broker="{broker.address}",filter="orders/+"}} 12' in body


def test_first_message_pushes_true_on_the_stream(pb, shared_scaler, broker):
    _, scaler = stub(pb, shared_scaler)
    metadata = mqtt(broker, topic="alerts/#")
    stream = scaler.StreamIsActive(ref(pb, metadata), timeout=30)
    assert next(stream).result is False
    broker.publish("alerts/fire")
    assert next(stream).result is True
    stream.cancel()


def test_broker_down_is_unavailable_naming_it_then_recovers(pb, shared_scaler, broker):
    _, scaler = stub(pb, shared_scaler)
    metadata = mqtt(broker, topic="orders/#")
    request = pb[0].GetMetricsRequest(scaledObjectRef=ref(pb, metadata), metricName="mqtt-orders")
    wait_for("a first value", lambda: scaler.GetMetrics(request, timeout=5))
    broker.kill()

    def unavailable():
        try:
            scaler.GetMetrics(request, timeout=5)
            return None
        except grpc.RpcError as e:
            return e if e.code() == grpc.StatusCode.UNAVAILABLE else None

    error = wait_for("UNAVAILABLE", unavailable)
    assert broker.address in error.details() or "stale" in error.details()
    broker.start()
    wait_for("a value again after the restart", lambda: scaler.GetMetrics(request, timeout=5))


def test_wrong_password_is_reported_as_an_authentication_failure(pb, shared_scaler):
    b = Broker(users={"alice": "wonderland"})
    try:
        _, scaler = stub(pb, shared_scaler)
        metadata = mqtt(b, username="alice", password="wrong", allowInsecureAuth="true")

        def refused():
            try:
                scaler.IsActive(ref(pb, metadata), timeout=5)
                return None
            except grpc.RpcError as e:
                return e if e.code() == grpc.StatusCode.UNAVAILABLE and "alice" in e.details() else None

        error = wait_for("an authentication failure", refused)
        assert "refused the username \"alice\" or its password" in error.details()
        assert "wrong" not in error.details()
    finally:
        b.close()


@pytest.mark.parametrize("extra,key", [
    ({"topic": "a/#/b"}, "topic"),
    ({"qos": "3"}, "qos"),
    ({"username": "alice"}, "username"),
    ({"brokerAddress": "tcp://x:1883"}, "brokerAddress"),
])
def test_bad_mqtt_metadata_is_invalid_argument(pb, shared_scaler, broker, extra, key):
    _, scaler = stub(pb, shared_scaler)
    with pytest.raises(grpc.RpcError) as info:
        scaler.GetMetricSpec(ref(pb, mqtt(broker, **extra)), timeout=5)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert f'"{key}"' in info.value.details()
