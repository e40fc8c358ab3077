"""Compare: aiconfigurator's predictions side by side, on a Pareto chart, and against measured
results (units, TPOT definitions and scopes aligned first; every number names its source)."""

from __future__ import annotations

import streamlit as st

from configlib.calibration import calibrate, candidates_from_subjects, pairs_from_subjects, slo_of
from configlib.ui.comparison import comparison_csv, predictions_frame
from views.parts import comparing
from views.parts.common import flash
from views.parts.resources import store

db = store()
st.title("Compare")
flash()

subjects = comparing.chosen_subjects(db)
if not subjects:
    st.info(
        "Choose tasks (or pick candidates on the import page) to compare their predictions "
        "and measured results.",
        icon=":material/monitoring:",
    )
    st.stop()

predictions = predictions_frame(subjects)
comparing.predictions_table(predictions)

pairs = pairs_from_subjects(subjects)
calibration = (
    None
    if pairs.empty
    else calibrate(pairs, candidates_from_subjects(subjects), slo=slo_of(subjects))
)
comparing.throughput_chart(subjects, pairs, calibration)
comparing.measured_upload(db, subjects)
comparison = comparing.predicted_vs_measured(subjects)
if calibration is not None:
    comparing.accuracy(calibration)
    comparing.measure_next(calibration)

st.download_button(
    "Download the comparison (CSV)",
    comparison_csv(predictions, comparison),
    file_name="comparison.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
)
