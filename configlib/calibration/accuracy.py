"""How far aiconfigurator's predictions were from measured runs, per pair and per group.

Per pair: error % = (predicted - measured) / measured x 100
(configlib.results.compare.error_pct) and ratio = predicted / measured. Per group (any of
system, backend, model, serving, concurrency, always split by metric): n, MAPE (mean |error %|),
median ratio, and spread, the geometric standard deviation of the ratio as a percentage: 100 x
(exp(sd(log ratio)) - 1), which is 0 when every prediction was off by the same factor and empty
with fewer than 2 pairs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from configlib.results.metrics import METRIC

SUMMARY_COLUMNS = ["n", "mape_pct", "median_ratio", "spread_pct", "bias_pct"]


def with_errors(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs with error_pct, abs_error_pct, ratio and log_ratio added (vectorised)."""
    out = pairs.copy()
    predicted = out["predicted"].to_numpy(dtype=float)
    measured = out["measured"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        error = (predicted - measured) / measured * 100.0
        ratio = predicted / measured
        log_ratio = np.log(ratio)
    usable = np.isfinite(log_ratio)
    out["error_pct"] = np.where(usable, error, np.nan)
    out["abs_error_pct"] = np.abs(out["error_pct"])
    out["ratio"] = np.where(usable, ratio, np.nan)
    out["log_ratio"] = np.where(usable, log_ratio, np.nan)
    return out


def summary(pairs: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """One row per (group, metric): n, MAPE %, median ratio, spread %, bias % (median error)."""
    frame = pairs if "log_ratio" in pairs.columns else with_errors(pairs)
    frame = frame[frame["log_ratio"].notna()]
    keys = [*by, "metric"]
    grouped = frame.groupby(keys, sort=True, dropna=False)
    out = grouped.agg(
        n=("log_ratio", "size"),
        mape_pct=("abs_error_pct", "mean"),
        median_ratio=("ratio", "median"),
        log_sd=("log_ratio", "std"),
        bias_pct=("error_pct", "median"),
    ).reset_index()
    out["spread_pct"] = (np.exp(out.pop("log_sd")) - 1.0) * 100.0
    out["label"] = [METRIC[m].label if m in METRIC else m for m in out["metric"]]
    return out[[*keys, "label", *SUMMARY_COLUMNS]]
