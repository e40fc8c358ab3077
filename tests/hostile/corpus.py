"""A corpus of hostile inputs, generated, and the entry points they go through.

Each ``Case`` is one input written to a file (or built as an SQLite database) and the entry
points it is fed to: the CLI's ``validate``, ``convert``, ``params``, ``db import`` and
``db import-autotuner``, and the app's task-upload and results-upload functions (called
directly with a stand-in for Streamlit's widgets). ``run_case`` runs one case through one
entry point in a forked child and reports its wall time, peak RSS and any traceback.

Used by tests/hostile/test_hostile.py and bench/bench_hostile.py.
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import os
import resource
import shutil
import sqlite3
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "qwen3-32b-h200-sglang.json"

#: Most characters of output kept per run.
MESSAGE_CHARS = 20_000
TASK_ENTRIES = ("validate", "convert", "params", "app-task-upload")
RESULTS_ENTRIES = ("app-results-upload",)
BACKUP_ENTRIES = ("db-import",)
AUTOTUNER_ENTRIES = ("db-import-autotuner",)


@dataclass(frozen=True)
class Case:
    """One hostile input: a file name, how to write it, and where it goes."""

    name: str
    filename: str
    write: Callable[[Path], None]
    entries: tuple[str, ...]


@dataclass
class Outcome:
    """What one case did in one entry point."""

    case: str
    entry: str
    seconds: float
    peak_rss_mb: float
    exit: str
    """exit code or app message kind, e.g. '2', 'error'."""
    message: str
    traceback: str | None = None
    timed_out: bool = False


# ---- Building inputs ---------------------------------------------------------------------------


def example_task() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text())
    return data


def _text(text: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(text, encoding="utf-8")


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _json(build: Callable[[], Any]) -> Callable[[Path], None]:
    return lambda path: path.write_text(json.dumps(build()), encoding="utf-8")


def _task(**changes: Any) -> Callable[[], dict[str, Any]]:
    """The example task with top-level keys replaced (None deletes) or sections merged."""

    def build() -> dict[str, Any]:
        data = example_task()
        for key, value in changes.items():
            if value is None:
                data.pop(key, None)
            elif isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        return data

    return build


def _nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


def _raw_task(replace: str, by: str) -> Callable[[Path], None]:
    """The example task's JSON text with one piece replaced by raw text (numbers JSON cannot
    dump, huge literals)."""
    return _text(EXAMPLE.read_text().replace(replace, by, 1))


def _yaml_task(extra: str) -> Callable[[Path], None]:
    base = "task_name: hostile\nmodel: {id_or_path: Qwen/Qwen3-32B}\nbase_runtime: sglang\n"
    return _text(base + extra)


def task_cases() -> list[Case]:
    """Task documents through validate, convert, params and the app's task upload."""
    t = TASK_ENTRIES
    big = 65_000
    cases = [
        ("tp-65000-values", _json(_task(parallel_config={"tp": list(range(1, big + 1))}))),
        (
            "floats-200000",
            _json(
                _task(
                    memory_config={"mem_fraction_static": [i / 200_001 for i in range(1, 200_001)]}
                )
            ),
        ),
        ("flags-100000", _json(_task(parameters={f"flag-{i}": [1] for i in range(100_000)}))),
        (
            "flag-1000000-values",
            _json(_task(parameters={"chunked-prefill-size": list(range(1_000_000))})),
        ),
        (
            "flag-1000000-values-compact-yaml",
            _yaml_task("parameters:\n  chunked-prefill-size: [" + "1," * 999_999 + "1]\n"),
        ),
        (
            "choice-65000-values",
            _json(
                _task(
                    parameters={
                        "max-running-requests": {"type": "choice", "values": list(range(big))}
                    }
                )
            ),
        ),
        ("tp-5000-digits-json", _raw_task('"tp": [2, 4]', '"tp": ' + "9" * 5000)),
        ("tp-5000-digits-yaml", _yaml_task("parallel_config: {tp: " + "9" * 5000 + "}\n")),
        (
            "flag-5000-digits",
            _raw_task('"enable-mixed-chunk": [true]', '"tp-size": [' + "7" * 5000 + "]"),
        ),
        ("tp-superscript-yaml", _yaml_task("parallel_config: {tp: ²}\n")),
        (
            "flag-superscript-yaml",
            _yaml_task('parameters: {tp-size: ["²"], max-running-requests: ["³²"]}\n'),
        ),
        (
            "flag-fullwidth-digits-yaml",
            _yaml_task('parameters: {tp-size: ["４"], mem-fraction-static: ["０.９"]}\n'),
        ),
        ("flag-arabic-indic-digits-yaml", _yaml_task('parameters: {tp-size: ["٤"]}\n')),
        (
            "flag-beyond-64-bits",
            _raw_task('"enable-mixed-chunk": [true]', f'"max-running-requests": [{2**70}]'),
        ),
        (
            "concurrency-beyond-64-bits",
            _raw_task('"num_concurrency": [8, 32, 64]', f'"num_concurrency": [{2**70}]'),
        ),
        (
            "max-iterations-beyond-64-bits",
            _raw_task('"max_iterations": 8', f'"max_iterations": {2**80}'),
        ),
        ("flag-nan", _raw_task('"enable-mixed-chunk": [true]', '"mem-fraction-static": [NaN]')),
        (
            "flag-infinity",
            _raw_task(
                '"enable-mixed-chunk": [true]', '"mem-fraction-static": [Infinity, -Infinity]'
            ),
        ),
        ("flag-1e400", _raw_task('"enable-mixed-chunk": [true]', '"mem-fraction-static": [1e400]')),
        (
            "flag-string-1e400-yaml",
            _yaml_task('parameters: {mem-fraction-static: ["1e400", "nan", "inf"]}\n'),
        ),
        (
            "fraction-1e400",
            _raw_task('"mem_fraction_static": [0.85, 0.9]', '"mem_fraction_static": 1e400'),
        ),
        (
            "timeout-yaml-inf",
            _yaml_task("optimization: {timeout_per_iteration: .inf, max_iterations: .nan}\n"),
        ),
        (
            "range-low-1e400",
            _raw_task(
                '"enable-mixed-chunk": [true]',
                '"chunked-prefill-size": {"type": "integer", "low": -1e400, "high": 1e400}',
            ),
        ),
        (
            "nested-json-100000",
            _raw_task(
                '"additional_params": {"temperature": 0.0}',
                '"additional_params": {"x": ' + _nested(100_000) + "}",
            ),
        ),
        (
            "nested-json-1000",
            _raw_task(
                '"additional_params": {"temperature": 0.0}',
                '"additional_params": {"x": ' + _nested(1000) + "}",
            ),
        ),
        ("nested-yaml-10000", _yaml_task("autotuner_fields: {x: " + _nested(10_000) + "}\n")),
        (
            "yaml-alias-bomb",
            _yaml_task(
                "a: &a [x,x,x,x,x,x,x,x,x,x]\n"
                + "".join(
                    f"{c}: &{c} [{','.join(['*' + p] * 10)}]\n"
                    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
                )
                + "autotuner_fields: {bomb: *i}\n"
            ),
        ),
        ("task-name-1mb", _json(_task(task_name="n" * 1_000_000))),
        ("description-3mb", _json(_task(description="d" * 3_000_000))),
        ("flag-name-1mb", _json(_task(parameters={"x" * 1_000_000: [1]}))),
        ("flag-value-1mb", _json(_task(parameters={"served-model-name": ["v" * 1_000_000]}))),
        (
            "model-id-markdown",
            _json(
                _task(
                    model={
                        "id_or_path": "[x](http://e.invalid/) ![i](http://e.invalid/p.png) **b**"
                    }
                )
            ),
        ),
        ("model-id-option", _json(_task(model={"id_or_path": "--trust-remote-code"}))),
        ("engine-version-path", _json(_task(engine_version="../../../../etc/passwd"))),
        ("engine-version-5000-digits", _json(_task(engine_version="9" * 5000))),
        ("engine-version-fullwidth", _json(_task(engine_version="０.５.２"))),
        ("image-tag-5000-digits", _json(_task(runtime_image_tag="v" + "9" * 5000 + "-cu129"))),
        ("gpu-type-garbage", _json(_task(system_config={"gpu_type": "g" * 9000, "total_gpus": 8}))),
        (
            "scenarios-1000-long",
            _json(
                _task(
                    benchmark={
                        **example_task()["benchmark"],
                        "traffic_scenarios": ["D(" + "9" * 4000 + ",1)"] * 1000,
                    }
                )
            ),
        ),
        (
            "scenario-superscript",
            _json(
                _task(
                    benchmark={
                        **example_task()["benchmark"],
                        "traffic_scenarios": ["D(²,5)", "N(٤,1)/(1,1)"],
                    }
                )
            ),
        ),
        (
            "grid-100-flags-x-900",
            _json(_task(parameters={f"flag-{i}": list(range(900)) for i in range(100)})),
        ),
        (
            "rule-1000x1000x1000",
            _json(
                _task(
                    parallel_config={
                        "tp": list(range(1, 1001)),
                        "dp": list(range(1, 1001)),
                        "pp": list(range(1, 1001)),
                    }
                )
            ),
        ),
        (
            "in-limit-tp-1000-dp-1000",
            _json(_task(parallel_config={"tp": list(range(1, 1001)), "dp": list(range(1, 1001))})),
        ),
        (
            "in-limit-1000-unknown-flags",
            _json(_task(parameters={f"mem-fraction-statik-{i}": [0.5] for i in range(999)})),
        ),
        (
            "in-limit-3-flags-x-1000",
            _json(
                _task(
                    parameters={
                        "chunked-prefill-size": list(range(1000)),
                        "max-running-requests": list(range(1, 1001)),
                        "cuda-graph-max-bs": list(range(1, 1001)),
                    },
                    optimization={"max_iterations": 10**6},
                )
            ),
        ),
        (
            "autotuner-fields-100000-keys",
            _json(_task(autotuner_fields={f"k{i}": i for i in range(100_000)})),
        ),
        (
            "duplicate-keys-100000",
            _text(
                '{"task_name": "x", '
                + '"base_runtime": "sglang", ' * 100_000
                + '"model": {"id_or_path": "m"}}'
            ),
        ),
        ("not-a-mapping", _text("[1, 2, 3]")),
        ("a-string", _text('"task"')),
        ("null", _text("null")),
        ("empty", _text("")),
        ("binary", _bytes(b"\x00\x01\x02" * 1000)),
        ("not-utf8", _bytes(b'{"task_name": "\xff\xfe"}')),
        ("file-8mb", _text('{"task_name": "' + "x" * 8_000_000 + '"}')),
    ]
    out = []
    for name, write in cases:
        filename = f"{name}.yaml" if "yaml" in name else f"{name}.json"
        out.append(Case(name, filename, write, t))
    return out


