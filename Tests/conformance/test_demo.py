"""`prescale demo` as a user runs it: a short burst, a trace, and bad flags."""
import pathlib
import subprocess


def run(binary, *args, timeout=120):
    return subprocess.run([str(binary), "demo", *args], capture_output=True, text=True, timeout=timeout)


def test_demo_runs_keda_and_prescale_side_by_side(binary, tmp_path):
    """By default the same load goes through KEDA's own value (predict: "false") and Prescale's, each
    through the real gRPC server and a KEDA/HPA-like loop: one line per second with both, one summary
    line each, and one chart with both."""
    chart = tmp_path / "demo.svg"
    result = run(binary, "--seconds", "20", "--speed", "5", "--sync-seconds", "5", "--out", str(chart))
    assert result.returncode == 0, result.stderr
    assert "keda vs prescale" in result.stdout
    rows = [line.split() for line in result.stdout.splitlines() if line.strip() and line.split()[0].isdigit()]
    assert len(rows) == 20
    # "t arrivals | keda: lag desired ready | prescale: lag desired ready"
    assert all(row[2] == "|" and row[6] == "|" for row in rows)
    keda_lag = [int(r[3]) for r in rows]
    keda_desired = [int(r[4]) for r in rows]
    prescale_desired = [int(r[8]) for r in rows]
    # The burst (seconds 4..9 of 20) builds lag, and both loops, fed by GetMetrics over gRPC from the
    # Kafka lag, ask for more than the single starting replica.
    assert max(keda_lag) > 0
    assert max(keda_desired) > 1 and max(prescale_desired) > 1
    assert "summary keda: max lag" in result.stdout and "summary prescale: max lag" in result.stdout
    svg = chart.read_text()
    # The simulator's chart: arrivals, backlog and replicas panels, one line per run, seconds on the axis.
    assert svg.startswith("<svg") and ">keda<" in svg and ">prescale<" in svg
    assert ">arrivals / s<" in svg and ">backlog<" in svg and ">replicas<" in svg and ">20 s<" in svg


def test_demo_replays_a_trace(binary, tmp_path):
    trace = tmp_path / "seconds.csv"
    trace.write_text("second,count\n" + "".join(f"{s},{10 * (s + 1)}\n" for s in range(10)))
    result = run(binary, "--seconds", "8", "--speed", "8", "--trace", str(trace), "--scale", "0.1",
                 "--policies", "prescale", "--out", str(tmp_path / "t.svg"))
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.strip() and line.split()[0].isdigit()]
    assert [float(row[1]) for row in rows[:3]] == [1.0, 2.0, 3.0]  # 10, 20, 30 per second x 0.1
    # Per-minute counts become seeded Poisson arrivals with the minute's mean (600 x 0.1 / 60 = 1 per second).
    minutes = tmp_path / "minutes.csv"
    minutes.write_text("period,count\n1998-04-30 21:30:00,600\n")
    result = run(binary, "--seconds", "8", "--speed", "8", "--trace", str(minutes), "--scale", "0.1", "--out", str(tmp_path / "m.svg"))
    assert result.returncode == 0, result.stderr


def test_demo_bad_trace_names_the_line(binary, tmp_path):
    trace = tmp_path / "bad.csv"
    trace.write_text("period,count\n1998-04-30 21:30:00,lots\n")
    result = run(binary, "--seconds", "5", "--trace", str(trace))
    assert result.returncode != 0
    assert "line 2" in result.stderr and "no count" in result.stderr


def test_demo_bad_flags_name_the_flag(binary):
    for args, fragment in [
        (["--scenario", "tsunami"], '--scenario: "tsunami" is not allowed; allowed: burst, step, spike, diurnal, on-off, sparse'),
        (["--speed", "0"], "--speed: 0.0 is not allowed; allowed: 0.1 to 50"),
        (["--seconds", "0"], "--seconds: 0 is not allowed; allowed: 1 to"),
        (["--seconds", "86401"], "--seconds: 86401 is not allowed for a demo; allowed: 1 to 86400"),
        (["--trace", "x.csv", "--scenario", "burst"], "give at most one of --trace FILE or --scenario NAME"),
        (["--policies", "keda,hpa"], '--policies: "hpa" is not allowed; allowed: keda, prescale, prescale-direct'),
    ]:
        result = run(binary, *args)
        assert result.returncode != 0
        assert fragment in result.stderr, result.stderr


def test_demo_direct_actuation_scales_before_the_control_loop(binary, tmp_path):
    """With --direct, Prescale's actuator is what raises the pool: the control loop here syncs only at
    0 s and 60 s, so any scale-up in between came from the actuator acting on a sample."""
    result = run(binary, "--seconds", "30", "--speed", "10", "--sync-seconds", "60", "--direct",
                 "--out", str(tmp_path / "d.svg"))
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.strip() and line.split()[0].isdigit()]
    assert len(rows) == 30
    burst = [r for r in rows if 6 <= int(r[0]) < 15]  # the burst: 20 % to 50 % of 30 s
    assert max(int(r[3]) for r in burst) > 1, result.stdout
    assert max(int(r[4]) for r in burst) > 1, result.stdout
    assert "direct actuation at every sample" in result.stdout


def test_demo_compare_reports_both_paths(binary, tmp_path):
    result = run(binary, "--seconds", "30", "--speed", "10", "--sync-seconds", "15", "--compare",
                 "--out", str(tmp_path / "c.svg"), timeout=180)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    start = lines.index("comparison on the same load:")
    table = {line.split()[0]: line.split() for line in lines[start + 2:start + 4]}
    assert set(table) == {"prescale", "prescale-direct"}
    # Waiting for the loop's next sync cannot be faster than acting at the next sample.
    assert int(table["prescale-direct"][1]) <= int(table["prescale"][1])
    assert float(table["prescale-direct"][5]) <= float(table["prescale"][5])
