"""The one typed boundary for numbers read from files: ASCII digits, finite, 64-bit, in range.

Python's ``int()`` and ``float()`` accept more than a task or results file should hold:
superscript and full-width digits (``int('４')`` is 4, ``'²'.isdigit()`` is true yet ``int('²')``
fails), integers of thousands of digits (beyond 4,300 digits ``int()`` raises), and ``nan``,
``inf`` or ``1e400`` (which overflows to infinity). Every reader of numbers from files calls
these helpers, which return a value or a one-line reason, never raise.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

#: Smallest and largest integer a file may hold: a signed 64-bit integer, what the store keeps.
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
#: Most characters in a number written as text (a 64-bit integer has 19 digits).
MAX_NUMBER_CHARS = 64

_ASCII_INT = re.compile(r"[+-]?[0-9]+")
_ASCII_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


@dataclass(frozen=True)
class NumberProblem:
    """Why a value is not an acceptable number."""

    reason: str

    def __bool__(self) -> bool:
        return False


def parse_int(text: str) -> int | NumberProblem:
    """An integer from text written in ASCII digits that fits 64 bits."""
    stripped = text.strip()
    if len(stripped) > MAX_NUMBER_CHARS:
        return NumberProblem(f"a number of {len(stripped):,} characters; at most 19 digits")
    if not _ASCII_INT.fullmatch(stripped):
        if stripped and not stripped.isascii():
            return NumberProblem(f"{stripped!r} is not written in ASCII digits 0-9")
        return NumberProblem(f"{stripped!r} is not a whole number")
    return check_int(int(stripped))


def parse_float(text: str) -> float | NumberProblem:
    """A finite float from text written in ASCII (no nan, inf or overflow to infinity)."""
    stripped = text.strip()
    if len(stripped) > MAX_NUMBER_CHARS:
        return NumberProblem(f"a number of {len(stripped):,} characters")
    if not _ASCII_FLOAT.fullmatch(stripped):
        if stripped and not stripped.isascii():
            return NumberProblem(f"{stripped!r} is not written in ASCII digits 0-9")
        return NumberProblem(f"{stripped!r} is not a finite number")
    return check_float(float(stripped))


def check_int(value: int) -> int | NumberProblem:
    """The integer when it fits a signed 64-bit integer."""
    if INT64_MIN <= value <= INT64_MAX:
        return value
    return NumberProblem(f"{_short(value)} does not fit a 64-bit integer (at most {INT64_MAX:,})")


def check_float(value: float) -> float | NumberProblem:
    """The float when it is finite."""
    if math.isfinite(value):
        return value
    return NumberProblem(f"{value} is not a finite number")


def check_number(value: Any) -> int | float | NumberProblem:
    """A JSON/YAML number (not a boolean) that is finite and, when whole, fits 64 bits."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return NumberProblem(f"{_short(value)} is not a number")
    if isinstance(value, int):
        return check_int(value)
    return check_float(value)


#: Allowed range per kind of metric: (lowest, whether the lowest is allowed).
_RANGES: dict[str, tuple[float, bool]] = {
    "non-negative": (0.0, True),
    "positive": (0.0, False),
}


def check_range(value: float, kind: str) -> str | None:
    """Why ``value`` is outside the range of ``kind`` (non-negative or positive), else None."""
    low, inclusive = _RANGES[kind]
    if value > low or (inclusive and value == low):
        return None
    return (
        f"{value:g} is {'negative' if value < 0 else 'zero'}; it must be {kind.replace('-', ' ')}"
    )


def _short(value: Any) -> str:
    """A number or value shown in a message, cut short (a 5,000-digit integer is not printed)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > 200:
            return f"an integer of about {int(value.bit_length() * 0.30103):,} digits"
        return str(value)
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
