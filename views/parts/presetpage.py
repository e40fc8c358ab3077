"""The Presets page's parts and the editor's preset actions (apply, save as preset)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from configlib.findings import from_validation_error
from configlib.io import InputError, decode, dump_document
from configlib.presets import GridPreview, grid_preview
from configlib.safe_text import md, md_code
from configlib.ui import keys
from configlib.ui.editor import EditorState
from configlib.ui.presetting import (
    ANY_RUNTIME,
    STRATEGIES,
    PresetDraft,
    build_preset,
    conflict_line,
    preset_findings,
    preview_rows,
)
from configlib.vocab import STRUCTURED_SECTIONS
from views.parts import common, widgets
from views.parts.common import set_flash
from views.parts.engine_switch import ask, switch_question

if TYPE_CHECKING:
    from configlib.store import PresetSummary, Store

SCOPE = "preset"
COLUMN_CONFIG: dict[str, Any] = {
    "description": st.column_config.TextColumn(width="large"),
    "updated": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
}


def start_new() -> None:
    st.session_state[keys.PRESET_DRAFT] = PresetDraft.new()


def _edit(db: Store, name: str) -> None:
    stored = db.get_preset(name)
    st.session_state[keys.PRESET_DRAFT] = PresetDraft.of(stored.preset, stored.version)


# ---- One preset ----------------------------------------------------------------------------


def actions(db: Store, item: PresetSummary) -> None:
    """View, edit, duplicate, delete, export and convert the selected preset."""
    from configlib.presets.files import export_filename, preset_json, structure_preset
    from configlib.store import ConflictError, NameTaken, NotFound, ReadOnlyError

    try:
        stored = db.get_preset(item.name)
    except NotFound:
        st.warning(md(f"{item.name} was deleted meanwhile."))
        return
    preset = stored.preset
    badge = "system (read-only)" if preset.is_system else f"user, version {stored.version}"
    st.subheader(md(preset.name))
    st.caption(
        md(f"{badge} · runtime {preset.runtime or 'any'} · {preset.category or 'no category'}")
    )
    edit_col, dup_col, del_col, export_col, convert_col = st.columns(5)
    if edit_col.button(
        "Edit", icon=":material/edit:", disabled=preset.is_system, width="stretch",
        help="System presets are read-only: duplicate to edit" if preset.is_system else None,
    ):  # fmt: skip
        _edit(db, preset.name)
        st.rerun()
    with dup_col.popover("Duplicate", icon=":material/content_copy:", width="stretch"):
        new_name = st.text_input("New name", value=f"{preset.name} (copy)", key="presets.dup")
        if st.button("Create the copy", key="presets.dup_go"):
            try:
                db.duplicate_preset(preset.name, new_name.strip())
            except NameTaken:
                st.error(md(f"A preset named {new_name!r} already exists."))
            else:
                set_flash("success", f"Created {new_name} from {preset.name}.")
                st.rerun()
    with del_col.popover(
        "Delete", icon=":material/delete:", disabled=preset.is_system, width="stretch"
    ):
        sure = st.checkbox(md(f"Delete {preset.name}"), key="presets.confirm_delete")
        if st.button("Delete for good", disabled=not sure, type="primary", key="presets.del"):
            try:
                db.delete_preset(preset.name, expected_version=stored.version)
            except (ConflictError, ReadOnlyError, NotFound) as error:
                st.error(md(error))
            else:
                set_flash("success", f"Deleted {preset.name}.")
                st.rerun()
    export_col.download_button(
        "Export JSON", preset_json(preset), file_name=export_filename(preset),
        mime="application/json", on_click="ignore", icon=":material/download:",
        width="stretch",
    )  # fmt: skip
    flat = bool(preset.parameters) and not preset.is_system
    if convert_col.button(
        "Convert to structured", icon=":material/account_tree:", disabled=not flat,
        width="stretch", help="Move every flag that has a structured field into that field",
    ):  # fmt: skip
        st.session_state["presets.convert"] = (preset.name, *structure_preset(preset))
    pending = st.session_state.get("presets.convert")
    if pending and pending[0] == preset.name:
        _conversion(db, pending[1], pending[2], stored.version)
    st.code(dump_document(preset.dump(), "yaml"), language="yaml")


def _conversion(db: Store, converted: Any, report: Any, version: int) -> None:
    from configlib.store import ConflictError

    with st.container(border=True):
        st.markdown(f"**Conversion report** (flags read with {md(report.engine)})")
        moved = [{"flag": k, "became": ", ".join(v)} for k, v in report.moved.items()]
        st.dataframe(pd.DataFrame(moved, columns=["flag", "became"]), hide_index=True)
        st.caption("Kept as flags: " + md(", ".join(report.kept) or "none"))
        for old, new in report.renamed.items():
            st.caption(f"{md_code(old)} does not exist in the engine; {md_code(new)} used instead")
        for finding in report.findings:
            st.caption(f":orange[{md(finding.message)}]")
        if st.button("Save the converted preset", type="primary", key="presets.convert_save"):
            try:
                db.save_preset(converted, expected_version=version)
            except ConflictError as error:
                st.error(md(error))
                return
            st.session_state.pop("presets.convert", None)
            set_flash("success", f"Converted {converted.name} to structured form.")
            st.rerun()


def import_presets(db: Store) -> None:
    """Read presets from an uploaded JSON (each file once) and store them as user presets."""
    from configlib.presets.files import PresetFormatError, presets_from_text
    from configlib.store import InvalidData, NameTaken

    upload = st.file_uploader("Preset file", type=["json"], key="presets.upload")
    structure = st.toggle(
        "Convert flat presets to structured form", value=True, key="presets.structure"
    )
    if upload is None:
        return
    data = upload.getvalue()
    stamp = f"{upload.name}:{hashlib.sha256(data).hexdigest()}:{structure}"
    done: dict[str, list[tuple[str, str]]] = st.session_state.setdefault("presets.imported", {})
    if stamp not in done:
        messages: list[tuple[str, str]] = []
        try:
            read = presets_from_text(decode(data, upload.name), upload.name, structure=structure)
        except (InputError, PresetFormatError) as error:
            messages.append(("error", str(error)))
        else:
            for finding in read.findings:
                messages.append(("warning", str(finding)))
            for preset in read.presets:
                try:
                    db.save_preset(
                        preset.model_copy(update={"is_system": False}), expected_version=None
                    )
                except (NameTaken, InvalidData) as error:
                    messages.append(("error", f"{preset.name}: {error}"))
                    continue
                report = read.reports.get(preset.name)
                moved = f" (moved: {', '.join(report.moved)})" if report and report.moved else ""
                messages.append(("success", f"Imported {preset.name}{moved}"))
        done[stamp] = messages
    for kind, message in done[stamp]:
        {"success": st.success, "warning": st.warning}.get(kind, st.error)(md(message))


# ---- The preset editor ---------------------------------------------------------------------


def _on_header(draft: PresetDraft, attribute: str) -> None:
    value = st.session_state[f"{SCOPE}.{attribute}"]
    if attribute == "runtime" and not value:
        return  # a segmented control clicked off: keep the runtime it had
    other = value not in (ANY_RUNTIME, draft.editor.task.base_runtime.value)
    if attribute == "runtime" and other and ask(draft.editor, SCOPE, value):
        return  # the switch drops or translates settings: it waits for the user's answer
    setattr(draft, attribute, value or "")
    if attribute == "runtime" and value and value != ANY_RUNTIME:
        draft.editor.set_engine(value, None)


def editor(db: Store, draft: PresetDraft) -> None:
    """Create or edit a preset with the task editor's advanced form and expert mode."""
    state = draft.editor
    draft_id = f"preset:{draft.stored_name or ''}"
    widgets.consume_table_edits(state, SCOPE, draft_id)
    for attribute in ("name", "description", "category", "runtime"):
        if st.session_state.get(f"{SCOPE}.{attribute}") != getattr(draft, attribute):
            st.session_state[f"{SCOPE}.{attribute}"] = getattr(draft, attribute)
    findings = preset_findings(state.findings())
    st.subheader(md(f"Editing {draft.stored_name}") if draft.stored_name else "New preset")
    name_col, category_col, runtime_col = st.columns([3, 2, 2], vertical_alignment="bottom")
    for column, attribute, label in (
        (name_col, "name", "Name"),
        (category_col, "category", "Category"),
    ):
        column.text_input(
            label,
            key=f"{SCOPE}.{attribute}",
            on_change=_on_header,
            args=(draft, attribute),
            disabled=attribute == "name" and draft.stored_name is not None,
            help="Duplicate a preset to give it another name"
            if attribute == "name" and draft.stored_name
            else None,
        )
    runtime_col.segmented_control(
        "Runtime", [ANY_RUNTIME, "sglang", "vllm"], key=f"{SCOPE}.runtime",
        on_change=_on_header, args=(draft, "runtime"),
    )  # fmt: skip
    switch_question(state, SCOPE, switched=lambda runtime: setattr(draft, "runtime", runtime))
    st.text_input(
        "Description", key=f"{SCOPE}.description", on_change=_on_header, args=(draft, "description")
    )
    main, side = st.columns([3, 2], gap="large")
    with main:
        advanced, expert = st.tabs(
            ["Advanced config", "Expert mode"], key=f"{SCOPE}.tab", on_change="rerun"
        )
        if advanced.open:
            with advanced:
                widgets.advanced_tab(state, SCOPE, findings, STRUCTURED_SECTIONS)
        if expert.open:
            with expert:
                widgets.expert_tab(state, SCOPE, draft_id, findings)
    with side:
        _save_buttons(db, draft, findings)
        widgets.side_panel(state.summary(findings), show_task_parts=False)


