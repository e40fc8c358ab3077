"""Store benchmark: with 100,000 tasks and 1,000 presets stored, how long the app's calls take.

Measures p50/p95 of: one page of the task list (sorted, filtered by a name substring and a
runtime), getting one task, saving one task, and applying three presets; on SQLite and, when
a server answers, PostgreSQL (a scratch database created and dropped here). Every figure is
printed beside a baseline measured in the same run: a bare ``SELECT 1`` round trip through the
same connection pool and transaction handling.

    python bench/bench_store.py                   # both backends, 100k tasks
    python bench/bench_store.py --tasks 20000 --no-postgres

Filling the database goes straight to the tables (rows prepared by the store's own code from
a few dozen template tasks, then copied with new names); the timed calls use the public
``Store`` API only. The target is p95 < 20 ms for page, get and save on SQLite.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text

from configlib.model import TaskConfig
from configlib.presets import Preset
from configlib.store import Store
from configlib.store.models import PresetRow, TaskRow
from configlib.store.rows import prepare_task, preset_columns

FAMILIES = [
    "llama",
    "qwen",
    "mistral",
    "deepseek",
    "gemma",
    "phi",
    "mixtral",
    "falcon",
    "yi",
    "command-r",
]
SIZES = [1, 3, 7, 8, 14, 32, 70, 72, 405]
SORTS = ["updated_at", "name", "grid_size", "gpus_needed", "model"]
TARGET_MS = 20.0
CHUNK = 5000


def template_tasks(rng: random.Random) -> list[TaskConfig]:
    templates = []
    for i in range(40):
        runtime = "sglang" if i % 2 == 0 else "vllm"
        memory = (
            {"mem_fraction_static": rng.choice([0.8, [0.8, 0.9], [0.7, 0.85, 0.9]])}
            if runtime == "sglang"
            else {"gpu_memory_utilization": rng.choice([0.9, [0.85, 0.95]])}
        )
        data: dict[str, Any] = {
            "task_name": f"template-{i}",
            "model": {"id_or_path": "org/model"},
            "base_runtime": runtime,
            "engine_version": "0.5.2" if runtime == "sglang" else "0.10.2",
            "parallel_config": {
                "tp": rng.choice([1, [1, 2], [2, 4], [4, 8]]),
                "pp": rng.choice([1, 2]),
            },
            "memory_config": memory,
            "scheduling_config": {"max_num_seqs": rng.choice([64, [64, 128, 256]])},
            "parameters": {"trust-remote-code": [True]},
            "benchmark": {"traffic_scenarios": ["D(1024,256)"], "num_concurrency": [1, 8, 32]},
            "metadata": {"aiconfigurator_predictions": {"ttft_ms": 50.0 + i, "tpot_ms": 9.5}},
        }
        if i % 5 == 4:  # some flat tasks, as imported from the autotuner
            flat = {
                "tp-size" if runtime == "sglang" else "tensor-parallel-size": [1, 2],
                "trust-remote-code": [True],
            }
            data = {
                k: v
                for k, v in data.items()
                if k not in {"parallel_config", "memory_config", "scheduling_config"}
            }
            data["parameters"] = flat
        templates.append(TaskConfig.model_validate(data))
    return templates


def fill(store: Store, tasks: int, presets: int, seed: int) -> list[str]:
    """Store ``tasks`` tasks and ``presets`` presets; returns the task names."""
    rng = random.Random(seed)
    prepared = [prepare_task(t) for t in template_tasks(rng)]
    start = datetime.now(UTC) - timedelta(days=365)
    names = []
    rows = []
    for i in range(tasks):
        template = prepared[i % len(prepared)]
        family, size = rng.choice(FAMILIES), rng.choice(SIZES)
        name = f"{family}-{size}b-{rng.choice(['tune', 'sweep', 'latency', 'tput'])}-{i:06d}"
        model = f"{rng.choice(['meta', 'org', 'lab'])}/{family.title()}-{size}B-Instruct"
        columns = dict(template.columns)
        columns.update(
            name=name,
            model_name=model,
            model={"id_or_path": model},
            search_text=f"{name}\n{model}".lower(),
        )
        stamp = start + timedelta(seconds=rng.randrange(365 * 86400))
        rows.append(
            {
                **columns,
                "created_at": stamp,
                "updated_at": stamp,
                "created_by": "bench",
                "updated_by": "bench",
                "version": 1,
            }
        )
        names.append(name)
    flags = {
        "tp-size": [1, 2, 4],
        "mem-fraction-static": [0.7, 0.8, 0.9],
        "schedule-policy": ["lpm", "fcfs"],
        "max-running-requests": [64, 128, 256],
        "chunked-prefill-size": [2048, 4096, 8192],
        "enable-mixed-chunk": [True],
    }
    preset_rows = []
    for i in range(presets):
        chosen = rng.sample(sorted(flags), k=rng.randint(1, 4))
        parameters = {k: rng.sample(flags[k], k=rng.randint(1, len(flags[k]))) for k in chosen}
        preset = Preset(
            name=f"preset-{i:04d}",
            runtime="sglang",
            category=rng.choice(["memory", "performance", "general"]),
            parameters=parameters,
        )
        preset_rows.append(
            {
                **preset_columns(preset),
                "created_at": start,
                "updated_at": start,
                "created_by": "bench",
                "updated_by": "bench",
                "version": 1,
            }
        )
    with store.db.write() as session:
        for begin in range(0, len(rows), CHUNK):
            session.execute(insert(TaskRow), rows[begin : begin + CHUNK])
        for begin in range(0, len(preset_rows), CHUNK):
            session.execute(insert(PresetRow), preset_rows[begin : begin + CHUNK])
    if store.db.dialect == "postgresql":
        with store.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE"))
    return names


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return statistics.median(samples), cuts[18]


def measure(
    store: Store, names: list[str], presets: int, repeat: int, seed: int
) -> dict[str, tuple[float, float]]:
    """Time every operation ``repeat`` times, interleaved: each round runs all of them once in
    a random order, so load from other processes weighs on every figure alike."""
    rng = random.Random(seed + 1)

    def baseline() -> Callable[[], Any]:
        def call() -> None:
            with store.db.read() as session:
                session.execute(text("SELECT 1")).scalar_one()

        return call

    # A substring matching ~10% of the tasks, one matching ~1%, one matching a few dozen.
    searches = {
        "common": [rng.choice(FAMILIES) for _ in range(20)],
        "family+size": [f"{rng.choice(FAMILIES)}-{rng.choice(SIZES)}b" for _ in range(20)],
        "rare": [rng.choice(names)[-6:-2] for _ in range(20)],
    }

    def lister(kind: str) -> Callable[[], Any]:
        def call() -> None:
            store.list_tasks(
                search=rng.choice(searches[kind]),
                runtime=rng.choice(["sglang", "vllm"]),
                sort=rng.choice(SORTS),
                descending=rng.random() < 0.5,
                page=rng.randrange(3),
                page_size=50,
            )

        return call

    def get() -> Callable[[], Any]:
        return lambda: store.get_task(rng.choice(names))

    def save() -> Callable[[], Any]:
        # Loading the task is not part of the figure: the call is prepared, then timed.
        stored = store.get_task(rng.choice(names))
        edited = stored.task.model_copy(update={"description": secrets.token_hex(8)})
        return lambda: store.save_task(edited, expected_version=stored.version, user="bench")

    task = store.get_task(names[0]).task

    def apply() -> Callable[[], Any]:
        chosen = [f"preset-{rng.randrange(presets):04d}" for _ in range(3)]
        strategy = rng.choice(["union", "intersection", "last_wins"])
        return lambda: store.apply_presets(task, chosen, strategy)

    operations: dict[str, Callable[[], Callable[[], Any]]] = {
        "baseline SELECT 1": baseline,
        **{f"list page, {kind} search": (lambda k=kind: lister(k)) for kind in searches},
        "get one task": get,
        "save one task": save,
        "apply 3 presets": apply,
    }
    for prepare in operations.values():
        prepare()()  # warm up caches and the connection pool
    samples: dict[str, list[float]] = {name: [] for name in operations}
    for _ in range(repeat):
        order = list(operations)
        rng.shuffle(order)
        for name in order:
            call = operations[name]()
            began = time.perf_counter()
            call()
            samples[name].append((time.perf_counter() - began) * 1000)
    pages = [
        value for name, values in samples.items() if name.startswith("list") for value in values
    ]
    results = {
        "baseline SELECT 1": percentiles(samples.pop("baseline SELECT 1")),
        "list one page (all)": percentiles(pages),
    }
    results.update({name: percentiles(values) for name, values in samples.items()})
    return results


def report(backend: str, results: dict[str, tuple[float, float]]) -> None:
    base = results["baseline SELECT 1"][0]
    print(f"\n{backend}")
    print(
        f"  {'operation':<30} {'p50 ms':>9} {'p95 ms':>9} {'p50/base':>9} {'p95/base':>9}  target"
    )
    for name, (p50, p95) in results.items():
        target = ""
        if backend.startswith("SQLite") and name in {
            "list one page (all)",
            "get one task",
            "save one task",
        }:
            target = f"p95 < {TARGET_MS:g} ms: {'met' if p95 < TARGET_MS else 'MISSED'}"
        print(
            f"  {name:<30} {p50:>9.2f} {p95:>9.2f} {p50 / base:>9.1f} {p95 / base:>9.1f}  {target}"
        )


def run(url: str, label: str, args: argparse.Namespace) -> dict[str, Any]:
    with Store.open(url) as store:
        began = time.perf_counter()
        names = fill(store, args.tasks, args.presets, args.seed)
        filled = time.perf_counter() - began
        print(
            f"{label}: stored {args.tasks:,} tasks and {args.presets:,} presets in {filled:.0f} s",
            file=sys.stderr,
        )
        results = measure(store, names, args.presets, args.repeat, args.seed)
    report(label, results)
    return {op: {"p50_ms": p50, "p95_ms": p95} for op, (p50, p95) in results.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--presets", type=int, default=1_000)
    parser.add_argument(
        "--repeat",
        type=int,
        default=200,
        help="rounds; each round times every operation once (the page figure has three per round)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432",
        help="server URL (without a database) for the scratch database",
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    summary: dict[str, Any] = {"tasks": args.tasks, "presets": args.presets, "repeat": args.repeat}
    with tempfile.TemporaryDirectory() as folder:
        summary["sqlite"] = run(f"sqlite:///{folder}/bench.db", "SQLite (file, WAL)", args)
    if not args.no_postgres:
        summary["postgresql"] = run_postgres(args)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


def run_postgres(args: argparse.Namespace) -> dict[str, Any] | None:
    import psycopg

    try:
        admin = psycopg.connect(f"{args.postgres}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        print(f"\nPostgreSQL: skipped ({str(error).strip().splitlines()[0]})")
        return None
    name = f"configlib_bench_{secrets.token_hex(4)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            return run(f"{args.postgres}/{name}", "PostgreSQL", args)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    raise SystemExit(main())
