"""Altair charts of the comparison view (no Streamlit here: the page only displays them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from configlib.results.compare import SLOLine
from configlib.results.metrics import METRIC
from configlib.ui.comparison import CALIBRATED_KIND, X, Y, axis_domain

KINDS = {"prediction": "#3b82f6", "measurement": "#f97316", CALIBRATED_KIND: "#16a34a"}
HEIGHT = 420
#: Ticks per axis at most: a handful of round numbers, whatever the spread of the data.
TICKS = 6


def _tooltip(field: str, title: str, number: str | None = None) -> alt.Tooltip:
    if number is None:
        return alt.Tooltip(field, title=title)
    return alt.Tooltip(field, title=title, format=number)


def _tooltips(*fields: tuple[str, str] | tuple[str, str, str]) -> list[alt.Tooltip]:
    """Tooltip lines from (field, title) or (field, title, number format)."""
    return [_tooltip(*f) for f in fields]


TOOLTIP = _tooltips(
    ("name:N", "name"),
    ("kind:N", "kind"),
    ("engine:N", "engine, serving"),
    ("source:N", "from"),
    (f"{X}:Q", "tokens/s/user", ",.1f"),
    (f"{Y}:Q", "tokens/s/GPU", ",.1f"),
    ("ttft_ms:Q", "TTFT (ms)", ",.1f"),
    ("tpot_ms:Q", "TPOT (ms)", ",.2f"),
)


def pareto_chart(
    points: pd.DataFrame, lines: Sequence[SLOLine], calibrated: pd.DataFrame | None = None
) -> alt.LayerChart | alt.FacetChart:
    """tokens/s/GPU against tokens/s/user: colour = prediction or measurement, shape = the
    engine (predicted for, or ran on) and serving mode, a step line along each kind's Pareto
    frontier, TPOT targets as dashed rules; with ``calibrated`` (comparison.calibrated_points),
    green points with their 90 % band, never below zero."""
    if calibrated is not None and not calibrated.empty:
        calibrated = calibrated.assign(low=calibrated["low"].clip(lower=0.0))
    shown = [points] if calibrated is None else [points, calibrated]
    kinds = [k for k in KINDS if any((part["kind"] == k).any() for part in shown)]
    # One colour encoding, the same object in every layer: Vega-Lite merges the layers'
    # legends, and any difference between them (a legend=None, another title) is a conflict
    # it settles by dropping the legend.
    colour = alt.Color(
        "kind:N",
        scale=alt.Scale(domain=kinds, range=[KINDS[k] for k in kinds]),
        title="kind",
        legend=alt.Legend(orient="top", labelLimit=0, symbolType="circle"),
    )
    x_values = [points[X], *(() if calibrated is None else (calibrated[X],))]
    y_values = [points[Y], *(() if calibrated is None else (calibrated["low"], calibrated["high"]))]
    x_scale = axis_scale(pd.concat(x_values), [line.tokens_per_s_per_user for line in lines])
    y_scale = axis_scale(pd.concat(y_values))
    axis = alt.Axis(tickCount=TICKS, format=",~f", labelFlush=False)
    base = alt.Chart(points)
    dots = base.mark_point(filled=True, size=90, opacity=0.9).encode(
        x=alt.X(f"{X}:Q", title="Output tokens/s per user", scale=x_scale, axis=axis),
        y=alt.Y(f"{Y}:Q", title="Output tokens/s per GPU", scale=y_scale, axis=axis),
        color=colour,
        shape=alt.Shape(
            "engine:N", title="engine, serving",
            legend=alt.Legend(orient="top", labelLimit=0, symbolFillColor="#6b7280"),
        ),
        tooltip=TOOLTIP,
    )  # fmt: skip
    frontier = (
        base.transform_filter(alt.datum.frontier)
        .mark_line(strokeWidth=2, interpolate="step-after", opacity=0.6)
        .encode(
            x=alt.X(f"{X}:Q", scale=x_scale),
            y=alt.Y(f"{Y}:Q", scale=y_scale),
            color=colour,
            order=alt.Order(f"{X}:Q"),
            detail="kind:N",
        )
    )
    layers: list[alt.Chart] = [frontier, dots]
    if lines:
        rules = pd.DataFrame(
            {
                "speed": [line.tokens_per_s_per_user for line in lines],
                "label": [line.label for line in lines],
                "origin": [", ".join(line.origins) for line in lines],
            }
        )
        rule = (
            alt.Chart(rules)
            .mark_rule(strokeDash=[6, 4], color="#dc2626")
            .encode(
                x=alt.X("speed:Q", scale=x_scale),
                tooltip=[
                    alt.Tooltip("label:N", title="target"),
                    alt.Tooltip("origin:N", title="from"),
                    alt.Tooltip("speed:Q", title="min tokens/s/user", format=",.1f"),
                ],
            )
        )
        layers.append(rule)
    if calibrated is not None and not calibrated.empty:
        layers += _calibrated_layers(calibrated, x_scale, y_scale, colour)
    return alt.layer(*layers).properties(height=HEIGHT).interactive()


def axis_scale(values: pd.Series, extra: Sequence[float] = ()) -> alt.Scale:
    """A scale over ``values`` (and ``extra``, e.g. target lines) that ends on round numbers
    (comparison.axis_domain says where)."""
    domain = axis_domain([float(v) for v in values.dropna()], extra)
    if domain is None:
        return alt.Scale(zero=False, nice=True)
    return alt.Scale(domain=list(domain), nice=True, zero=False)


def _calibrated_layers(
    data: pd.DataFrame, x_scale: alt.Scale, y_scale: alt.Scale, colour: alt.Color
) -> list[Any]:
    """Calibrated points (diamonds) and vertical bars for their 90 % band of tokens/s/GPU."""
    base = alt.Chart(data)
    tooltip = _tooltips(
        ("name:N", "name"),
        ("kind:N", "kind"),
        (f"{X}:Q", "calibrated tokens/s/user", ",.1f"),
        (f"{Y}:Q", "calibrated tokens/s/GPU", ",.1f"),
        ("low:Q", "90% band from", ",.1f"),
        ("high:Q", "90% band to", ",.1f"),
        ("note:N", "correction"),
    )
    band = base.mark_rule(strokeWidth=2, opacity=0.6).encode(
        x=alt.X(f"{X}:Q", scale=x_scale),
        y=alt.Y("low:Q", scale=y_scale),
        y2="high:Q",
        color=colour,
        tooltip=tooltip,
    )
    dots = base.mark_point(shape="diamond", filled=True, size=110).encode(
        x=alt.X(f"{X}:Q", scale=x_scale),
        y=alt.Y(f"{Y}:Q", scale=y_scale),
        color=colour,
        tooltip=tooltip,
    )
    return [band, dots]


def scatter_chart(rows: pd.DataFrame, metric_label: str) -> alt.LayerChart | alt.FacetChart:
    """Predicted against measured for one metric, with the y = x diagonal."""
    data = rows[rows["metric"] == metric_label].dropna(subset=["predicted", "measured"])
    unit = next((m.unit for m in METRIC.values() if m.label == metric_label), "")
    high = float(max(data["predicted"].max(), data["measured"].max())) if len(data) else 1.0
    low = float(min(data["predicted"].min(), data["measured"].min())) if len(data) else 0.0
    span = pd.DataFrame({"v": [min(low, 0.0), high * 1.05]})
    diagonal = (
        alt.Chart(span).mark_line(strokeDash=[4, 4], color="#9ca3af").encode(x="v:Q", y="v:Q")
    )
    dots = (
        alt.Chart(data)
        .mark_point(filled=True, size=90, color="#f97316")
        .encode(
            x=alt.X("measured:Q", title=f"measured {metric_label} ({unit})"),
            y=alt.Y("predicted:Q", title=f"predicted {metric_label} ({unit})"),
            tooltip=[
                alt.Tooltip("task:N"),
                alt.Tooltip("measurement:N"),
                alt.Tooltip("predicted:Q", format=",.2f"),
                alt.Tooltip("measured:Q", format=",.2f"),
                alt.Tooltip("error_pct:Q", title="error %", format="+.1f"),
                alt.Tooltip("prediction_source:N", title="prediction from"),
                alt.Tooltip("measurement_source:N", title="measurement from"),
            ],
        )
    )
    return alt.layer(diagonal, dots).properties(height=360)
