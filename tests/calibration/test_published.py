"""Published aiconfigurator predictions paired with real measurements (sources in the CSV)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from configlib.calibration import leave_one_out, leave_one_out_summary, read_pairs_file, with_errors

ROOT = Path(__file__).resolve().parents[2]
PAIRS = ROOT / "tests" / "data" / "calibration" / "published_pairs.csv"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "configlib", *args], capture_output=True, text=True, env=env,
        cwd=ROOT, check=False,
    )  # fmt: skip


def _bounds(predicted: float, measured: float, half: float = 0.005) -> tuple[float, float]:
    """Error % reachable when both shown values were rounded to 2 decimals."""
    low = ((predicted - half) - (measured + half)) / (measured + half) * 100
    high = ((predicted + half) - (measured - half)) / (measured - half) * 100
    return low, high


def test_every_pair_names_its_source() -> None:
    frame = read_pairs_file(PAIRS)
    assert len(frame) == 11 and frame["candidate"].nunique() == 10
    assert frame["measurement_source"].str.startswith("https://github.com/ai-dynamo/").all()


def test_accuracy_reproduces_pr1510s_reported_errors() -> None:
    result = _cli("accuracy", "--pairs", str(PAIRS), "--format", "json")
    assert result.returncode == 0, result.stderr
    pairs = [p for p in json.loads(result.stdout)["pairs"] if p["candidate"].startswith("pr1510")]
    assert len(pairs) == 9
    for pair in pairs:
        low, high = _bounds(pair["predicted"], pair["measured"])
        # The source computed d% from unrounded figures: it lies within the rounding interval.
        assert low - 0.05 <= pair["reported_error_pct"] <= high + 0.05, pair["candidate"]
        assert low <= pair["error_pct"] <= high
    # "throughput within 5.3% on 7/9 points; the two misses (1024 C48, 4096/256 C48)"
    misses = sorted(
        p["candidate"]
        for p in pairs
        if min(map(abs, _bounds(p["predicted"], p["measured"]))) > 5.3
        and _bounds(p["predicted"], p["measured"])[0] > 0
    )
    assert misses == ["pr1510-1024x128-c48", "pr1510-4096x256-c48"]


def test_accuracy_reproduces_issue1396s_gap() -> None:
    frame = with_errors(read_pairs_file(PAIRS))
    issue = frame[frame["candidate"] == "issue1396-top2"].set_index("metric")
    # "30%+ gap": both metrics are more than 30 % off.
    assert issue.loc["tokens_per_s_per_user", "error_pct"] == pytest.approx(-50.95, abs=0.01)
    assert issue.loc["tokens_per_s_per_gpu", "error_pct"] == pytest.approx(359.2, abs=0.1)
    assert (issue["abs_error_pct"] > 30).all()


def test_leave_one_out_on_published_pairs_is_measured() -> None:
    table = leave_one_out_summary(leave_one_out(read_pairs_file(PAIRS))).set_index("metric")
    row = table.loc["requests_per_s"]
    # The figure stated in docs/calibration.md: no gain on these 9 pairs.
    assert row["held_out"] == 9
    assert row["mape_raw_pct"] == pytest.approx(11.16, abs=0.01)
    assert row["mape_calibrated_pct"] == pytest.approx(13.33, abs=0.01)
    assert "tokens_per_s_per_gpu" not in table.index  # one pair: nothing left to fit on


def test_calibrate_cli_and_unusable_input() -> None:
    result = _cli("calibrate", "--pairs", str(PAIRS), "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["leave_one_out"][0]["metric"] == "requests_per_s"
    missing = _cli("accuracy", "--pairs", "nope.csv")
    assert missing.returncode == 2 and "nope.csv" in missing.stderr
    assert "Traceback" not in missing.stderr
    nothing = _cli("calibrate")
    assert nothing.returncode == 2 and "--pairs" in nothing.stderr


@pytest.mark.parametrize(
    ("arm", "ttft_mape", "tpot_mape"),
    # replay.json "summary": the MAPE aisimulate reports for each arm.
    [
        ("before", 21.7748594968839, 206.3008570191907),
        ("after", 23.29583299138422, 29.380006536303927),
    ],
)
def test_accuracy_reproduces_aisimulates_reported_mape(
    arm: str, ttft_mape: float, tpot_mape: float
) -> None:
    path = ROOT / "tests" / "data" / "calibration" / f"aisimulate-minimax-m3-{arm}.csv"
    result = _cli("accuracy", "--pairs", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    for pair in document["pairs"]:  # per-point signed error, as replay.json states it
        assert pair["error_pct"] == pytest.approx(pair["reported_error_pct"], abs=1e-9)
    mape = {row["metric"]: row["mape_pct"] for row in document["summary"]["all"]}
    assert mape["ttft_ms"] == pytest.approx(ttft_mape, abs=1e-9)
    assert mape["tpot_ms"] == pytest.approx(tpot_mape, abs=1e-9)


def test_leave_one_out_on_aisimulates_current_predictor() -> None:
    path = ROOT / "tests" / "data" / "calibration" / "aisimulate-minimax-m3-after.csv"
    table = leave_one_out_summary(leave_one_out(read_pairs_file(path))).set_index("metric")
    # The figures stated in docs/calibration.md.
    assert table.loc["ttft_ms", "mape_raw_pct"] == pytest.approx(23.30, abs=0.01)
    assert table.loc["ttft_ms", "mape_calibrated_pct"] == pytest.approx(8.88, abs=0.01)
    assert table.loc["tpot_ms", "mape_raw_pct"] == pytest.approx(29.38, abs=0.01)
    assert table.loc["tpot_ms", "mape_calibrated_pct"] == pytest.approx(10.40, abs=0.01)
