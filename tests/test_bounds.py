"""Limits and the number boundary (issue 14 items 2, 3 and 12), in-process.

The end-to-end checks through the CLI and the app's upload functions are in tests/hostile/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from configlib.bounds import (
    LIMITS,
    check_task_document,
    grid_points,
    limit,
    render_table,
)
from configlib.convert import to_flat
from configlib.engines.converters import CONVERTERS
from configlib.io import InputError, parse_json, parse_yaml
from configlib.model import TaskConfig
from configlib.numbers import INT64_MAX, check_number, parse_float, parse_int
from configlib.results import results_from_data
from configlib.results.records import ResultsFormatError, count_problem, positive_int
from configlib.search_space import _dedupe
from configlib.taskfile import TaskFormatError, parse_task, task_from_text
from configlib.validate import validate, validate_data

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "qwen3-32b-h200-sglang.json"


def example(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text())
    data.update(changes)
    return data


def codes(findings: Any) -> list[str]:
    return [f.code for f in findings]


# ---- item 2: limits checked before any heavy work ----------------------------------------------


def test_docs_list_every_limit() -> None:
    text = (ROOT / "docs" / "limits.md").read_text()
    start, end = "<!-- limits:start -->\n", "<!-- limits:end -->"
    assert text[text.index(start) + len(start) : text.index(end)] == render_table()
    for name in LIMITS:
        assert f"`{name}`" in text


@pytest.mark.parametrize(
    ("changes", "path", "code"),
    [
        ({"parallel_config": {"tp": list(range(1, 65_001))}}, "parallel_config.tp", "candidates"),
        (
            {"memory_config": {"mem_fraction_static": [0.5] * 200_000}},
            "memory_config.mem_fraction_static",
            "candidates",
        ),
        ({"parameters": {f"f{i}": [1] for i in range(100_000)}}, "parameters", "flags"),
        (
            {"parameters": {"chunked-prefill-size": list(range(1_000_000))}},
            "parameters.chunked-prefill-size",
            "candidates",
        ),
        ({"description": "d" * 20_000}, "description", "string-chars"),
        ({"parameters": {"x" * 300: [1]}}, "parameters.", "key-chars"),
        (
            {"parameters": {"max-running-requests": [2**64]}},
            "parameters.max-running-requests[0]",
            "integer-bits",
        ),
        (
            {"autotuner_fields": {"x": json.loads("[" * 40 + "]" * 40)}},
            "autotuner_fields.x",
            "task-depth",
        ),
        (
            {"parameters": {f"f{i}": list(range(900)) for i in range(100)}},
            "parameters",
            "grid-points",
        ),
    ],
)
def test_each_refusal_names_the_field_and_the_limit(
    changes: dict[str, Any], path: str, code: str
) -> None:
    data = example(**changes)
    found = check_task_document(data)
    assert found and all(f.severity == "error" for f in found)
    assert found[0].path.startswith(path)
    assert found[0].code == f"limit-{code}"
    with pytest.raises(TaskFormatError) as refused:
        parse_task(data)
    assert refused.value.findings[0].code == f"limit-{code}"
    task, findings = validate_data(data)
    assert task is None and findings[0].code == f"limit-{code}"


def test_the_grid_is_counted_not_built() -> None:
    data = example(parameters={f"f{i}": list(range(900)) for i in range(100)})
    # 900^100 times the example's own 2 x 2 x 2: an instant product, never materialised
    assert grid_points(data) == 900**100 * 8


def test_a_compact_yaml_list_of_a_million_values_is_refused_before_parsing() -> None:
    text = "task_name: x\nmodel: {id_or_path: m}\nbase_runtime: sglang\nparameters:\n"
    text += "  chunked-prefill-size: [" + "1," * 999_999 + "1]\n"
    with pytest.raises(InputError, match="more than 100,000 values"):
        task_from_text(text, "big.yaml")


def test_the_model_refuses_long_candidate_lists_and_many_flags_built_in_code() -> None:
    base = example()
    with pytest.raises(ValidationError, match="the limit is 1,000 per list"):
        TaskConfig.model_validate({**base, "parallel_config": {"tp": list(range(1, 2000))}})
    with pytest.raises(ValidationError, match="the limit is 1,000 per task"):
        TaskConfig.model_validate({**base, "parameters": {f"f{i}": [1] for i in range(1001)}})


def test_within_the_limits_validation_and_conversion_stay_linear() -> None:
    # 1,000 tp values (the quadratic column check made this take seconds per 3,000),
    # 999 unknown flags (spelling suggestions for the first 20 only).
    task, _ = parse_task(example(parallel_config={"tp": list(range(1, 1001))}))
    flat = to_flat(task)
    assert len(flat.parameters["tp-size"]) == 1000
    flags = {f"mem-fraction-statik-{i}": [0.5] for i in range(999)}
    task, _ = parse_task(example(parameters=flags))
    found = [f for f in validate(task) if f.code == "unknown-flag"]
    assert len(found) == 999
    suggested = [f for f in found if "did you mean" in f.message]
    assert 0 < len(suggested) <= limit("flag_suggestions")


def test_one_rule_expands_a_bounded_number_of_combinations() -> None:
    task, _ = parse_task(
        example(parallel_config={"tp": list(range(1, 1001)), "dp": list(range(1, 1001))})
    )
    found = [f for f in to_flat(task).findings if f.code == "not-expressible"]
    assert found and "1,000,000 combinations" in found[0].message


@given(st.lists(st.one_of(st.integers(), st.booleans(), st.text(max_size=3)), min_size=1))
def test_dedupe_keeps_first_occurrences_like_the_quadratic_version(values: list[Any]) -> None:
    expected: list[Any] = []
    for value in values:
        if value not in expected:
            expected.append(value)
    assert _dedupe(values) == expected


# ---- item 3: one typed boundary for numbers from files -----------------------------------------


@pytest.mark.parametrize("text", ["²", "４", "٤", "1²", "０.５", "9" * 5000, str(2**64), "", "1e3"])
def test_integers_are_ascii_digits_that_fit_64_bits(text: str) -> None:
    assert not isinstance(parse_int(text), int)
    assert count_problem(text) is not None
    assert positive_int(text) is None


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_every_64_bit_integer_round_trips(value: int) -> None:
    assert parse_int(str(value)) == value
    assert check_number(value) == value


@pytest.mark.parametrize("text", ["nan", "inf", "-Infinity", "1e400", "４.５", "0x10"])
def test_floats_are_finite_ascii(text: str) -> None:
    assert not isinstance(parse_float(text), float)


def test_engine_converters_read_only_ascii_digits() -> None:
    checked = [c for (_, kind), c in CONVERTERS.items() if kind in {"int", "float"}]
    checked += [c for (_, kind), c in CONVERTERS.items() if kind == "human_readable_int"]
    assert len(checked) >= 3
    for convert in checked:
        for text in ("４", "²", "9" * 5000, "nan"):
            with pytest.raises(ValueError):
                convert(text)


@pytest.mark.parametrize(
    ("text", "parse"),
    [
        ('{"tp": ' + "9" * 5000 + "}", parse_json),
        ("tp: " + "9" * 5000 + "\n", parse_yaml),
        ("[" * 100_000 + "]" * 100_000, parse_json),
    ],
)
def test_unreadable_numbers_and_nesting_are_messages(text: str, parse: Any) -> None:
    with pytest.raises(InputError):
        parse(text, "f")


# ---- item 12: accepted when it should not be ---------------------------------------------------


def test_an_unknown_engine_version_asked_for_is_an_error() -> None:
    task, _ = parse_task(example(engine_version="../../../../etc/passwd"))
    found = [f for f in validate(task) if f.code == "unsupported-version"]
    assert found and found[0].severity == "error" and found[0].path == "engine_version"


def _results(**run: Any) -> dict[str, Any]:
    raw = {"scenario": "D(100,100)", "num_concurrency": 4, "run_duration": 30.0}
    raw.update(run)
    return {
        "task_name": "t",
        "all_results": [
            {"experiment_id": 1, "status": "success", "metrics": {"raw_results": [raw]}}
        ],
    }


@pytest.mark.parametrize(
    ("run", "message"),
    [
        ({"mean_output_throughput_tokens_per_s": float("nan")}, "nan is not a finite number"),
        ({"mean_output_throughput_tokens_per_s": float("inf")}, "inf is not a finite number"),
        ({"mean_output_throughput_tokens_per_s": -1.0}, "-1 is negative"),
        ({"run_duration": 0}, "0 is zero; it must be positive"),
        ({"num_concurrency": -3}, "-3 is less than 1"),
        ({"num_concurrency": 2**70}, "does not fit a 64-bit integer"),
        ({"num_concurrency": "²"}, "not written in ASCII digits"),
        ({"error_rate": 1.5}, "more than 1"),
    ],
)
def test_results_that_cannot_be_measurements_are_refused(run: dict[str, Any], message: str) -> None:
    with pytest.raises(ResultsFormatError, match="cannot be stored") as refused:
        results_from_data(_results(**run), "r.json")
    assert message in str(refused.value)
    assert "all_results[0].metrics.raw_results[0]" in str(refused.value)


def test_a_results_file_of_nulls_is_an_error_not_stored_0() -> None:
    for entries in ([None, None], [], [{"status": "running"}]):
        with pytest.raises(ResultsFormatError, match="no readable experiment"):
            results_from_data({"all_results": entries}, "r.json")


def test_an_experiment_id_beyond_64_bits_is_refused() -> None:
    data = _results()
    data["all_results"][0]["experiment_id"] = INT64_MAX + 1
    with pytest.raises(ResultsFormatError, match="experiment_id"):
        results_from_data(data, "r.json")
