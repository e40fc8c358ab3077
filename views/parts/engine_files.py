"""The editor's engine config files: a download per grid point and a zip of every point, and
an upload that reads a config file (plus an optional command line) into a new task."""

from __future__ import annotations

import streamlit as st

from configlib.bounds import limit
from configlib.commandline import UnreadableCommand
from configlib.engine_export import (
    ExportError,
    export_points,
    export_zip,
    point_grid,
    read_config,
)
from configlib.engines import UnknownEngineVersion
from configlib.engines.config_file import CONFIG_OPTION, ConfigFileError, loader_for
from configlib.io import InputError, decode
from configlib.model import TaskConfig
from configlib.safe_text import file_stem, md
from configlib.ui.editor import EditorState
from configlib.ui.engine_files import config_releases, release_label, yaml_file
from views.parts import drafts
from views.parts.common import set_flash
from views.parts.widgets import show_outcome

__all__ = ["config_upload_box", "engine_file_downloads"]


def engine_file_downloads(task: TaskConfig, key: str) -> None:
    """One grid point's config file (with the command that uses it) and a zip of all."""
    st.markdown(f"**Engine config file** (`{CONFIG_OPTION}`)")
    try:
        engine, grid, _ = point_grid(task)
        loader_for(engine)
    except (ExportError, ConfigFileError) as error:
        st.caption(md(f"Not available: {error}"))
        return
    index = int(
        st.number_input(
            f"Grid point (0 to {grid.size - 1:,})",
            min_value=0,
            max_value=grid.size - 1,
            value=0,
            step=1,
            key=f"{key}:engine-point",
        )
    )
    try:
        [point] = export_points(task, "config", [index])
    except ExportError as error:
        st.caption(md(f"Not available: {error}"))
        return
    name, text = yaml_file(point)
    st.download_button(
        f"Config file of point {index}", text, file_name=name, mime="application/yaml",
        on_click="ignore", width="stretch", key=f"{key}:engine-file",
    )  # fmt: skip
    st.code(point.command, language="bash", wrap_lines=True)
    for finding in point.findings:
        st.caption(md(f"{finding.path}: {finding.message}"))
    most = limit("export_points")
    if grid.size > most:
        st.caption(md(f"The grid has {grid.size:,} points; the zip holds at most {most:,}."))
        return

    def every_point() -> bytes:  # built when the button is clicked, not on every rerun
        return export_zip(export_points(task, "config"))

    st.download_button(
        f"All points as a zip ({grid.size:,})", every_point,
        file_name=f"{file_stem(task.task_name)}-engine-configs.zip", mime="application/zip",
        on_click="ignore", width="stretch", key=f"{key}:engine-zip",
    )  # fmt: skip


def _on_upload(scope: str) -> None:
    upload = st.session_state.get(f"{scope}.config_file")
    release = st.session_state.get(f"{scope}.config_release")
    command = (st.session_state.get(f"{scope}.config_command") or "").strip() or None
    result_key = f"{scope}.config_result"
    if upload is None or release is None:
        st.session_state[result_key] = ("error", "Choose a config file first.", [])
        return
    runtime, version = release
    try:
        text = decode(upload.getvalue(), upload.name)
        read = read_config(
            text, upload.name, runtime=runtime, engine_version=version, command=command
        )
    except (InputError, ConfigFileError, UnknownEngineVersion) as error:
        st.session_state[result_key] = ("error", str(error), [])
        return
    except UnreadableCommand as error:
        st.session_state[result_key] = ("error", f"Launch command: {error}", [])
        return
    st.query_params.clear()
    drafts.open_new(read.task)
    st.session_state[result_key] = (
        "success",
        f"Read {upload.name} with the {read.engine.label} loader into a new task: "
        f"{read.task.model.id_or_path}, {len(read.task.parameters)} other flags.",
        read.findings,
    )
    set_flash("success", f"New task from {upload.name}; save it to keep it.")


def config_upload_box(state: EditorState, scope: str) -> None:
    """ "Import an engine config file": a release's ``--config`` YAML becomes a new task."""
    result = st.session_state.get(f"{scope}.config_result")
    with st.expander("Import an engine config file", expanded=result is not None):
        with st.form(key=f"{scope}.config_form", border=False):
            st.file_uploader(
                "Engine config file (YAML)", type=["yaml", "yml"], key=f"{scope}.config_file",
                help=f"The file given to {CONFIG_OPTION}. It is read the way the chosen release's "
                "loader reads it; nothing is run.",
            )  # fmt: skip
            releases = config_releases()
            current = (state.task.base_runtime.value, state.engine.version)
            st.selectbox(
                "Release whose loader reads it", releases, format_func=release_label,
                index=releases.index(current) if current in releases else 0,
                key=f"{scope}.config_release",
            )  # fmt: skip
            st.text_input(
                "Launch command used with it (optional)", key=f"{scope}.config_command",
                placeholder="vllm serve MODEL --config point.yaml --max-num-seqs 128",
                help="Its flags win over the file's, as in the engines.",
            )  # fmt: skip
            st.form_submit_button("Import as a new task", on_click=_on_upload, args=(scope,))
        show_outcome(result)
