"""What every ``configlib`` subcommand shares: exit codes, argument types, and how failures,
findings and output files are reported.

Exit codes: 0 ok, 1 validation errors (or, for import-aic, some candidates not written),
2 unreadable input or bad usage (one line saying why).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from configlib.findings import Finding, unique

OK, INVALID, UNUSABLE = 0, 1, 2
#: import-aic and export-aic: errors in the input, or some candidates not written.
PARTIAL = INVALID


class UsageError(Exception):
    """Bad arguments or unusable input: exit 2 with this message."""


def fail(message: str) -> int:
    """Say why the input is unusable, on stderr; the exit code to return."""
    print(f"configlib: {message}", file=sys.stderr)
    return UNUSABLE


def print_findings(findings: Sequence[Finding], stream: TextIO | None = None) -> None:
    """One finding per line (stderr unless ``stream`` is given), so results can be piped;
    a finding several steps reported is printed once."""
    for finding in unique(findings):
        print(str(finding), file=stream or sys.stderr)


def write_output(path: str | None, text: str) -> str | None:
    """Write ``text`` to ``path`` (stdout when None or empty); why that failed, else None."""
    if not path:
        sys.stdout.write(text)
        return None
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        return f"{path}: {error.strerror or error}"
    return None


def _whole_number(text: str, least: int, below: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < least:
        raise argparse.ArgumentTypeError(below)
    return value


def positive_int(text: str) -> int:
    """argparse type for a whole number >= 1 (shared by every subcommand)."""
    return _whole_number(text, 1, "must be at least 1")


def point_number(text: str) -> int:
    """argparse type for a grid point's number, counted from 0."""
    return _whole_number(text, 0, "points are numbered from 0")
