"""The calibration model: one multiplicative correction per metric, fitted in log space.

For every measured pair r = log(measured / predicted). Within a group (by default system +
backend + model) the correction factor is exp(mean r) and the uncertainty is the sample
standard deviation s of r. A calibrated prediction is predicted x factor; its 90 % band is
factor x exp(+/- t x s x sqrt(1 + 1/n)) (Student t with n - 1 degrees of freedom: a prediction
interval for one new configuration). A group with fewer than ``min_points`` pairs falls back to
the next broader group (system + backend, then backend, then every pair of that metric) and the
result says so. Raw predictions are never changed: calibrated values are new columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from configlib.calibration.accuracy import with_errors

#: Groups tried in order, narrowest first; () is every pair of the metric.
LEVELS: tuple[tuple[str, ...], ...] = (
    ("system", "backend", "model"),
    ("system", "backend"),
    ("backend",),
    (),
)
MIN_POINTS = 2
#: Two-sided 90 % Student t quantiles for 1..30 degrees of freedom; 1.645 beyond.
_T90 = (
    6.314, 2.920, 2.353, 2.132, 2.015, 1.943, 1.895, 1.860, 1.833, 1.812, 1.796, 1.782, 1.771,
    1.761, 1.753, 1.746, 1.740, 1.734, 1.729, 1.725, 1.721, 1.717, 1.714, 1.711, 1.708, 1.706,
    1.703, 1.701, 1.699, 1.697,
)  # fmt: skip


def t90(dof: np.ndarray) -> np.ndarray:
    """Two-sided 90 % t quantile per degree of freedom (nan for 0)."""
    table = np.array((np.nan, *_T90))
    dof = np.asarray(dof, dtype=float)
    safe = np.nan_to_num(dof, nan=0.0).astype(int)
    return np.where(safe > 30, 1.645, table[np.clip(safe, 0, 30)])


def level_name(level: Sequence[str]) -> str:
    """system+backend+model, or 'all measured pairs' for the broadest level."""
    return "+".join(level) if level else "all measured pairs"


@dataclass
class Fit:
    """Correction tables per level: keys, metric, n, mean log ratio, its sd."""

    tables: list[pd.DataFrame]
    """One per LEVELS entry: columns [*level, metric, n, mean_log, sd_log]."""
    levels: tuple[tuple[str, ...], ...] = LEVELS
    min_points: int = MIN_POINTS
    pairs: int = 0
    """How many pairs it was fitted on."""
    notes: list[str] = field(default_factory=list)


def fit(
    pairs: pd.DataFrame, *, levels: Sequence[Sequence[str]] = LEVELS, min_points: int = MIN_POINTS
) -> Fit:
    """Fit the corrections on measured pairs (columns: group keys, metric, predicted, measured)."""
    frame = with_errors(pairs)
    frame = frame[frame["log_ratio"].notna()].copy()
    # log(measured / predicted): the factor that turns a prediction into a measurement.
    frame["r"] = -frame["log_ratio"]
    tables = []
    for level in levels:
        keys = [*level, "metric"]
        grouped = frame.groupby(keys, sort=False, dropna=False)
        table = grouped.agg(n=("r", "size"), mean_log=("r", "mean"), sd_log=("r", "std"))
        tables.append(table.reset_index())
    return Fit(tables, tuple(tuple(level) for level in levels), min_points, pairs=len(frame))


def apply(fitted: Fit, candidates: pd.DataFrame) -> pd.DataFrame:
    """Calibrated predictions next to the raw ones (columns added, ``predicted`` untouched).

    Adds: factor, calibrated, low, high (90 % band), sd_log, n_points, level, note.
    Rows no level can calibrate keep calibrated/low/high empty and say why in ``note``.
    """
    out = candidates.reset_index(drop=True).copy()
    size = len(out)
    mean_log = np.full(size, np.nan)
    sd_log = np.full(size, np.nan)
    n_used = np.zeros(size, dtype=np.int64)
    level_index = np.full(size, -1, dtype=np.int64)
    first_n = np.zeros(size, dtype=np.int64)
    for index, (level, table) in enumerate(zip(fitted.levels, fitted.tables, strict=True)):
        keys = [*level, "metric"]
        merged = out[keys].merge(table, on=keys, how="left")
        n = merged["n"].fillna(0).to_numpy(dtype=np.int64)
        if index == 0:
            first_n = n
        take = (level_index < 0) & (n >= fitted.min_points)
        mean_log[take] = merged["mean_log"].to_numpy()[take]
        sd_log[take] = merged["sd_log"].to_numpy()[take]
        n_used[take] = n[take]
        level_index[take] = index
    factor = np.exp(mean_log)
    half = t90(n_used - 1) * sd_log * np.sqrt(1.0 + 1.0 / np.maximum(n_used, 1))
    calibrated = out["predicted"].to_numpy(dtype=float) * factor
    names = [level_name(level) for level in fitted.levels]
    out["factor"] = factor
    out["calibrated"] = calibrated
    out["low"] = calibrated * np.exp(-half)
    out["high"] = calibrated * np.exp(half)
    out["sd_log"] = sd_log
    out["n_points"] = n_used
    out["level"] = pd.Categorical.from_codes(level_index, categories=names)
    out["note"] = _notes(fitted, names, level_index, n_used, first_n)
    return out


def _notes(
    fitted: Fit, names: list[str], level: np.ndarray, n: np.ndarray, first_n: np.ndarray
) -> pd.Categorical:
    """One sentence per row, written once per distinct (level, pairs used, own pairs)."""
    keys = pd.DataFrame({"level": level, "n": n, "own": first_n})
    codes = keys.groupby(["level", "n", "own"], sort=False).ngroup().to_numpy()
    combos = keys.drop_duplicates()
    narrowest = names[0]
    texts = []
    for used, count, own in combos.itertuples(index=False):
        if used < 0:
            texts.append(
                f"not calibrated: fewer than {fitted.min_points} measured pairs of this metric "
                "at every level"
            )
        elif used == 0:
            texts.append(f"fitted on {count} measured pairs of its {narrowest}")
        else:
            texts.append(
                f"fallback: its {narrowest} has {own} measured pair{'s' if own != 1 else ''} "
                f"(fewer than {fitted.min_points}); used {names[used]} ({count} pairs)"
            )
    unique_texts = list(dict.fromkeys(texts))
    position = {text: i for i, text in enumerate(unique_texts)}
    mapping = np.array([position[text] for text in texts], dtype=np.int64)
    return pd.Categorical.from_codes(mapping[codes], categories=unique_texts)


def leave_one_out(
    pairs: pd.DataFrame, *, levels: Sequence[Sequence[str]] = LEVELS, min_points: int = MIN_POINTS
) -> pd.DataFrame:
    """Each pair predicted by a correction fitted on every other pair (vectorised).

    Returns the pairs with error_pct (raw) and calibrated_error_pct (empty when the rest cannot
    calibrate it), using the same fallback as ``apply``.
    """
    frame = with_errors(pairs)
    frame = frame[frame["log_ratio"].notna()].reset_index(drop=True)
    r = -frame["log_ratio"].to_numpy()
    size = len(frame)
    mean_log = np.full(size, np.nan)
    done = np.zeros(size, dtype=bool)
    level_used = np.full(size, "", dtype=object)
    for level in levels:
        keys = [*level, "metric"]
        grouped = frame.assign(r=r).groupby(keys, sort=False, dropna=False)["r"]
        n_rest = grouped.transform("size").to_numpy() - 1
        s_rest = grouped.transform("sum").to_numpy() - r
        take = ~done & (n_rest >= min_points)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_log[take] = (s_rest / n_rest)[take]
        level_used[take] = level_name(level)
        done |= take
    calibrated = frame["predicted"].to_numpy() * np.exp(mean_log)
    measured = frame["measured"].to_numpy()
    frame["calibrated"] = calibrated
    frame["calibrated_error_pct"] = (calibrated - measured) / measured * 100.0
    frame["level"] = level_used
    return frame


def leave_one_out_summary(loo: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per metric: held-out pairs, MAPE raw and calibrated on the same pairs, and the gain."""
    usable = loo[loo["calibrated_error_pct"].notna()]
    keys = [*by, "metric"]
    out = (
        usable.assign(
            raw=usable["error_pct"].abs(), calibrated=usable["calibrated_error_pct"].abs()
        )
        .groupby(keys, sort=True, dropna=False)
        .agg(
            held_out=("raw", "size"),
            mape_raw_pct=("raw", "mean"),
            mape_calibrated_pct=("calibrated", "mean"),
        )
        .reset_index()
    )
    skipped = loo[loo["calibrated_error_pct"].isna()].groupby(keys, dropna=False).size()
    out["not_calibratable"] = [
        int(skipped.get(tuple(row) if len(keys) > 1 else row[0], 0))
        for row in out[keys].itertuples(index=False)
    ]
    out["gain_pct_points"] = out["mape_raw_pct"] - out["mape_calibrated_pct"]
    return out
