"""The Compare page's sections (views/compare.py lays them out): picking what to compare, the
predictions table, the Pareto chart, measured results, accuracy and what to measure next.
The frames come from configlib.ui.comparison and configlib.calibration."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from configlib.calibration import GROUP_KEYS, Calibration, summary
from configlib.results.metrics import COMPARED as METRICS
from configlib.safe_text import md
from configlib.ui import keys, number_format
from configlib.ui.comparison import (
    PREDICTION_EXTRAS,
    Subject,
    calibrated_points,
    chart_frame,
    chart_lines,
    comparison_frame,
    comparison_shown,
    stored_subjects,
)
from views.parts import tables
from views.parts.charts import pareto_chart, scatter_chart
from views.parts.measuring import upload_results

if TYPE_CHECKING:
    from configlib.store import Store


def chosen_subjects(db: Store) -> list[Subject]:
    """The stored tasks picked (found by a search), and the import page's candidates."""
    pick_col, candidates_col = st.columns([3, 2], vertical_alignment="bottom")
    with pick_col:
        search_col, tasks_col = st.columns([1, 2], vertical_alignment="bottom")
        query = search_col.text_input(
            "Find tasks", key="compare.search", placeholder="name or model"
        )
        chosen = list(st.session_state.get(keys.COMPARE_TASKS, []))
        found = [item.name for item in db.list_tasks(search=query.strip(), page_size=50).items]
        tasks_col.multiselect(
            "Tasks", sorted(set(chosen) | set(found)), key=keys.COMPARE_TASKS,
            placeholder="choose stored tasks",
        )  # fmt: skip
    imported = st.session_state.get(keys.COMPARE_CANDIDATES) or []
    use_imported = False
    if imported:
        use_imported = candidates_col.toggle(
            f"Include the {len(imported)} candidate(s) picked on the import page",
            value=True, key="compare.use_imported",
        )  # fmt: skip
    subjects = stored_subjects(db, st.session_state.get(keys.COMPARE_TASKS, []))
    if use_imported:
        subjects += [Subject(f"{name} (not saved)", task) for name, task in imported]
    return subjects


def predictions_table(predictions: pd.DataFrame) -> None:
    """aiconfigurator's predictions, one row per subject."""
    st.subheader("Predictions")
    st.caption(
        "aiconfigurator's figures per replica, in aligned definitions (TPOT after the first "
        "token, ms). Source: the file and row each came from."
    )
    st.dataframe(
        tables.shown(predictions, ends=("source",)), hide_index=True, width="stretch",
        placeholder=number_format.MISSING,
        column_config=tables.numbers(
            predictions,
            name=st.column_config.TextColumn(pinned=True),
            source=tables.text(predictions, "source"),
            **{column: tables.number(title) for column, title in PREDICTION_EXTRAS.items()},
        ),
    )  # fmt: skip


def throughput_chart(
    subjects: Sequence[Subject], pairs: pd.DataFrame, calibration: Calibration | None
) -> None:
    """The Pareto chart, with calibrated predictions on request."""
    st.subheader("Throughput per GPU vs per user")
    points = chart_frame(subjects)
    if points.empty:
        st.caption("None of these has both tokens/s/GPU and tokens/s/user predicted or measured.")
    else:
        lines = chart_lines(subjects)
        shown = None
        if calibration is not None and st.toggle(
            "Show calibrated predictions (green, with their 90% band)", key="compare.calibrated"
        ):
            shown = calibrated_points(calibration.calibrated, set(pairs["candidate"]))
            if shown.empty:
                st.caption("No unmeasured candidate could be calibrated (see Accuracy below).")
        st.altair_chart(pareto_chart(points, lines, shown), width="stretch")
        targets = "; ".join(
            f"{line.label} ({', '.join(line.origins)}), "
            f"{number_format.text(line.tokens_per_s_per_user)} tokens/s/user"
            for line in lines
        )
        st.caption(
            "The line joins each kind's Pareto frontier. "
            + (f"Dashed red: {md(targets)}. " if targets else "")
            + "Hover a point for its values and source."
        )


def measured_upload(db: Store, subjects: Sequence[Subject]) -> None:
    """Upload measured results for one of the stored tasks compared."""
    with st.expander("Add measured results (autotuner results JSON or genai-bench JSON)"):
        picked = st.session_state.get(keys.COMPARE_TASKS, [])
        stored = [s.name for s in subjects if s.name in picked]
        if stored:
            upload_results(db, stored)
        else:
            st.caption("Measured results belong to stored tasks: choose one above first.")


