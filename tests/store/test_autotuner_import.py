"""Importing an inference-autotuner SQLite database, built here from the DDL its SQLAlchemy
models emit (DOMAIN.md 4.1) and filled with the autotuner's own example tasks and seeds."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from configlib.cli import main
from configlib.io import InputError
from configlib.store import Store

DATA = Path(__file__).parent.parent / "data"

TASKS_DDL = """
CREATE TABLE tasks (
    id INTEGER NOT NULL,
    task_name VARCHAR NOT NULL,
    description VARCHAR,
    status VARCHAR(9),
    model_config JSON NOT NULL,
    base_runtime VARCHAR NOT NULL,
    runtime_image_tag VARCHAR,
    parameters JSON NOT NULL,
    optimization_config JSON NOT NULL,
    benchmark_config JSON NOT NULL,
    slo_config JSON,
    quant_config JSON,
    parallel_config JSON,
    clusterbasemodel_config JSON,
    clusterservingruntime_config JSON,
    created_clusterbasemodel VARCHAR,
    created_clusterservingruntime VARCHAR,
    deployment_mode VARCHAR,
    metadata JSON,
    total_experiments INTEGER,
    successful_experiments INTEGER,
    best_experiment_id INTEGER,
    created_at DATETIME,
    started_at DATETIME,
    completed_at DATETIME,
    elapsed_time FLOAT,
    PRIMARY KEY (id),
    FOREIGN KEY(best_experiment_id) REFERENCES experiments (id)
);
CREATE UNIQUE INDEX ix_tasks_task_name ON tasks (task_name);
CREATE INDEX ix_tasks_status ON tasks (status);
CREATE TABLE experiments (
    id INTEGER NOT NULL,
    task_id INTEGER NOT NULL,
    experiment_id INTEGER NOT NULL,
    parameters JSON NOT NULL,
    status VARCHAR(12),
    error_message VARCHAR,
    metrics JSON,
    objective_score FLOAT,
    gpu_info JSON,
    service_name VARCHAR,
    service_url VARCHAR,
    created_at DATETIME,
    started_at DATETIME,
    completed_at DATETIME,
    elapsed_time FLOAT,
    PRIMARY KEY (id),
    FOREIGN KEY(task_id) REFERENCES tasks (id)
);
CREATE INDEX ix_experiments_task_id ON experiments (task_id);
"""

PRESETS_DDL = """
CREATE TABLE parameter_presets (
    id INTEGER NOT NULL,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    category VARCHAR(100),
    {runtime}
    is_system BOOLEAN,
    parameters JSON NOT NULL,
    metadata JSON,
    created_at DATETIME DEFAULT (CURRENT_TIMESTAMP),
    updated_at DATETIME DEFAULT (CURRENT_TIMESTAMP),
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ix_parameter_presets_name ON parameter_presets (name);
"""

EXAMPLES = [
    "docker_task.json",
    "docker_task_advanced.json",
    "docker_task_with_slo.json",
    "parallel_config_test.json",
    "quant_custom_task.json",
    "simple_task.json",
]


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _mode(task: dict[str, Any]) -> str:
    """The mode the autotuner's API would have stored: docker unless the task is an OME one."""
    if task.get("deployment_mode"):
        return str(task["deployment_mode"])
    return "docker" if task["base_runtime"] in {"sglang", "vllm"} else "ome"


def build_autotuner_db(path: Path, *, runtime_column: bool = True) -> Path:
    """An autotuner database holding its example tasks, the run of docker_task.json, its four
    seed presets and two user presets."""
    connection = sqlite3.connect(path)
    connection.executescript(TASKS_DDL)
    connection.executescript(
        PRESETS_DDL.format(runtime="runtime VARCHAR(50)," if runtime_column else "")
    )
    for number, name in enumerate(EXAMPLES, start=1):
        task = json.loads((DATA / "autotuner" / "examples" / name).read_text())
        connection.execute(
            "INSERT INTO tasks (id, task_name, description, status, model_config, base_runtime,"
            " runtime_image_tag, parameters, optimization_config, benchmark_config, slo_config,"
            " quant_config, parallel_config, deployment_mode, metadata, created_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                number,
                task["task_name"],
                task.get("description"),
                "COMPLETED",
                _json(task["model"]),
                task["base_runtime"],
                task.get("runtime_image_tag"),
                _json(task["parameters"]),
                _json(task["optimization"]),
                _json(task["benchmark"]),
                _json(task.get("slo")),
                _json(task.get("quant_config")),
                _json(task.get("parallel_config")),
                _mode(task),
                _json({"checkpoint": {"iteration": 2}}),
                "2025-10-24 10:00:00",
            ),
        )
    run = json.loads((DATA / "autotuner-results" / "docker-simple-tune_results.json").read_text())
    for row_id, experiment in enumerate(run["all_results"], start=1):
        connection.execute(
            "INSERT INTO experiments (id, task_id, experiment_id, parameters, status, metrics,"
            " objective_score, gpu_info) VALUES (?,?,?,?,?,?,?,?)",
            (
                row_id,
                1,
                experiment["experiment_id"],
                _json(experiment["parameters"]),
                "SUCCESS",
                _json(experiment["metrics"]),
                experiment["objective_score"],
                _json({"model": "H100", "count": 1, "device_ids": [0], "world_size": 1}),
            ),
        )
    connection.execute(
        "INSERT INTO experiments (id, task_id, experiment_id, parameters, status, error_message)"
        " VALUES (3, 1, 3, ?, 'FAILED', 'CUDA out of memory')",
        (_json({"tp-size": 1, "mem-fraction-static": 0.95}),),
    )
    connection.execute(
        "INSERT INTO experiments (id, task_id, experiment_id, parameters, status)"
        " VALUES (4, 1, 4, '{}', 'DEPLOYING')"
    )
    presets = [
        (item["preset"], True)
        for item in json.loads((DATA / "autotuner-presets" / "seed_presets.json").read_text())
    ]
    presets.append(
        (
            {
                "name": "Big batches",
                "description": "mine",
                "category": "performance",
                "runtime": "sglang",
                "parameters": {
                    "max-running-requests": [128, 256],
                    "tp-size": [2],
                    "enable-mixed-chunking": [True],
                },
                "metadata": {"author": "me"},
            },
            False,
        )
    )
    presets.append(
        (
            {
                "name": "vLLM eager",
                "description": None,
                "category": None,
                "runtime": "vllm",
                "parameters": {"enforce-eager": [True], "tensor-parallel-size": [1, 2]},
                "metadata": None,
            },
            False,
        )
    )
    for number, (preset, system) in enumerate(presets, start=1):
        columns = ["id", "name", "description", "category", "is_system", "parameters", "metadata"]
        values = [
            number,
            preset["name"],
            preset["description"],
            preset["category"],
            system,
            _json(preset["parameters"]),
            _json(preset["metadata"]),
        ]
        if runtime_column:
            columns.append("runtime")
            values.append(preset["runtime"])
        connection.execute(
            f"INSERT INTO parameter_presets ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(values))})",
            values,
        )
    connection.commit()
    connection.close()
    return path


