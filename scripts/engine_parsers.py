#!/usr/bin/env python3
"""Build CPU environments that hold each engine release's real argument parser, and use them.

    python scripts/engine_parsers.py build sglang-0.5.23 vllm-0.33.0   # or: build --all
    python scripts/engine_parsers.py build --missing   # only those not built yet (make test)
    python scripts/engine_parsers.py status
    python scripts/engine_parsers.py parse vllm-0.33.0 -- m -tp 2 --no-enable-prefix-caching
    python scripts/engine_parsers.py load-config vllm-0.33.0 point.yaml -- m -tp 2
    python scripts/engine_parsers.py manifest sglang-0.5.2 -o /tmp/sglang-0.5.2.json
    python scripts/engine_parsers.py compare --all      # regenerate, diff with the shipped files
    python scripts/engine_parsers.py value-lists vllm-0.33.0   # values vLLM checks after parsing

The environments are built by engine_envs.py (layout and recipes there). Parsing and manifest
generation run inside them through engine_manifest.py, which builds the parser exactly as the
launcher does.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import difflib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# The sibling module, also when this file is loaded by path (the tests do).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_envs import (
    INSIDE,
    MANIFESTS,
    RECIPES,
    BuildError,
    build,
    env_dir,
    env_python,
    is_built,
    shipped_releases,
    split_release,
)

__all__ = [
    "RECIPES",
    "BuildError",
    "ParserSession",
    "build",
    "compare",
    "compare_value_lists",
    "env_dir",
    "is_built",
    "load_config_many",
    "manifest_text",
    "parse_many",
    "shipped_releases",
    "split_release",
    "value_lists",
]


# ---- Using an environment ------------------------------------------------------------------


def _engine_env() -> dict[str, str]:
    """The environment the engines see: no SGLANG_*/VLLM_* setting changes their parsers."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("SGLANG_", "VLLM_"))}