def _results(entries: list[Any]) -> Callable[[], dict[str, Any]]:
    return lambda: {"task_name": "r", "all_results": entries}


def _experiment(**changes: Any) -> dict[str, Any]:
    run = {
        "scenario": "D(100,100)",
        "num_concurrency": 4,
        "run_duration": 30.0,
        "mean_output_throughput_tokens_per_s": 500.0,
        "stats": {"ttft": {"mean": 0.1}, "tpot": {"mean": 0.01}},
    }
    experiment: dict[str, Any] = {
        "experiment_id": 1,
        "status": "success",
        "parameters": {"tp-size": 2},
        "metrics": {"raw_results": [run]},
    }
    for key, value in changes.items():
        if key.startswith("run_"):
            run[key[4:]] = value
        else:
            experiment[key] = value
    return experiment


def results_cases() -> list[Case]:
    """Results files through the app's results upload."""
    r = RESULTS_ENTRIES
    raw = json.dumps(_results([_experiment()])())
    cases = [
        ("results-nan-metric", _text(raw.replace("500.0", "NaN"))),
        ("results-1e400-metric", _text(raw.replace("500.0", "1e400"))),
        ("results-negative-throughput", _text(raw.replace("500.0", "-5"))),
        ("results-zero-duration", _json(_results([_experiment(run_run_duration=0)]))),
        ("results-negative-concurrency", _json(_results([_experiment(run_num_concurrency=-3)]))),
        (
            "results-concurrency-beyond-64-bits",
            _json(_results([_experiment(run_num_concurrency=2**70)])),
        ),
        (
            "results-concurrency-superscript",
            _json(_results([_experiment(run_num_concurrency="²")])),
        ),
        (
            "results-experiment-id-beyond-64-bits",
            _json(_results([_experiment(experiment_id=2**70)])),
        ),
        (
            "results-experiment-id-5000-digits",
            _text(raw.replace('"experiment_id": 1', '"experiment_id": ' + "9" * 5000)),
        ),
        ("results-all-null", _json(_results([None, None, None]))),
        ("results-empty-list", _json(_results([]))),
        ("results-nested-100000", _text('{"all_results": ' + _nested(100_000) + "}")),
        (
            "results-nested-2000-parameters",
            _text(raw.replace('{"tp-size": 2}', '{"x": ' + _nested(2000) + "}")),
        ),
        (
            "results-100000-experiments",
            _json(_results([_experiment(experiment_id=i) for i in range(1, 100_001)])),
        ),
        ("results-scenario-1mb", _json(_results([_experiment(run_scenario="D" * 1_000_000)]))),
        ("results-not-an-object", _text("[]")),
        ("results-binary", _bytes(b"\x00" * 100)),
    ]
    return [Case(name, f"{name}.json", write, r) for name, write in cases]


