"""safe_text keeps user text inert in Markdown and in spreadsheets."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from configlib.safe_text import csv_cell, md, md_code


def test_links_images_and_emphasis_are_escaped() -> None:
    hostile = "**bold** [click](https://evil.example/x) ![p](http://evil.example/p.png) <b>x</b>"
    out = md(hostile)
    assert "](" not in out.replace("\\]\\(", "")
    assert "https://" not in out
    assert "**" not in out.replace("\\*", "")


def test_autolinks_and_directives_are_broken() -> None:
    out = md("see www.evil.example and :red[alarm] $x$")
    assert "www." not in out
    assert ":red[" not in out
    assert "$x$" not in out


def test_line_breaks_cannot_start_blocks() -> None:
    assert "\n" not in md("name\n# heading\n- item")


@given(st.text())
def test_every_special_character_is_escaped(text: str) -> None:
    out = md(text)
    # Each remaining Markdown special character is preceded by a backslash.
    for match in re.finditer(r"[*_\[\]()<>#`|~$]", out):
        assert out[match.start() - 1] == "\\"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Zl", "Zp"))))
def test_code_span_keeps_the_text(text: str) -> None:
    span = md_code(text)
    fence = re.match("`+", span)
    assert fence is not None
    inner = span[len(fence.group(0)) : -len(fence.group(0))]
    assert inner.strip(" ") == text.strip(" ") or inner[1:-1] == text


def test_formula_cells_are_neutralised() -> None:
    for cell in ('=HYPERLINK("http://x")', "=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1)"):
        assert str(csv_cell(cell)).startswith("'")
    assert csv_cell(-2.5) == -2.5
    assert csv_cell("qwen3") == "qwen3"
