"""Hostile aiconfigurator uploads: work limits, output confinement (issue items 5 and 6).

Each input is small enough to upload and within every byte limit, yet would make the importer
do unbounded work; each must be refused with the limit named, before any task is built.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from aic_helpers import DATA

from configlib.aiconfigurator import import_path, import_upload, limits
from configlib.aiconfigurator.cli import confined, file_name
from configlib.cli import main
from configlib.io import InputError
from configlib.ui.importing import ImportSession

PARETO = next((DATA / "sglang-default-qwen3_32b-h200").rglob("agg/pareto.csv"))
HEADER, ROW = PARETO.read_text().splitlines()[:2]


def repeated_csv(size: int) -> bytes:
    """A valid pareto.csv of about ``size`` bytes: one real row, repeated."""
    row = (ROW + "\n").encode()
    return (HEADER + "\n").encode() + row * (size // len(row))


def bomb_zip() -> bytes:
    """The reported bomb: four 50 MB CSVs of repetitive text in a zip of under 1 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        body = repeated_csv(50_000_000)
        for index in range(4):
            archive.writestr(f"run/exp{index}/pareto.csv", body)
    return buffer.getvalue()


def _refusal(filename: str, data: bytes) -> str:
    with pytest.raises(InputError) as caught:
        import_upload(filename, data)
    return str(caught.value)


def test_the_reported_zip_bomb_is_refused_naming_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = bomb_zip()
    assert len(data) < 1_000_000
    assert "the limit is" in _refusal("save.zip", data)
    session = ImportSession.read("save.zip", data)
    assert session.result is None and session.error and "the limit is" in session.error
    path = tmp_path / "save.zip"
    path.write_bytes(data)
    assert main(["import-aic", "--list", str(path)]) == 2
    assert "the limit is" in capsys.readouterr().err


def test_one_member_past_its_size_or_compression_ratio_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("run/agg/pareto.csv", repeated_csv(limits.MAX_MEMBER_BYTES + 1))
    message = _refusal("one.zip", buffer.getvalue())
    assert "pareto.csv" in message and f"{limits.MAX_MEMBER_BYTES:,}" in message
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("run/agg/pareto.csv", b"0" * (4 * limits.RATIO_FREE_BYTES))
    message = _refusal("ratio.zip", buffer.getvalue())
    assert "compression ratio" in message and f"{limits.MAX_MEMBER_RATIO}" in message


def test_a_member_that_lies_about_its_size_stops_at_the_declared_size() -> None:
    body = repeated_csv(300_000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("run/agg/pareto.csv", body)
    data = bytearray(buffer.getvalue())
    declared = len(body).to_bytes(4, "little")
    small = (1000).to_bytes(4, "little")
    # The uncompressed size sits in the local header and again in the central directory.
    assert data.count(declared) == 2
    data = bytearray(bytes(data).replace(declared, small))
    message = _refusal("liar.zip", bytes(data))
    assert "declared size" in message or "cannot be read" in message or "corrupt" in message


def test_a_million_row_table_is_refused_by_rows(tmp_path: Path) -> None:
    path = tmp_path / "pareto.csv"
    path.write_bytes(repeated_csv(limits.MAX_CSV_BYTES - 1_000_000))
    expected = f"rows in one table: more than {limits.MAX_TABLE_ROWS:,}; the limit is"
    with pytest.raises(InputError, match=expected):
        import_path(path)
    with pytest.raises(InputError, match="rows in one table"):
        import_upload("pareto.csv", path.read_bytes())


def test_a_table_at_the_row_limit_is_accepted() -> None:
    data = (HEADER + "\n" + (ROW + "\n") * limits.MAX_TABLE_ROWS).encode()
    assert len(import_upload("pareto.csv", data).candidates) == limits.MAX_TABLE_ROWS
    with pytest.raises(InputError, match="rows in one table"):
        import_upload("pareto.csv", data + (ROW + "\n").encode())


def test_a_million_columns_are_refused_by_columns() -> None:
    header = ",".join(["tp", *(f"c{i}" for i in range(1_000_000))])
    data = (header + "\n" + ",".join(["1"] * 1_000_001) + "\n").encode()
    message = _refusal("wide.csv", data)
    assert "columns in one table: 1,000,001; the limit is 200" in message


def test_cells_over_all_tables_of_an_upload_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_UPLOAD_CELLS", 43 * 30)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(3):
            archive.writestr(f"run/e{index}/pareto.csv", repeated_csv(len(ROW) * 12))
    assert "cells in all tables of the upload" in _refusal("cells.zip", buffer.getvalue())


def test_candidates_per_upload_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_CANDIDATES", 10)
    message = _refusal("pareto.csv", repeated_csv(len(ROW) * 12))
    assert "candidates in the upload" in message and "the limit is 10" in message


def test_a_large_yaml_is_refused_before_parsing(tmp_path: Path) -> None:
    block = "e{n}:\n  serving_mode: agg\n  model_path: Qwen/Qwen3-32B\n  total_gpus: 8\n"
    text = "".join(block.format(n=n) for n in range(300_000))
    path = tmp_path / "big.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match="bytes in an aiconfigurator YAML file"):
        import_path(path)
    with pytest.raises(InputError, match=f"the limit is {limits.MAX_YAML_BYTES:,}"):
        import_upload("big.yaml", text.encode())


def test_a_folder_file_past_the_member_limit_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "run" / "agg"
    folder.mkdir(parents=True)
    (folder / "pareto.csv").write_bytes(repeated_csv(limits.MAX_MEMBER_BYTES + 1000))
    with pytest.raises(InputError, match="the limit is"):
        import_path(tmp_path / "run")


# ---- --out stays inside the output folder (item 6) ------------------------------------------


def _exp_yaml(name: str) -> str:
    return (
        f"{name!s}:\n  serving_mode: agg\n  model_path: Qwen/Qwen3-32B\n  system_name: h200_sxm\n"
        "  backend_name: sglang\n  total_gpus: 8\n  isl: 2048\n  osl: 512\n"
        "  agg_tp_candidates: [2]\n"
    )


@pytest.mark.parametrize(
    "experiment",
    ["'../escaped'", "'aiconfig/../../escaped'", "'/tmp/escaped-abs'", "'..'", "'sub/dir'"],
)
def test_import_writes_only_inside_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], experiment: str
) -> None:
    source = tmp_path / "in" / "exp.yaml"
    source.parent.mkdir()
    source.write_text(_exp_yaml(experiment))
    out = tmp_path / "deep" / "out"
    (out / "sub").mkdir(parents=True)
    (tmp_path / "deep" / "aiconfig").mkdir()
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    code = main(["import-aic", str(source), "--out", str(out), "--force"])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    written = {p for p in tmp_path.rglob("*") if p.is_file()} - before
    assert written, captured.err
    assert all(p.parent == out for p in written), written
    assert not Path("/tmp/escaped-abs.json").exists()