def _backup(tasks: list[Any], results: list[Any] | None = None) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        from configlib.store.backup import BACKUP_FORMAT, BACKUP_VERSION
        from configlib.store.migrate import head_revision

        return {
            "format": BACKUP_FORMAT,
            "format_version": BACKUP_VERSION,
            "schema_revision": head_revision(),
            "tasks": tasks,
            "presets": [],
            "results": results or [],
        }

    return build


def _backup_task(**bookkeeping: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "task": example_task(),
        "version": 1,
        "created_at": "2026-01-01T00:00:00+00:00",
        "updated_at": "2026-01-01T00:00:00+00:00",
    }
    item.update(bookkeeping)
    return item


def backup_cases() -> list[Case]:
    """Backups through ``configlib db import``."""
    b = BACKUP_ENTRIES
    result = {"parameters": {}, "metrics": {"ttft_ms": 1.0}, "source_format": "genai-bench"}
    owner = example_task()["task_name"]
    cases = [
        (
            "backup-date-year-1",
            _json(_backup([_backup_task(created_at="0001-01-01T00:00:00+14:00")])),
        ),
        (
            "backup-date-year-9999",
            _json(_backup([_backup_task(updated_at="9999-12-31T23:59:59-14:00")])),
        ),
        ("backup-version-beyond-64-bits", _json(_backup([_backup_task(version=2**70)]))),
        (
            "backup-result-experiment-id-beyond-64-bits",
            _json(
                _backup(
                    [_backup_task()],
                    [
                        {
                            "task": owner,
                            "result": {**result, "experiment_id": 2**70},
                            "imported_at": "2026-01-01T00:00:00+00:00",
                        }
                    ],
                )
            ),
        ),
        (
            "backup-result-concurrency-beyond-64-bits",
            _json(
                _backup(
                    [_backup_task()],
                    [
                        {
                            "task": owner,
                            "result": {**result, "concurrency": 2**70},
                            "imported_at": "2026-01-01T00:00:00+00:00",
                        }
                    ],
                )
            ),
        ),
        (
            "backup-task-tp-65000",
            _json(
                _backup(
                    [_backup_task(task=_task(parallel_config={"tp": list(range(1, 65_001))})())]
                )
            ),
        ),
        ("backup-nested-100000", _text('{"format": "x", "tasks": ' + _nested(100_000) + "}")),
        ("backup-5000-digits", _text('{"format": "x", "n": ' + "9" * 5000 + "}")),
    ]
    return [Case(name, f"{name}.json", write, b) for name, write in cases]


