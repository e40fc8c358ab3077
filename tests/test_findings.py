"""Validation errors as findings (configlib.findings.from_validation_error)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from configlib.findings import Finding, from_validation_error
from configlib.model import TaskConfig


def errors_for(**sections: Any) -> list[Finding]:
    data = {"task_name": "t", "model": {"id_or_path": "a/b"}, "base_runtime": "sglang", **sections}
    with pytest.raises(ValidationError) as caught:
        TaskConfig.model_validate(data)
    return from_validation_error(caught.value, model=TaskConfig)


def test_a_union_that_fails_every_branch_is_one_finding_saying_what_it_takes() -> None:
    found = errors_for(parameters={"tp-size": [{"nested": 1}]})
    assert [(f.path, f.message) for f in found] == [
        (
            "parameters.tp-size[0]",
            "expected text, a whole number, a number or true/false, not a mapping",
        )
    ]


def test_a_plain_type_error_keeps_pydantic_s_message() -> None:
    found = errors_for(parallel_config={"tp": "four"})
    assert len(found) == 1 and found[0].path == "parallel_config.tp[0]"
    assert "integer" in found[0].message


def test_unknown_keys_and_missing_fields_read_plainly() -> None:
    found = errors_for(parallel_config={"tpp": 2})
    assert any("unknown key" in f.message and "did you mean tp" in f.message for f in found)
