"""Backup: export -> import -> export is exact, within and across backends; a bad or
colliding backup changes nothing; measured results are stored per task."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from configlib.cli import main
from configlib.presets import Preset
from configlib.results import read_results
from configlib.store import InvalidData, NameTaken, NotFound, Store

DATA = Path(__file__).parent.parent / "data"


def _fill(store: Store, make_task) -> None:
    store.save_task(
        make_task(
            "a", description="ünïcode ✓", metadata={"aiconfigurator_predictions": {"ttft_ms": 1.25}}
        ),
        expected_version=None,
        user="alice",
    )
    store.save_task(make_task("b", runtime="vllm"), expected_version=None)
    store.save_task(store.get_task("a").task, expected_version=1, user="bob")
    store.save_preset(
        Preset(name="p", runtime="sglang", parameters={"tp-size": [2]}),
        expected_version=None,
        user="carol",
    )
    records = read_results(DATA / "autotuner-results/docker-simple-tune_results.json").records
    store.add_results("a", records)
    store.add_results("b", read_results(DATA / "genai-bench/release-0.0.5").records)


def _without_time(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "exported_at"}


def test_export_import_export_is_exact(store: Store, make_task, tmp_path: Path) -> None:
    _fill(store, make_task)
    first = store.export_all()
    json.dumps(first)  # plain JSON
    assert len(first["tasks"]) == 2 and len(first["results"]) == 5
    assert first["tasks"][0]["version"] == 2 and first["tasks"][0]["updated_by"] == "bob"
    with Store.open(f"sqlite:///{tmp_path / 'copy.db'}") as other:
        report = other.import_all(first)
        assert (report.tasks, report.presets, report.results) == (2, 5, 5)
        second = other.export_all()
        assert other.get_task("a").version == 2
    assert _without_time(second) == _without_time(first)


@pytest.mark.postgres
def test_a_sqlite_backup_loads_into_postgresql_exactly(
    tmp_path: Path, make_task, pg_server: str | None
) -> None:
    if pg_server is None:
        pytest.skip("no PostgreSQL server")
    from tests.store.conftest import reset_postgres

    reset_postgres(pg_server)
    with Store.open(f"sqlite:///{tmp_path / 'a.db'}") as sqlite_store:
        _fill(sqlite_store, make_task)
        first = sqlite_store.export_all()
    with Store.open(pg_server) as pg_store:
        pg_store.import_all(first)
        second = pg_store.export_all()
    assert _without_time(second) == _without_time(first)


def _history(store: Store, name: str) -> list[tuple[int, str | None, str]]:
    return [
        (v.version, v.saved_by, store.get_task_version(name, v.version).description)
        for v in store.task_versions(name)
    ]


def test_a_backup_brings_back_each_tasks_version_history(
    store: Store, make_task, tmp_path: Path
) -> None:
    _fill(store, make_task)
    store.save_task(
        store.get_task("a").task.model_copy(update={"description": "v3"}), expected_version=2
    )
    before = _history(store, "a")
    assert [version for version, _, _ in before] == [3, 2, 1]
    backup = store.export_all()
    assert [v["version"] for v in backup["tasks"][0]["history"]] == [1, 2, 3]
    report = store.import_all(backup, replace=True)
    assert report.versions == 4
    # Replacing in place puts each task above the versions its name had (an editor left open
    # must not save over it): the kept versions are all there below it.
    assert _history(store, "a") == [(4, None, "v3"), *before]
    assert _history(store, "b") == [(2, None, ""), (1, None, "")]
    restored = store.restore_task_version("a", 1, expected_version=4, user="dave")
    assert (restored.version, restored.task.description) == (5, "ünïcode ✓")
    # Into another database the versions are exactly those exported (history included).
    with Store.open(f"sqlite:///{tmp_path / 'copy.db'}") as other:
        other.import_all(backup)
        assert _history(other, "a") == before
        assert _without_time(other.export_all()) == _without_time(backup)


def test_a_backup_without_history_still_loads(store: Store, make_task) -> None:
    # Backups written before the history was exported have no "history" key.
    _fill(store, make_task)
    backup = store.export_all()
    for item in backup["tasks"]:
        del item["history"]
    assert store.import_all(backup, replace=True).versions == 0
    assert [(v.version, v.current) for v in store.task_versions("a")] == [(3, True)]
    edited = store.get_task("a").task.model_copy(update={"description": "later"})
    store.save_task(edited, expected_version=3, user="erin")
    assert [(v.version, v.saved_by) for v in store.task_versions("a")] == [(4, "erin"), (3, "bob")]
    assert [v["version"] for v in store.export_all()["tasks"][0]["history"]] == [3, 4]


def test_colliding_names_stop_the_import(store: Store, make_task) -> None:
    _fill(store, make_task)
    backup = store.export_all()
    store.save_task(make_task("c"), expected_version=None)
    before = store.export_all()
    with pytest.raises(NameTaken, match=r"task 'a'.*nothing was imported"):
        store.import_all(backup)
    assert _without_time(store.export_all()) == _without_time(before)
    report = store.import_all(backup, replace=True)
    assert report.replaced and store.task_names() == ["a", "b"]


def _broken(backup: dict[str, Any], change) -> dict[str, Any]:
    data = copy.deepcopy(backup)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="other"), "not a configlib backup"),
        (lambda d: d.update(format_version=7), "format version 7"),
        (lambda d: d["tasks"][0]["task"].update(base_runtime="tgi"), r"tasks\[0\]"),
        (lambda d: d["tasks"][1]["task"].update(task_name="a"), "second task is named 'a'"),
        (lambda d: d["tasks"][0].update(version=0), r"tasks\[0\]\.version"),
        (lambda d: d["tasks"][0].update(created_at="yesterday"), "ISO timestamp"),
        (lambda d: d["presets"][0]["preset"].update(parameters={"tp-size": []}), r"presets\[0\]"),
        (lambda d: d["results"][0].update(task="ghost"), "'ghost' is not a task"),
        (lambda d: d["results"][0]["result"]["metrics"].update(x="fast"), r"results\[0\]"),
        (lambda d: d.update(tasks="all of them"), "expected a list"),
        (lambda d: d["tasks"][0]["history"][0].update(version=9), "above the task's version 2"),
        (lambda d: d["tasks"][0]["history"][1].update(version=1), "a second entry is version 1"),
        (lambda d: d["tasks"][0]["history"][0].update(task="x"), r"history\[0\]\.task"),
        (lambda d: d["tasks"][0]["history"][0].update(saved_at="now"), "ISO timestamp"),
        (lambda d: d["tasks"][0]["history"][0]["task"].update(x="\x00"), "NUL"),
        (lambda d: d["tasks"][0].update(history={}), r"tasks\[0\]\.history: expected a list"),
    ],
)
def test_a_bad_backup_is_refused_and_changes_nothing(
    store: Store, make_task, change, message: str
) -> None:
    _fill(store, make_task)
    backup = store.export_all()
    store.import_all(backup, replace=True)
    before = store.export_all()
    with pytest.raises(InvalidData, match=message):
        store.import_all(_broken(backup, change), replace=True)
    assert _without_time(store.export_all()) == _without_time(before)


def test_results_are_replaced_per_source_file_and_kept_per_task(store: Store, make_task) -> None:
    _fill(store, make_task)
    source = str(DATA / "autotuner-results/docker-simple-tune_results.json")
    again = read_results(source).records
    assert store.add_results("a", again) == 4
    assert len(store.list_results("a")) == 4
    assert store.add_results("a", again, replace_source=False) == 4
    assert len(store.list_results("a")) == 8
    assert store.delete_results("a", source_file=source) == 8
    assert len(store.list_results("b")) == 1
    assert store.delete_results("b") == 1
    with pytest.raises(NotFound):
        store.add_results("ghost", again)
    stored = store.list_results("b")
    assert stored == []


def test_the_command_line_round_trip(
    db_url: str, store: Store, make_task, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(store, make_task)
    target = tmp_path / "backup.json"
    assert main(["db", "export", str(target), "--url", db_url]) == 0
    assert main(["db", "import", str(target), "--url", db_url]) == 2
    assert "already stored" in capsys.readouterr().err
    assert main(["db", "import", str(target), "--url", db_url, "--replace"]) == 0
    assert "imported 2 tasks, 5 presets and 5 results" in capsys.readouterr().out
    target.write_text("{not json")
    assert main(["db", "import", str(target), "--url", db_url]) == 2
    assert "invalid JSON" in capsys.readouterr().err
    assert main(["db", "upgrade", "--url", db_url]) == 0
    assert "already at the newest schema" in capsys.readouterr().out