_AUTOTUNER_DDL = """
CREATE TABLE tasks (id INTEGER PRIMARY KEY, task_name VARCHAR, description VARCHAR,
  status VARCHAR, model_config JSON, base_runtime VARCHAR, runtime_image_tag VARCHAR,
  parameters JSON, optimization_config JSON, benchmark_config JSON, slo_config JSON,
  deployment_mode VARCHAR, created_at DATETIME);
CREATE TABLE experiments (id INTEGER PRIMARY KEY, task_id INTEGER, experiment_id INTEGER,
  parameters JSON, status VARCHAR, error_message VARCHAR, metrics JSON, objective_score FLOAT,
  gpu_info JSON);
"""


def _autotuner_db(
    parameters: str = '{"tp-size": [1, 2]}', metrics: str = '{"mean_ttft": 0.1}', **row: Any
) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        connection = sqlite3.connect(path)
        connection.executescript(_AUTOTUNER_DDL)
        connection.execute(
            "INSERT INTO tasks VALUES (1, ?, '', 'completed', ?, 'sglang', NULL, ?, ?, ?, NULL, "
            "'docker', NULL)",
            (
                row.get("task_name", "imported"),
                '{"id_or_path": "Qwen/Qwen3-32B"}',
                parameters,
                '{"strategy": "grid_search"}',
                '{"traffic_scenarios": ["D(100,100)"], "num_concurrency": [1]}',
            ),
        )
        connection.execute(
            "INSERT INTO experiments VALUES (1, 1, ?, '{}', 'success', NULL, ?, NULL, ?)",
            (row.get("experiment_id", 1), metrics, row.get("gpu_info", "{}")),
        )
        connection.commit()
        connection.close()

    return write


