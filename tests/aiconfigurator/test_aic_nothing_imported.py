"""An import with no importable rows: the refusal names the first problem (file:line) and how
many rows were refused, from the command line and the app alike."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from aic_helpers import DATA

from configlib.aiconfigurator import import_path, import_upload
from configlib.cli import main
from configlib.io import InputError
from configlib.ui.importing import ImportSession

BEST = next((DATA / "sglang-default-qwen3_32b-h200").rglob("agg/best_config_topn.csv"))


def _every_backend(value: str) -> tuple[bytes, int]:
    rows = list(csv.reader(io.StringIO(BEST.read_text())))
    for row in rows[1:]:
        row[rows[0].index("backend")] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode(), len(rows) - 1


def test_no_importable_row_names_the_first_and_counts_the_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, count = _every_backend("tensorrt")
    assert count > 1
    with pytest.raises(InputError) as caught:
        import_upload("best_config_topn.csv", data)
    message = str(caught.value)
    assert message.startswith("best_config_topn.csv:2: ")
    assert f"{count} rows refused" in message and "'tensorrt'" in message
    session = ImportSession.read("best_config_topn.csv", data)
    assert session.result is None and session.error == message
    path = tmp_path / "best_config_topn.csv"
    path.write_bytes(data)
    assert main(["import-aic", "--list", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2: " in err and f"{count} rows refused" in err


def test_a_folder_of_unreadable_files_counts_them(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "generator_config.yaml").write_text("ServiceConfig: [x\n")
    with pytest.raises(InputError) as caught:
        import_path(tmp_path)
    message = str(caught.value)
    assert f"{tmp_path}:a/generator_config.yaml:2: " in message
    assert "2 files refused" in message and message.count(str(tmp_path)) == 1
