"""A short soak in CI (Benchmarks/scripts/soak.py --check): a few hundred triggers of every source polled and
streamed the way KEDA does, ScaledObjects created and deleted every second, for two minutes. It fails on a
wrong answer, a deleted ScaledObject's trigger left after the idle timeout, file descriptors that grow at
the same number of live triggers, a stream that does not end OK on SIGTERM, or a non-zero exit status.
The figures (RSS, descriptors, latencies) go to docs/reliability.md from the longer runs."""
import pathlib
import subprocess
import sys

import pytest

from conftest import _binary
from test_mqtt import MOSQUITTO

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.skipif(MOSQUITTO is None, reason="mosquitto is not installed (scripts/bootstrap installs it)")
def test_a_two_minute_soak_with_churn_leaves_no_wrong_answer_trigger_or_descriptor(tmp_path):
    report = tmp_path / "soak.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "Benchmarks" / "scripts" / "soak.py"), "--binary", str(_binary()), "--triggers", "300",
         "--minutes", "2", "--no-faults", "--idle-timeout", "10", "--warmup", "45", "--check", "--json", str(report)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:] + result.stdout[-4000:]
    assert report.exists()