def autotuner_cases() -> list[Case]:
    """Autotuner databases through ``configlib db import-autotuner``."""
    a = AUTOTUNER_ENTRIES
    cases = [
        (
            "autotuner-nested-json-100000",
            _autotuner_db(parameters='{"x": ' + _nested(100_000) + "}"),
        ),
        ("autotuner-nested-json-5000", _autotuner_db(parameters='{"x": ' + _nested(5000) + "}")),
        ("autotuner-nested-metrics", _autotuner_db(metrics=_nested(100_000))),
        ("autotuner-5000-digits", _autotuner_db(parameters='{"tp-size": [' + "9" * 5000 + "]}")),
        ("autotuner-nan-metrics", _autotuner_db(metrics='{"mean_ttft": NaN, "mean_tpot": 1e400}')),
        ("autotuner-experiment-id-text", _autotuner_db(experiment_id="9" * 40)),
        (
            "autotuner-gpu-count-beyond-64-bits",
            _autotuner_db(gpu_info=json.dumps({"count": 2**70})),
        ),
        (
            "autotuner-tp-65000",
            _autotuner_db(parameters=json.dumps({"tp-size": list(range(65_000))})),
        ),
        (
            "autotuner-flags-100000",
            _autotuner_db(parameters=json.dumps({f"f{i}": [1] for i in range(100_000)})),
        ),
        ("autotuner-not-sqlite", _bytes(b"SQLite format 3\x00" + b"\xff" * 4096)),
    ]
    return [Case(name, f"{name}.db", write, a) for name, write in cases]


def all_cases() -> list[Case]:
    return [*task_cases(), *results_cases(), *backup_cases(), *autotuner_cases()]


def count() -> int:
    """Inputs times the entry points each goes through."""
    return sum(len(case.entries) for case in all_cases())


# ---- Running a case ----------------------------------------------------------------------------


class _Upload:
    """What st.file_uploader returns: a name and the bytes."""

    def __init__(self, path: Path) -> None:
        self.name = path.name
        self._data = path.read_bytes()

    def getvalue(self) -> bytes:
        return self._data


class _Streamlit:
    """Just enough of ``streamlit`` for the upload functions, recording what they show."""

    def __init__(self, upload: _Upload) -> None:
        self.upload = upload
        self.session_state: dict[str, Any] = {}
        self.shown: list[tuple[str, str]] = []

    def file_uploader(self, *args: Any, accept_multiple_files: bool = False, **kw: Any) -> Any:
        return [self.upload] if accept_multiple_files else self.upload

    def selectbox(self, label: str, options: Any, *args: Any, **kw: Any) -> Any:
        return next(iter(options))

    def _say(self, kind: str) -> Callable[..., None]:
        return lambda text="", *a, **k: self.shown.append((kind, str(text)))

    def __getattr__(self, name: str) -> Any:
        if name in {"success", "error", "warning", "info", "caption", "markdown", "write"}:
            return self._say(name)
        if name == "rerun":
            return lambda *a, **k: None
        raise AttributeError(name)


def _run_entry(entry: str, path: Path, workdir: Path) -> tuple[str, str]:
    """Feed one file to one entry point; returns (exit, message). Exceptions propagate."""
    from configlib.cli import main

    url = f"sqlite:///{workdir / 'store.db'}"
    out, err = io.StringIO(), io.StringIO()
    argv = {
        "validate": ["validate", str(path)],
        "convert": ["convert", str(path), "--to", "structured"],
        "params": ["params", str(path), "--format", "args", "--limit", "20"],
        "db-import": ["db", "import", str(path), "--url", url],
        "db-import-autotuner": ["db", "import-autotuner", str(path), "--url", url],
    }.get(entry)
    if argv is not None:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 2
        return str(code), (out.getvalue()[:MESSAGE_CHARS] + err.getvalue()[:MESSAGE_CHARS]).strip()
    return _run_app(entry, path, url)


