"""The editor side panel's memory check (``configlib.memory_fit`` does the estimate)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from configlib.memory_fit import check_memory
from configlib.model import TaskConfig
from configlib.safe_text import md
from configlib.ui import memoryfit


def panel(task: TaskConfig) -> None:
    """Whether weights and KV cache fit in GPU memory, per combination of the candidates."""
    fit = check_memory(task)
    st.markdown("**Memory per GPU** (weights + KV cache of one full-length request)")
    if fit.unchecked is not None:
        st.caption(md(fit.unchecked))
        return
    for finding in fit.findings:
        st.warning(md(finding.message), icon=":material/memory:")
    if not fit.findings:
        st.caption(
            md(f"{fit.model}: every combination fits. Activations and CUDA graphs come on top.")
        )
    frame = pd.DataFrame(memoryfit.rows(fit), columns=memoryfit.COLUMNS)
    st.dataframe(frame, hide_index=True, width="stretch")
