"""`prescale plan` as a performance engineer uses it: JSON lines in, the planner's decisions out."""
import json
import select
import subprocess


def plan(binary, lines, *metadata):
    args = [str(binary), "plan"] + [f"--metadata={m}" for m in metadata]
    return subprocess.run(args, input="".join(line + "\n" for line in lines), capture_output=True, text=True, timeout=30)


def ramp(seconds=60):
    """A load growing by 10/s every second against 4 replicas that consume 25/s each."""
    arrived = consumed = 0
    for t in range(seconds):
        arrived += 100 + 10 * t
        consumed = min(arrived, consumed + 100)
        yield json.dumps({"t": t, "backlog": arrived - consumed, "arrived": arrived, "consumed": consumed, "replicas": 4})


def test_one_decision_per_line_never_below_its_floor(binary):
    lines = list(ramp())
    result = plan(binary, lines, "target=1000", "coldStartSeconds=5")
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines)
    learned = [d for d in out if "learnedFloor" in d]
    assert learned and learned[0] is not out[0]
    for decision in out:
        assert decision["value"] >= decision["valueFloor"]
        assert decision["target"] == 1000
        if "learnedFloor" in decision:
            # Once learned, the floor is the backlog drained within 1 s at the learned capacity, in place
            # of KEDA's value (here far below it: lagThreshold 1000 is 40 s of a replica's work).
            assert decision["valueFloor"] == decision["learnedFloor"]
            floor = -(-decision["reactiveValue"] // decision["capacity"])
            assert decision["learnedFloor"] == floor * 1000
        else:
            assert decision["value"] >= decision["reactiveValue"]
    last = out[-1]
    assert last["leadTimeSeconds"] == 20
    assert last["model"] in {"naive", "ewma-0.1", "ewma-0.3", "holt-damped"}
    # The capacity is learned from the saturated lines: 100 consumed / 4 replicas.
    assert abs(last["capacity"] - 25) < 1e-6
    assert 0.3 < last["capacityConfidence"] <= 1  # a minute of data: a third of the window, all agreeing
    assert last["value"] > last["reactiveValue"]  # a growing load: the prediction leads
    assert last["desiredReplicas"] == max(last["plannedReplicas"], last["learnedFloor"] // 1000) == -(-last["value"] // 1000)


def test_predict_false_reports_the_backlog(binary):
    result = plan(binary, list(ramp(20)), "target=100", "predict=false")
    assert result.returncode == 0, result.stderr
    for line, decision in zip(ramp(20), map(json.loads, result.stdout.splitlines())):
        assert decision["value"] == json.loads(line)["backlog"]
        assert "forecastRate" not in decision


def test_whole_trigger_metadata_is_accepted(binary):
    result = plan(binary, list(ramp(5)), "source=kafka", "bootstrapServers=k:9092", "consumerGroup=g", "topic=t", "lagThreshold=50")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[0])["target"] == 50


def test_the_hpa_sync_period_feeds_the_lead_time_as_the_servers_flag_does(binary):
    """--hpa-sync-seconds, as `serve`'s: the lead time through the HPA is the sync plus coldStartSeconds, for
    bare prediction keys and for a whole trigger's metadata; a value out of range is refused naming the flag."""
    lines = list(ramp(5))
    for extra, sync in (([], 15), (["--hpa-sync-seconds=5"], 5)):
        for metadata in (["target=50", "coldStartSeconds=3"],
                         ["source=kafka", "bootstrapServers=k:9092", "consumerGroup=g", "topic=t", "coldStartSeconds=3"]):
            args = [str(binary), "plan", *extra] + [f"--metadata={m}" for m in metadata]
            result = subprocess.run(args, input="".join(line + "\n" for line in lines), capture_output=True, text=True, timeout=30)
            assert result.returncode == 0, result.stderr
            assert json.loads(result.stdout.splitlines()[-1])["leadTimeSeconds"] == sync + 3, (extra, metadata)
    refused = subprocess.run([str(binary), "plan", "--metadata=target=50", "--hpa-sync-seconds=61"], input="",
                             capture_output=True, text=True, timeout=30)
    assert refused.returncode != 0 and "--hpa-sync-seconds" in refused.stderr and "1 to 60" in refused.stderr


def test_bad_line_names_its_number(binary):
    lines = list(ramp(3)) + ['{"t": 3, "backlog": "lots"}']
    result = plan(binary, lines, "target=10")
    assert result.returncode == 1
    assert 'line 4: "backlog" must be a number' in result.stderr
    assert len(result.stdout.splitlines()) == 3
    for bad, message in [
        ("not json", "line 1: not a JSON object"),
        ('{"backlog": 1}', 'line 1: "t" (seconds) is required'),
        ('{"t": 1, "backlog": -1}', 'line 1: "backlog" must be a finite number >= 0'),
        ('{"t": 1, "backlog": 1, "lag": 2}', 'line 1: unknown field "lag"'),
    ]:
        result = plan(binary, [bad], "target=10")
        assert result.returncode == 1 and message in result.stderr, (bad, result.stderr)
    result = plan(binary, ['{"t": 5, "backlog": 1}', '{"t": 5, "backlog": 1}'], "target=10")
    assert result.returncode == 1 and "line 2: \"t\" is 5.0, not after the previous line's 5.0" in result.stderr


def test_bad_metadata_names_the_key(binary):
    for metadata, fragment in [
        (["target=0"], 'metadata key "target": "0" is not allowed'),
        (["target=10", "predictQuantile=1"], '"predictQuantile"'),
        (["targt=10"], 'did you mean "target"'),
        (["target"], 'allowed: key=value'),
        (["target=10", "lagThreshold=5"], 'metadata key "lagThreshold"'),
    ]:
        result = plan(binary, ['{"t": 0, "backlog": 0}'], *metadata)
        assert result.returncode == 1, metadata
        assert fragment in result.stderr, (metadata, result.stderr)


def test_closed_loop_one_answer_per_observation(binary):
    """A harness that waits for each decision before it sends the next observation (stdout a pipe)."""
    process = subprocess.Popen(
        [str(binary), "plan", "--metadata=target=10"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, bufsize=1)
    try:
        arrived = consumed = 0
        bounded = learned = False
        for t in range(30):
            arrived += 20
            consumed = min(arrived, consumed + 15)
            process.stdin.write(json.dumps({"t": t, "backlog": arrived - consumed, "arrived": arrived, "consumed": consumed, "replicas": 3}) + "\n")
            process.stdin.flush()
            ready, _, _ = select.select([process.stdout], [], [], 10)
            assert ready, f"no decision within 10 s for observation {t}: output is buffered"
            decision = json.loads(process.stdout.readline())
            assert decision["t"] == t
            assert decision["reactiveValue"] == arrived - consumed
            # Before the capacity is known, at most one default scale-up step per 15 s sync above the 3
            # ready replicas: max(3 + 4, 2 x 3) = 7. Once it is learned (5 per replica), the replicas that
            # drain the backlog within 1 s: ceil(backlog / 5) x target.
            if "learnedFloor" in decision:
                bound = -(-decision["reactiveValue"] // decision["capacity"]) * 10
                learned = True
            else:
                assert "capacity" not in decision
                bound = min(decision["reactiveValue"], 70)
            assert decision["value"] >= decision["valueFloor"] == bound, decision
            bounded = bounded or decision["valueFloor"] < decision["reactiveValue"]
        assert bounded  # the bound held the value below KEDA's before the capacity was learned
        assert learned
    finally:
        process.stdin.close()
        assert process.wait(timeout=10) == 0, process.stderr.read()


SCALEDOBJECT_FROM_CLUSTER = """apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"keda.sh/v1alpha1","kind":"ScaledObject"}
  creationTimestamp: "2026-11-29T10:00:00Z"
  finalizers:
  - finalizer.keda.sh
  generation: 1
  labels:
    scaledobject.keda.sh/name: orders
  name: orders
  namespace: functions
  resourceVersion: "123456"
  uid: 0b6f6a2e-0000-4000-8000-000000000000
spec:
  cooldownPeriod: 60
  maxReplicaCount: 24
  minReplicaCount: 1
  pollingInterval: 5
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: orders-v1-deployment
  triggers:
  - metadata:
      bootstrapServers: kafka-bootstrap.kafka.svc:9092
      consumerGroup: orders-fn
      lagThreshold: "50"
      scalerAddress: prescale.prescale.svc.cluster.local:6000
      source: kafka
      topic: orders
    type: cpu
  - metadata:
      activationLagThreshold: "5"
      bootstrapServers: kafka-bootstrap.kafka.svc:9092
      consumerGroup: orders-fn
      lagThreshold: "50"
      offsetResetPolicy: latest
      scalerAddress: prescale.prescale.svc.cluster.local:6000
      source: kafka
      topic: orders
    type: external-push
status:
  conditions:
  - message: ScaledObject is defined correctly and is ready for scaling
    reason: ScaledObjectReady
    status: "True"
    type: Ready
  externalMetricNames:
  - s1-kafka-orders
  originalReplicaCount: 1
"""


def test_scaledobject_exactly_as_kubectl_prints_it(binary, tmp_path):
    path = tmp_path / "orders.yaml"
    path.write_text(SCALEDOBJECT_FROM_CLUSTER)
    lines = [json.dumps({"t": 0, "backlog": 3, "arrived": 3}), json.dumps({"t": 1, "backlog": 120, "arrived": 130})]
    result = subprocess.run([str(binary), "plan", f"--scaledobject={path}"], input="\n".join(lines) + "\n",
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    first, second = map(json.loads, result.stdout.splitlines())
    assert first["target"] == 50  # the external-push trigger's lagThreshold, not the cpu trigger's
    assert first["active"] is False  # 3 is not above activationLagThreshold 5
    assert second["value"] >= 120 and second["active"] is True
    # A trigger that is not Prescale's is refused naming what is wrong.
    bad = subprocess.run([str(binary), "plan", f"--scaledobject={path}", "--trigger=7"], input="",
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode != 0 and "--trigger 7 is not allowed; allowed: 0 to 1" in bad.stderr
