"""What to measure next: unmeasured candidates ranked by their chance of being on the
calibrated Pareto frontier (tokens/s/GPU against tokens/s/user) under the task's SLO.

Each unmeasured candidate's calibrated tokens/s/user and tokens/s/GPU are drawn from their
log-normal uncertainty (sd of the log residuals of its correction group) ``draws`` times with a
fixed seed; measured candidates stay at their measured values. In every draw the candidates
that meet the SLO (tokens/s/user at least the TPOT target's 1000 / TPOT, TTFT at most its
target when one is set) and that no other feasible point beats on both axes are on the
frontier. The probability is the share of draws a candidate was on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

X, Y = "tokens_per_s_per_user", "tokens_per_s_per_gpu"
DRAWS = 400
SEED = 20260


@dataclass(frozen=True)
class SLO:
    """The targets a candidate must meet to count."""

    min_tokens_per_s_per_user: float | None = None
    """1000 / the TPOT target in ms."""
    max_ttft_ms: float | None = None

    def text(self) -> str:
        parts = []
        if self.min_tokens_per_s_per_user:
            parts.append(f"TPOT <= {1000.0 / self.min_tokens_per_s_per_user:g} ms")
        if self.max_ttft_ms:
            parts.append(f"TTFT <= {self.max_ttft_ms:g} ms")
        return " and ".join(parts) or "no SLO"


def frontier_mask(x: np.ndarray, y: np.ndarray, feasible: np.ndarray) -> np.ndarray:
    """Row-wise Pareto frontier (both maximised) of (draws, points) arrays; infeasible never."""
    xs = np.where(feasible, x, -np.inf)
    ys = np.where(feasible, y, -np.inf)
    order = np.lexsort((-ys, -xs), axis=-1)
    y_sorted = np.take_along_axis(ys, order, axis=-1)
    best_before = np.maximum.accumulate(y_sorted, axis=-1)
    best_before = np.concatenate(
        [np.full((y_sorted.shape[0], 1), -np.inf), best_before[:, :-1]], axis=-1
    )
    on_sorted = (y_sorted > best_before) & np.isfinite(y_sorted)
    mask: np.ndarray = np.zeros_like(on_sorted)
    np.put_along_axis(mask, order, on_sorted, axis=-1)
    return mask


def _wide(calibrated: pd.DataFrame, column: str) -> pd.DataFrame:
    """One row per candidate, one column per metric (every metric kept, even if all empty)."""
    values = calibrated[column]
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    keys = [calibrated["candidate"], calibrated["metric"]]
    first = values.groupby(keys, sort=False, observed=True).first()
    wide = first.unstack(level=1)
    return wide.reindex(columns=pd.unique(calibrated["metric"]))


def rank_next(
    calibrated: pd.DataFrame,
    measured: pd.DataFrame,
    slo: SLO,
    *,
    top: int | None = None,
    draws: int = DRAWS,
    seed: int = SEED,
) -> pd.DataFrame:
    """Rank the unmeasured candidates of ``calibrated`` (model.apply output).

    ``measured``: one row per measured candidate with columns candidate, X, Y (and ttft_ms).
    Returns rank, candidate, probability, slo_probability, calibrated and raw X/Y, bands,
    the correction level and an explanation sentence.
    """
    done = set(measured["candidate"])
    pending = calibrated[~calibrated["candidate"].isin(done)]
    value = _wide(pending, "calibrated")
    raw = _wide(pending, "predicted")
    sd = _wide(pending, "sd_log")
    level = _wide(pending, "level")
    npts = _wide(pending, "n_points")
    if X not in raw.columns or Y not in raw.columns:
        return pd.DataFrame(columns=["rank", "candidate", "probability", "explanation"])
    raw = raw.dropna(subset=[X, Y])
    names = list(raw.index)
    center = {m: value.reindex(names)[m].fillna(raw[m]).to_numpy() for m in (X, Y)}
    spread = {m: sd.reindex(names)[m].fillna(0.0).to_numpy() for m in (X, Y)}
    uncalibrated = value.reindex(names)[[X, Y]].isna().any(axis=1).to_numpy()
    ttft = None
    if slo.max_ttft_ms and "ttft_ms" in raw.columns:
        ttft = (
            value.reindex(names).get("ttft_ms", raw["ttft_ms"]).fillna(raw["ttft_ms"]).to_numpy(),
            sd.reindex(names).get("ttft_ms", pd.Series(0.0, index=names)).fillna(0.0).to_numpy(),
        )
    rng = np.random.default_rng(seed)
    size = len(names)
    noise_x = rng.standard_normal((draws, size))
    noise_y = rng.standard_normal((draws, size))
    xs = center[X] * np.exp(spread[X] * noise_x)
    ys = center[Y] * np.exp(spread[Y] * noise_y)
    ok = np.ones((draws, size), dtype=bool)
    if slo.min_tokens_per_s_per_user:
        ok &= xs >= slo.min_tokens_per_s_per_user
    if ttft is not None:
        ttfts = ttft[0] * np.exp(ttft[1] * rng.standard_normal((draws, size)))
        ok &= ttfts <= float(slo.max_ttft_ms or np.inf)
    fixed = measured.dropna(subset=[X, Y])
    mx = np.broadcast_to(fixed[X].to_numpy(dtype=float), (draws, len(fixed)))
    my = np.broadcast_to(fixed[Y].to_numpy(dtype=float), (draws, len(fixed)))
    mok = np.ones_like(mx, dtype=bool)
    if slo.min_tokens_per_s_per_user:
        mok &= mx >= slo.min_tokens_per_s_per_user
    if slo.max_ttft_ms and "ttft_ms" in fixed.columns:
        mok &= np.broadcast_to(
            fixed["ttft_ms"].fillna(-np.inf).to_numpy(dtype=float) <= slo.max_ttft_ms, mx.shape
        )
    front = frontier_mask(
        np.concatenate([xs, mx], axis=1),
        np.concatenate([ys, my], axis=1),
        np.concatenate([ok, mok], axis=1),
    )[:, :size]
    probability = front.mean(axis=0)
    slo_probability = ok.mean(axis=0)
    bands = {
        m: (
            _wide(pending, "low").reindex(names).get(m, pd.Series(np.nan, index=names)),
            _wide(pending, "high").reindex(names).get(m, pd.Series(np.nan, index=names)),
        )
        for m in (X, Y)
    }
    out = pd.DataFrame(
        {
            "candidate": names,
            "probability": probability,
            "slo_probability": slo_probability,
            f"calibrated_{X}": center[X],
            f"raw_{X}": raw[X].to_numpy(),
            f"calibrated_{Y}": center[Y],
            f"raw_{Y}": raw[Y].to_numpy(),
            f"low_{Y}": bands[Y][0].to_numpy(),
            f"high_{Y}": bands[Y][1].to_numpy(),
            "level": level.reindex(names)[Y].fillna("").to_numpy() if Y in level else "",
            "n_points": npts.reindex(names)[Y].fillna(0).to_numpy() if Y in npts else 0,
            "uncalibrated": uncalibrated,
        }
    )
    out = out.sort_values(
        ["probability", f"calibrated_{Y}"], ascending=[False, False], kind="stable"
    ).reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out["explanation"] = [_explain(row, draws, slo) for row in out.itertuples(index=False)]
    return out.head(top) if top else out


def _explain(row: tuple[object, ...], draws: int, slo: SLO) -> str:
    data = row._asdict()  # type: ignore[attr-defined]
    text = (
        f"on the calibrated frontier in {data['probability']:.0%} of {draws} draws; "
        + (
            f"meets {slo.text()} in {data['slo_probability']:.0%}; "
            if slo.min_tokens_per_s_per_user or slo.max_ttft_ms
            else "no SLO set; "
        )
        + f"calibrated {data[f'calibrated_{Y}']:.1f} tokens/s/GPU (raw {data[f'raw_{Y}']:.1f})"
    )
    low, high = data[f"low_{Y}"], data[f"high_{Y}"]
    if isinstance(low, float) and np.isfinite(low) and np.isfinite(high):
        text += f", 90% band {low:.1f}-{high:.1f}"
    text += f" at {data[f'calibrated_{X}']:.1f} tokens/s/user"
    if data["uncalibrated"]:
        text += "; not calibrated (too few measured pairs): raw figures, no band"
    else:
        text += f"; correction from {data['level']} ({int(data['n_points'])} measured)"
    return text
