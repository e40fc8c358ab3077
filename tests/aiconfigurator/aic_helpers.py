"""Shared data and an independent reading of aiconfigurator's files for the import tests.

The oracle reads the CSVs with the standard csv module and the saved configs with
yaml.safe_load, so the tests compare the importer against the files themselves rather than
against the importer's own parsing.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent.parent / "data" / "aiconfigurator"
FOLDERS = sorted(p for p in DATA.iterdir() if p.is_dir())
RESULT_FOLDERS = [p for p in FOLDERS if "-generate-" not in p.name]
GENERATE_FOLDERS = [p for p in FOLDERS if "-generate-" in p.name]


def folder_ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def result_tables(folder: Path) -> dict[str, list[dict[str, str]]]:
    """Every best_config_topn.csv / pareto.csv under ``folder`` by POSIX path relative to it."""
    return {p.relative_to(folder).as_posix(): csv_rows(p) for p in sorted(folder.rglob("*.csv"))}


def saved_settings(csv_path: Path, backend: str | None) -> dict[str, Any]:
    """The exp_config.yaml (or <backend>_exp_config.yaml) beside a result table."""
    folder = csv_path.parent
    for name in (f"{backend}_exp_config.yaml", "exp_config.yaml"):
        path = folder / name
        if path.exists():
            data: dict[str, Any] = yaml.safe_load(path.read_text())
            return data
    raise AssertionError(f"no saved settings beside {csv_path}")


def relative_source(candidate: Any, folder: Path) -> tuple[str, int]:
    """(file relative to the imported folder, 1-based row) of a table candidate."""
    source = candidate.source
    file = str(source["file"])
    prefix = f"{folder}:"
    assert file.startswith(prefix), file
    return file[len(prefix) :], int(source["row"])


def zip_folder(folder: Path, prefix: str = "") -> bytes:
    """The folder as a .zip, with every member under ``prefix`` (nesting depth)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, prefix + path.relative_to(folder).as_posix())
    return buffer.getvalue()


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def first(folder: Path, pattern: str) -> Path:
    found = sorted(folder.rglob(pattern))
    assert found, f"{pattern} not under {folder}"
    return found[0]
