"""Expert mode: flag rows typed by the release's manifest, read back without losing anything."""

from __future__ import annotations

from typing import Any

import pytest

from configlib.engines import get_engine
from configlib.model import RangeSpec
from configlib.ui import expert
from configlib.ui.expert import (
    apply_edits,
    flag_catalog,
    flag_info,
    parameters_from_rows,
    parse_values,
    render_values,
)

SGLANG = get_engine("sglang", "0.5.23")
VLLM = get_engine("vllm", "0.33.0")


@pytest.mark.parametrize(
    ("key", "text", "values"),
    [
        ("tp-size", "2, 4", [2, 4]),
        ("tp-size", "[2, 4]", [2, 4]),
        ("mem-fraction-static", "0.8,0.9", [0.8, 0.9]),
        ("enable-mixed-chunk", "true, false", [True, False]),
        ("schedule-policy", "lpm, fcfs", ["lpm", "fcfs"]),
        ("kv-cache-dtype", "fp8_e4m3", ["fp8_e4m3"]),
        ("json-model-override-args", '{"a":1,"b":2}', ['{"a":1,"b":2}']),
        ("my-own-flag", "1, x, 2.5, true", [1, "x", 2.5, True]),
        ("my-own-flag", '["4", 4]', ["4", 4]),
    ],
)
def test_values_are_typed_by_the_manifest_and_round_trip(key: str, text: str, values: Any) -> None:
    info = flag_info(SGLANG, key)
    parsed = parse_values(text, info)
    assert parsed == values and [type(v) for v in parsed] == [type(v) for v in values]
    again = parse_values(render_values(parsed, info), info)
    assert again == values and [type(v) for v in again] == [type(v) for v in values]


def test_strings_that_look_like_numbers_are_shown_as_json() -> None:
    assert render_values(["4"], flag_info(SGLANG, "my-own-flag")) == '["4"]'
    assert render_values(["a,b"], flag_info(SGLANG, "schedule-policy")) == '["a,b"]'


def test_bayesian_ranges() -> None:
    parsed = parse_values('{"type": "integer", "low": 1, "high": 8}')
    assert isinstance(parsed, RangeSpec) and parsed.high == 8
    assert parse_values(render_values(parsed)) == parsed
    with pytest.raises(ValueError, match="a range is"):
        parse_values('{"type": "integer", "lo": 1}')


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("enable-mixed-chunk", "yes", "is a switch"),
        ("tp-size", "", "at least one value"),
        ("tp-size", "[2,", "not a JSON list"),
        ("tp-size", "[]", "at least one value"),
    ],
)
def test_bad_values(key: str, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_values(text, flag_info(SGLANG, key))


def test_catalog_describes_type_choices_and_default() -> None:
    names = {info.name: info for info in flag_catalog(VLLM)}
    assert "tensor-parallel-size" in names and "tp-size" not in names
    assert names["tensor-parallel-size"].describe() == "int; default 1"
    assert names["enforce-eager"].switch
    assert "one of" in names["kv-cache-dtype"].describe()


def test_rows_keep_bad_rows_as_typed() -> None:
    rows = [
        {"flag": "--tp-size", "values": "2, 4"},
        {"flag": "tp size", "values": "2"},
        {"flag": "enable-mixed-chunk", "values": "maybe"},
        {"flag": "tp-size", "values": "8"},
        {"flag": "", "values": ""},
    ]
    parsed = parameters_from_rows(rows, SGLANG)
    assert parsed.parameters == {"tp-size": [2, 4]}
    assert [(r["flag"], r["values"]) for r in parsed.bad] == [
        ("tp size", "2"),
        ("enable-mixed-chunk", "maybe"),
        ("tp-size", "8"),
    ]
    assert "listed twice" in parsed.bad[2]["error"]


def test_rows_from_parameters_name_sources_and_unknown_flags() -> None:
    rows = expert.rows_from_parameters(
        {"tensor-parallel-size": [2], "enable-mixed-chunk": [True]},
        {"tensor-parallel-size": ("parallel_config.tp",)},
        VLLM,
    )
    assert rows[0]["from"] == "parallel_config.tp"
    assert rows[1]["from"] == "not in vLLM 0.33.0" and rows[1]["accepts"] == "unknown flag"


def test_apply_edits_matches_the_data_editor_record() -> None:
    rows = [
        {"flag": "a", "values": "1"},
        {"flag": "b", "values": "2"},
        {"flag": "c", "values": "3"},
    ]
    edits = {
        "edited_rows": {"0": {"values": "5"}},
        "added_rows": [{"flag": "d", "values": "4"}],
        "deleted_rows": [1],
    }
    assert apply_edits(rows, edits) == [
        {"flag": "a", "values": "5"},
        {"flag": "c", "values": "3"},
        {"flag": "d", "values": "4"},
    ]
    assert rows[0]["values"] == "1"
