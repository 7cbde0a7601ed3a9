"""`prescale tune` as a performance engineer uses it after a load test."""
import json
import subprocess

import yaml


def tune(binary, *args, timeout=600):
    return subprocess.run([str(binary), "tune", *args], capture_output=True, text=True, timeout=timeout)


def test_scenario_frontiers_and_fragment(binary, tmp_path):
    out = tmp_path / "fragment.yaml"
    args = ["--scenario", "on-off", "--seconds", "900", "--scale", "0.2", "--rate-per-replica", "2", "--slo", "30", "--seed", "4"]
    result = tune(binary, *args, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Prescale (prescale) frontier:" in result.stdout
    assert "KEDA reactive (keda) frontier, tuned the same way:" in result.stdout
    fragment = yaml.safe_load(out.read_text())
    behavior = fragment["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    assert behavior["scaleDown"]["stabilizationWindowSeconds"] in (0, 30, 60, 120, 300)
    assert {p["type"] for p in behavior["scaleUp"]["policies"]} == {"Pods", "Percent"}
    trigger = fragment["spec"]["triggers"][0]
    assert trigger["type"] == "external-push" and trigger["metadata"]["source"] == "kafka"
    assert float(trigger["metadata"]["lagThreshold"]) > 0
    # Deterministic: the same seed chooses the same configuration.
    again = tmp_path / "again.yaml"
    assert tune(binary, *args, "--out", str(again)).returncode == 0
    assert again.read_text() == out.read_text()


def test_recording_teaches_the_capacity(binary, tmp_path):
    recording = tmp_path / "load-test.jsonl"
    arrived = consumed = 0
    lines = []
    for t in range(600):
        arrived += 12 if (t // 60) % 2 == 0 else 0
        consumed = min(arrived, consumed + 3 * 3)  # 3 replicas at 3 messages per second
        lines.append(json.dumps({"t": t, "backlog": arrived - consumed, "arrived": arrived, "consumed": consumed, "replicas": 3}))
    recording.write_text("\n".join(lines) + "\n")
    result = tune(binary, "--recording", str(recording), "--slo", "30", "--path", "direct")
    assert result.returncode == 0, result.stderr
    assert "capacity learned from the recording: 3 messages per replica per second" in result.stdout
    assert "actuate: \"true\"" in result.stdout


def test_bad_input_names_the_flag(binary, tmp_path):
    cases = [
        (["--scenario", "step"], "--rate-per-replica is required"),
        (["--scenario", "step", "--rate-per-replica", "2", "--path", "fast"], "--path: \"fast\" is not allowed; allowed: hpa, direct"),
        (["--scenario", "step", "--rate-per-replica", "0"], "--rate-per-replica: 0.0 is not allowed"),
    ]
    for args, message in cases:
        result = tune(binary, *args, timeout=30)
        assert result.returncode != 0 and message in result.stderr, (args, result.stderr)
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({"t": 0, "backlog": 0, "arrived": 0}) + "\n")
    result = tune(binary, "--recording", str(empty), timeout=30)
    assert result.returncode != 0 and "--recording" in result.stderr