def test_a_symbolic_link_in_out_is_not_followed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.json"
    victim.write_text("keep")
    os.symlink(victim, out / "task.json")
    with pytest.raises(InputError, match="symbolic link"):
        confined(out, file_name("task", "json"))
    assert victim.read_text() == "keep"


def test_file_names_cannot_climb() -> None:
    for name in ("../x", "..", "/etc/passwd", "a\\..\\b", "a\x00b", ".hidden"):
        made = file_name(name, "json")
        assert "/" not in made and "\\" not in made and not made.startswith(".")


def test_the_import_table_builds_no_task_until_one_is_opened() -> None:
    session = ImportSession.read("pareto.csv", repeated_csv(len(ROW) * 300))
    rows = session.rows()
    assert len(rows) == len(session.candidates) > 250
    assert session.rows() is rows  # made once per reading
    assert all(c._built is None for c in session.candidates)
    first = session.candidates[0]
    assert first.task.task_name == rows[0]["name"]
    assert rows[0]["runtime"] == first.task.base_runtime.value
    assert rows[0]["tp"] == ", ".join(map(str, first.task.parallel_config.tp))
    assert sum(c._built is not None for c in session.candidates) == 1


def test_yaml_members_are_bounded_each_and_together(tmp_path: Path) -> None:
    block = "e{n}:\n  serving_mode: agg\n  model_path: Qwen/Qwen3-32B\n  total_gpus: 8\n"
    big = "".join(block.format(n=n) for n in range(20_000)).encode()
    assert len(big) > limits.MAX_YAML_BYTES
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("inputs/exp.yaml", big)
    message = _refusal("one.zip", buffer.getvalue())
    assert "exp.yaml" in message and f"{limits.MAX_YAML_BYTES:,}" in message
    # Many YAML files each under the limit: the upload's parsing budget refuses them.
    line = b"key%d: [1, 2, 3]\n"
    part = b"".join(line % n for n in range(limits.MAX_YAML_BYTES // 20))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(limits.MAX_UPLOAD_YAML_BYTES // len(part) + 1):
            archive.writestr(f"inputs/exp{index}.yaml", part)
    assert "bytes of YAML parsed for the upload" in _refusal("many.zip", buffer.getvalue())


def test_deeply_nested_yaml_is_refused_not_a_crash(tmp_path: Path) -> None:
    from configlib.io import MAX_YAML_DEPTH

    for text in ("[" * 200_000 + "]" * 200_000, "- " * 100_000 + "x", "{a: " * 50_000 + "1"):
        message = _refusal("deep.yaml", text.encode())
        assert f"nested more than {MAX_YAML_DEPTH} levels" in message
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("run/agg/best_config_topn.csv", PARETO.read_bytes())
        archive.writestr("run/agg/exp_config.yaml", "[" * 100_000 + "]" * 100_000)
    result = import_upload("deep.zip", buffer.getvalue())  # the table still imports
    assert any("nested more than" in f.message for f in result.findings)


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_rows_are_counted_whatever_the_line_ends(end: str) -> None:
    rows = [HEADER, *([ROW] * (limits.MAX_TABLE_ROWS + 1))]
    with pytest.raises(InputError, match="rows in one table"):
        import_upload("pareto.csv", end.join(rows).encode())
    assert len(import_upload("pareto.csv", end.join(rows[:-1]).encode()).candidates) == (
        limits.MAX_TABLE_ROWS
    )
