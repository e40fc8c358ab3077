"""One GPU count: validation, the store's gpus_needed column and the comparison agree.

The flag spellings here are test data: they are what users write in ``parameters``.
"""

from __future__ import annotations

from typing import Any

import pytest

from configlib.convert import to_flat
from configlib.engines import get_engine
from configlib.results.compare import server_gpus
from configlib.store.rows import MAX_GPU_COMBINATIONS, gpus_needed
from configlib.validate import validate
from tests.conftest import make_task


def _budget_message(runtime: str, version: str, parameters: dict[str, Any], total: int) -> str:
    task = make_task(
        runtime, system_config={"gpu_type": "h100_sxm", "total_gpus": total}, parameters=parameters
    )
    found = [f for f in validate(task, engine=get_engine(runtime, version))]
    over = [f.message for f in found if f.code == "too-many-gpus"]
    return over[0] if over else ""


@pytest.mark.parametrize(
    ("runtime", "version", "parameters", "most"),
    [
        # An abbreviation the release's parser accepts counts like the full name.
        ("sglang", "0.5.23", {"tp": [2, 4], "pp-size": ["2"]}, 8),
        # Attention-DP ranks share the tensor-parallel GPUs; plain dp launches replicas.
        ("sglang", "0.5.16", {"tp-size": [2], "dp-size": [4], "enable-dp-attention": [True]}, 2),
        ("sglang", "0.5.16", {"tp-size": [2], "dp-size": [4]}, 8),
        # vLLM's short option and the tp x pp x dp product.
        (
            "vllm",
            "0.33.0",
            {"-tp": [2], "pipeline-parallel-size": [2], "data-parallel-size": [1, 3]},
            12,
        ),
        # The parser keeps the last spelling given.
        ("sglang", "0.5.23", {"tp-size": [8], "tp": [2]}, 2),
    ],
)
def test_every_caller_counts_the_same(
    runtime: str, version: str, parameters: dict[str, Any], most: int
) -> None:
    engine = get_engine(runtime, version)
    assert engine.most_gpus(parameters, MAX_GPU_COMBINATIONS) == most
    assert gpus_needed(parameters, engine) == most
    points = [
        dict(zip(parameters, combo, strict=True))
        for combo in _product([values for values in parameters.values()])
    ]
    assert max(server_gpus(engine, point) or 0 for point in points) == most
    assert f"needs up to {most} GPUs" in _budget_message(runtime, version, parameters, most - 1)
    assert _budget_message(runtime, version, parameters, most) == ""


def _product(axes: list[list[Any]]) -> list[tuple[Any, ...]]:
    combos: list[tuple[Any, ...]] = [()]
    for axis in axes:
        combos = [(*combo, value) for combo in combos for value in axis]
    return combos


def test_a_count_that_cannot_be_worked_out_is_none() -> None:
    engine = get_engine("sglang", "0.5.23")
    assert gpus_needed({"tp-size": ["two"]}, engine) is None
    assert server_gpus(engine, {"tp-size": "two"}) is None
    assert server_gpus(engine, {"tp-size": -2}) is None
    too_many = {"tp-size": list(range(1, 101)), "pp-size": list(range(1, 101)), "dp-size": [1, 2]}
    assert gpus_needed(too_many, engine) is None


def test_no_gpu_flags_means_one_gpu() -> None:
    engine = get_engine("vllm", "0.33.0")
    assert gpus_needed({}, engine) == 1
    assert server_gpus(engine, {"max-num-seqs": 64}) == 1


def test_flag_axes_read_flat_parameters_as_the_parser_does() -> None:
    engine = get_engine("sglang", "0.5.23")
    flat = to_flat(make_task("sglang", parallel_config={"tp": [2, 4]}), engine)
    axes = engine.flag_axes(flat.parameters, engine.spec.table.gpu_flags)
    assert axes.size == 2
    counts = sorted(engine.gpus_needed(axes.getter(values)) for values in axes.combinations())
    assert counts == [2, 4]
