"""The cells of a result table: parsed, typed and checked, with errors naming line and column.

Two readers give the same arrays and the same errors: pandas' C parser for big tables, and the
csv module for small ones, where pandas' fixed cost per file and per column is larger than the
whole parse (a reference folder's tables have 2-60 rows; a pareto.csv can have 10,000).
Empty cells and pandas' default NA strings count as missing in both.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from configlib.bounds import limit
from configlib.io import InputError

#: Below this many characters a table is read with the csv module.
SMALL_TABLE_CHARS = 64 * 1024
#: Cells pandas reads as missing by default (read_csv documentation); the small reader agrees.
NA_STRINGS = frozenset(
    {
        "",
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
    }
)
#: Largest value of a numeric column without a limit of its own (configlib.bounds).
LARGEST_METRIC = limit("metric")
_MISSING = "{value!r} is not a value (empty or NaN); every row needs one"


def data_lines(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of each non-blank data row, as pandas counts them."""
    reader = csv.reader(io.StringIO(text))
    first = True
    for fields in reader:
        start = reader.line_num - max(0, sum(f.count("\n") for f in fields))
        if not fields or (len(fields) <= 1 and all(not f.strip() for f in fields)):
            continue
        if first:
            first = False
            continue
        yield start, fields


@dataclass(frozen=True)
class CellRules:
    """What each canonical column must hold."""

    integers: frozenset[str]
    numerics: frozenset[str]
    minimum: dict[str, int]
    """Smallest value of a whole-number column."""
    maximum: dict[str, int]
    """Largest value of a numeric column (configlib.bounds: GPU counts 65,536, ...); columns
    not named here are bounded by the ``metric`` limit."""
    may_be_empty: frozenset[str]
    """Text columns whose cells may be empty."""


def read_cells(
    text: str, source: str, header: list[str], mapping: dict[int, str], rules: CellRules
) -> tuple[dict[str, Any], int]:
    """Canonical column -> numpy array (int64, float64, or object str/None), and the row count."""
    if len(text) < SMALL_TABLE_CHARS:
        return _read_small(text, source, header, mapping, rules)
    return _read_big(text, source, header, mapping, rules)


# ---- Shared checks --------------------------------------------------------------------------


def _fail(source: str, message: str, line: int | None = None) -> InputError:
    return InputError(source, message, line)


def _first(mask: Any) -> int:
    return int(np.flatnonzero(mask)[0])


def _bad_cell(
    text: str, source: str, header: list[str], index: int, row: int, problem: str
) -> InputError:
    """Locate data row ``row`` in the raw text for a precise error."""
    for number, (line, fields) in enumerate(data_lines(text)):
        if number == row:
            if index >= len(fields):
                return _fail(
                    source,
                    f"column {header[index]!r} (column {index + 1}) has no value: the row has "
                    f"{len(fields)} fields, the header {len(header)}",
                    line,
                )
            return _fail(
                source,
                f"column {header[index]!r} (column {index + 1}): "
                f"{problem.format(value=fields[index])}",
                line,
            )
    return _fail(
        source, f"column {header[index]!r}: {problem.format(value='?')} (data row {row + 1})"
    )


def _checked(
    array: np.ndarray[Any, Any],
    name: str,
    index: int,
    header: list[str],
    text: str,
    source: str,
    rules: CellRules,
) -> np.ndarray[Any, Any]:
    """A float column checked for its kind; whole-number columns come back as int64."""
    whole = name in rules.integers
    checks: list[tuple[np.ndarray[Any, Any], str]] = [
        (np.isnan(array), _MISSING),
        (np.isinf(array), "{value!r} is not finite"),
    ]
    low = rules.minimum.get(name)
    high = rules.maximum.get(name, LARGEST_METRIC)
    with np.errstate(invalid="ignore"):
        if whole:
            checks.append((np.floor(array) != array, "{value!r} is not a whole number"))
            if low is not None:
                checks.append(
                    (array < low, f"{{value!r}} is below the smallest allowed value {low}")
                )
        else:
            checks.append((array < 0, "{value!r} is negative"))
        checks.append(
            (
                array > high,
                f"{{value!r}} is above the largest allowed value {high:,} (docs/limits.md)",
            )
        )
    for mask, problem in checks:
        if mask.any():
            raise _bad_cell(text, source, header, index, _first(mask), problem)
    result: np.ndarray[Any, Any] = array.astype(np.int64) if whole else array
    return result


