"""`prescale plan` as a performance engineer uses it: JSON lines in, the planner's decisions out."""
import json
import subprocess


def plan(binary, lines, *metadata):
    args = [str(binary), "plan"] + [f"--metadata={m}" for m in metadata]
    return subprocess.run(args, input="".join(line + "\n" for line in lines), capture_output=True, text=True, timeout=30)


def ramp(seconds=60):
    arrived = consumed = 0
    for t in range(seconds):
        arrived += 100 + 10 * t
        consumed = min(arrived, consumed + 100)
        yield json.dumps({"t": t, "backlog": arrived - consumed, "arrived": arrived, "consumed": consumed})


def test_one_decision_per_line_never_below_reactive(binary):
    lines = list(ramp())
    result = plan(binary, lines, "target=100", "coldStartSeconds=5")
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines)
    for decision in out:
        assert decision["value"] >= decision["reactiveValue"]
        assert decision["target"] == 100
    last = out[-1]
    assert last["leadTimeSeconds"] == 20
    assert last["model"] in {"naive", "ewma-0.1", "ewma-0.3", "holt-damped"}
    assert last["value"] > last["reactiveValue"]  # a growing load: the prediction leads
    assert last["desiredReplicas"] == -(-last["value"] // 100)


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
