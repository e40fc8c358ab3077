"""``configlib accuracy`` and ``configlib calibrate``: aiconfigurator's error on measured runs,
and corrected predictions for the rest (raw figures are printed apart, never replaced).

TASKS are stored task names (with their measured results); ``--pairs FILE`` adds published
predicted/measured pairs (CSV, see docs/calibration.md). Exit codes: 0 ok, 2 unusable input
(unknown task, unreadable file, unreachable database, nothing to compare).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

import pandas as pd

from configlib.calibration import (
    GROUP_KEYS,
    MIN_POINTS,
    Fit,
    PairsFileError,
    calibrate,
    candidates_from_subjects,
    pairs_from_subjects,
    read_pairs_file,
    slo_of,
    subjects_from_store,
    summary,
    with_errors,
)
from configlib.calibration.model import level_name
from configlib.cli.common import OK, fail, positive_int


class _Unusable(Exception):
    pass


def _inputs(args: argparse.Namespace) -> tuple[pd.DataFrame, pd.DataFrame, list[Any]]:
    """(pairs, candidates, subjects) from the named tasks and pairs files."""
    frames: list[pd.DataFrame] = []
    candidates: list[pd.DataFrame] = []
    subjects: list[Any] = []
    if args.tasks:
        from configlib.store import Store
        from configlib.store.errors import StoreError

        try:
            with Store.open(args.url) as db:
                known = set(db.task_names())
                unknown = [name for name in args.tasks if name not in known]
                if unknown:
                    raise _Unusable(f"no stored task named {', '.join(map(repr, unknown))}")
                subjects = subjects_from_store(db, args.tasks)
        except StoreError as error:
            raise _Unusable(str(error)) from None
        frames.append(pairs_from_subjects(subjects))
        candidates.append(candidates_from_subjects(subjects))
    for path in args.pairs or ():
        try:
            published = read_pairs_file(path)
        except PairsFileError as error:
            raise _Unusable(str(error)) from None
        frames.append(published)
        candidates.append(
            published[["candidate", *GROUP_KEYS, "metric", "predicted", "prediction_source"]]
        )
    if not frames:
        raise _Unusable("name stored tasks or give --pairs FILE")
    pairs = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
    return pairs, pd.concat(candidates, ignore_index=True), subjects


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = frame.to_dict(orient="records")
    return [
        {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
        for row in rows
    ]


def _table(frame: pd.DataFrame, title: str) -> str:
    if frame.empty:
        return f"{title}\n  (none)\n"
    text = frame.to_string(index=False, float_format=lambda v: f"{v:.4g}", na_rep="-")
    return f"{title}\n{text}\n"


PAIR_SHOWN = ["candidate", "metric", "predicted", "measured", "error_pct"]
SOURCES = ["prediction_source", "measurement_source"]


def cmd_accuracy(args: argparse.Namespace) -> int:
    dims = [d for d in (args.by or "").split(",") if d]
    bad = [d for d in dims if d not in GROUP_KEYS]
    if bad:
        return fail(f"--by: {', '.join(bad)} not among {', '.join(GROUP_KEYS)}")
    try:
        pairs, _, _ = _inputs(args)
    except _Unusable as error:
        return fail(str(error))
    if pairs.empty:
        return fail("none of these has a metric both predicted and measured")
    errors = with_errors(pairs)
    reported = ["reported_error_pct"] if "reported_error_pct" in errors else []
    summaries = {"all": summary(errors)}
    for dim in dims or GROUP_KEYS:
        summaries[dim] = summary(errors, [dim])
    if args.format == "json":
        columns = ["candidate", *GROUP_KEYS, *PAIR_SHOWN[1:], *reported, *SOURCES]
        document = {
            "pairs": _records(errors[columns]),
            "summary": {key: _records(frame) for key, frame in summaries.items()},
        }
        print(json.dumps(document, indent=1, default=str))
        return OK
    out = [
        _table(errors[PAIR_SHOWN + reported], "Pairs (error % = (predicted - measured) / measured)")
    ]
    out.append(
        _table(summaries["all"], "Summary per metric (MAPE %, median predicted/measured, spread %)")
    )
    for dim in dims:
        out.append(_table(summaries[dim], f"By {dim}"))
    sys.stdout.write("\n".join(out))
    return OK


CALIBRATED_SHOWN = [
    "candidate", "metric", "predicted", "calibrated", "low", "high", "factor", "level", "note",
]  # fmt: skip
NEXT_SHOWN = ["rank", "candidate", "probability", "explanation"]


def cmd_calibrate(args: argparse.Namespace) -> int:
    try:
        pairs, candidates, subjects = _inputs(args)
    except _Unusable as error:
        return fail(str(error))
    if pairs.empty:
        return fail("no measured pairs to fit on: measure at least one candidate first")
    result = calibrate(
        pairs, candidates, slo=slo_of(subjects), top=args.next, min_points=args.min_points
    )
    measured = set(pairs["candidate"])
    pending = result.calibrated[~result.calibrated["candidate"].isin(measured)]
    if args.format == "json":
        document = {
            "method": "multiplicative correction per metric, log space, fallback "
            "system+backend+model -> system+backend -> backend -> all",
            "min_points": args.min_points,
            "slo": result.slo.text(),
            "leave_one_out": _records(result.loo),
            "corrections": _corrections(result.fitted),
            "unmeasured": _records(pending.rename(columns={"predicted": "raw_predicted"})),
            "next": _records(result.next) if args.next else [],
        }
        print(json.dumps(document, indent=1, default=str))
        return OK
    out = [
        _table(result.loo, "Leave-one-out: MAPE % raw vs calibrated on each held-out pair"),
        _table(
            pending[CALIBRATED_SHOWN].rename(columns={"predicted": "raw (aiconfigurator)"}),
            "Unmeasured candidates: raw and calibrated (90% band) side by side",
        ),
    ]
    if args.next:
        out.append(_table(result.next[NEXT_SHOWN], f"Measure next (SLO: {result.slo.text()})"))
    sys.stdout.write("\n".join(out))
    return OK


def _corrections(fitted: Fit) -> list[dict[str, Any]]:
    """Every fitted group at every level: keys, metric, pairs, factor, sd of the log ratio."""
    found = []
    for level, table in zip(fitted.levels, fitted.tables, strict=True):
        usable = table[table["n"] >= fitted.min_points]
        for row in _records(usable):
            found.append(
                {
                    "level": level_name(level),
                    "group": {key: row[key] for key in level},
                    "metric": row["metric"],
                    "pairs": row["n"],
                    "factor": math.exp(row["mean_log"]),
                    "sd_log": row["sd_log"],
                }
            )
    return found


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("tasks", nargs="*", metavar="TASKS", help="stored task names")
    p.add_argument(
        "--pairs", action="append", metavar="FILE",
        help="published predicted/measured pairs (CSV); may be repeated",
    )  # fmt: skip
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument(
        "--url", default=None, help="database URL (default: DATABASE_URL or the data folder)"
    )


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "accuracy", help="aiconfigurator's error against measured results (MAPE per metric)"
    )
    _common(p)
    p.add_argument(
        "--by", metavar="KEYS",
        help=f"also summarise by these, comma-separated: {','.join(GROUP_KEYS)}",
    )  # fmt: skip
    p.set_defaults(handler=cmd_accuracy)
    p = subparsers.add_parser(
        "calibrate",
        help="correct predictions with the measured ones; rank what to measure next",
    )
    _common(p)
    p.add_argument("--next", type=positive_int, metavar="N", help="list the N to measure next")
    p.add_argument(
        "--min-points", type=positive_int, default=MIN_POINTS,
        help="fewest pairs a group needs before it is used (else a broader group)",
    )  # fmt: skip
    p.set_defaults(handler=cmd_calibrate)
