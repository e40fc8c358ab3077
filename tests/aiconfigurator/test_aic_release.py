"""Which engine release a task from a lone aiconfigurator file targets: a lone CSV's rows name
it in their ``version`` column; a lone generator_config.yaml names none, so the newest
supported release is assumed with a warning."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from aic_helpers import DATA

from configlib.aiconfigurator import import_path, import_upload
from configlib.engines import supported_versions
from configlib.engines.releases import default_release, release_tag
from configlib.vocab import Runtime

BEST = next((DATA / "sglang-default-qwen3_32b-h200").rglob("agg/best_config_topn.csv"))
GENERATOR = next((DATA / "sglang-generate-qwen3_32b-h200").rglob("generator_config.yaml"))


def _with_version(version: str) -> bytes:
    rows = list(csv.reader(io.StringIO(BEST.read_text())))
    for row in rows[1:]:
        row[rows[0].index("version")] = version
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def test_a_lone_csv_takes_the_release_from_its_version_column(tmp_path: Path) -> None:
    older = supported_versions(Runtime.SGLANG)[0]
    assert older != default_release(Runtime.SGLANG)
    data = _with_version(older)
    path = tmp_path / "best_config_topn.csv"
    path.write_bytes(data)
    for result in (import_upload("best_config_topn.csv", data), import_path(path)):
        candidate = result.candidates[0]
        task = candidate.task
        assert task.engine_version == older
        assert task.runtime_image_tag == release_tag(Runtime.SGLANG, older)
        assert "aic-release-assumed" not in {f.code for f in candidate.findings}


def test_a_lone_generator_config_gets_the_newest_release_with_a_warning() -> None:
    result = import_path(GENERATOR)
    [candidate] = result.candidates
    newest = default_release(Runtime.SGLANG)
    assert candidate.task.engine_version == newest
    assert candidate.task.runtime_image_tag == release_tag(Runtime.SGLANG, newest)
    [warning] = [f for f in candidate.findings if f.code == "aic-release-assumed"]
    assert warning.severity == "warning" and newest in warning.message