def predicted_vs_measured(subjects: Sequence[Subject]) -> pd.DataFrame:
    """The measured results against their predictions: a table and a chart per metric."""
    comparison = comparison_frame(subjects)
    st.subheader("Predicted vs measured")
    if comparison.empty:
        st.caption("No measured results for these tasks yet.")
    else:
        table = comparison_shown(comparison)
        st.dataframe(
            tables.shown(
                table, ends=("prediction_source", "measurement_source"), starts=("notes",)
            ),
            hide_index=True, width="stretch", placeholder=number_format.MISSING,
            column_config=tables.numbers(
                table,
                task=st.column_config.TextColumn(pinned=True),
                metric=st.column_config.TextColumn("metric (unit)"),
                prediction_source=tables.text(table, "prediction_source"),
                measurement_source=tables.text(table, "measurement_source"),
                notes=tables.text(table, "notes"),
                predicted=tables.number(help="In the unit the metric column names"),
                measured=tables.number(help="In the unit the metric column names"),
                error_pct=tables.number(
                    "error %",
                    help="(predicted - measured) / measured: above 0, aiconfigurator predicted "
                    "more than was measured",
                ),
            ),
        )  # fmt: skip
        labels = [m.label for m in METRICS if m.label in set(comparison["metric"])]
        metric = st.selectbox("Metric", labels, key="compare.metric")
        st.altair_chart(scatter_chart(comparison, metric), width="stretch")
        st.caption(
            "Points on the dashed diagonal were predicted exactly; above it, aiconfigurator "
            "predicted more than was measured."
        )
    return comparison


def accuracy(calibration: Calibration) -> None:
    """aiconfigurator's error per metric (grouped as chosen) and whether calibrating helps."""
    st.subheader("Accuracy")
    st.caption(
        "aiconfigurator's error on the measured candidates, per metric: MAPE (mean |error|), "
        "median predicted/measured, spread (geometric sd of that ratio). See "
        "docs/calibration.md."
    )
    by = st.selectbox("Group by", ["metric only", *GROUP_KEYS], key="compare.accuracy_by")
    errors = summary(calibration.pairs, [] if by == "metric only" else [by])
    st.dataframe(
        tables.shown(errors), hide_index=True, width="stretch",
        placeholder=number_format.MISSING,
        column_config=tables.numbers(
            errors,
            n=tables.number("pairs", help="Measured results compared"),
            mape_pct=tables.number("MAPE %"),
            median_ratio=tables.number("median ratio", help="predicted / measured"),
            spread_pct=tables.number("spread %"),
            bias_pct=tables.number("median error %", help="Above 0: predicted more than measured"),
        ),
    )  # fmt: skip
    st.markdown("**Leave-one-out: does calibration help here?**")
    if calibration.loo.empty:
        st.caption("Too few measured pairs: each metric needs 3 (2 to fit when one is held out).")
    else:
        st.dataframe(
            tables.shown(calibration.loo), hide_index=True, width="stretch",
            placeholder=number_format.MISSING,
            column_config=tables.numbers(
                calibration.loo,
                mape_raw_pct=tables.number("MAPE raw %"),
                mape_calibrated_pct=tables.number("MAPE calibrated %"),
                gain_pct_points=tables.number(
                    "gain (points)", help="Above 0: calibration lowers the error"
                ),
            ),
        )  # fmt: skip
        st.caption(
            "Each measured pair predicted by a correction fitted on the others: MAPE of "
            "aiconfigurator's raw figure vs the calibrated one on the same held-out pairs."
        )


def measure_next(calibration: Calibration) -> None:
    """The unmeasured candidates most likely on the calibrated frontier, best first."""
    st.subheader("Measure next")
    ranked = calibration.next
    if ranked.empty:
        st.caption("Every candidate here is measured, or none has tokens/s/user and /GPU.")
    else:
        st.caption(
            f"Unmeasured candidates by their chance of being on the calibrated Pareto frontier "
            f"under {md(calibration.slo.text())}."
        )
        stored = set(st.session_state.get(keys.COMPARE_TASKS, []))
        for row in ranked.head(10).itertuples(index=False):
            text_col, open_col = st.columns([5, 1], vertical_alignment="center")
            text_col.markdown(
                f"**{row.rank}. {md(row.candidate)}** ({row.probability:.0%}): "
                f"{md(row.explanation)}"
            )
            if row.candidate in stored:
                with open_col:
                    st.page_link(
                        "views/editor.py", label="Open", icon=":material/edit_note:",
                        query_params={"task": row.candidate},
                    )  # fmt: skip
