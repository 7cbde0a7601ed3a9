"""`prescale migrate` through the binary, on ScaledObjects as kubectl prints them: kafka triggers move to
Prescale with every key kept, credentials from TriggerAuthentications become *FromEnv keys and file names
with the step to take for each, and what cannot be converted is refused naming the trigger and the key."""
import subprocess

import pytest
import yaml

from conftest import ROOT

PRINTED = """\
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: orders-v1
  namespace: shop
  resourceVersion: "48213"
  uid: 5c1f0e1e-8a59-4d4c-9a3d-0e0c7f3c9c11
  creationTimestamp: "2026-11-29T09:00:00Z"
  generation: 3
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"apiVersion":"keda.sh/v1alpha1"}'
    team: orders
spec:
  scaleTargetRef:
    name: orders-v1-deployment
  minReplicaCount: 0
  triggers:
    - type: kafka
      metadata:
        bootstrapServersFromEnv: KAFKA_BROKERS
        consumerGroupFromEnv: KAFKA_GROUP
        topic: orders
        lagThreshold: "50"
        sasl: scram_sha512
      authenticationRef:
        name: kafka-auth
    - type: cpu
      metricType: Utilization
      metadata:
        value: "80"
status:
  conditions:
    - type: Ready
      status: "True"
---
apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata:
  name: kafka-auth
  namespace: shop
spec:
  secretTargetRef:
    - parameter: username
      name: kafka-user
      key: user
    - parameter: password
      name: kafka-user
      key: password
    - parameter: ca
      name: kafka-tls
      key: ca.crt
"""


def migrate(binary, text, *args):
    return subprocess.run([str(binary), "migrate", "-f", "-", *args], input=text, capture_output=True, text=True, timeout=30)


def test_a_kafka_trigger_moves_to_prescale_with_every_key_and_its_credentials(binary):
    result = migrate(binary, PRINTED, "--scaler-address", "prescale.platform.svc:6000")
    assert result.returncode == 0, result.stderr
    [converted] = list(yaml.safe_load_all(result.stdout))
    assert converted["metadata"] == {"name": "orders-v1", "namespace": "shop", "annotations": {"team": "orders"}}
    assert "status" not in converted
    kafka, cpu = converted["spec"]["triggers"]
    assert kafka["type"] == "external-push" and "authenticationRef" not in kafka
    assert kafka["metadata"] == {
        "scalerAddress": "prescale.platform.svc:6000", "source": "kafka", "bootstrapServersFromEnv": "KAFKA_BROKERS",
        "consumerGroupFromEnv": "KAFKA_GROUP", "topic": "orders", "lagThreshold": "50", "sasl": "scram_sha512",
        "usernameFromEnv": "PRESCALE_KAFKA_USERNAME", "passwordFromEnv": "PRESCALE_KAFKA_PASSWORD", "ca": "orders-v1-ca.pem",
        "tls": "enable"}
    assert list(kafka["metadata"])[:2] == ["scalerAddress", "source"]
    assert cpu == {"type": "cpu", "metricType": "Utilization", "metadata": {"value": "80"}}
    # The HPA behaviour the shipped ScaledObject carries, added.
    shipped = yaml.safe_load((ROOT / "deploy" / "keda" / "scaledobject-kafka.yaml").read_text())
    assert converted["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"] == \
        shipped["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    # And its cooldownPeriod, where the ScaledObject sets none (KEDA's 300 s would apply).
    assert "cooldownPeriod" not in yaml.safe_load(PRINTED.split("---")[0])["spec"]
    assert converted["spec"]["cooldownPeriod"] == shipped["spec"]["cooldownPeriod"] == 60
    # Each credential, with what to mount or add and under which name.
    err = result.stderr
    assert "secretKeyRef: {name: kafka-user, key: password}" in err and "PRESCALE_KAFKA_PASSWORD" in err
    assert "secretKeyRef: {name: kafka-user, key: user}" in err
    assert "key orders-v1-ca.pem in Secret prescale-credentials-shop" in err
    assert "trigger 1 (cpu): kept as it is" in err


def test_its_own_behaviour_is_kept_and_several_documents_and_lists_convert(binary):
    with_behavior = yaml.safe_load(PRINTED.split("---")[0])
    behavior = {"scaleDown": {"stabilizationWindowSeconds": 120}}
    with_behavior["spec"]["advanced"] = {"horizontalPodAutoscalerConfig": {"behavior": behavior}}
    with_behavior["spec"]["cooldownPeriod"] = 300
    del with_behavior["spec"]["triggers"][0]["authenticationRef"]
    del with_behavior["spec"]["triggers"][0]["metadata"]["sasl"]
    second = yaml.safe_load(yaml.safe_dump(with_behavior))
    second["metadata"]["name"] = "payments-v1"
    listed = yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [with_behavior, second]})
    result = migrate(binary, listed)
    assert result.returncode == 0, result.stderr
    documents = list(yaml.safe_load_all(result.stdout))
    assert [d["metadata"]["name"] for d in documents] == ["orders-v1", "payments-v1"]
    assert all(d["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"] == behavior for d in documents)
    assert all(d["spec"]["cooldownPeriod"] == 300 for d in documents)
    assert "orders-v1: keeps its cooldownPeriod 300 s; Prescale's ScaledObjects ship 60 s" in result.stderr
    assert "keeps its own HPA behaviour" in result.stderr