def run_inside(
    engine: str, version: str, args: Sequence[str], stdin: str | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """Run engine_manifest.py with ``args`` in the release's environment."""
    if not is_built(engine, version):
        raise BuildError(
            f"no parser environment for {engine} {version}: run "
            f"python scripts/engine_parsers.py build {engine}-{version}"
        )
    return subprocess.run(
        [str(env_python(engine, version)), str(INSIDE), *args],
        input=stdin,
        text=True,
        capture_output=True,
        timeout=timeout,
        env=_engine_env(),
    )


def parse_many(engine: str, version: str, argvs: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    """Parse each argv (flags after the launcher) with the release's real parser.

    Each result is ``{"ok": true, "namespace": {...}}`` or ``{"ok": false, "error": "..."}``.
    One subprocess for the whole batch.
    """
    result = run_inside(
        engine, version, ["parse", engine], stdin=json.dumps([list(a) for a in argvs])
    )
    if result.returncode != 0:
        raise BuildError(f"parsing with {engine} {version} failed:\n{result.stderr[-3000:]}")
    parsed: list[dict[str, Any]] = json.loads(result.stdout)
    return parsed


def load_config_many(
    engine: str, version: str, items: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Read each ``{"config": YAML text, "argv": [...]}`` as the release's launcher does: the
    text becomes a file, ``{config}`` in the argv its path (``--config {config}``), and the
    release's own loader merges it (SGLang: ``prepare_server_args``; vLLM: the root parser of
    ``vllm serve``). Results as ``parse_many``."""
    result = run_inside(engine, version, ["load-config", engine], stdin=json.dumps(list(items)))
    if result.returncode != 0:
        raise BuildError(
            f"loading configs with {engine} {version} failed:\n{result.stderr[-3000:]}"
        )
    loaded: list[dict[str, Any]] = json.loads(result.stdout)
    return loaded


class ParserSession:
    """One release's parser kept loaded in its environment; batches of argvs go through a
    pipe, so a test suite pays the engine's import (10 to 20 s) once, not once a batch.

    ``operation`` ``load-config`` takes config items (``load_config_many``) instead of argvs.
    """

    def __init__(self, engine: str, version: str, operation: str = "parse") -> None:
        if not is_built(engine, version):
            raise BuildError(
                f"no parser environment for {engine} {version}: run "
                f"python scripts/engine_parsers.py build {engine}-{version}"
            )
        self.label = f"{engine} {version}"
        # The engines log plenty while importing: a file, so that no pipe fills up.
        self._log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in close())
        self._process = subprocess.Popen(
            [str(env_python(engine, version)), str(INSIDE), operation, engine, "--lines"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=_engine_env(),
        )

    def parse_many(self, argvs: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
        """Like ``parse_many``: one result per argv, in order."""
        return self.send([list(a) for a in argvs])

    def send(self, batch: list[Any]) -> list[dict[str, Any]]:
        """One batch (argvs, or config items for ``load-config``); one result per entry."""
        assert self._process.stdin is not None and self._process.stdout is not None
        try:
            self._process.stdin.write(json.dumps(batch) + "\n")
            self._process.stdin.flush()
            line = self._process.stdout.readline()
        except BrokenPipeError:
            line = ""
        if not line:
            self._log.seek(0)
            tail = "\n".join(self._log.read().strip().splitlines()[-25:])
            raise BuildError(f"the {self.label} parser stopped:\n{tail}")
        reply = json.loads(line)
        if isinstance(reply, dict):
            raise BuildError(f"the {self.label} parser refused the batch: {reply.get('error')}")
        results: list[dict[str, Any]] = reply
        return results

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._log.close()

    def __enter__(self) -> ParserSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def manifest_text(engine: str, version: str) -> str:
    result = run_inside(engine, version, ["manifest", engine])
    if result.returncode != 0:
        raise BuildError(f"manifest of {engine} {version} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def compare(engine: str, version: str) -> list[str]:
    """Unified diff between the regenerated and the shipped manifest (empty when identical)."""
    shipped = MANIFESTS / f"{engine}-{version}.json"
    new = manifest_text(engine, version)
    old = shipped.read_text() if shipped.exists() else ""
    return list(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"shipped/{shipped.name}",
            tofile=f"regenerated/{shipped.name}",
        )
    )


def value_lists(engine: str, version: str) -> dict[str, Any]:
    """What the release checks after parsing (vLLM), as one release of _value_lists.json."""
    result = run_inside(engine, version, ["value-lists", engine])
    if result.returncode != 0:
        raise BuildError(f"value lists of {engine} {version} failed:\n{result.stderr[-3000:]}")
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def compare_value_lists(engine: str, version: str) -> list[str]:
    """Differences between the release's value lists and the shipped ones (order ignored:
    configlib uses them as sets)."""
    shipped_all = json.loads((MANIFESTS / "_value_lists.json").read_text())
    shipped = shipped_all.get(engine, {}).get(version, {})
    new = value_lists(engine, version)
    problems = []
    for flag in sorted({*shipped.get("values", {}), *new.get("values", {})}):
        old_values = set(shipped.get("values", {}).get(flag, []))
        new_values = set(new.get("values", {}).get(flag, []))
        if old_values != new_values:
            problems.append(
                f"{flag}: only shipped {sorted(old_values - new_values)}, "
                f"only in the release {sorted(new_values - old_values)}\n"
            )
    if shipped.get("requires", {}) != new.get("requires", {}):
        problems.append(
            f"requires: shipped {shipped.get('requires')}, release {new.get('requires')}\n"
        )
    return problems


# ---- Command line --------------------------------------------------------------------------


def _releases(args: argparse.Namespace) -> list[tuple[str, str]]:
    if getattr(args, "missing", False):
        return [r for r in shipped_releases() if not is_built(*r)]
    if args.all:
        return shipped_releases()
    if not args.releases:
        raise SystemExit("error: name releases (e.g. sglang-0.5.23) or give --all")
    return [split_release(r) for r in args.releases]


def _build_all(releases: list[tuple[str, str]], *, force: bool, jobs: int) -> int:
    """Build each release's environment, ``jobs`` at a time; 1 when any build failed."""
    started = time.perf_counter()
    failed: list[str] = []

    def one(release: tuple[str, str]) -> None:
        engine, version = release
        try:
            build(engine, version, force=force)
        except BuildError as exc:
            failed.append(f"{engine}-{version}")
            print(f"{engine}-{version}: {exc}", file=sys.stderr)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(one, releases))
    took = time.perf_counter() - started
    print(f"built {len(releases) - len(failed)} of {len(releases)} in {took:.0f} s")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("build", "build parser environments"),
        ("compare", "regenerate manifests and diff them with the shipped ones"),
        ("status", "list the environments"),
    ):
        command = sub.add_parser(name, help=help_text)
        command.add_argument("releases", nargs="*", help="e.g. sglang-0.5.23 vllm-0.33.0")
        command.add_argument("--all", action="store_true", help="every shipped release")
        if name == "build":
            command.add_argument("--force", action="store_true", help="rebuild from scratch")
            command.add_argument(
                "--jobs",
                type=int,
                default=3,
                help="environments built at once (default 3: most of a build is waiting on "
                "downloads and installs, not on the CPU)",
            )
            command.add_argument(
                "--missing",
                action="store_true",
                help="every shipped release whose environment is not built yet (none: nothing "
                "to do)",
            )
    manifest = sub.add_parser("manifest", help="print (or write) a regenerated manifest")
    manifest.add_argument("release")
    manifest.add_argument("-o", "--output", type=Path)
    lists = sub.add_parser("value-lists", help="print the values vLLM checks after parsing")
    lists.add_argument("release")
    parse = sub.add_parser("parse", help="parse one command line; prints the namespace as JSON")
    parse.add_argument("release")
    parse.add_argument(
        "argv", nargs=argparse.REMAINDER, help="the arguments after the launcher (after --)"
    )
    config = sub.add_parser(
        "load-config",
        help="read a config file (and more arguments) as the release's launcher does",
    )
    config.add_argument("release")
    config.add_argument("file", type=Path, help="the YAML config file")
    config.add_argument(
        "argv", nargs=argparse.REMAINDER, help="more arguments after the launcher (after --)"
    )
    args = parser.parse_args(argv)

    try:
        if args.command == "build":
            return _build_all(_releases(args), force=args.force, jobs=args.jobs)
        if args.command == "status":
            wanted = _releases(args) if (args.releases or args.all) else shipped_releases()
            for engine, version in wanted:
                marker = env_dir(engine, version) / "built.json"
                if is_built(engine, version):
                    info = json.loads(marker.read_text())
                    installed = info.get("install_seconds")
                    took = f"built in {installed} s" if installed else "built"
                    print(
                        f"{engine}-{version}: {took}, last refresh {info.get('seconds')} s "
                        f"({info.get('parser')})"
                    )
                else:
                    print(f"{engine}-{version}: not built")
            return 0
        if args.command == "compare":
            different = 0
            for engine, version in _releases(args):
                diff = compare(engine, version)
                lists = compare_value_lists(engine, version)
                verdict = "identical" if not diff else "DIFFERENT"
                extra = "" if not lists else "; value lists DIFFER"
                print(f"{engine}-{version}: manifest {verdict}{extra}")
                if diff or lists:
                    different += 1
                    sys.stdout.writelines([*diff, *lists])
            return 1 if different else 0
        if args.command == "manifest":
            engine, version = split_release(args.release)
            text = manifest_text(engine, version)
            if args.output:
                args.output.write_text(text)
            else:
                sys.stdout.write(text)
            return 0
        if args.command == "value-lists":
            engine, version = split_release(args.release)
            print(json.dumps(value_lists(engine, version), indent=1))
            return 0
        if args.command == "parse":
            engine, version = split_release(args.release)
            argv_list = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
            [outcome] = parse_many(engine, version, [argv_list])
            print(json.dumps(outcome, indent=1, sort_keys=True, default=str))
            return 0 if outcome["ok"] else 1
        if args.command == "load-config":
            engine, version = split_release(args.release)
            rest = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
            item = {
                "config": args.file.read_text(encoding="utf-8"),
                "name": args.file.name,
                "argv": [*rest, "--config", "{config}"],
            }
            [outcome] = load_config_many(engine, version, [item])
            print(json.dumps(outcome, indent=1, sort_keys=True, default=str))
            return 0 if outcome["ok"] else 1
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
