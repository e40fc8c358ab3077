"""Concurrency stress test of the store's optimistic locking, on SQLite and PostgreSQL.

    PYTHONPATH=$PWD python3 scripts/store_stress.py [--processes 8] [--operations 200]
        [--runs 5] [--backend sqlite|postgresql|both] [--pg postgresql://postgres@127.0.0.1:5432]

Each run starts from an empty database (a SQLite file in a temporary folder, or a scratch
PostgreSQL database created and dropped here, never the user's store), seeds four tasks and
two presets, and lets every process create, edit (with the version it read, sometimes long
ago), delete, rename, re-create and apply presets to them. tests/store/stress.py describes
how stale writes accepted and lost updates are counted; both must be 0. Exit code 1 if not.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.store.stress import run  # noqa: E402


def _postgres(server: str, index: int) -> tuple[str, str]:
    import psycopg

    name = f"cl_store_stress_{secrets.token_hex(3)}_{index}"
    with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}", name


def _drop(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--operations", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    bad = 0
    for backend in backends:
        for index in range(args.runs):
            with tempfile.TemporaryDirectory() as folder:
                if backend == "sqlite":
                    url, scratch = f"sqlite:///{Path(folder) / 'stress.db'}", None
                else:
                    url, scratch = _postgres(args.pg, index)
                try:
                    report = run(url, args.processes, args.operations, index)
                finally:
                    if scratch is not None:
                        _drop(args.pg, scratch)
            print(
                f"{backend} run {index + 1}/{args.runs} "
                f"({args.processes} x {args.operations}): {report.line()}",
                flush=True,
            )
            for error in report.errors[:5]:
                print(f"  error: {error}", flush=True)
            if report.stale_accepted or report.lost or report.errors:
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
