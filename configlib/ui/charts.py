"""Altair charts of the comparison view (no Streamlit here: the page only displays them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from configlib.compare import METRIC, SLOLine
from configlib.ui.comparison import CALIBRATED_KIND, X, Y

KIND_COLOURS = alt.Scale(
    domain=["prediction", "measurement", CALIBRATED_KIND], range=["#3b82f6", "#f97316", "#16a34a"]
)
#: One colour legend for every layer, wide enough for the calibrated label.
KIND_LEGEND = alt.Legend(orient="top", labelLimit=0)
HEIGHT = 420
TOOLTIP = [
    alt.Tooltip("name:N", title="name"),
    alt.Tooltip("kind:N", title="kind"),
    alt.Tooltip("serving:N", title="serving"),
    alt.Tooltip("source:N", title="from"),
    alt.Tooltip(f"{X}:Q", title="tokens/s/user", format=",.1f"),
    alt.Tooltip(f"{Y}:Q", title="tokens/s/GPU", format=",.1f"),
    alt.Tooltip("ttft_ms:Q", title="TTFT (ms)", format=",.1f"),
    alt.Tooltip("tpot_ms:Q", title="TPOT (ms)", format=",.2f"),
]


def pareto_chart(
    points: pd.DataFrame, lines: Sequence[SLOLine], calibrated: pd.DataFrame | None = None
) -> alt.TopLevelMixin:
    """tokens/s/GPU against tokens/s/user: colour = prediction or measurement, shape = serving
    mode, a step line along each kind's Pareto frontier, TPOT targets as dashed rules; with
    ``calibrated`` (comparison.calibrated_points), green points with their 90 % band."""
    base = alt.Chart(points)
    x_scale = alt.Scale(zero=False, padding=14)
    y_scale = alt.Scale(zero=False, padding=14)
    dots = base.mark_point(filled=True, size=90, opacity=0.9).encode(
        x=alt.X(f"{X}:Q", title="Output tokens/s per user", scale=x_scale),
        y=alt.Y(f"{Y}:Q", title="Output tokens/s per GPU", scale=y_scale),
        color=alt.Color("kind:N", scale=KIND_COLOURS, title=None, legend=KIND_LEGEND),
        shape=alt.Shape("serving:N", title=None, legend=alt.Legend(orient="top")),
        tooltip=TOOLTIP,
    )
    frontier = (
        base.transform_filter(alt.datum.frontier)
        .mark_line(strokeWidth=2, interpolate="step-after", opacity=0.6)
        .encode(
            x=alt.X(f"{X}:Q", scale=x_scale),
            y=alt.Y(f"{Y}:Q", scale=y_scale),
            color=alt.Color("kind:N", scale=KIND_COLOURS, title=None, legend=KIND_LEGEND),
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
        layers += _calibrated_layers(calibrated, x_scale, y_scale)
    return alt.layer(*layers).properties(height=HEIGHT).interactive()


def _calibrated_layers(data: pd.DataFrame, x_scale: alt.Scale, y_scale: alt.Scale) -> list[Any]:
    """Calibrated points (diamonds) and vertical bars for their 90 % band of tokens/s/GPU."""
    base = alt.Chart(data)
    tooltip = [
        alt.Tooltip("name:N", title="name"),
        alt.Tooltip("kind:N", title="kind"),
        alt.Tooltip(f"{X}:Q", title="calibrated tokens/s/user", format=",.1f"),
        alt.Tooltip(f"{Y}:Q", title="calibrated tokens/s/GPU", format=",.1f"),
        alt.Tooltip("low:Q", title="90% band from", format=",.1f"),
        alt.Tooltip("high:Q", title="90% band to", format=",.1f"),
        alt.Tooltip("note:N", title="correction"),
    ]
    band = base.mark_rule(strokeWidth=2, opacity=0.6).encode(
        x=alt.X(f"{X}:Q", scale=x_scale),
        y=alt.Y("low:Q", scale=y_scale),
        y2="high:Q",
        color=alt.Color("kind:N", scale=KIND_COLOURS, title=None, legend=KIND_LEGEND),
        tooltip=tooltip,
    )
    dots = base.mark_point(shape="diamond", filled=True, size=110).encode(
        x=alt.X(f"{X}:Q", scale=x_scale),
        y=alt.Y(f"{Y}:Q", scale=y_scale),
        color=alt.Color("kind:N", scale=KIND_COLOURS, title=None, legend=KIND_LEGEND),
        tooltip=tooltip,
    )
    return [band, dots]


def scatter_chart(rows: pd.DataFrame, metric_label: str) -> alt.TopLevelMixin:
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
