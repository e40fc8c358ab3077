"""Accuracy of aiconfigurator's predictions against measured runs, a calibration fitted on the
measured candidates and applied to the rest, and which candidate to measure next.

Pure (no Streamlit): pandas frames in, pandas frames out. Raw predictions are never changed;
calibrated values live in their own columns. See docs/calibration.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from configlib.calibration.accuracy import summary, with_errors
from configlib.calibration.model import (
    LEVELS,
    MIN_POINTS,
    Fit,
    apply,
    fit,
    leave_one_out,
    leave_one_out_summary,
)
from configlib.calibration.nextpick import SLO, X, Y, rank_next
from configlib.calibration.pairs import (
    GROUP_KEYS,
    PairsFileError,
    candidates_from_subjects,
    pairs_from_subjects,
    read_pairs_file,
    subjects_from_store,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from configlib.results.subjects import Subject

__all__ = [
    "GROUP_KEYS", "LEVELS", "MIN_POINTS", "SLO", "Calibration", "Fit", "PairsFileError", "apply",
    "calibrate", "candidates_from_subjects", "fit", "leave_one_out", "leave_one_out_summary",
    "measured_points", "pairs_from_subjects", "rank_next", "read_pairs_file", "slo_of",
    "subjects_from_store", "summary", "with_errors",
]  # fmt: skip


def slo_of(subjects: Sequence[Subject]) -> SLO:
    """The strictest TPOT and TTFT targets among the tasks' SLOs (None where none is set)."""
    tpots = [s.task.slo.tpot.threshold * 1000.0 for s in subjects if s.task.slo and s.task.slo.tpot]
    ttfts = [s.task.slo.ttft.threshold * 1000.0 for s in subjects if s.task.slo and s.task.slo.ttft]
    return SLO(
        min_tokens_per_s_per_user=1000.0 / min(tpots) if tpots else None,
        max_ttft_ms=min(ttfts) if ttfts else None,
    )


def measured_points(pairs: pd.DataFrame) -> pd.DataFrame:
    """Measured tokens/s/user, tokens/s/GPU and TTFT per measured candidate (mean over runs)."""
    wanted = pairs[pairs["metric"].isin([X, Y, "ttft_ms"])]
    wide = wanted.pivot_table(
        index="candidate", columns="metric", values="measured", aggfunc="mean"
    )
    for column in (X, Y, "ttft_ms"):
        if column not in wide.columns:
            wide[column] = float("nan")
    measured = set(pairs["candidate"])
    out = wide.reset_index()[["candidate", X, Y, "ttft_ms"]]
    missing = sorted(measured - set(out["candidate"]))
    if missing:
        extra = pd.DataFrame({"candidate": missing})
        out = pd.concat([out, extra], ignore_index=True) if len(out) else extra
    return out


@dataclass
class Calibration:
    """Everything ``calibrate`` works out for one set of candidates."""

    pairs: pd.DataFrame
    """Measured pairs it was fitted on (with errors)."""
    fitted: Fit
    calibrated: pd.DataFrame
    """Every candidate's predictions: raw ``predicted`` and ``calibrated`` with band and note."""
    loo: pd.DataFrame
    """Leave-one-out summary per metric: MAPE raw vs calibrated on held-out pairs."""
    next: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Unmeasured candidates ranked by their chance of being on the calibrated frontier."""
    slo: SLO = field(default_factory=SLO)


def calibrate(
    pairs: pd.DataFrame,
    candidates: pd.DataFrame,
    *,
    slo: SLO | None = None,
    top: int | None = None,
    min_points: int = MIN_POINTS,
) -> Calibration:
    """Fit on ``pairs``, apply to ``candidates``, evaluate leave-one-out, rank what to measure."""
    fitted = fit(pairs, min_points=min_points)
    calibrated = apply(fitted, candidates)
    loo = leave_one_out_summary(leave_one_out(pairs, min_points=min_points))
    slo = slo or SLO()
    ranked = rank_next(calibrated, measured_points(pairs), slo, top=top)
    return Calibration(with_errors(pairs), fitted, calibrated, loo, ranked, slo)
