"""docs/reference.md is generated from the code and kept in step with it."""

from __future__ import annotations

from configlib.cli import build_parser
from configlib.cli.reference import render
from tests.conftest import ROOT


def test_reference_is_up_to_date() -> None:
    current = (ROOT / "docs/reference.md").read_text()
    assert current == render(build_parser()), "run: configlib reference > docs/reference.md"


def test_reference_covers_every_field_and_engine_release() -> None:
    text = render(build_parser())
    for needle in (
        "`mem_fraction_static`",
        "### SGLang",
        "### vLLM",
        "0.5.23",
        "0.10.2",
        "`--context-length 8192`",
        "`--max-model-len 8192`",
        "configlib validate",
    ):
        assert needle in text
