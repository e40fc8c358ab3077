"""The aiconfigurator import page: upload once, pick a runtime, select, create with links."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from configlib.store import Store
from configlib.ui import keys
from tests.app.conftest import ROOT, button, open_page, run_ok, select_rows
from tests.app.shown import shown

FOLDER = ROOT / "tests" / "data" / "aiconfigurator" / "sglang-default-qwen3_32b-h200"


def _zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder.parent))
    return buffer.getvalue()


@pytest.fixture
def uploaded(app: AppTest) -> AppTest:
    at = open_page(app, "import_aic")
    upload = ("sglang-default.zip", _zip(FOLDER), "application/zip")
    return run_ok(at.file_uploader(key=keys.IMPORT_UPLOAD).set_value(upload))


def _table(at: AppTest) -> tuple[str, list[str]]:
    frame = at.dataframe[0]
    return frame.key or "", frame.value["name"].tolist()


def test_zip_upload_lists_candidates_with_predictions(uploaded: AppTest) -> None:
    at = uploaded
    _, names = _table(at)
    frame = at.dataframe[0].value
    assert len(names) == len(set(names)) >= 5
    assert {"tokens/s/GPU", "TTFT (ms)", "TPOT (ms)", "runnable", "mode"} <= set(frame.columns)
    assert frame["tokens/s/GPU"].notna().all()
    disagg = frame[frame["mode"] == "disagg"]
    assert not disagg.empty and not disagg["runnable"].any()
    session = at.session_state[keys.IMPORT]
    run_ok(at)
    assert at.session_state[keys.IMPORT] is session  # the upload is read once


def test_create_selected_tasks_with_links(uploaded: AppTest, db: Store) -> None:
    at = uploaded
    key, names = _table(at)
    select_rows(at, key, [0, 1])
    run_ok(button(at, "Create 2 task(s)").click())
    assert set(names[:2]) <= set(db.task_names())
    links = [shown(link.label) for link in at.page_link]
    assert links == names[:2]
    stored = db.get_task(names[0]).task
    assert stored.metadata.aiconfigurator_predictions
    # Creating the same candidates again gives new names instead of failing.
    select_rows(at, at.dataframe[0].key or "", [0])
    run_ok(button(at, "Create 1 task(s)").click())
    assert f"{names[0]}-2" in db.task_names()


def test_select_all_runnable(uploaded: AppTest) -> None:
    at = uploaded
    frame = at.dataframe[0].value
    runnable = int(frame["runnable"].sum())
    run_ok(button(at, f"Select the {runnable} runnable candidate(s)").click())
    assert any(b.label == f"Create {runnable} task(s)" and not b.disabled for b in at.button)


def test_target_runtime_applies_to_trtllm_predictions(app: AppTest) -> None:
    at = open_page(app, "import_aic")
    table = next(
        (FOLDER.parent / "trtllm-default-qwen3_32b-h200").rglob("agg/best_config_topn.csv")
    )
    table_bytes = table.read_bytes()
    run_ok(
        at.file_uploader(key=keys.IMPORT_UPLOAD).set_value(
            ("best_config_topn.csv", table_bytes, "text/csv")
        )
    )
    frame = at.dataframe[0].value
    # Nothing is picked for the user: like the command line, creating needs a choice.
    assert set(frame["backend"]) == {"trtllm"} and set(frame["runtime"]) == {"not chosen"}
    assert frame["notes"].str.contains("trtllm|TensorRT-LLM").all()  # headlines, cut to fit
    select_rows(at, at.dataframe[0].key or "", [0])
    assert button(at, "Create 1 task(s)").disabled
    assert any("choose the engine to measure them on" in e.value for e in at.error)
    run_ok(at.selectbox(key=keys.IMPORT_RUNTIME).set_value("vllm"))
    assert set(at.dataframe[0].value["runtime"]) == {"vllm"}
    select_rows(at, at.dataframe[0].key or "", [0])
    assert not button(at, "Create 1 task(s)").disabled and not at.error


def test_a_target_runtime_against_sglang_predictions_is_refused(
    uploaded: AppTest, db: Store
) -> None:
    at = run_ok(uploaded.selectbox(key=keys.IMPORT_RUNTIME).set_value("vllm"))
    assert any("run on sglang" in w.value for w in at.warning)
    select_rows(at, at.dataframe[0].key or "", [0])
    assert button(at, "Create 1 task(s)").disabled
    assert any("were predicted for sglang and run on sglang" in e.value for e in at.error)
    assert not db.task_names()


def test_disaggregated_candidates_are_created_for_comparison_with_an_error(
    uploaded: AppTest, db: Store
) -> None:
    at = uploaded
    frame = at.dataframe[0].value
    pair = int(frame.index[frame["mode"] == "disagg"][0])
    name = frame["name"][pair]
    assert "disagg" in name and "not runnable by the autotuner" in frame["notes"][pair]
    select_rows(at, at.dataframe[0].key or "", [pair])
    run_ok(button(at, "Create 1 task(s)").click())
    assert name in db.task_names()
    from configlib.validate import validate

    codes = {f.code for f in validate(db.get_task(name).task) if f.severity == "error"}
    assert codes == {"not-one-server"}


def test_bad_uploads_are_named_not_raised(app: AppTest) -> None:
    at = open_page(app, "import_aic")
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../escape/best_config_topn.csv", "model,isl\n")
    run_ok(
        at.file_uploader(key=keys.IMPORT_UPLOAD).set_value(
            ("evil.zip", evil.getvalue(), "application/zip")
        )
    )
    assert at.error and "evil.zip" in shown(at.error[0].value)
    run_ok(
        at.file_uploader(key=keys.IMPORT_UPLOAD).set_value(
            ("pareto.csv", b"\xff\xfe not text", "text/csv")
        )
    )
    assert at.error and "pareto.csv" in shown(at.error[0].value)


def test_compare_selected_candidates(uploaded: AppTest) -> None:
    at = uploaded
    key, names = _table(at)
    select_rows(at, key, [0, 1, 2])
    run_ok(button(at, "Compare selected").click())
    assert at.title[0].value == "Compare"
    assert at.dataframe[0].value["name"].tolist() == [f"{n} (not saved)" for n in names[:3]]


def test_one_task_for_a_selection_that_is_not_a_grid_is_refused(
    uploaded: AppTest, db: Store
) -> None:
    at = uploaded
    frame = at.dataframe[0].value
    mixed = [
        int(frame.index[frame["mode"] == "agg"][0]),
        int(frame.index[frame["mode"] == "disagg"][0]),
    ]
    select_rows(at, at.dataframe[0].key or "", mixed)
    run_ok(at.toggle(key="import.combine").set_value(True))
    run_ok(button(at, "Create 1 task").click())
    assert at.error, "combining an agg and a disagg candidate is explained, not done"
    assert db.count_tasks() == 0


def _create_button(at: AppTest) -> Any:
    return next(b for b in at.button if b.label.startswith("Create "))


def test_a_selection_never_carries_over_to_another_upload_or_reading(uploaded: AppTest) -> None:
    # Issue 13, item 2: "Select the runnable" ticked rows of the next upload, and of the
    # pareto rows, before anything was chosen there.
    at = uploaded
    runnable = int(at.dataframe[0].value["runnable"].sum())
    run_ok(button(at, f"Select the {runnable} runnable candidate(s)").click())
    assert button(at, f"Create {runnable} task(s)").disabled is False

    run_ok(at.toggle(key="import.pareto").set_value(True))
    create = _create_button(at)
    assert create.label == "Create 0 task(s)" and create.disabled
    run_ok(at.toggle(key="import.pareto").set_value(False))
    assert _create_button(at).label == "Create 0 task(s)"

    trtllm = FOLDER.parent / "trtllm-default-qwen3_32b-h200"
    run_ok(
        at.file_uploader(key=keys.IMPORT_UPLOAD).set_value(
            ("trtllm-default.zip", _zip(trtllm), "application/zip")
        )
    )
    assert set(at.dataframe[0].value["backend"]) == {"trtllm"}
    create = _create_button(at)
    assert create.label == "Create 0 task(s)" and create.disabled

    # Picking one row picks that row only.
    select_rows(at, at.dataframe[0].key or "", [2])
    assert _create_button(at).label == "Create 1 task(s)"


def test_the_same_file_uploaded_again_starts_with_nothing_selected(uploaded: AppTest) -> None:
    at = uploaded
    runnable = int(at.dataframe[0].value["runnable"].sum())
    run_ok(button(at, f"Select the {runnable} runnable candidate(s)").click())
    again = ("sglang-default.zip", _zip(FOLDER), "application/zip")
    run_ok(at.file_uploader(key=keys.IMPORT_UPLOAD).set_value(again))
    assert _create_button(at).label == "Create 0 task(s)"


def test_wide_tables_keep_the_name_column_in_view(uploaded: AppTest) -> None:
    # Issue 13, item 10: at 1440 px the candidate table scrolls sideways; its names stay.
    columns = json.loads(uploaded.dataframe[0].proto.columns)
    assert columns["name"]["pinned"] is True
