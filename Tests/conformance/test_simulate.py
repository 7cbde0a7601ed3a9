"""`prescale simulate` as a performance engineer runs it."""
import json
import pathlib
import subprocess

import pytest

SHARED = pathlib.Path(__file__).resolve().parents[3] / "shared" / "traces"
POLICIES = ["keda", "keda-fast", "kpa", "prescale", "prescale-direct", "peak"]


def simulate(binary, *args):
    return subprocess.run([str(binary), "simulate", *args], capture_output=True, text=True, timeout=300)


def test_scenario_table_json_and_chart(binary, tmp_path):
    out = tmp_path / "charts"
    result = simulate(binary, "--scenario", "spike", "--seconds", "900", "--seed", "3", "--json", str(tmp_path / "r.json"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    for policy in POLICIES:
        assert f"\n{policy} " in result.stdout
    data = json.loads((tmp_path / "r.json").read_text())
    assert [p["policy"] for p in data["policies"]] == POLICIES
    for p in data["policies"]:
        assert abs(p["served"] - data["messages"]) < 1e-3, p
        assert p["waitP50"] <= p["waitP95"] <= p["waitP99"]
    svg = (out / "simulate-scenario-spike.svg").read_text()
    assert svg.startswith("<svg") and all(p in svg for p in POLICIES)
    again = simulate(binary, "--scenario", "spike", "--seconds", "900", "--seed", "3", "--json", str(tmp_path / "s.json"))
    assert json.loads((tmp_path / "s.json").read_text()) == data


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/traces is absent (outside the project's setup)")
def test_real_traces_replay(binary, tmp_path):
    result = simulate(binary, "--trace", str(SHARED / "azure-llm-code-2023.csv"), "--rate-per-replica", "2", "--policies", "keda,prescale",
                      "--metadata", "messagesPerReplicaPerSecond=2", "--json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["messages"] == 8819
    result = simulate(binary, "--trace", str(SHARED / "worldcup98-per-minute.csv"), "--seconds", "3600", "--scale", "0.01", "--policies", "peak")
    assert result.returncode == 0, result.stderr


def test_bad_flags_name_the_flag(binary):
    for args, fragment in [
        ([], "give exactly one of --trace FILE or --scenario"),
        (["--scenario", "tsunami"], "--scenario: \"tsunami\" is not allowed"),
        (["--scenario", "step", "--policies", "keda,hpa"], "--policies: \"hpa\" is not allowed"),
        (["--scenario", "step", "--rate-per-replica", "0"], "--rate-per-replica: 0.0 is not allowed"),
        (["--scenario", "step", "--tolerance", "2"], "--tolerance: 2.0 is not allowed"),
        (["--scenario", "step", "--hpa-scale-up-percent", "400000"], "--hpa-scale-up-percent: 400000 is not allowed"),
        (["--scenario", "step", "--kpa-target-utilization", "0"], "--kpa-target-utilization: 0.0 is not allowed"),
        (["--scenario", "step", "--metadata", "leadTimeSeconds=0"], "leadTimeSeconds"),
        (["--scenario", "step", "--metadata", "lagThreshold=5"], "key \"lagThreshold\" is not allowed"),
    ]:
        result = simulate(binary, *args)
        assert result.returncode != 0, args
        assert fragment in result.stderr, (args, result.stderr)


def test_bad_trace_names_the_line(binary, tmp_path):
    trace = tmp_path / "bad.csv"
    trace.write_text("period,count\n1998-04-30 21:30:00,5\n1998-04-30 21:31:00,many\n")
    result = simulate(binary, "--trace", str(trace))
    assert result.returncode != 0
    assert "line 3" in result.stderr and "bad.csv" in result.stderr
    result = simulate(binary, "--trace", str(tmp_path / "missing.csv"))
    assert result.returncode != 0 and "cannot read" in result.stderr


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/traces is absent (outside the project's setup)")
def test_token_work_model(binary, tmp_path):
    result = simulate(binary, "--trace", str(SHARED / "azure-llm-conv-2023.csv"), "--work-column", "GeneratedTokens", "--work-per-replica", "200",
                      "--policies", "keda,peak", "--json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr
    assert "work model: GeneratedTokens mean" in result.stdout
    result = simulate(binary, "--trace", str(SHARED / "azure-llm-conv-2023.csv"), "--work-column", "Tokens", "--work-per-replica", "200")
    assert result.returncode != 0 and '--work-column "Tokens" is not a column' in result.stderr
    result = simulate(binary, "--scenario", "step", "--work-per-replica", "200")
    assert result.returncode != 0 and "--work-column and --work-per-replica go together" in result.stderr


def test_timeline_csv(binary, tmp_path):
    result = simulate(binary, "--scenario", "step", "--seconds", "120", "--policies", "keda,peak", "--timeline", str(tmp_path / "t.csv"))
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "t.csv").read_text().splitlines()
    assert lines[0] == "second,arrivals,backlog_keda,replicas_keda,backlog_peak,replicas_peak"
    assert len(lines) >= 121
    assert len({line.split(",")[5] for line in lines[1:121]}) == 1  # peak is constant


def test_timeline_shows_the_plan_and_burst_memory(binary, tmp_path):
    """On-off bursts from zero: after one burst the burst memory plans for the next from its first
    second (a step rises at once), which the timeline shows next to the value and the planned replicas."""
    path = tmp_path / "t.csv"
    result = simulate(binary, "--scenario", "on-off", "--seconds", "900", "--scale", "0.2", "--rate-per-replica", "2",
                      "--policies", "keda,prescale", "--timeline", str(path))
    assert result.returncode == 0, result.stderr
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    assert header == ["second", "arrivals", "backlog_keda", "replicas_keda", "backlog_prescale", "replicas_prescale",
                      "value_prescale", "planned_prescale", "burst_rate_prescale"]
    rows = [dict(zip(header, map(float, line.split(",")))) for line in lines[1:]]
    # on-off: 60 s of arrivals every 180 s; the second burst starts at 180 s.
    assert all(row["burst_rate_prescale"] == 0 for row in rows[:180])
    second = [row for row in rows if 180 <= row["second"] < 185]
    assert any(row["burst_rate_prescale"] > 5 for row in second), second
