"""Conversion speed: structured -> flat per engine and flat -> structured, next to a baseline.

The baseline is a plain-dict re-implementation of the design's ``generate_runtime_parameters``
(CONFIG_SCHEMA_ALIGNMENT.md), run on the same tasks in the same process, so the ratio is what
matters on a shared, noisy machine. Also times counting and paging a 10^12-point grid.

Run: python bench/bench_convert.py [--tasks 2000] [--rounds 5]
Targets (issue): >= 20,000 tasks/s and <= 5x the baseline.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from configlib.convert import lift, to_flat
from configlib.engines import get_engine
from configlib.grid import grid_of
from configlib.model import TaskConfig


def design_generate_runtime_parameters(config: dict[str, Any], runtime: str) -> dict[str, Any]:
    """The design's function, on plain dicts (the baseline)."""
    params: dict[str, Any] = {}
    if config.get("parallel_config"):
        pc = config["parallel_config"]
        params["tp-size"] = [pc["tp"]]
        if pc.get("pp") and pc["pp"] > 1:
            params["pp-size"] = [pc["pp"]]
    if config.get("quantization_config"):
        qc = config["quantization_config"]
        if qc.get("kvcache_quant_mode"):
            params["kv-cache-dtype"] = [qc["kvcache_quant_mode"]]
        if runtime == "sglang" and qc.get("gemm_quant_mode") == "fp8":
            params["quantization"] = ["fp8"]
    if config.get("memory_config"):
        mc = config["memory_config"]
        if mc.get("mem_fraction_static"):
            params["mem-fraction-static"] = [mc["mem_fraction_static"]]
        if mc.get("max_model_len"):
            params["max-model-len"] = [mc["max_model_len"]]
    if config.get("scheduling_config"):
        sc = config["scheduling_config"]
        if sc.get("schedule_policy"):
            params["schedule-policy"] = [sc["schedule_policy"]]
    return params


def sample_tasks(runtime: str, count: int, seed: int) -> list[TaskConfig]:
    """Realistic single-point tasks with the fields the design's function knows."""
    rng = random.Random(seed)
    policies = ["lpm", "fcfs"] if runtime == "sglang" else ["fcfs", "priority"]
    memory_key = "mem_fraction_static" if runtime == "sglang" else "gpu_memory_utilization"
    tasks = []
    for i in range(count):
        tasks.append(
            TaskConfig.model_validate(
                {
                    "task_name": f"t{i}",
                    "model": {"id_or_path": "Qwen/Qwen3-32B"},
                    "base_runtime": runtime,
                    "system_config": {"gpu_type": "h200_sxm", "total_gpus": 8},
                    "parallel_config": {
                        "tp": rng.choice([1, 2, 4, 8]),
                        "pp": rng.choice([1, 2]),
                        "dp": 1,
                    },
                    "quantization_config": {
                        "gemm_quant_mode": rng.choice(["bfloat16", "fp8"]),
                        "kvcache_quant_mode": rng.choice(["bfloat16", "fp8"]),
                    },
                    "memory_config": {
                        memory_key: rng.choice([0.8, 0.85, 0.9]),
                        "max_model_len": rng.choice([4096, 8192, 32768]),
                    },
                    "scheduling_config": {"schedule_policy": rng.choice(policies)},
                }
            )
        )
    return tasks


def plain_dicts(tasks: list[TaskConfig]) -> list[dict[str, Any]]:
    out = []
    for task in tasks:
        data = task.model_dump(mode="json", exclude_none=True)
        out.append({k: v for k, v in data.items() if k.endswith("_config")})
    return out


def each(function: Callable[[Any, Any], Any], items: list[Any], argument: Any) -> None:
    """Call ``function`` on every item, keeping no results (as a caller streaming tasks)."""
    for item in items:
        function(item, argument)


def rate(work: Callable[[], None], items: int, rounds: int) -> float:
    """Median items per second over ``rounds`` runs."""
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return items / statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    n = args.tasks
    print(f"{n} distinct tasks per run, median of {args.rounds} runs\n")
    print(f"{'conversion':<32}{'tasks/s':>12}{'baseline/s':>14}{'ratio':>8}")
    for runtime, version in (("sglang", "0.5.23"), ("vllm", "0.33.0")):
        engine = get_engine(runtime, version)
        tasks = sample_tasks(runtime, n, seed=1)
        dicts = plain_dicts(tasks)
        baseline = rate(
            lambda d=dicts, r=runtime: (
                [design_generate_runtime_parameters(x, r) for x in d] and None
            ),
            n,
            args.rounds,
        )
        ours = rate(lambda t=tasks, e=engine: [to_flat(x, e) for x in t] and None, n, args.rounds)
        print(
            f"{'structured -> flat ' + engine.label:<32}{ours:>12,.0f}{baseline:>14,.0f}"
            f"{baseline / ours:>7.1f}x"
        )
        flats = [
            TaskConfig.model_validate(
                {
                    "task_name": t.task_name,
                    "model": {"id_or_path": "m"},
                    "base_runtime": runtime,
                    "parameters": to_flat(t, engine).parameters,
                }
            )
            for t in tasks
        ]
        ours = rate(partial(each, lift, flats, engine), n, args.rounds)
        print(
            f"{'flat -> structured ' + engine.label:<32}{ours:>12,.0f}{baseline:>14,.0f}"
            f"{baseline / ours:>7.1f}x"
        )

    grid = grid_of({f"flag-{i}": list(range(10)) for i in range(12)})
    started = time.perf_counter()
    size = grid.size
    counted = time.perf_counter() - started
    started = time.perf_counter()
    page = grid.page(1000, 50)
    paged = time.perf_counter() - started
    print(
        f"\ngrid of {size:,} points: count {counted * 1e6:.1f} us, page 1000 (50 points) "
        f"{paged * 1e3:.2f} ms ({len(page)} points)"
    )


if __name__ == "__main__":
    main()