def _empty_text(
    empty: np.ndarray[Any, Any],
    name: str,
    index: int,
    header: list[str],
    text: str,
    source: str,
    rules: CellRules,
) -> None:
    if empty.any() and name not in rules.may_be_empty:
        raise _bad_cell(
            text, source, header, index, _first(empty), "{value!r} is empty; a value is needed"
        )


# ---- Small tables: the csv module -----------------------------------------------------------


def _read_small(
    text: str, source: str, header: list[str], mapping: dict[int, str], rules: CellRules
) -> tuple[dict[str, Any], int]:
    width = len(header)
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text))
    header_seen = False
    try:
        for fields in reader:
            if not fields or (len(fields) <= 1 and not fields[0].strip()):
                continue
            if not header_seen:
                header_seen = True
                continue
            if len(fields) > width:
                start = reader.line_num - sum(f.count("\n") for f in fields)
                raise _fail(
                    source,
                    f"malformed CSV row: expected {width} fields, saw {len(fields)} (the header "
                    f"has {width} columns)",
                    start,
                )
            records.append(fields + [""] * (width - len(fields)))
    except csv.Error as error:
        raise _fail(source, f"unreadable CSV: {error}", reader.line_num) from None
    body = records
    if not body:
        return {}, 0
    columns = list(zip(*body, strict=True))
    out: dict[str, Any] = {}
    for index, name in mapping.items():
        cells = columns[index]
        if name in rules.integers or name in rules.numerics:
            out[name] = _checked(
                _floats(cells, index, header, text, source),
                name,
                index,
                header,
                text,
                source,
                rules,
            )
        else:
            missing = [c.strip() in NA_STRINGS for c in cells]
            values = np.array(
                [None if gone else c for c, gone in zip(cells, missing, strict=True)], dtype=object
            )
            _empty_text(np.array(missing), name, index, header, text, source, rules)
            out[name] = values
    return out, len(body)


def _floats(
    cells: tuple[str, ...], index: int, header: list[str], text: str, source: str
) -> np.ndarray[Any, Any]:
    try:
        array: np.ndarray[Any, Any] = np.array(cells, dtype=float)
    except ValueError:
        array = np.empty(len(cells))
        for row, cell in enumerate(cells):
            stripped = cell.strip()
            if stripped in NA_STRINGS:
                array[row] = np.nan
                continue
            try:
                array[row] = float(stripped)
            except ValueError:
                raise _bad_cell(
                    text, source, header, index, row, "{value!r} is not a number"
                ) from None
    return array


# ---- Big tables: pandas ---------------------------------------------------------------------


def _read_big(
    text: str, source: str, header: list[str], mapping: dict[int, str], rules: CellRules
) -> tuple[dict[str, Any], int]:
    frame = _read_frame(text, source, header)
    dtypes = list(frame.dtypes)
    texts = [
        i
        for i, name in mapping.items()
        if name not in rules.integers and name not in rules.numerics
    ]
    numeric_text = [
        i
        for i in texts
        if pd.api.types.is_numeric_dtype(dtypes[i]) and not frame.iloc[:, i].isna().all()
    ]
    if numeric_text:
        # A text column that looks numeric (a perf-DB version such as 0.20) is read again as
        # text, so it does not turn into the float 0.2.
        again = _read_frame(text, source, header, usecols=numeric_text)
        for position, i in enumerate(numeric_text):
            frame[frame.columns[i]] = again.iloc[:, position]
    columns = _numeric_block(frame, mapping, header, text, source, rules)
    for index, (_, series) in enumerate(frame.items()):
        name = mapping.get(index)
        if name is None or name in columns:
            continue
        if name in rules.integers or name in rules.numerics:
            columns[name] = _numeric(series, name, index, header, text, source, rules)
        else:
            empty = series.isna().to_numpy()
            _empty_text(empty, name, index, header, text, source, rules)
            columns[name] = series  # made an object array when first read (ResultTable)
    return columns, len(frame)