@pytest.mark.parametrize("change, names", [
    (lambda d: d[1]["spec"]["secretTargetRef"].append({"parameter": "sasl", "name": "kafka-user", "key": "mechanism"}),
     ['trigger 0 (kafka)', 'parameter "sasl"']),
    (lambda d: d.pop(1), ['trigger 0 (kafka)', 'key "authenticationRef"', "kafka-auth"]),
    (lambda d: d[0]["spec"]["triggers"][0]["metadata"].update(sasl="oauthbearer"), ['trigger 0 (kafka)', 'metadata key "sasl"']),
    (lambda d: d[0]["spec"]["triggers"][0]["metadata"].update(lagThreshold="-5"), ['trigger 0 (kafka)', 'metadata key "lagThreshold"']),
    (lambda d: d[0]["spec"]["triggers"][0]["metadata"].update(lagThreshhold="5"), ['trigger 0 (kafka)', '"lagThreshhold"']),
    (lambda d: d[0]["spec"]["triggers"][0]["metadata"].update(bootstrapServers="kafka:9092"),
     ['trigger 0 (kafka)', '"bootstrapServersFromEnv"']),
    (lambda d: d[1]["spec"].update(hashiCorpVault={"address": "https://vault"}), ['trigger 0 (kafka)', "spec.hashiCorpVault"]),
])
def test_what_cannot_be_converted_is_refused_naming_the_trigger_and_key(binary, change, names):
    documents = list(yaml.safe_load_all(PRINTED))
    change(documents)
    result = migrate(binary, yaml.safe_dump_all(documents))
    assert result.returncode == 1 and result.stdout == "", result.stdout
    assert "ScaledObject shop/orders-v1" in result.stderr
    for name in names:
        assert name in result.stderr, result.stderr


def test_bad_input_and_flags_say_what_is_wrong(binary, tmp_path):
    assert "no ScaledObject" in migrate(binary, "kind: Deployment\n").stderr
    assert "not YAML" in migrate(binary, "a: [b\n").stderr
    missing = subprocess.run([str(binary), "migrate", "-f", str(tmp_path / "nope.yaml")], capture_output=True, text=True, timeout=30)
    assert missing.returncode != 0 and "nope.yaml" in missing.stderr
    bad = migrate(binary, PRINTED, "--scaler-address", "prescale")
    assert bad.returncode != 0 and "--scaler-address" in bad.stderr
