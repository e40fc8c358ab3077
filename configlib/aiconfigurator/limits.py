"""How much work one aiconfigurator upload may cause: bytes, and rows, columns, cells, candidates.

A byte limit alone does not bound the work: a 900 KB zip of repetitive text unpacks to 200 MB,
and a 50 MB CSV holds a million rows. Every limit here is checked while the input is read
(members while they are decompressed, rows while they are counted, before pandas parses a
table and before any candidate or task exists), and a refusal names the limit.
docs/limits.md lists them for users.

Real outputs are far below every limit: a ``cli default`` save-dir holds a few dozen small
files, its largest table a ``pareto.csv`` of a few thousand rows of 43 columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from configlib.io import InputError

MB = 1024 * 1024

#: Largest .zip accepted, in bytes.
MAX_ZIP_BYTES = 50 * MB
#: Most entries (files and folders) an archive or folder may hold.
MAX_MEMBERS = 10_000
#: Most bytes the read files of one archive or folder may unpack to, in total.
MAX_UNPACKED_BYTES = 100 * MB
#: Most bytes one file inside an archive or folder may unpack to.
MAX_MEMBER_BYTES = 20 * MB
#: Largest ratio of unpacked to packed size of one archive member ...
MAX_MEMBER_RATIO = 100
#: ... once it unpacks to more than this (small files may compress better).
RATIO_FREE_BYTES = 1 * MB
#: Largest lone CSV file, in bytes.
MAX_CSV_BYTES = 50 * MB
#: Largest aiconfigurator YAML file (exp_config, generator_config, k8s manifests, `cli exp`
#: input, design); in an archive or folder a larger YAML member refuses the upload.
MAX_YAML_BYTES = MB // 2
#: Most YAML text one upload may have parsed up front (settings, generator configs, documents);
#: a candidate's own launch files are read when it is opened, each within MAX_YAML_BYTES.
MAX_UPLOAD_YAML_BYTES = 1 * MB
#: Most data rows in one result table.
MAX_TABLE_ROWS = 10_000
#: Most columns in one result table (aiconfigurator 0.12 writes 43).
MAX_TABLE_COLUMNS = 200
#: Most cells (rows x columns) over all tables of one upload.
MAX_UPLOAD_CELLS = 2_000_000
#: Most candidates one upload may list.
MAX_CANDIDATES = 10_000


class UploadLimitError(InputError):
    """The upload would exceed a work limit; the whole upload is refused."""


def over(source: str, what: str, seen: int | str, limit: int, unit: str = "") -> UploadLimitError:
    """The refusal for ``what`` (e.g. "rows in one table") with the figure and the limit."""
    suffix = f" {unit}" if unit else ""
    shown = f"{seen:,}" if isinstance(seen, int) else seen
    return UploadLimitError(
        source, f"{what}: {shown}{suffix}; the limit is {limit:,}{suffix} (docs/limits.md)"
    )


@dataclass
class Budget:
    """What one upload has used so far; each ``take_*`` raises once a limit would be passed."""

    label: str
    cells: int = 0
    candidates: int = 0
    yaml_bytes: int = 0

    def take_cells(self, source: str, cells: int) -> None:
        self.cells += cells
        if self.cells > MAX_UPLOAD_CELLS:
            raise over(source, "cells in all tables of the upload", self.cells, MAX_UPLOAD_CELLS)

    def take_yaml(self, source: str, size: int) -> None:
        self.yaml_bytes += size
        if self.yaml_bytes > MAX_UPLOAD_YAML_BYTES:
            raise over(
                source,
                "bytes of YAML parsed for the upload",
                self.yaml_bytes,
                MAX_UPLOAD_YAML_BYTES,
            )

    def take_candidates(self, source: str, count: int) -> None:
        self.candidates += count
        if self.candidates > MAX_CANDIDATES:
            raise over(source, "candidates in the upload", self.candidates, MAX_CANDIDATES)


def check_rows(text: str, source: str, columns: int) -> None:
    """Refuse a table of more than ``MAX_TABLE_ROWS`` data rows or ``MAX_UPLOAD_CELLS`` cells,
    counting no further than needed.

    Physical lines bound the records from above, so most tables pass on one ``str.count``;
    only a table with more lines than that is scanned record by record (quoted cells may span
    lines), and the scan stops at the first record past a limit.
    """
    # Data rows are at most the line ends (the last line may lack one; the header is a line).
    rows = text.count("\n") + text.count("\r")
    if rows <= MAX_TABLE_ROWS and rows * columns <= MAX_UPLOAD_CELLS:
        return
    import csv

    records = -1  # the header is not a data row
    reader = csv.reader(text_lines(text))
    try:
        for fields in reader:
            if not fields or (len(fields) <= 1 and not fields[0].strip()):
                continue
            records += 1
            if records > MAX_TABLE_ROWS:
                raise over(
                    source, "rows in one table", f"more than {MAX_TABLE_ROWS:,}", MAX_TABLE_ROWS
                )
            if records * columns > MAX_UPLOAD_CELLS:
                raise over(
                    source,
                    f"cells in one table ({columns:,} columns)",
                    f"more than {MAX_UPLOAD_CELLS:,}",
                    MAX_UPLOAD_CELLS,
                )
    except csv.Error:
        return  # the parser that follows names the broken line


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def text_lines(text: str) -> Iterator[str]:
    """The lines of ``text`` (each with its line end: LF, CRLF or a lone CR, all of which CSV
    readers accept), one at a time: ``io.StringIO`` would copy the whole text into a buffer
    four times its size before the first line is read."""
    for match in _LINE.finditer(text):
        yield match.group()


def check_columns(header: list[str], source: str) -> None:
    if len(header) > MAX_TABLE_COLUMNS:
        raise over(source, "columns in one table", len(header), MAX_TABLE_COLUMNS)