def _read_frame(
    text: str, source: str, header: list[str], usecols: list[int] | None = None
) -> pd.DataFrame:
    try:
        return pd.read_csv(
            io.StringIO(text),
            header=0,
            usecols=usecols,
            dtype=str if usecols else None,
            keep_default_na=True,
            low_memory=False,
        )
    except pd.errors.ParserError as error:
        message = str(error).strip()
        detail = message.split(". ", 1)[-1] if "C error" in message else message
        raise _fail(
            source,
            f"malformed CSV row: {detail} (the header has {len(header)} columns)",
            _line_in(message),
        ) from None
    except (pd.errors.EmptyDataError, ValueError, csv.Error) as error:
        raise _fail(source, f"unreadable CSV: {error}") from None


def _line_in(message: str) -> int | None:
    words = message.replace(",", " ").split()
    for before, word in itertools.pairwise(words):
        if before == "line" and word.isdigit():
            return int(word)
    return None


def _numeric(
    series: pd.Series,
    name: str,
    index: int,
    header: list[str],
    text: str,
    source: str,
    rules: CellRules,
) -> np.ndarray[Any, Any]:
    if pd.api.types.is_bool_dtype(series.dtype):
        raise _bad_cell(text, source, header, index, 0, "{value!r} is not a number")
    if not pd.api.types.is_numeric_dtype(series.dtype):
        # Text in a numeric column (pandas 3 reads it as its string dtype, older as object).
        converted = pd.to_numeric(series.astype(object), errors="coerce")
        bad = converted.isna() & series.notna()
        if bad.any():
            raise _bad_cell(
                text, source, header, index, _first(bad.to_numpy()), "{value!r} is not a number"
            )
        series = converted
    return _checked(series.to_numpy(dtype=float), name, index, header, text, source, rules)


def _numeric_block(
    frame: pd.DataFrame,
    mapping: dict[int, str],
    header: list[str],
    text: str,
    source: str,
    rules: CellRules,
) -> dict[str, Any]:
    """Every column pandas already read as numbers, checked in one 2-D pass; columns with a
    problem are left to ``_numeric``, which finds and names the bad cell."""
    dtypes = list(frame.dtypes)
    picked = [
        i
        for i, name in mapping.items()
        if (name in rules.integers or name in rules.numerics)
        and pd.api.types.is_numeric_dtype(dtypes[i])
        and not pd.api.types.is_bool_dtype(dtypes[i])
    ]
    if not picked:
        return {}
    block = frame.iloc[:, picked].to_numpy(dtype=float)
    whole = np.array([mapping[i] in rules.integers for i in picked])
    low = np.array(
        [rules.minimum.get(mapping[i], 0) if mapping[i] in rules.integers else 0 for i in picked],
        dtype=float,
    )
    high = np.array(
        [rules.maximum.get(mapping[i], LARGEST_METRIC) for i in picked],
        dtype=float,
    )
    with np.errstate(invalid="ignore"):
        bad = (
            ~np.isfinite(block)
            | (whole & (np.floor(block) != block))
            | (block < low)
            | (block > high)
        )
    broken = bad.any(axis=0)
    out: dict[str, Any] = {}
    for position, index in enumerate(picked):
        if not broken[position]:
            column = block[:, position]
            out[mapping[index]] = column.astype(np.int64) if whole[position] else column
    return out