def _run_app(entry: str, path: Path, url: str) -> tuple[str, str]:
    from configlib.store import Store
    from configlib.taskfile import parse_task
    from views.parts import measuring, tasklist

    fake = _Streamlit(_Upload(path))
    flashes: list[tuple[str, str]] = []
    with Store.open(url) as store:
        if entry == "app-task-upload":
            tasklist.st = fake  # type: ignore[attr-defined]
            tasklist.upload_tasks(store)
        elif entry == "app-results-upload":
            task, _ = parse_task(example_task())
            store.save_task(task, expected_version=None)
            measuring.st = fake  # type: ignore[attr-defined]
            measuring.set_flash = lambda kind, text: flashes.append((kind, text))  # type: ignore[attr-defined]
            measuring.upload_results(store, [task.task_name])
        else:
            raise ValueError(f"unknown entry point {entry}")
    shown = fake.shown + flashes
    kind = shown[-1][0] if shown else "nothing"
    return kind, "; ".join(text for _, text in shown)[:MESSAGE_CHARS]


def _child(entry: str, path: str, workdir: str, queue: Any) -> None:
    start = time.perf_counter()
    trace = None
    try:
        code, message = _run_entry(entry, Path(path), Path(workdir))
    except BaseException:
        code, message, trace = "traceback", "", traceback.format_exc()[-3000:]
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((seconds, peak, code, message, trace))


_CASES: dict[str, Case] = {}


def _load_cases() -> None:
    _CASES.update((case.name, case) for case in all_cases())


def register(case: Case) -> None:
    """Add a case in the process that writes the cases (see ``Corpus.add``)."""
    _CASES[case.name] = case


def _index() -> list[tuple[str, str, tuple[str, ...]]]:
    return [(case.name, case.filename, case.entries) for case in _CASES.values()]


def _write(name: str, path: str) -> None:
    _CASES[name].write(Path(path))


class Corpus:
    """The cases, built in a helper process of their own (this one stays small, so the forked
    children that run the entry points start from a small process and measure their own peak),
    and the runner."""

    def __enter__(self) -> Corpus:
        context = multiprocessing.get_context("fork")
        self._context = context
        self._pool = context.Pool(1, initializer=_load_cases)
        self.cases: list[tuple[str, str, tuple[str, ...]]] = self._pool.apply(_index)
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.terminate()
        self._pool.join()

    def add(self, registrar: Callable[[], None], entry: tuple[str, str, tuple[str, ...]]) -> None:
        """One more case: ``registrar`` (a module-level function) calls ``register`` in the
        writer process; ``entry`` is its (name, filename, entry points)."""
        self._pool.apply(registrar)
        self.cases.append(entry)

    def runs(self) -> list[tuple[str, str]]:
        """Every (case, entry point) pair."""
        return [(name, entry) for name, _, entries in self.cases for entry in entries]

    def run(self, name: str, entry: str, folder: Path, *, timeout: float = 60.0) -> Outcome:
        """One case through one entry point in a forked child (its own peak RSS and clock)."""
        filename = next(f for n, f, _ in self.cases if n == name)
        workdir = Path(tempfile.mkdtemp(dir=folder))
        path = workdir / filename
        self._pool.apply(_write, (name, str(path)))
        queue = self._context.Queue()
        process = self._context.Process(target=_child, args=(entry, str(path), str(workdir), queue))
        process.start()
        try:
            seconds, peak, code, message, trace = queue.get(timeout=timeout)
        except Exception:
            process.kill()
            process.join()
            shutil.rmtree(workdir, ignore_errors=True)
            return Outcome(name, entry, timeout, 0.0, "killed", "", None, timed_out=True)
        process.join()
        shutil.rmtree(workdir, ignore_errors=True)
        return Outcome(name, entry, seconds, peak, code, message, trace)

    def run_all(self, folder: Path, *, timeout: float = 60.0) -> Iterator[Outcome]:
        for name, entry in self.runs():
            yield self.run(name, entry, folder, timeout=timeout)


def warm_up() -> None:
    """Import what the entry points use, so forked children start warm, as a running CLI or app
    server would be (their peak RSS includes these modules)."""
    os.environ.setdefault("CONFIGLIB_DATA_DIR", tempfile.mkdtemp())
    from configlib.cli import build_parser

    build_parser()  # imports the feature modules (aiconfigurator, store)
    import views.parts.measuring
    import views.parts.tasklist  # noqa: F401
