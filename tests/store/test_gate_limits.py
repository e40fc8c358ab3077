"""A task file's size limits (configlib.bounds) hold on every path into the store: a backup
restored with `configlib db import` refuses an oversize or hostile task exactly as an upload
does, the editor's save refuses it too, and no refusal echoes a huge value back."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from configlib.cli import main
from configlib.findings import Finding
from configlib.io import InputError
from configlib.model import TaskConfig
from configlib.store import InvalidData, Store
from configlib.taskfile import TaskFormatError, task_from_text

BIG = "x" * 10_000_000
#: A refusal stays readable: no 10 MB value in it.
SHORT = 3_000


def _deep(levels: int) -> Any:
    value: Any = []
    for _ in range(levels):
        value = [value]
    return value


def _set(*path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(task: dict[str, Any]) -> None:
        holder = task
        for key in path[:-1]:
            holder = holder.setdefault(key, {})
        holder[path[-1]] = value

    return change


#: (what is hostile, how the task is changed, the limit's code)
HOSTILE: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("10 MB description", _set("description", value=BIG), "limit-string-chars"),
    ("10 MB task name", _set("task_name", value=BIG), "limit-string-chars"),
    ("10 MB flag value", _set("parameters", "served-model-name", value=[BIG]), "limit-string"),
    ("10 MB flag name", _set("parameters", BIG, value=[1]), "limit-key-chars"),
    ("10 MB metadata", _set("metadata", "note", value=BIG), "limit-string-chars"),
    (
        "5,000 candidates",
        _set("parameters", "max-running-requests", value=list(range(1, 5001))),
        "limit-candidates",
    ),
    ("nested 500 deep", _set("autotuner_fields", "x", value=_deep(500)), "limit-task-depth"),
    (
        "a grid of 1e15 points",
        _set(
            "parameters",
            value={
                flag: list(range(1, 1001))
                for flag in ("max-running-requests", "max-prefill-tokens", "context-length")
            }
            | {"chunked-prefill-size": list(range(1, 1001)), "max-total-tokens": [1, 2]},
        ),
        "limit-grid-points",
    ),
    (
        "5 MB in texts each within the limit",
        _set("autotuner_fields", value={f"note{i}": "y" * 9_000 for i in range(600)}),
        "limit-task-file-bytes",
    ),
]
IDS = [name for name, _, _ in HOSTILE]


def _backup(store: Store, make_task: Callable[..., TaskConfig]) -> dict[str, Any]:
    store.save_task(make_task("a"), expected_version=None)
    return store.export_all()


def _hostile(backup: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    tampered = copy.deepcopy(backup)
    tampered["tasks"][0]["task"]["task_name"] = "b"
    change(tampered["tasks"][0]["task"])
    return tampered


@pytest.mark.parametrize(("name", "change", "code"), HOSTILE, ids=IDS)
def test_a_backup_refuses_a_hostile_task_like_an_upload(
    store: Store,
    make_task: Callable[..., TaskConfig],
    name: str,
    change: Callable[[dict[str, Any]], None],
    code: str,
) -> None:
    tampered = _hostile(_backup(store, make_task), change)
    body = tampered["tasks"][0]["task"]
    with pytest.raises((InputError, TaskFormatError)):  # the upload's reader refuses it
        task_from_text(json.dumps(body), "upload.json")
    with pytest.raises(InvalidData) as caught:
        store.import_all(tampered, replace=True)
    message = str(caught.value)
    assert code in message, message
    assert len(message) < SHORT
    assert all(len(f.message) + len(f.path) < SHORT for f in caught.value.findings)
    assert store.task_names() == ["a"]  # nothing was written


def test_db_import_of_a_hostile_backup_is_a_short_message(
    store: Store,
    db_url: str,
    make_task: Callable[..., TaskConfig],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tampered = _hostile(_backup(store, make_task), _set("task_name", value=BIG))
    path = tmp_path / "backup.json"
    path.write_text(json.dumps(tampered))
    code = main(["db", "import", str(path), "--url", db_url, "--replace"])
    captured = capsys.readouterr()
    assert code != 0 and "limit-string-chars" in captured.err
    assert "10,000,002 characters" in captured.err  # the name is cut, its length said
    assert len(captured.err) < SHORT and "Traceback" not in captured.err
    assert store.task_names() == ["a"]


def test_a_kept_version_of_a_backup_keeps_within_the_limits(
    store: Store, make_task: Callable[..., TaskConfig]
) -> None:
    backup = _backup(store, make_task)
    entry = {
        "version": 1,
        "saved_at": backup["tasks"][0]["created_at"],
        "task": {"task_name": "a", "description": BIG, "x": _deep(500)},
    }
    backup["tasks"][0]["history"] = [entry]
    with pytest.raises(InvalidData) as caught:
        store.import_all(backup, replace=True)
    message = str(caught.value)
    assert "tasks[0].history[0].task.description" in message and len(message) < SHORT
    assert "limit-task-depth" in message


def test_the_editors_save_applies_the_same_limits(
    store: Store, make_task: Callable[..., TaskConfig]
) -> None:
    with pytest.raises(InvalidData) as caught:
        store.save_task(make_task("a", description=BIG), expected_version=None)
    assert "limit-string-chars" in str(caught.value) and len(str(caught.value)) < SHORT
    deep = make_task("a", autotuner_fields={"x": _deep(500)})
    with pytest.raises(InvalidData, match="limit-task-depth"):
        store.save_task(deep, expected_version=None)
    assert store.task_names() == []


def test_a_large_structured_grid_is_counted_once_and_restores(
    store: Store, make_task: Callable[..., TaskConfig]
) -> None:
    # Two million points: sections and the flags generated from them are one grid, not two.
    task = make_task(
        "big",
        parallel_config={"tp": [1, 2]},
        memory_config={"max_model_len": list(range(1024, 2024))},
        scheduling_config={"max_num_seqs": list(range(1, 1001))},
    )
    store.save_task(task, expected_version=None)
    backup = store.export_all()
    store.import_all(backup, replace=True)
    assert store.task_names() == ["big"]


def test_a_refusal_never_repeats_a_huge_value() -> None:
    error = InvalidData(f"task {BIG!r} is refused", [Finding("error", BIG, "x", BIG)])
    assert len(str(error)) < SHORT and str(error).endswith("... (10,000,018 characters)")
    [finding] = error.findings
    assert len(finding.path) < SHORT and "10,000,000 characters" in finding.message
