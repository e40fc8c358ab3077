"""Calibration arithmetic: synthetic pairs (arithmetic only, never evidence that it helps)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from configlib.calibration import SLO, apply, fit, leave_one_out, leave_one_out_summary, summary
from configlib.calibration.nextpick import frontier_mask, rank_next
from configlib.results.compare import pareto_front

KEYS = {"system": "h200_sxm", "backend": "sglang", "model": "Qwen/Qwen3-32B", "serving": "agg"}


def pairs(predicted: list[float], measured: list[float], metric: str = "ttft_ms", **keys: str):
    rows = [
        {**KEYS, **keys, "candidate": f"c{i}", "concurrency": 8, "metric": metric,
         "predicted": p, "measured": m}
        for i, (p, m) in enumerate(zip(predicted, measured, strict=True))
    ]  # fmt: skip
    return pd.DataFrame(rows)


values = st.lists(st.floats(0.01, 1e5), min_size=2, max_size=12)


@settings(max_examples=60, deadline=None)
@given(values)
def test_a_perfect_predictor_changes_nothing(predicted: list[float]) -> None:
    measured_pairs = pairs(predicted, predicted)
    out = apply(
        fit(measured_pairs),
        measured_pairs[[*KEYS, "candidate", "concurrency", "metric", "predicted"]],
    )
    assert np.allclose(out["factor"], 1.0)
    assert np.allclose(out["calibrated"], out["predicted"])
    assert np.allclose(out["low"], out["predicted"]) and np.allclose(out["high"], out["predicted"])


@settings(max_examples=60, deadline=None)
@given(values, st.floats(0.05, 20.0))
def test_a_constant_bias_is_recovered(measured: list[float], bias: float) -> None:
    measured_pairs = pairs([m * bias for m in measured], measured)
    out = apply(fit(measured_pairs), measured_pairs.drop(columns="measured"))
    assert np.allclose(out["factor"], 1.0 / bias, rtol=1e-9)
    assert np.allclose(out["calibrated"], measured_pairs["measured"], rtol=1e-9)
    # Nothing overwrites aiconfigurator's figure.
    assert np.allclose(out["predicted"], measured_pairs["predicted"])


@settings(max_examples=40, deadline=None)
@given(st.floats(0.1, 1e4), st.floats(0.1, 1e4), st.integers(2, 6), st.floats(0.2, 5.0))
def test_a_group_with_one_point_falls_back_and_says_so(
    p: float, m: float, others: int, bias: float
) -> None:
    lonely = pairs([p], [m], model="lonely/model")
    crowd = pairs([10.0 * (i + 1) * bias for i in range(others)],
                  [10.0 * (i + 1) for i in range(others)])  # fmt: skip
    measured_pairs = pd.concat([lonely, crowd], ignore_index=True)
    candidate = lonely.drop(columns="measured")
    out = apply(fit(measured_pairs), candidate).iloc[0]
    assert out["level"] == "system+backend"
    assert out["n_points"] == others + 1
    assert "fallback" in out["note"] and "has 1 measured pair" in out["note"]
    assert "system+backend+model" in out["note"]


def test_too_few_pairs_anywhere_leave_it_uncalibrated_and_say_why() -> None:
    one = pairs([100.0], [80.0])
    out = apply(fit(one), one.drop(columns="measured")).iloc[0]
    assert math.isnan(out["calibrated"]) and out["predicted"] == 100.0
    assert out["note"].startswith("not calibrated")


def test_band_is_a_t_prediction_interval_from_the_residual_spread() -> None:
    measured = [100.0, 100.0, 100.0]
    predicted = [50.0, 100.0, 200.0]
    measured_pairs = pairs(predicted, measured)
    out = apply(fit(measured_pairs), measured_pairs.drop(columns="measured").iloc[[1]])
    r = np.log(np.array(measured) / np.array(predicted))
    half = 2.920 * r.std(ddof=1) * math.sqrt(1 + 1 / 3)
    row = out.iloc[0]
    assert row["factor"] == pytest.approx(math.exp(r.mean()))
    assert row["high"] / row["calibrated"] == pytest.approx(math.exp(half))
    assert row["low"] < row["calibrated"] < row["high"]


def test_summary_mape_median_ratio_spread() -> None:
    frame = summary(pairs([110.0, 90.0, 120.0], [100.0, 100.0, 100.0]))
    row = frame.iloc[0]
    assert row["n"] == 3 and row["mape_pct"] == pytest.approx(40 / 3)
    assert row["median_ratio"] == pytest.approx(1.1)
    sd = np.log([1.1, 0.9, 1.2]).std(ddof=1)
    assert row["spread_pct"] == pytest.approx((math.exp(sd) - 1) * 100)


def test_leave_one_out_uses_only_the_other_pairs() -> None:
    frame = pairs([200.0, 220.0, 180.0], [100.0, 100.0, 100.0])
    loo = leave_one_out(frame)
    # Held out pair 0: factor from pairs 1 and 2 = exp(mean(log(100/220), log(100/180))).
    factor = math.exp((math.log(100 / 220) + math.log(100 / 180)) / 2)
    assert loo.loc[0, "calibrated"] == pytest.approx(200.0 * factor)
    table = leave_one_out_summary(loo)
    assert table.loc[0, "mape_raw_pct"] == pytest.approx(100.0)
    assert table.loc[0, "mape_calibrated_pct"] < 15


def test_frontier_mask_matches_the_scalar_pareto_front() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.random((5, 30)), rng.random((5, 30))
    mask = frontier_mask(x, y, np.ones_like(x, dtype=bool))
    for row in range(5):
        assert mask[row].tolist() == pareto_front(list(zip(x[row], y[row], strict=True)))


def _candidates(points: dict[str, tuple[float, float]]) -> pd.DataFrame:
    rows = []
    for name, (speed, per_gpu) in points.items():
        for metric, value in (("tokens_per_s_per_user", speed), ("tokens_per_s_per_gpu", per_gpu)):
            rows.append({**KEYS, "candidate": name, "concurrency": 8, "metric": metric,
                         "predicted": value})  # fmt: skip
    return pd.DataFrame(rows)


def test_measure_next_prefers_likely_frontier_points_under_the_slo() -> None:
    measured = _candidates({"m1": (40.0, 500.0), "m2": (20.0, 900.0)})
    measured["measured"] = measured["predicted"] * 0.8
    cands = _candidates({
        "fast": (80.0, 700.0),      # beats both measured on speed, good per GPU
        "dominated": (30.0, 300.0),  # below m1 on both axes
        "too_slow": (10.0, 2000.0),  # best per GPU but misses TPOT <= 40 ms (25 tokens/s/user)
    })  # fmt: skip
    calibrated = apply(fit(measured), cands)
    ranked = rank_next(
        calibrated,
        pd.DataFrame({"candidate": ["m1", "m2"], "tokens_per_s_per_user": [32.0, 16.0],
                      "tokens_per_s_per_gpu": [400.0, 720.0], "ttft_ms": [None, None]}),
        SLO(min_tokens_per_s_per_user=25.0),
    )  # fmt: skip
    assert ranked["candidate"].tolist()[0] == "fast"
    assert ranked.set_index("candidate").loc["too_slow", "probability"] == 0.0
    assert "TPOT <= 40 ms" in ranked.loc[0, "explanation"]
    assert "frontier" in ranked.loc[0, "explanation"]


def test_measure_next_without_calibration_says_it_ranks_raw_figures() -> None:
    measured = _candidates({"m1": (40.0, 500.0)})
    measured["measured"] = measured["predicted"]
    cands = _candidates({"a": (50.0, 600.0), "b": (30.0, 300.0)})
    calibrated = apply(fit(measured), cands)  # one pair per metric: nothing to fit on
    ranked = rank_next(
        calibrated,
        pd.DataFrame({"candidate": ["m1"], "tokens_per_s_per_user": [40.0],
                      "tokens_per_s_per_gpu": [500.0], "ttft_ms": [None]}),
        SLO(),
    )  # fmt: skip
    assert ranked["candidate"].tolist() == ["a", "b"]
    assert ranked.loc[0, "probability"] == 1.0 and ranked.loc[1, "probability"] == 0.0
    assert "no SLO set" in ranked.loc[0, "explanation"]
    assert "not calibrated" in ranked.loc[0, "explanation"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.01, 1e5), min_size=3, max_size=10), st.floats(0.05, 20.0))
def test_leave_one_out_removes_a_constant_bias_entirely(measured: list[float], bias: float) -> None:
    loo = leave_one_out(pairs([m * bias for m in measured], measured))
    assert np.allclose(loo["calibrated"], loo["measured"], rtol=1e-9)
    table = leave_one_out_summary(loo)
    assert table.loc[0, "mape_calibrated_pct"] == pytest.approx(0.0, abs=1e-6)
