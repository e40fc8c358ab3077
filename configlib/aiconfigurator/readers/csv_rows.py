"""aiconfigurator result tables (best_config_topn.csv, pareto.csv) of any version 0.4-0.12.

The header decides the table kind: ``tp`` -> aggregated rows, ``(d)tp`` -> disaggregated rows.
Column sets grew over the releases (DOMAIN 2.8): every column is looked up by name, columns a
release did not write are simply absent, unknown columns are reported and ignored, and a
missing required column is an error that names it (and the unknown column it may have been
renamed to). Values are checked per column: a non-numeric cell, an empty cell, NaN or infinity
in a numeric column is an error naming the file, line and column.

Parsing goes through pandas' C reader; the slow csv-module scan only runs to locate a bad
cell for the error message.
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from configlib.aiconfigurator.limits import MAX_CSV_BYTES as MAX_CSV_BYTES
from configlib.aiconfigurator.limits import check_columns, check_rows, text_lines
from configlib.aiconfigurator.readers.csv_values import CellRules, data_lines, read_cells
from configlib.aiconfigurator.spec import PARALLEL_FIELDS
from configlib.bounds import limit
from configlib.findings import Finding
from configlib.io import InputError

AGG, DISAGG = "agg", "disagg"

#: Columns whose values are whole numbers, and the smallest value each may take.
_INTEGER_MINIMUM = {
    "isl": 1,
    "osl": 1,
    "prefix": 0,
    "tp": 1,
    "pp": 1,
    "dp": 1,
    "moe_tp": 1,
    "moe_ep": 1,
    "cp": 1,
    "num_total_gpus": 1,
    "bs": 0,
    "global_bs": 0,
    "replicas_needed": 0,
    "total_gpus_needed": 0,
}
for _role in ("(p)", "(d)"):
    for _name, _low in (
        ("tp", 1),
        ("pp", 1),
        ("dp", 1),
        ("moe_tp", 1),
        ("moe_ep", 1),
        ("cp", 1),
        ("workers", 1),
        ("bs", 0),
        ("global_bs", 0),
    ):
        _INTEGER_MINIMUM[_role + _name] = _low
for _name in ("workers", "tp", "pp", "bs"):
    _INTEGER_MINIMUM["(e)" + _name] = 0

#: The limit (configlib.bounds, docs/limits.md) of each numeric column by what it counts;
#: every other numeric column (latencies, throughputs, power) is bounded by ``metric``.
_BOUND_OF = {
    **{
        prefix + name: "gpus"
        for prefix in ("", "(p)", "(d)", "(e)")
        for name in (*PARALLEL_FIELDS, "workers", "num_total_gpus")
    },
    "replicas_needed": "gpus",
    "total_gpus_needed": "gpus",
    **dict.fromkeys(("isl", "osl", "prefix", "num_tokens", "ctx_tokens", "gen_tokens"), "tokens"),
    **{
        prefix + name: "requests"
        for prefix in ("", "(p)", "(d)", "(e)")
        for name in ("bs", "global_bs", "concurrency", "num_ctx_reqs", "num_gen_reqs")
    },
    **{prefix + "memory": "memory_gib" for prefix in ("", "(p)", "(d)", "(e)")},
    "encoder_memory": "memory_gib",
}
_MAXIMUM = {column: limit(name) for column, name in _BOUND_OF.items()}

_METRICS = (
    "concurrency",
    "request_rate",
    "ttft",
    "tpot",
    "request_latency",
    "encoder_latency",
    "encoder_memory",
    "seq/s",
    "seq/s/gpu",
    "tokens/s",
    "tokens/s/gpu",
    "tokens/s/user",
    "power_w",
    "tokens/s/gpu_cluster",
)
_QUANT = ("gemm", "kvcache", "fmha", "moe", "comm")

#: Numeric columns (besides the integer ones), per table kind.
_AGG_NUMERIC = (
    *_METRICS,
    "memory",
    "balance_score",
    "num_ctx_reqs",
    "num_gen_reqs",
    "num_tokens",
    "ctx_tokens",
    "gen_tokens",
)
_DISAGG_NUMERIC = (
    *_METRICS,
    "(p)seq/s/worker",
    "(d)seq/s/worker",
    "(p)memory",
    "(d)memory",
    "(e)memory",
)
_AGG_TEXT = ("model", "parallel", *_QUANT, "backend", "version", "system")
_DISAGG_TEXT = (
    "model",
    "backend",
    "(e)parallel",
    *(r + c for r in ("(p)", "(d)") for c in ("parallel", *_QUANT, "backend", "version", "system")),
)

_AGG_INTEGER = (
    "isl",
    "osl",
    "prefix",
    *PARALLEL_FIELDS,
    "num_total_gpus",
    "bs",
    "global_bs",
    "replicas_needed",
    "total_gpus_needed",
)
_DISAGG_INTEGER = (
    *(k for k in _INTEGER_MINIMUM if k.startswith(("(p)", "(d)", "(e)"))),
    "isl",
    "osl",
    "prefix",
    "num_total_gpus",
    "replicas_needed",
    "total_gpus_needed",
)

#: Without these a row cannot become a task.
REQUIRED = {
    AGG: ("isl", "osl", "ttft", "tpot", "tp", "pp"),
    DISAGG: ("isl", "osl", "ttft", "tpot", "(p)tp", "(p)pp", "(d)tp", "(d)pp"),
}
#: Written by every release since 0.4; absent means renamed or cut (reported).
_CORE = {
    AGG: (
        "model",
        "concurrency",
        "dp",
        "moe_tp",
        "moe_ep",
        "num_total_gpus",
        "tokens/s/gpu",
        "tokens/s/user",
        "gemm",
        "kvcache",
        "backend",
        "system",
    ),
    DISAGG: (
        "model",
        "concurrency",
        "(p)dp",
        "(d)dp",
        "(p)workers",
        "(d)workers",
        "num_total_gpus",
        "tokens/s/gpu",
        "tokens/s/user",
        "(d)gemm",
        "(d)kvcache",
        "(d)backend",
        "(d)system",
    ),
}
#: Text columns that are legitimately empty (e.g. no encoder pool).
_MAY_BE_EMPTY = frozenset(
    {
        "(e)parallel",
        "version",
        "(p)version",
        "(d)version",
        "parallel",
        "(p)parallel",
        "(d)parallel",
        *_QUANT,
        *(r + q for r in ("(p)", "(d)") for q in _QUANT),
    }
)

#: Other spellings of columns (lower-cased): our own metric names and obvious variants.
ALIASES = {
    "ttft_ms": "ttft",
    "tpot_ms": "tpot",
    "request_latency_ms": "request_latency",
    "tokens_per_s": "tokens/s",
    "tokens_per_s_per_gpu": "tokens/s/gpu",
    "tokens_per_s_per_user": "tokens/s/user",
    "tokens_per_s_per_gpu_cluster": "tokens/s/gpu_cluster",
    "requests_per_s": "seq/s",
    "seq_per_s": "seq/s",
    "requests_per_s_per_gpu": "seq/s/gpu",
    "memory_gib": "memory",
    "num_gpus_per_replica": "num_total_gpus",
    "tp_size": "tp",
    "pp_size": "pp",
    "dp_size": "dp",
    "batch_size": "bs",
    "global_batch_size": "global_bs",
    "backend_name": "backend",
    "system_name": "system",
    "model_path": "model",
    "model_name": "model",
}


def _spec(kind: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    if kind == AGG:
        return frozenset(_AGG_INTEGER), frozenset(_AGG_NUMERIC), frozenset(_AGG_TEXT)
    return frozenset(_DISAGG_INTEGER), frozenset(_DISAGG_NUMERIC), frozenset(_DISAGG_TEXT)


@dataclass
class ResultTable:
    """One parsed result table: columns by canonical name, one entry per data row."""

    source: str
    """File name (path inside the upload) used in messages."""
    kind: str
    """agg or disagg."""
    columns: dict[str, Any]
    """Canonical column name -> values: a numpy int64/float64 array for numbers, an object
    array of str (None for an empty cell) for text. Use ``get`` and ``values`` for Python
    values; converting 10,000 rows x 43 columns up front would cost more than parsing."""
    rows: int
    header: list[str]
    """The header as written."""
    text: str = field(repr=False)
    findings: list[Finding] = field(default_factory=list)
    _lines: list[int] | None = field(default=None, repr=False)

    def _column(self, column: str) -> Any:
        values = self.columns.get(column)
        if isinstance(values, pd.Series):
            values = values.to_numpy(dtype=object, na_value=None)
            self.columns[column] = values
        return values

    def get(self, column: str, row: int) -> Any:
        """One cell as a Python value (int, float, stripped str or None)."""
        values = self._column(column)
        if values is None:
            return None
        value = values[row]
        if isinstance(value, str):
            return value.strip()
        return value.item() if isinstance(value, np.generic) else value

    def array(self, column: str) -> np.ndarray[Any, Any] | None:
        """A numeric column as its numpy array (int64 or float64), or None."""
        values = self.columns.get(column)
        return values if isinstance(values, np.ndarray) and values.dtype != object else None

    def codes(self, column: str) -> tuple[np.ndarray[Any, Any], list[Any]]:
        """A text column as codes into its distinct (stripped) values; -1 for empty cells."""
        values = self.columns[column]
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        return codes, [u.strip() if isinstance(u, str) else u for u in list(uniques)]

    def values(self, column: str) -> list[Any] | None:
        """A whole column as Python values, or None when the table lacks it."""
        values = self._column(column)
        if values is None:
            return None
        out: list[Any] = values.tolist()
        if values.dtype == object:
            out = [v.strip() if isinstance(v, str) else v for v in out]
        return out

    def has(self, column: str) -> bool:
        return column in self.columns

    def line_of(self, row: int) -> int:
        """Physical line (1-based) where data row ``row`` (0-based) starts."""
        if self._lines is None:
            self._lines = [line for line, _ in data_lines(self.text)]
        return self._lines[row] if row < len(self._lines) else row + 2

    @property
    def version_hint(self) -> str:
        """aiconfigurator releases that write this column set (DOMAIN 2.8)."""
        cols = self.columns
        model = str(self.get("model", 0) or "") if "model" in cols else ""
        enum_model = bool(model) and "/" not in model and model.upper() == model
        if "(e)bs" in cols or "tokens/s/gpu_cluster" in cols:
            return ">=0.12" if self.kind == DISAGG or "cp" in cols else ">=0.11"
        if "cp" in cols or "(p)cp" in cols:
            return "0.10-0.11"
        if "request_latency" in cols:
            return "0.5-0.6" if enum_model else "0.5-0.9"
        return "0.4"


def _canonical(name: str, known: frozenset[str]) -> str | None:
    key = name.strip()
    lowered = key.lower()
    if key in known:
        return key
    if lowered in known:
        return lowered
    alias = ALIASES.get(lowered)
    return alias if alias in known else None


def _fail(source: str, message: str, line: int | None = None) -> InputError:
    return InputError(source, message, line)


def _header(text: str, source: str) -> list[str]:
    try:
        first = next(csv.reader(text_lines(text)), None)
    except csv.Error as error:
        raise _fail(source, f"unreadable CSV header: {error}", 1) from None
    if not first or all(not cell.strip() for cell in first):
        raise _fail(
            source,
            "no header line: an aiconfigurator result table starts with model,isl,osl,...",
            1,
        )
    return first


def read_table(text: str, source: str) -> ResultTable:
    """Parse and check one result table; ``InputError`` names the file, line and column.

    The stages: size, header, kind (agg or disagg), column names, the columns that must be
    there, then the cells.
    """
    if not text.strip():
        raise _fail(source, "empty file")
    if len(text) > MAX_CSV_BYTES:
        raise _fail(source, f"{len(text):,} characters; the limit is {MAX_CSV_BYTES:,}")
    header = _header(text, source)
    check_columns(header, source)
    kind = _kind(header, source)
    integers, numerics, texts = _spec(kind)
    mapping, unknown = _column_names(header, integers | numerics | texts, source)
    findings = _column_findings(kind, set(mapping.values()), unknown, source)
    check_rows(text, source, len(header))
    rules = CellRules(integers, numerics, _INTEGER_MINIMUM, _MAXIMUM, _MAY_BE_EMPTY)
    columns, rows = read_cells(text, source, header, mapping, rules)
    if rows == 0:
        raise _fail(source, "header only: the table has no rows", 1)
    return ResultTable(source, kind, columns, rows, header, text, findings)


def _kind(header: list[str], source: str) -> str:
    """agg or disagg, from the header's tp or (d)tp column; else why it is no result table."""
    stripped = [h.strip() for h in header]
    lowered = [h.lower() for h in stripped]
    if "(d)tp" in stripped or "(d)tp" in lowered:
        return DISAGG
    if "tp" in lowered or any(ALIASES.get(h) == "tp" for h in lowered):
        return AGG
    separator = next((sep for sep in ";\t|" if sep in stripped[0]), None)
    if len(stripped) == 1 and separator is not None:
        raise _fail(
            source,
            "not a comma-separated table: aiconfigurator writes commas, this header uses "
            f"{separator!r} (re-save it as CSV with commas)",
            1,
        )
    shown = ", ".join(name[:40] for name in stripped[:8])
    raise _fail(
        source,
        "not an aiconfigurator result table: the header has neither a tp "
        f"nor a (d)tp column (it has {shown}{', ...' if len(stripped) > 8 else ''})",
        1,
    )


