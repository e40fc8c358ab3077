"""Every path into the store applies the same rules (configlib.store.gate): the editor's
save, the Tasks page's upload, the aiconfigurator import, `configlib db import`, backup
restore and the autotuner-database import. Tasks valid as data but not runnable stay
storable; values one database would refuse are refused on both."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from configlib.cli import main
from configlib.findings import Finding
from configlib.model import TaskConfig
from configlib.presets import Preset
from configlib.results import MeasuredResult
from configlib.store import InvalidData, NotFound, Store, StoreError
from configlib.store.gate import refuses, result_findings, storable

BAD_TASK = {
    "task_name": "bad",
    "model": {"id_or_path": "m/m"},
    "base_runtime": "sglang",
    "engine_version": "0.5.2",
    "parameters": {"tp-size": ["four"], "no-such-flag": [1]},
}


def test_a_task_with_an_unknown_flag_or_a_wrong_type_is_not_stored(store: Store) -> None:
    task = TaskConfig.model_validate(BAD_TASK)
    with pytest.raises(InvalidData) as caught:
        store.save_task(task, expected_version=None)
    paths = {f.path for f in caught.value.findings}
    assert {"parameters.tp-size[0]", "parameters.no-such-flag"} <= paths
    assert "cannot be stored" in str(caught.value)
    with pytest.raises(NotFound):
        store.get_task("bad")


def test_a_task_that_only_cannot_run_is_stored(
    store: Store, make_task: Callable[..., TaskConfig]
) -> None:
    # 64 GPUs for one server: an error for running, still a valid task to keep and compare.
    task = make_task(
        "huge", parallel_config={"tp": [8]}, system_config={"gpu_type": "h100_sxm", "total_gpus": 2}
    )
    from configlib.validate import validate

    errors = [f for f in validate(task) if f.severity == "error"]
    assert errors and not any(refuses(f) for f in errors), errors
    assert store.save_task(task, expected_version=None).version == 1


def test_the_rule_is_one_function() -> None:
    assert refuses(Finding("error", "parameters.x", "unknown-flag", "no --x"))
    assert not refuses(Finding("error", "parallel_config", "too-many-gpus", "64 > 8"))
    assert not refuses(Finding("warning", "parameters.x", "unknown-flag", "no --x"))


def test_values_postgresql_refuses_are_refused_everywhere(
    store: Store, make_task: Callable[..., TaskConfig]
) -> None:
    with pytest.raises(InvalidData, match="NUL"):
        store.save_task(make_task("nul", description="a\x00b"), expected_version=None)
    with pytest.raises(InvalidData, match="NUL"):
        store.save_preset(Preset(name="p\x00", parameters={"tp-size": [1]}), expected_version=None)
    assert storable({"a": [2**64]}) and storable({"a": float("nan")})
    assert storable({"a": [1, 2**63 - 1, "x", None, True]}) == []


def _result(**fields: Any) -> MeasuredResult:
    data: dict[str, Any] = {"source_format": "genai-bench", "source_file": "f.json"}
    data.update(fields)
    return MeasuredResult.model_validate(data)


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"metrics": {"ttft_ms": -1.0}}, "metrics.ttft_ms"),
        ({"metrics": {"ttft_ms": 0}}, "metrics.ttft_ms"),
        ({"metrics": {"run_duration_s": 0.0}}, "metrics.run_duration_s"),
        ({"metrics": {"error_rate": 1.5}}, "metrics.error_rate"),
        ({"experiment_id": 2**40}, "experiment_id"),
        ({"concurrency": 2**40}, "concurrency"),
    ],
)
def test_impossible_measurements_are_refused(
    store: Store, make_task: Callable[..., TaskConfig], fields: dict[str, Any], path: str
) -> None:
    record = _result(**fields)
    assert [f.path for f in result_findings(record)] == [path]
    store.save_task(make_task("t"), expected_version=None)
    with pytest.raises(InvalidData, match=path.replace(".", r"\.")):
        store.add_results("t", [record])
    assert store.list_results("t") == []


def test_a_plausible_measurement_is_stored(
    store: Store, make_task: Callable[..., TaskConfig]
) -> None:
    store.save_task(make_task("t"), expected_version=None)
    record = _result(metrics={"ttft_ms": 12.5, "error_rate": 0, "num_error_requests": 0})
    assert store.add_results("t", [record]) == 1


# ---- Backups ---------------------------------------------------------------------------------


def _backup(store: Store, make_task: Callable[..., TaskConfig]) -> dict[str, Any]:
    store.save_task(make_task("a"), expected_version=None)
    store.save_preset(Preset(name="mine", parameters={"tp-size": [2]}), expected_version=None)
    store.add_results("a", [_result(metrics={"ttft_ms": 10.0}, concurrency=4)])
    return store.export_all()


@pytest.mark.parametrize(
    ("revision", "shown"),
    [("9999", "'9999'"), ("garbage", "'garbage'"), (None, "missing"), (2, "2")],
)
def test_a_backup_of_an_unknown_schema_revision_is_refused(
    store: Store, make_task: Callable[..., TaskConfig], revision: Any, shown: str
) -> None:
    backup = _backup(store, make_task)
    if revision is None:
        del backup["schema_revision"]
    else:
        backup["schema_revision"] = revision
    with pytest.raises(InvalidData, match=f"schema_revision is {shown}"):
        store.import_all(backup, replace=True)
    assert store.task_names() == ["a"]


def test_a_backup_cannot_add_or_change_a_system_preset(
    store: Store, make_task: Callable[..., TaskConfig]
) -> None:
    backup = _backup(store, make_task)
    forged = copy.deepcopy(backup)
    mine = next(p for p in forged["presets"] if p["preset"]["name"] == "mine")
    mine["preset"]["is_system"] = True
    with pytest.raises(InvalidData, match="only configlib ships system presets"):
        store.import_all(forged, replace=True)
    changed = copy.deepcopy(backup)
    system = next(p for p in changed["presets"] if p["preset"].get("is_system"))
    system["preset"]["description"] = "changed by a backup"
    report = store.import_all(changed, replace=True)
    assert report.system_presets_kept == [system["preset"]["name"]]
    kept = store.get_preset(system["preset"]["name"])
    assert kept.preset.is_system and kept.preset.description != "changed by a backup"
    assert {p.name for p in store.list_presets(system=True)} == {
        p["preset"]["name"] for p in backup["presets"] if p["preset"].get("is_system")
    }


def test_a_backup_holds_only_what_both_databases_accept(
    store: Store, make_task: Callable[..., TaskConfig]
) -> None:
    backup = _backup(store, make_task)
    cases: list[tuple[Callable[[dict[str, Any]], Any], str]] = [
        (lambda b: b["tasks"][0]["task"].update(description="x\x00y"), "NUL"),
        (lambda b: b["tasks"][0].update(version=2**31), r"tasks\[0\]\.version"),
        (lambda b: b["tasks"][0].update(created_by="a\x00"), r"tasks\[0\]\.created_by"),
        (lambda b: b["results"][0]["result"].update(experiment_id=2**63), "experiment_id"),
        (lambda b: b["results"][0]["result"]["metrics"].update(ttft_ms=-5), "negative"),
        (lambda b: b["tasks"][0]["task"]["parameters"].update({"no-such-flag": [1]}), "unknown"),
        (lambda b: b["tasks"][0].update(updated_at="9999-12-31T23:59:59-05:00"), "range"),
        (lambda b: b["results"][0].update(task=["a"]), r"results\[0\]\.task"),
    ]
    for change, message in cases:
        tampered = copy.deepcopy(backup)
        change(tampered)
        with pytest.raises(InvalidData, match=message):
            store.import_all(tampered, replace=True)
    assert store.task_names() == ["a"]


def _mutations(value: Any, rng: random.Random) -> Any:
    """One random change somewhere in a JSON document."""
    replacements = [None, "", "x\x00", -1, 0, 2**64, 1.5, True, [], {}, [[[]]], "9999"]
    if isinstance(value, dict) and value:
        key = rng.choice(list(value))
        if rng.random() < 0.2:
            del value[key]
        elif rng.random() < 0.5:
            value[key] = _mutations(value[key], rng)
        else:
            value[key] = rng.choice(replacements)
        return value
    if isinstance(value, list) and value:
        index = rng.randrange(len(value))
        value[index] = _mutations(value[index], rng)
        return value
    return rng.choice(replacements)


def test_tampered_backups_are_refused_with_a_message_never_a_traceback(
    store: Store, make_task: Callable[..., TaskConfig]
) -> None:
    backup = _backup(store, make_task)
    rng = random.Random(14)
    outcomes = {"refused": 0, "imported": 0}
    for _ in range(120):
        tampered = _mutations(copy.deepcopy(backup), rng)
        try:
            store.import_all(tampered, replace=True)
        except StoreError as error:
            assert str(error)
            outcomes["refused"] += 1
        else:
            outcomes["imported"] += 1
            # Whatever was accepted reads back and exports again.
            assert store.export_all()["format"] == "configlib-backup"
    assert outcomes["refused"] > 50


def test_db_import_of_a_tampered_backup_is_a_message(
    store: Store,
    db_url: str,
    make_task: Callable[..., TaskConfig],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    backup = _backup(store, make_task)
    backup["schema_revision"] = "9999"
    path = tmp_path / "backup.json"
    path.write_text(json.dumps(backup))
    code = main(["db", "import", str(path), "--url", db_url, "--replace"])
    captured = capsys.readouterr()
    assert code != 0 and "schema_revision" in captured.err
    assert "Traceback" not in captured.err


def test_a_results_file_of_empty_items_is_an_error_not_stored_zero(
    store: Store, make_task: Callable[..., TaskConfig]
) -> None:
    from configlib.results import results_from_data
    from configlib.results.records import ResultsFormatError

    store.save_task(make_task("t"), expected_version=None)
    # The reader refuses a file of empty items with its name; the store refuses an empty batch.
    with pytest.raises(ResultsFormatError, match=r"nulls\.json: all_results holds no readable"):
        results_from_data({"all_results": [None, None]}, "nulls.json")
    with pytest.raises(InvalidData, match="no measured result"):
        store.add_results("t", [])
    assert store.list_results("t") == []


def test_autotuner_json_nested_beyond_the_stack_is_a_skipped_row(
    store: Store, tmp_path: Path
) -> None:
    import sqlite3

    from tests.store.test_autotuner_import import build_autotuner_db

    path = build_autotuner_db(tmp_path / "autotuner.db")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE tasks SET parameters = ? WHERE id = 1", ("[" * 100_000,))
    report = store.import_autotuner(path)
    assert report.tasks[0].skipped == "a JSON column does not parse"
    assert "docker-advanced-tune" in report.imported_tasks


def test_a_disaggregated_candidate_is_stored_for_comparison_only(store: Store) -> None:
    from configlib.aiconfigurator import import_path
    from configlib.validate import validate

    folder = Path(__file__).parents[1] / "data" / "aiconfigurator" / "vllm-default-qwen3_32b-h200"
    pair = next(c for c in import_path(folder).candidates if c.serving_mode == "disagg")
    errors = [f for f in validate(pair.task) if f.severity == "error"]
    assert [f.code for f in errors] == ["not-one-server"] and not any(map(refuses, errors))
    assert store.save_task(pair.task, expected_version=None).version == 1