def _save_buttons(db: Store, draft: PresetDraft, findings: list[Any]) -> None:
    from configlib.store import ConflictError, NameTaken, ReadOnlyError

    blocking = [f for f in findings if f.severity == "error"]
    save_col, cancel_col = st.columns(2)
    if cancel_col.button("Close without saving", width="stretch"):
        st.session_state.pop(keys.PRESET_DRAFT, None)
        st.rerun()
    if save_col.button(
        "Save preset", type="primary", disabled=bool(blocking) or not draft.name, width="stretch"
    ):
        try:
            preset = draft.to_preset()
            db.save_preset(preset, expected_version=draft.version)
        except ValidationError as error:
            for finding in from_validation_error(error):
                st.error(md(f"{finding.path or 'preset'}: {finding.message}"))
        except (ConflictError, NameTaken, ReadOnlyError) as error:
            st.error(md(error))
        else:
            st.session_state.pop(keys.PRESET_DRAFT, None)
            set_flash("success", f"Saved preset {preset.name}.")
            st.rerun()


# ---- In the task editor --------------------------------------------------------------------


def apply_panel(db: Store, state: EditorState) -> None:
    """Apply presets to the draft: pick them in order and a strategy, see conflicts and the
    resulting grid, apply; undo right after."""
    applied = state.can_undo
    if applied is not None:
        st.button(
            "Undo presets",
            icon=":material/undo:",
            key="editor.apply_undo",
            on_click=_undo,
            args=(state,),
            help=md(f"Back to the task before {applied} was applied"),
        )
    key = common.popover_key("editor", "apply")
    box = common.lazy_popover(st, "Apply presets", key, ":material/playlist_add:")
    if box is None:
        return
    with box:
        names = [p.name for p in db.list_presets(runtime=state.task.base_runtime)]
        chosen = st.multiselect("Presets, in the order to apply", names, key="editor.apply_names")
        strategy = st.radio(
            "Strategy",
            list(STRATEGIES),
            format_func=STRATEGIES.__getitem__,
            key="editor.apply_strategy",
        )
        if not chosen:
            st.caption("Pick one or more presets to see what they change.")
            return
        result = db.apply_presets(state.task, chosen, strategy)
        if result.conflicts:
            st.markdown(f"**{len(result.conflicts)} conflict(s)**")
            st.markdown("\n".join(conflict_line(c) for c in result.conflicts))
        else:
            st.caption("No conflicts.")
        for finding in result.findings:
            st.caption(f":orange[{md(finding.message)}]")
        _preview(grid_preview(state.task, result.task))
        st.button(
            "Apply to this task",
            type="primary",
            key="editor.apply_go",
            on_click=_apply,
            args=(state, result, strategy),
        )


