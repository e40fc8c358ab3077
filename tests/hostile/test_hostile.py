"""Every input of the hostile corpus, through every entry point it reaches: a message, never a
traceback, never a hang, and a bounded peak memory (issue 14 items 2, 3 and 12).

The corpus is in corpus.py; bench/bench_hostile.py reports the times and sizes. Each run is a
forked child; a child that does not answer within ``HANG_S`` is killed and counted as a hang
(a generous bound meant to catch unbounded work, not to time anything).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import corpus

HANG_S = 120.0
MAX_RSS_MB = 500.0


@pytest.fixture(scope="module")
def hostile() -> Iterator[corpus.Corpus]:
    corpus.warm_up()
    with corpus.Corpus() as cases:
        yield cases


def test_the_corpus_reaches_every_entry_point(hostile: corpus.Corpus) -> None:
    entries = {entry for _, entry in hostile.runs()}
    assert entries == {
        "validate",
        "convert",
        "params",
        "app-task-upload",
        "app-results-upload",
        "db-import",
        "db-import-autotuner",
    }
    assert len(hostile.runs()) >= 200


def test_no_traceback_no_hang_bounded_memory(hostile: corpus.Corpus, tmp_path: Path) -> None:
    failures = []
    for outcome in hostile.run_all(tmp_path, timeout=HANG_S):
        where = f"{outcome.case} via {outcome.entry}"
        if outcome.traceback:
            failures.append(f"{where}: traceback\n{outcome.traceback}")
        elif outcome.timed_out:
            failures.append(f"{where}: no answer within {HANG_S:.0f} s")
        elif outcome.peak_rss_mb > MAX_RSS_MB:
            failures.append(f"{where}: peak RSS {outcome.peak_rss_mb:.0f} MB")
        elif not outcome.message:
            failures.append(f"{where}: exit {outcome.exit} without a message")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("name", "entry", "expected"),
    [
        # item 2: refused before any heavy work, the limit and the field named
        ("tp-65000-values", "validate", "parallel_config.tp: 65,000 values; the limit is 1,000"),
        ("flags-100000", "params", "parameters: 100,001 entries; the limit is 1,000"),
        ("flag-1000000-values", "convert", "the limit is 4,194,304"),
        ("flag-1000000-values-compact-yaml", "app-task-upload", "more than 100,000 values"),
        ("grid-100-flags-x-900", "validate", "[limit-grid-points]"),
        ("in-limit-tp-1000-dp-1000", "validate", "more than the limit of 10,000 one rule"),
        # item 3: numbers from files
        ("tp-5000-digits-yaml", "validate", "a number with more than 4,300 digits"),
        ("flag-superscript-yaml", "validate", "'²' is not an integer written in ASCII digits"),
        ("flag-fullwidth-digits-yaml", "params", "'４' is not an integer written in ASCII digits"),
        ("concurrency-beyond-64-bits", "validate", "does not fit a 64-bit integer"),
        ("flag-1e400", "validate", "inf is not a finite number"),
        ("results-experiment-id-beyond-64-bits", "app-results-upload", "experiment_id"),
        (
            "backup-date-year-9999",
            "db-import",
            "tasks[0].updated_at: '9999-12-31T23:59:59-14:00' is out of range",
        ),
        ("backup-version-beyond-64-bits", "db-import", "tasks[0].version"),
        ("autotuner-nested-json-100000", "db-import-autotuner", "nested too deeply"),
        # item 12: refused, not stored
        ("engine-version-path", "validate", "error: engine_version: no flag manifest"),
        ("results-nan-metric", "app-results-upload", "nan is not a finite number"),
        ("results-1e400-metric", "app-results-upload", "inf is not a finite number"),
        ("results-negative-concurrency", "app-results-upload", "-3 is less than 1"),
        ("results-zero-duration", "app-results-upload", "0 is zero; it must be positive"),
        ("results-all-null", "app-results-upload", "holds no readable experiment"),
    ],
)
def test_refusals_name_the_limit_and_the_field(
    hostile: corpus.Corpus, tmp_path: Path, name: str, entry: str, expected: str
) -> None:
    outcome = hostile.run(name, entry, tmp_path, timeout=HANG_S)
    assert outcome.traceback is None
    # db import-autotuner skips what it cannot import, says why, and imports the rest
    refused = {"0"} if entry == "db-import-autotuner" else {"1", "2", "error"}
    assert outcome.exit in refused, outcome.message
    # The app shows messages as Markdown with the file's text escaped; read them as a user does.
    shown = (
        re.sub(r"\\(.)", r"\1", outcome.message) if entry.startswith("app-") else outcome.message
    )
    assert expected in shown