def _column_names(
    header: list[str], known: frozenset[str], source: str
) -> tuple[dict[int, str], list[tuple[int, str]]]:
    """Each header column's canonical name (by index), and the columns no name matches."""
    mapping: dict[int, str] = {}
    unknown: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for index, name in enumerate(header):
        if not name.strip():
            raise _fail(source, f"column {index + 1} has no name in the header", 1)
        canonical = _canonical(name, known)
        if canonical is None:
            unknown.append((index, name))
            continue
        if canonical in seen:
            raise _fail(
                source,
                f"columns {seen[canonical] + 1} ({header[seen[canonical]]!r}) "
                f"and {index + 1} ({name!r}) both hold {canonical}",
                1,
            )
        seen[canonical] = index
        mapping[index] = canonical
    return mapping, unknown


def _column_findings(
    kind: str, present: set[str], unknown: list[tuple[int, str]], source: str
) -> list[Finding]:
    """A required column missing refuses the table; a core one missing or an unknown one
    is a warning."""
    missing = [c for c in REQUIRED[kind] if c not in present]
    if missing:
        raise _fail(source, _missing_message(missing, unknown, kind, required=True), 1)
    findings: list[Finding] = []
    core_missing = [c for c in _CORE[kind] if c not in present]
    if core_missing:
        message = _missing_message(core_missing, unknown, kind, required=False)
        findings.append(Finding("warning", source, "aic-column-missing", message))
    if unknown:
        names = ", ".join(f"{name!r} (column {i + 1})" for i, name in unknown)
        message = f"unknown column(s) {names} not imported"
        findings.append(Finding("warning", source, "aic-column-unknown", message))
    return findings


def _missing_message(
    missing: list[str], unknown: list[tuple[int, str]], kind: str, *, required: bool
) -> str:
    what = "required column(s)" if required else "column(s)"
    hints = []
    names = [name for _, name in unknown]
    for column in missing:
        close = difflib.get_close_matches(column, names, n=1, cutoff=0.5)
        if close:
            hints.append(f"{column!r} may be the column named {close[0]!r}")
    text = f"{kind} table: {what} {', '.join(repr(m) for m in missing)} missing"
    if not required:
        text += "; those values are not imported"
    if hints:
        text += " (" + "; ".join(hints) + ")"
    return text
