"""Hostile aiconfigurator uploads: time and peak memory of each, next to a real folder's import.

Generates a corpus in a temporary folder (a 0.9 MB zip of four 50 MB repetitive CSVs, a 51 MB
pareto.csv of a million rows, a million-column CSV, a 19 MB YAML, many YAML files, many
members, a table at the row limit, ...) and runs every input through the three entry points,
each in a child process of its own so its peak RSS is its own:

- ``cli``: ``configlib import-aic --list``;
- ``upload``: the app's import function (``ImportSession.read`` and the table rows);
- ``path``: ``import_path`` on the file.

The baseline is the same three on a real reference folder (tests/data/aiconfigurator) zipped;
ratios are against it. Target (issue 14): every input refused or handled within 10 s and
500 MB, with the limit named.

Run: PYTHONPATH=$PWD python bench/check_aic_hostile.py [--only NAME ...] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "aiconfigurator"
REFERENCE = DATA / "sglang-default-qwen3_32b-h200"
PARETO = next(REFERENCE.rglob("agg/pareto.csv"))
LIMIT_S, LIMIT_MB = 10.0, 500.0

_CHILD = r"""
import json, resource, sys, time
kind, path, name = sys.argv[1], sys.argv[2], sys.argv[3]
start = time.perf_counter()
outcome = "ok"
try:
    if kind == "cli":
        import contextlib, io, os
        from configlib.cli import main
        err = io.StringIO()
        with open(os.devnull, "w") as out, contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            code = main(["import-aic", "--list", path])
        lines = err.getvalue().strip().splitlines()
        outcome = f"exit {code}: " + (lines[-1] if lines else "")
        if "Traceback" in err.getvalue():
            outcome = "CRASH " + outcome
    elif kind == "upload":
        from configlib.ui.importing import ImportSession
        data = open(path, "rb").read()
        session = ImportSession.read(name, data)
        if session.error:
            outcome = "refused: " + session.error
        else:
            outcome = f"ok: {len(session.rows())} rows"
    else:
        from configlib.aiconfigurator import import_path
        from configlib.io import InputError
        try:
            result = import_path(path)
            outcome = f"ok: {len(result.candidates)} candidates"
        except InputError as error:
            outcome = "refused: " + str(error)
except BaseException as error:  # a traceback is a failure of the check
    outcome = f"CRASH {type(error).__name__}: {error}"