def _preview(preview: GridPreview) -> None:
    """The grid the task will have: its size next to today's, and each flag that changes."""
    st.markdown(
        f"**Grid after applying: {preview.size_after:,} combination(s)** "
        f"(now {preview.size_before:,})"
    )
    if preview.changes:
        st.dataframe(pd.DataFrame(preview_rows(preview)), hide_index=True, width="stretch")
    else:
        st.caption("The flags the task launches stay the same.")


def _apply(state: EditorState, result: Any, strategy: str) -> None:
    applied = ", ".join(result.applied)
    state.apply_presets(result.task, list(result.findings), f"{applied} ({strategy})")
    common.close_popover("editor", "apply")
    set_flash("success", f"Applied {applied} ({strategy}); Undo presets brings the task back.")


def _undo(state: EditorState) -> None:
    applied = state.can_undo
    if state.undo_presets():
        set_flash("success", f"Undid {applied}.")


def save_as_preset(db: Store, state: EditorState) -> None:
    from configlib.store import NameTaken

    key = keys.popover("editor", "save_preset")
    box = common.lazy_popover(st, "Save as preset", key, ":material/bookmark_add:")
    if box is None:
        return
    with box:
        name = st.text_input("Preset name", key="editor.preset_name")
        category = st.text_input("Category", key="editor.preset_category")
        for_runtime = st.toggle(
            f"Only for {state.task.base_runtime.value}", value=True, key="editor.preset_runtime"
        )
        if st.button("Save preset", disabled=not name.strip(), key="editor.preset_go"):
            try:
                preset = build_preset(
                    state.task, name=name, category=category,
                    runtime=state.task.base_runtime.value if for_runtime else None,
                    description=f"From task {state.task.task_name}",
                )  # fmt: skip
                db.save_preset(preset, expected_version=None)
            except ValidationError as error:
                st.error(md("; ".join(f.message for f in from_validation_error(error))))
            except NameTaken:
                st.error(md(f"A preset named {name!r} already exists."))
            else:
                set_flash("success", f"Saved preset {preset.name}.")
                st.rerun()
