"""The hostile-input corpus (tests/hostile/corpus.py) through every entry point: slowest and
largest runs, next to a baseline run in the same process.

The baselines are ordinary inputs (the example task examples/qwen3-32b-h200-sglang.json, a
results file, a backup, an autotuner database) through the same entry points, each in a forked
child measured the same way (wall time, peak RSS from ``resource.getrusage`` in the child), so
the ratios are what matter on a shared machine.

Run: python bench/bench_hostile.py [--top 10] [--only NAME-PART]
Targets (issue 14): no traceback, no run over 10 s, none over 500 MB.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "hostile"))

import corpus  # noqa: E402

MAX_SECONDS = 10.0
MAX_RSS_MB = 500.0


def _baselines() -> list[corpus.Case]:
    """Ordinary inputs, one per kind: the example task, a results file, a backup and an
    autotuner database, each through the entry points of its kind."""
    text = corpus.EXAMPLE.read_text()
    return [
        corpus.Case(
            "baseline-task", "task.json", lambda path: path.write_text(text), corpus.TASK_ENTRIES
        ),
        corpus.Case(
            "baseline-results",
            "results.json",
            corpus._json(corpus._results([corpus._experiment()])),
            corpus.RESULTS_ENTRIES,
        ),
        corpus.Case(
            "baseline-backup",
            "backup.json",
            corpus._json(corpus._backup([corpus._backup_task()])),
            corpus.BACKUP_ENTRIES,
        ),
        corpus.Case(
            "baseline-autotuner", "autotuner.db", corpus._autotuner_db(), corpus.AUTOTUNER_ENTRIES
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=10, help="how many slowest and largest")
    parser.add_argument("--only", default="", help="run only cases whose name contains this")
    args = parser.parse_args()
    corpus.warm_up()
    folder = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    try:
        with corpus.Corpus() as hostile:
            names = set()
            for case in _baselines():
                hostile.add(_add_baselines, (case.name, case.filename, case.entries))
                names.add(case.name)
            baseline = [
                hostile.run(name, entry, folder) for name, entry in hostile.runs() if name in names
            ]
            outcomes = [
                hostile.run(name, entry, folder, timeout=60.0)
                for name, entry in hostile.runs()
                if name not in names and args.only in name
            ]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    base = {o.entry: o for o in baseline}
    print("baseline (an ordinary input of each kind, same process, same measurement):")
    for o in baseline:
        print(
            f"  {o.entry:22s} {o.seconds:6.2f} s {o.peak_rss_mb:6.0f} MB  {o.case}: exit {o.exit}"
        )
    print()
    print(f"{len(outcomes)} hostile runs ({len({o.case for o in outcomes})} inputs)")

    def row(o: corpus.Outcome) -> str:
        b = base[o.entry]
        return (
            f"  {o.seconds:6.2f} s ({o.seconds / max(b.seconds, 1e-3):4.1f}x) "
            f"{o.peak_rss_mb:6.0f} MB ({o.peak_rss_mb / b.peak_rss_mb:3.1f}x)  "
            f"{o.case} via {o.entry}: exit {o.exit}"
        )

    print(f"slowest {args.top}:")
    for o in sorted(outcomes, key=lambda o: -o.seconds)[: args.top]:
        print(row(o))
    print(f"largest {args.top}:")
    for o in sorted(outcomes, key=lambda o: -o.peak_rss_mb)[: args.top]:
        print(row(o))
    traces = [o for o in outcomes if o.traceback]
    hung = [o for o in outcomes if o.timed_out]
    slow = [o for o in outcomes if o.seconds > MAX_SECONDS]
    big = [o for o in outcomes if o.peak_rss_mb > MAX_RSS_MB]
    print(
        f"tracebacks: {len(traces)}, hangs: {len(hung)}, over {MAX_SECONDS:.0f} s: {len(slow)}, "
        f"over {MAX_RSS_MB:.0f} MB: {len(big)}"
    )
    for o in traces:
        print(f"\n{o.case} via {o.entry}:\n{o.traceback}")
    missed = traces or hung or slow or big
    if missed:
        print("MISSED: the targets above are not met")
    return 0


def _add_baselines() -> None:
    """Registers the baselines in the process that writes the cases."""
    for case in _baselines():
        corpus.register(case)


if __name__ == "__main__":
    raise SystemExit(main())
