"""The editor side panel's memory check (``configlib.memory_fit`` does the estimate)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from configlib.memory_fit import check_memory
from configlib.model import TaskConfig
from configlib.safe_text import md
from configlib.ui import memoryfit
from views.parts import tables


def panel(task: TaskConfig) -> None:
    """Whether weights and KV cache fit in GPU memory, per combination of the candidates: the
    table first, then one line on what does not fit."""
    fit = check_memory(task)
    st.markdown("**Memory per GPU** (weights + KV cache of one full-length request)")
    if fit.unchecked is not None:
        st.caption(md(fit.unchecked))
        return
    frame = pd.DataFrame(memoryfit.rows(fit), columns=memoryfit.COLUMNS)
    st.dataframe(frame, hide_index=True, width="stretch", column_config=tables.numbers(frame))
    warning = memoryfit.warning(fit)
    if warning is not None:
        st.warning(md(warning), icon=":material/memory:")
    else:
        st.caption(
            md(f"{fit.model}: every combination fits. Activations and CUDA graphs come on top.")
        )