print(json.dumps({"seconds": time.perf_counter() - start, "outcome": outcome,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


# ---- The corpus -----------------------------------------------------------------------------


def _pareto(size: int) -> bytes:
    header, row = PARETO.read_text().splitlines()[:2]
    line = (row + "\n").encode()
    return (header + "\n").encode() + line * (size // len(line))


def _narrow(rows: int) -> bytes:
    """A pareto.csv of only the required columns (about 51 bytes a row)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["model", "isl", "osl", "ttft", "tpot", "tp", "pp", "backend"])
    for _ in range(rows):
        writer.writerow(["Qwen/Qwen3-32B", 4000, 1000, 1006.25, 57.31, 2, 1, "sglang"])
    return out.getvalue().encode()


def _zip(members: dict[str, bytes], level: int = 9, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method, compresslevel=level) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _experiments(size: int, most: int = 10**9) -> bytes:
    block = "e{n}:\n  serving_mode: agg\n  model_path: Qwen/Qwen3-32B\n  total_gpus: 8\n"
    parts, total, n = [], 0, 0
    while total < size and n < most:
        text = block.format(n=n)
        parts.append(text)
        total += len(text)
        n += 1
    return "".join(parts).encode()


def _plain_yaml(size: int) -> bytes:
    parts, total, n = [], 0, 0
    while True:
        line = b"key%d: [1, 2, 3]\n" % n
        if total + len(line) > size:
            return b"".join(parts)
        parts.append(line)
        total += len(line)
        n += 1


def _reference_zip() -> bytes:
    members = {}
    for path in sorted(REFERENCE.rglob("*")):
        if path.is_file():
            members[path.relative_to(REFERENCE.parent).as_posix()] = path.read_bytes()
    return _zip(members, 6)


def corpus() -> dict[str, Callable[[], bytes]]:
    """File name -> its bytes (built when written)."""
    from configlib.aiconfigurator import limits

    body_50mb = _pareto(50_000_000)
    at_limit = PARETO.read_text().splitlines()[:2]
    return {
        "baseline-reference.zip": _reference_zip,
        "bomb-4x50MB.zip": lambda: _zip({f"run/e{i}/pareto.csv": body_50mb for i in range(4)}),
        "pareto-1M-rows.csv": lambda: _narrow(1_000_000),
        "pareto-51MB.csv": lambda: _pareto(51_000_000),
        "columns-1M.csv": lambda: (
            ",".join(["tp", *(f"c{i}" for i in range(1_000_000))])
            + "\n"
            + ",".join(["1"] * 1_000_001)
            + "\n"
        ).encode(),
        "exp-19MB.yaml": lambda: _experiments(19_000_000),
        "exp-just-under-1MB.yaml": lambda: _experiments(limits.MAX_YAML_BYTES - 200),
        "exp-at-candidate-limit.yaml": lambda: _experiments(10**8, limits.MAX_CANDIDATES),
        "yaml-many-1MB.zip": lambda: _zip(
            {f"in/d{i}.yaml": _plain_yaml(limits.MAX_YAML_BYTES - 100) for i in range(40)}
        ),
        "members-10000.zip": lambda: _zip({f"f/{i}.txt": b"x" for i in range(9_999)}),
        "tables-at-row-limit.zip": lambda: _zip(
            {
                f"run/e{i}/pareto.csv": "\n".join(
                    [at_limit[0], *([at_limit[1]] * limits.MAX_TABLE_ROWS)]
                ).encode()
                for i in range(6)
            },
            method=zipfile.ZIP_STORED,  # repetitive rows would trip the compression-ratio limit
        ),
        "table-at-row-limit.csv": lambda: "\n".join(
            [at_limit[0], *([at_limit[1]] * limits.MAX_TABLE_ROWS)]
        ).encode(),
        "wide-rows-200cols.csv": lambda: (
            ",".join(["tp", "pp", "isl", "osl", "ttft", "tpot", *(f"c{i}" for i in range(194))])
            + "\n"
            + ("1,1,10,10,1,1," + ",".join(["1"] * 194) + "\n") * 19_000
        ).encode(),
        "quoted-field-40MB.csv": lambda: b'tp,pp\n"' + b"a" * 40_000_000 + b'",1\n',
        "yaml-alias-bomb.yaml": lambda: (
            "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n"
                for i in range(9)
            )
        ).encode(),
        "yaml-deep-nesting.yaml": lambda: b"[" * 200_000 + b"]" * 200_000,
    }


# ---- Running --------------------------------------------------------------------------------


def measure(kind: str, path: Path) -> dict[str, object]:
    """One entry point on one input, in a fresh child process (its own peak RSS)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, kind, str(path), path.name],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    if done.returncode != 0:
        return {"seconds": time.perf_counter() - start, "peak_mb": float("nan"),
                "outcome": f"CRASH exit {done.returncode}: {done.stderr[-300:]}"}  # fmt: skip
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def write_corpus(folder: Path, names: list[str] | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, make in corpus().items():
        if (names is None or name in names or name.startswith("baseline")) and not (
            folder / name
        ).exists():
            (folder / name).write_bytes(make())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", nargs="*", help="input names (default: all)")
    parser.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    parser.add_argument("--kinds", nargs="*", default=["cli", "upload", "path"])
    parser.add_argument("--write", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:  # in a child: this process grows while it builds the inputs
        sys.path.insert(0, str(ROOT))
        write_corpus(args.write, args.only)
        return 0
    folder = args.keep or Path(tempfile.mkdtemp(prefix="aic-hostile-"))
    command = [sys.executable, __file__, "--write", str(folder)]
    subprocess.run(command + (["--only", *args.only] if args.only else []), check=True)
    # Children inherit the peak RSS of the process that starts them: this one stays small.
    names = sorted(
        (p.name for p in folder.iterdir()), key=lambda n: (not n.startswith("baseline"), n)
    )
    if args.only:
        names = [n for n in names if n in args.only or n.startswith("baseline")]
    rows = []
    base: dict[str, dict[str, object]] = {}
    print(f"{'input':28} {'size':>10} {'via':6} {'s':>6} {'x base':>7} {'MB':>7}  outcome")
    for name in names:
        path = folder / name
        for kind in args.kinds:
            got = measure(kind, path)
            if name.startswith("baseline"):
                base[kind] = got
            ratio = float(got["seconds"]) / float(base[kind]["seconds"]) if kind in base else 1.0  # type: ignore[arg-type]
            rows.append((name, kind, got))
            print(
                f"{name:28} {path.stat().st_size:>10,} {kind:6} {float(got['seconds']):6.2f} "  # type: ignore[arg-type]
                f"{ratio:7.1f} {float(got['peak_mb']):7.0f}  {str(got['outcome'])[:110]}",  # type: ignore[arg-type]
                flush=True,
            )
    hostile = [r for r in rows if not r[0].startswith("baseline")]
    slowest = max(hostile, key=lambda r: float(r[2]["seconds"]))  # type: ignore[arg-type]
    largest = max(
        (r for r in hostile if r[2]["peak_mb"] == r[2]["peak_mb"]),
        key=lambda r: float(r[2]["peak_mb"]),  # type: ignore[arg-type]
    )
    print(f"\nslowest: {slowest[0]} via {slowest[1]}: {float(slowest[2]['seconds']):.2f} s")  # type: ignore[arg-type]
    print(f"largest: {largest[0]} via {largest[1]}: {float(largest[2]['peak_mb']):.0f} MB")  # type: ignore[arg-type]
    failures = [
        r
        for r in hostile
        if "CRASH" in str(r[2]["outcome"])
        or float(r[2]["seconds"]) > LIMIT_S  # type: ignore[arg-type]
        or float(r[2]["peak_mb"]) > LIMIT_MB  # type: ignore[arg-type]
    ]
    for name, kind, got in failures:
        print(f"OVER THE LIMIT: {name} via {kind}: {got}")
    if not args.keep:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