@pytest.fixture
def autotuner_db(tmp_path: Path) -> Path:
    return build_autotuner_db(tmp_path / "autotuner.db")


def test_tasks_are_imported_structured_with_a_report(store: Store, autotuner_db: Path) -> None:
    report = store.import_autotuner(autotuner_db, user="importer")
    assert report.imported_tasks == [
        "docker-simple-tune",
        "docker-advanced-tune",
        "docker-slo-aware-tune",
        "parallel-config-test",
        "custom-quantization",
    ]
    # The OME example's mem_frac is no SGLang flag: refused as on every path into the store.
    ome = report.tasks[-1]
    assert ome.name == "" and "parameters.mem_frac" in ome.skipped
    assert "unknown-flag" in ome.skipped
    first = report.tasks[0]
    assert first.moved == {
        "tp-size": ("parallel_config.tp",),
        "mem-fraction-static": ("memory_config.mem_fraction_static",),
    }
    assert first.kept == []
    stored = store.get_task("docker-simple-tune")
    task = stored.task
    assert task.parallel_config is not None and task.parallel_config.tp == [1]
    assert task.memory_config is not None and task.memory_config.mem_fraction_static == [0.7, 0.8]
    assert task.parameters == {"tp-size": [1], "mem-fraction-static": [0.7, 0.8]}
    source = (task.metadata.model_extra or {})["source"]
    assert source["kind"] == "inference-autotuner" and source["status"] == "completed"
    assert stored.created_by == "importer"
    summary = store.list_tasks(search="docker-simple").items[0]
    assert summary.source == "inference-autotuner"


def test_flags_without_a_field_stay_flags(store: Store, autotuner_db: Path) -> None:
    report = store.import_autotuner(autotuner_db)
    advanced = next(t for t in report.tasks if t.name == "docker-advanced-tune")
    assert set(advanced.moved) == {"tp-size", "mem-fraction-static", "schedule-policy"}
    assert advanced.kept == ["chunked-prefill-size"]  # 4096 and 8192 are sizes, not on/off
    task = store.get_task("docker-advanced-tune").task
    assert task.parameters["chunked-prefill-size"] == [4096, 8192]
    parallel = store.get_task("parallel-config-test").task
    assert parallel.parallel_config is not None
    assert (parallel.parallel_config.tp, parallel.parallel_config.dp) == ([2, 4], [1, 2])


