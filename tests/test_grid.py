"""The grid: order, counting, paging and launch commands."""

from __future__ import annotations

import itertools
import shlex

import pytest
from hypothesis import given
from hypothesis import strategies as st

from configlib.engines import get_engine
from configlib.grid import flag_arguments, grid_of, launch_argv, launch_command


def test_order_is_the_autotuners_last_key_fastest() -> None:
    grid = grid_of({"tp-size": [1, 2], "mem-fraction-static": [0.7, 0.8, 0.9]})
    assert grid.size == 6
    assert [tuple(p.values()) for p in grid] == [
        (1, 0.7),
        (1, 0.8),
        (1, 0.9),
        (2, 0.7),
        (2, 0.8),
        (2, 0.9),
    ]


def test_empty_lists_and_ranges_are_skipped() -> None:
    grid = grid_of({"a": [], "b": [1, 2], "c": {"type": "continuous", "low": 0, "high": 1}})
    assert grid.size == 2 and grid.skipped == ("a", "c")


@given(
    st.lists(st.lists(st.integers(), min_size=1, max_size=4, unique=True), min_size=1, max_size=5),
    st.data(),
)
def test_points_match_itertools_product(axes: list[list[int]], data: st.DataObject) -> None:
    parameters = {f"k{i}": values for i, values in enumerate(axes)}
    grid = grid_of(parameters)
    expected = [dict(zip(parameters, combo, strict=True)) for combo in itertools.product(*axes)]
    assert grid.size == len(expected)
    index = data.draw(st.integers(0, grid.size - 1))
    assert grid.point(index) == expected[index]
    size = data.draw(st.integers(1, 7))
    page = data.draw(st.integers(0, grid.size // size + 1))
    assert grid.page(page, size) == expected[page * size : (page + 1) * size]


def test_a_trillion_point_grid_counts_and_pages() -> None:
    parameters = {f"flag-{i}": list(range(10)) for i in range(12)}
    grid = grid_of(parameters)
    assert grid.size == 10**12
    page = grid.page(1000, 50)
    assert len(page) == 50
    # Point 50,000 of a grid of twelve 0..9 axes spells 50000 in base ten, last key fastest.
    assert page[0] == {f"flag-{i}": int(d) for i, d in enumerate(f"{50_000:012d}")}
    last = grid.point(grid.size - 1)
    assert set(last.values()) == {9}
    assert grid.first(3) == grid.page(0, 3)


def test_out_of_range_points() -> None:
    grid = grid_of({"a": [1]})
    with pytest.raises(IndexError):
        grid.point(1)
    assert grid.page(5, 10) == []
    with pytest.raises(ValueError):
        grid.page(0, 0)


def test_flags_render_like_the_autotuner() -> None:
    assert flag_arguments(
        {"disable-radix-cache": True, "enforce-eager": False, "tp-size": 2, "--dtype": "auto"}
    ) == ["--disable-radix-cache", "--tp-size", "2", "--dtype", "auto"]


def test_launch_commands_per_engine_are_shell_quoted() -> None:
    sglang = get_engine("sglang", "0.5.23")
    command = launch_command(sglang, "/models/my model", {"tp-size": 2})
    assert command == "python -m sglang.launch_server --model-path '/models/my model' --tp-size 2"
    assert shlex.split(command)[4] == "/models/my model"
    vllm = get_engine("vllm", "0.33.0")
    assert launch_argv(vllm, "Qwen/Qwen3-32B", {"tensor-parallel-size": 4}) == [
        "vllm",
        "serve",
        "Qwen/Qwen3-32B",
        "--tensor-parallel-size",
        "4",
    ]
