"""Measured results on the compare page: reading them from the store, uploading new ones."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import streamlit as st

from configlib.grid import grid_of
from configlib.io import InputError, decode, parse_document
from configlib.safe_text import md
from configlib.ui.comparison import POINTS_OFFERED, point_label
from views.parts.common import set_flash

if TYPE_CHECKING:
    from configlib.store import Store


def upload_results(db: Store, task_names: Sequence[str]) -> None:
    """Upload a results file for one task; each file is stored once."""
    from configlib.results import results_from_data
    from configlib.results.records import ResultsFormatError
    from configlib.store import InvalidData, NotFound

    target = st.selectbox("For task", list(task_names), key="compare.results_task")
    task = db.get_task(target).task
    grid = grid_of(task.parameters)
    points = grid.first(min(grid.size, POINTS_OFFERED))
    point: dict[str, Any] | None = points[0] if len(points) == 1 else None
    if len(points) > 1:
        index = st.selectbox(
            "Configuration that ran (genai-bench files do not record it)",
            range(len(points)),
            format_func=lambda i: point_label(points[i]),
            key="compare.results_point",
        )
        point = points[index]
    upload = st.file_uploader("Results file", type=["json"], key="compare.results_upload")
    if upload is None:
        return
    data = upload.getvalue()
    stamp = f"{target}:{upload.name}:{hashlib.sha256(data).hexdigest()}"
    done: set[str] = st.session_state.setdefault("compare.results_done", set())
    if stamp in done:
        st.caption(md(f"{upload.name} is stored for {target}."))
        return
    try:
        document = parse_document(decode(data, upload.name), upload.name)
        imported = results_from_data(document, upload.name, parameters=point)
        count = db.add_results(target, imported.records)
    except (InputError, ResultsFormatError, InvalidData, NotFound) as error:
        st.error(md(error))
        return
    done.add(stamp)
    notes = "; ".join(f.message for f in imported.findings[:3])
    set_flash(
        "success",
        f"Stored {count} measured result(s) from {upload.name} for {target}."
        + (f" Notes: {notes}" if notes else ""),
    )
    st.rerun()
