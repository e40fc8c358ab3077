"""User and file text made inert before it reaches a Markdown renderer or a spreadsheet.

Task names, preset names, model ids and every string read from an uploaded file are data, never
markup: on a shared store one user's text is shown in every other user's browser. Streamlit
renders Markdown (links, images, emphasis, raw HTML is off but autolinks are on) in
``st.markdown``, ``st.caption``, ``st.info`` and friends, and spreadsheets run cells that start
with a formula character. These helpers are the only way such text is put into either.
"""

from __future__ import annotations

import re

__all__ = ["MARKDOWN_SPECIALS", "clipped", "csv_cell", "md", "md_code"]

MARKDOWN_SPECIALS = "\\`*_{}[]()<>#+-.!|~:$="
"""Characters that start Markdown, Streamlit's colour/icon directives, LaTeX or autolinks."""

_SPECIAL = re.compile("[" + re.escape(MARKDOWN_SPECIALS) + "]")
# Line breaks would let a value start a heading, list or block quote of its own.
_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c]+")
# Invisible and direction-changing characters hide what a name really says.
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# An autolink needs no brackets: "www.x.com" or "https://x" become links unless broken up.
_SCHEME = re.compile(r"(?i)\b(https?|ftp|mailto|javascript|data|file)(:)")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clipped(text: str, most: int = 200) -> str:
    """``text`` cut to ``most`` characters with its length said, so a message never echoes a
    huge value back (``'xxx...' (10,000,000 characters)``); short text is returned as it is."""
    if len(text) <= most:
        return text
    return f"{text[: max(most - 3, 0)]}... ({len(text):,} characters)"


def md(text: object) -> str:
    """``text`` as Markdown that displays exactly those characters and nothing live."""
    plain = _INVISIBLE.sub("", str(text))
    plain = _BREAKS.sub(" ", plain)
    plain = _SCHEME.sub(lambda m: m.group(1) + "\u200b:", plain)
    plain = plain.replace("www.", "www\u200b.")
    return _SPECIAL.sub(lambda m: "\\" + m.group(0), plain)


def md_code(text: object) -> str:
    """``text`` as inline code: shown verbatim in a monospace span, whatever it holds."""
    plain = _BREAKS.sub(" ", _INVISIBLE.sub("", str(text)))
    longest = max((len(run) for run in re.findall("`+", plain)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if plain.startswith("`") or plain.endswith("`") else ""
    return f"{fence}{pad}{plain}{pad}{fence}"


def csv_cell(value: object) -> object:
    """A value safe to write into a CSV that a spreadsheet will open.

    Text that would start a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) gets a
    leading apostrophe, the neutralisation spreadsheets themselves use; numbers stay numbers.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def file_stem(name: str) -> str:
    """A safe file name stem for a task or preset name."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
    return stem or "task"
