"""Numbers past sane limits in aiconfigurator files: refused naming file:line (CSV) or the YAML
key and the limit (configlib.bounds), never a traceback and never imported."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from aic_helpers import DATA

from configlib.aiconfigurator import import_path, import_upload
from configlib.bounds import limit
from configlib.cli import main
from configlib.io import InputError

BEST = next((DATA / "sglang-default-qwen3_32b-h200").rglob("agg/best_config_topn.csv"))
GENERATOR = next((DATA / "sglang-generate-qwen3_32b-h200").rglob("generator_config.yaml"))


def _table(column: str, value: str) -> bytes:
    rows = list(csv.reader(io.StringIO(BEST.read_text())))
    rows[2][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


@pytest.mark.parametrize(
    ("column", "value", "bound"),
    [
        ("tp", "70000", "gpus"),
        ("num_total_gpus", "1e9", "gpus"),
        ("isl", "100000000000", "tokens"),
        ("prefix", "2000000000", "tokens"),
        ("bs", "999999999999", "requests"),
        ("concurrency", "1e300", "requests"),
        ("memory", "1e300", "memory_gib"),
        ("ttft", "1e308", "metric"),
        ("tokens/s/gpu", "1e13", "metric"),
    ],
)
def test_a_cell_past_its_limit_refuses_the_table_naming_file_and_line(
    reader: str, column: str, value: str, bound: str
) -> None:
    with pytest.raises(InputError) as caught:
        import_upload("best_config_topn.csv", _table(column, value))
    message = str(caught.value)
    assert message.startswith("best_config_topn.csv:3: ")
    assert f"column {column!r}" in message and f"{limit(bound):,}" in message


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_nan_and_infinity_are_refused(reader: str, value: str) -> None:
    with pytest.raises(InputError) as caught:
        import_upload("best_config_topn.csv", _table("ttft", value))
    assert str(caught.value).startswith("best_config_topn.csv:3: column 'ttft'")


def test_values_at_the_limits_are_accepted(reader: str) -> None:
    data = _table("isl", str(limit("tokens")))
    assert len(import_upload("best_config_topn.csv", data).candidates) > 1


@pytest.mark.parametrize(
    ("old", "new", "key", "bound"),
    [
        ("  isl: 4000", "  isl: 100000000000000", "SlaConfig.isl", "tokens"),
        ("  agg_workers: 8", "  agg_workers: 900000000000", "WorkerConfig.agg_workers", "gpus"),
        ("  - 256", "  - 1.0e+300", "BenchConfig.concurrency", "requests"),
        ("  osl: 1000", "  osl: 1000\n  ttft: 1.0e+200\n  tpot: 20", "SlaConfig.ttft", "metric"),
    ],
)
def test_a_yaml_value_past_its_limit_is_refused_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, key: str, bound: str
) -> None:
    text = GENERATOR.read_text()
    assert f"\n{old}\n" in text
    path = tmp_path / "generator_config.yaml"
    path.write_text(text.replace(f"\n{old}\n", f"\n{new}\n", 1))
    with pytest.raises(InputError) as caught:
        import_path(path)
    assert key in str(caught.value) and f"{limit(bound):,}" in str(caught.value)
    assert main(["import-aic", "--list", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and key in captured.err and "Traceback" not in captured.err


def test_a_yaml_syntax_error_in_a_folder_names_the_file_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "run"
    (folder / "x").mkdir(parents=True)
    (folder / "x" / "generator_config.yaml").write_text("ServiceConfig:\n  model_path: [a\n")
    with pytest.raises(InputError) as caught:
        import_path(folder)
    message = str(caught.value)
    assert message.count("generator_config.yaml") == 1 and message.count(str(folder)) == 1
    assert "invalid YAML" in message
    assert main(["import-aic", "--list", str(folder)]) == 2
    assert capsys.readouterr().err.count(str(folder)) == 1