def test_experiments_become_measured_results(store: Store, autotuner_db: Path) -> None:
    report = store.import_autotuner(autotuner_db)
    assert report.tasks[0].results == 5  # 2 runs x 2 experiments + 1 failure
    results = [r.result for r in store.list_results("docker-simple-tune")]
    ok = [r for r in results if r.status == "success"]
    assert [(r.experiment_id, r.concurrency) for r in ok] == [(1, 4), (1, 1), (2, 4), (2, 1)]
    assert all(r.source_format == "autotuner-db" for r in results)
    assert ok[0].context["gpus"] == 1
    assert "output_tokens_per_s_per_gpu" in ok[0].metrics
    failed = [r for r in results if r.status == "failed"]
    assert [(f.experiment_id, f.error_message) for f in failed] == [(3, "CUDA out of memory")]
    assert any(f.code == "not-finished" for f in report.findings)


def test_seeds_are_skipped_and_user_presets_structured(store: Store, autotuner_db: Path) -> None:
    report = store.import_autotuner(autotuner_db)
    assert set(report.presets_skipped) == {
        "Memory Efficient",
        "High Throughput",
        "Low Latency",
        "Balanced",
    }
    assert set(report.presets) == {"Big batches", "vLLM eager"}
    mine = store.get_preset("Big batches").preset
    assert mine.parallel_config is not None and mine.parallel_config.tp == [2]
    assert mine.scheduling_config is not None
    assert mine.scheduling_config.max_num_seqs == [128, 256]
    assert mine.parameters == {"enable-mixed-chunk": [True]}
    assert report.presets["Big batches"].renamed == {"enable-mixed-chunking": "enable-mixed-chunk"}
    eager = store.get_preset("vLLM eager").preset
    assert eager.memory_config is not None and eager.memory_config.enforce_eager == [True]
    assert eager.description == "" and eager.metadata == {}
    assert not store.get_preset("High Throughput").preset.parameters.get("enable-mixed-chunking")


def test_an_older_database_without_the_runtime_column(store: Store, tmp_path: Path) -> None:
    path = build_autotuner_db(tmp_path / "old.db", runtime_column=False)
    report = store.import_autotuner(path)
    assert store.get_preset("Big batches").preset.runtime is None
    assert report.presets["Big batches"].engine.startswith("SGLang")


def test_names_already_stored_are_skipped_or_renamed(store: Store, autotuner_db: Path) -> None:
    store.import_autotuner(autotuner_db)
    again = store.import_autotuner(autotuner_db)
    assert again.imported_tasks == []
    assert all("already stored" in t.skipped for t in again.tasks[:-1])
    renamed = store.import_autotuner(autotuner_db, on_conflict="rename")
    assert renamed.imported_tasks[0] == "docker-simple-tune (2)"
    assert "Big batches (2)" in renamed.presets
    assert len(store.list_results("docker-simple-tune (2)")) == 5


def test_a_broken_row_is_skipped_with_a_reason(store: Store, autotuner_db: Path) -> None:
    connection = sqlite3.connect(autotuner_db)
    connection.execute("UPDATE tasks SET parameters = '{broken' WHERE id = 2")
    connection.execute(
        "UPDATE tasks SET optimization_config = ? WHERE id = 3",
        (json.dumps({"strategy": "annealing"}),),
    )
    connection.commit()
    connection.close()
    report = store.import_autotuner(autotuner_db)
    skipped = {t.source_id: t.skipped for t in report.tasks if t.skipped}
    assert skipped[2] == "a JSON column does not parse"
    assert skipped[3].startswith("does not validate")
    assert len(report.imported_tasks) == 3  # and the OME example, refused for mem_frac


def test_files_that_are_not_autotuner_databases(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        store.import_autotuner(tmp_path / "missing.db")
    text = tmp_path / "text.db"
    text.write_text("hello" * 100)
    with pytest.raises(InputError, match="not an SQLite database"):
        store.import_autotuner(text)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE things (id INTEGER)").connection.close()
    with pytest.raises(InputError, match="not an inference-autotuner database"):
        store.import_autotuner(other)


def test_the_command_line_reports_what_moved(
    db_url: str, autotuner_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "import-autotuner", str(autotuner_db), "--url", db_url]) == 0
    out = capsys.readouterr().out
    assert "task 'docker-advanced-tune': 0 results; moved" in out
    assert "kept as flags: chunked-prefill-size" in out
    assert "preset 'Memory Efficient': skipped" in out
    assert main(["db", "import-autotuner", str(autotuner_db), "--url", db_url, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert all(t["skipped"] for t in data["tasks"])
    assert main(["db", "import-autotuner", "/nonexistent.db", "--url", db_url]) == 2
    assert "no such file" in capsys.readouterr().err
