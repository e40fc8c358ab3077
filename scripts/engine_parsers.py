#!/usr/bin/env python3
"""Build CPU environments that hold each engine release's real argument parser, and use them.

    python scripts/engine_parsers.py build sglang-0.5.23 vllm-0.33.0   # or: build --all
    python scripts/engine_parsers.py status
    python scripts/engine_parsers.py parse vllm-0.33.0 -- m -tp 2 --no-enable-prefix-caching
    python scripts/engine_parsers.py manifest sglang-0.5.2 -o /tmp/sglang-0.5.2.json
    python scripts/engine_parsers.py compare --all      # regenerate, diff with the shipped files
    python scripts/engine_parsers.py value-lists vllm-0.33.0   # values vLLM checks after parsing

An environment is a Python 3.11 venv under the cache folder (``~/.cache/configlib-engines``,
or ``$CONFIGLIB_ENGINES_CACHE``), never inside the repository:

    <cache>/wheels/                 the engines' wheels (pip download --no-deps)
    <cache>/<engine>-<version>/
        venv/                       CPU torch, the engine's pure-Python requirements
        engine/                     the wheel's files minus compiled extensions (on sys.path)
        built.json                  what was installed; written last, so it marks success

Torch is the CPU build from this machine's wheel folder, pinned so that pip can never pull a
CUDA build. The engine's own requirements are installed at the versions its wheel asks for,
minus GPU/compiled packages (SKIP), which are stubbed at import time instead (STUBS, see
engine_stubs.py). Parsing and manifest generation run inside the venv through
engine_manifest.py, which builds the parser exactly as the launcher does.
"""

from __future__ import annotations

import argparse
import difflib
import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MANIFESTS = REPO / "configlib" / "engines" / "manifests"
INSIDE = HERE / "engine_manifest.py"

TORCH = os.environ.get("CONFIGLIB_ENGINES_TORCH", "torch==2.13.0+cpu")
"""The CPU torch build, the only torch any environment may hold. pip must find the wheel
(here: the machine's wheel folder in pip's find-links); PyPI has no ``+cpu`` build, so a
missing wheel fails the build instead of pulling a CUDA torch."""


@dataclass(frozen=True)
class EngineRecipe:
    """How to build a parser environment for every release of one engine."""

    package: str
    extras: tuple[str, ...]
    """Wheel extras whose requirements are installed too (SGLang 0.5.2 lists them there)."""
    skip: tuple[str, ...]
    """Requirement names (regular expressions, normalised names) never installed."""
    stubs: tuple[str, ...]
    """Modules replaced by permissive stubs (``x*`` = every module name starting with x)."""
    platform: str | None
    """Platform class the engine must resolve (vLLM: CUDA, so defaults are NVIDIA's)."""
    add: tuple[str, ...] = ()
    """Requirements installed although the wheel does not list them."""


# GPU kernels, CUDA tooling, media decoders and packages that would pull another torch.
_COMMON_SKIP = (
    r"torch",
    r"torchvision",
    r"torchaudio",
    r"torchcodec",
    r"torchao",
    r"torch-memory-saver",
    r"xformers",
    r"triton",
    r"flashinfer.*",
    r"flash-attn.*",
    r"cuda-.*",
    r"nvidia-.*",
    r"nvshmem.*",
    r"nvtx",
    r"pynvvideocodec",
    r"apache-tvm-ffi",
    r"tilelang",
    r"quack-kernels",
    r"humming-kernels",
    r"tokenspeed.*",
    r"kernels",
    r"fastsafetensors",
    r"instanttensor",
    r"xgrammar",
    r"llguidance",
    r"ray",
    r"timm",
    r"decord.*",
    r"av",
    r"py-spy",
    r"ipython",
    r"deepseek-.*",
    r"tml-renderers",
    r"smg-grpc-servicer",
    r"sgl-.*",
    r"sglang-.*",
    r"model-hosting-container-standards",
    r"hf-transfer",
    r"ninja",
    r"build",
)

RECIPES: dict[str, EngineRecipe] = {
    "sglang": EngineRecipe(
        package="sglang",
        extras=("runtime_common",),
        skip=_COMMON_SKIP,
        stubs=("sgl_kernel", "flashinfer", "torchvision", "torchaudio", "IPython", "xgrammar"),
        platform=None,
        add=("triton",),
    ),
    "vllm": EngineRecipe(
        package="vllm",
        extras=(),
        skip=_COMMON_SKIP,
        stubs=(
            "vllm._C*",
            "vllm._moe_C*",
            "vllm._qutlass_C",
            "torchvision",
            "torchaudio",
            "xgrammar",
            "llguidance",
            "model_hosting_container_standards",
        ),
        platform="vllm.platforms.cuda.CudaPlatform",
        add=("triton",),
    ),
}


class BuildError(RuntimeError):
    """An environment could not be built; the message says which step failed."""


# ---- Locations -----------------------------------------------------------------------------


def cache_root() -> Path:
    configured = os.environ.get("CONFIGLIB_ENGINES_CACHE")
    return (
        Path(configured).expanduser()
        if configured
        else Path.home() / ".cache" / "configlib-engines"
    )


def split_release(text: str) -> tuple[str, str]:
    """``sglang-0.5.2`` -> (``sglang``, ``0.5.2``)."""
    engine, sep, version = text.partition("-")
    if not sep or engine not in RECIPES or not re.fullmatch(r"\d+(\.\d+)+(\S*)", version):
        raise SystemExit(
            f"error: {text!r} is not a release such as sglang-0.5.23 or vllm-0.33.0 "
            f"(engines: {', '.join(RECIPES)})"
        )
    return engine, version


def shipped_releases() -> list[tuple[str, str]]:
    """(engine, version) of every manifest shipped in the repository."""
    found = []
    for path in sorted(MANIFESTS.glob("*.json")):
        if path.name.startswith("_"):
            continue
        engine, _, version = path.stem.partition("-")
        if engine in RECIPES:
            found.append((engine, version))
    return sorted(found, key=lambda r: (r[0], [int(n) for n in re.findall(r"\d+", r[1])]))


def venv_python() -> str:
    """A Python 3.11 to create the venvs with ($CONFIGLIB_ENGINES_PYTHON overrides)."""
    configured = os.environ.get("CONFIGLIB_ENGINES_PYTHON")
    if configured:
        return configured
    if sys.version_info[:2] == (3, 11):
        return sys.executable
    found = shutil.which("python3.11")
    if found is None:
        raise BuildError("no python3.11 found: set CONFIGLIB_ENGINES_PYTHON to one")
    return found


def env_dir(engine: str, version: str) -> Path:
    return cache_root() / f"{engine}-{version}"


def env_python(engine: str, version: str) -> Path:
    return env_dir(engine, version) / "venv" / "bin" / "python"


def is_built(engine: str, version: str) -> bool:
    return (env_dir(engine, version) / "built.json").is_file() and env_python(
        engine, version
    ).exists()


# ---- Building ------------------------------------------------------------------------------


def _run(cmd: Sequence[str | Path], step: str, **kwargs: Any) -> None:
    print(f"  $ {' '.join(str(c) for c in cmd)}", flush=True)
    result = subprocess.run([str(c) for c in cmd], text=True, capture_output=True, **kwargs)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
        raise BuildError(f"{step} failed (exit {result.returncode}):\n{tail}")


def fetch_wheel(engine: str, version: str) -> Path:
    wheels = cache_root() / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    pattern = f"{RECIPES[engine].package}-{version}-*.whl"
    found = sorted(wheels.glob(pattern))
    if not found:
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary",
                ":all:",
                "--python-version",
                "3.11",
                "-d",
                wheels,
                f"{RECIPES[engine].package}=={version}",
            ],
            f"downloading the {engine} {version} wheel",
        )
        found = sorted(wheels.glob(pattern))
    if not found:
        raise BuildError(f"no wheel matching {pattern} in {wheels}")
    return found[-1]


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_requirements(wheel: Path, recipe: EngineRecipe) -> list[str]:
    """The wheel's requirements for Python 3.11 on Linux x86-64 (with the recipe's extras),
    minus the skipped ones, with their version specifiers."""
    from packaging.requirements import Requirement

    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = email.parser.Parser().parsestr(archive.read(name).decode())
    skip = [re.compile(pattern) for pattern in recipe.skip]
    wanted: dict[str, str] = {}
    for line in metadata.get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        if _normalise(requirement.name) == _normalise(recipe.package):
            continue
        environments = [{"extra": extra} for extra in ("", *recipe.extras)]
        if requirement.marker is not None and not any(
            requirement.marker.evaluate(
                {
                    "python_version": "3.11",
                    "python_full_version": "3.11.7",
                    "sys_platform": "linux",
                    "platform_system": "Linux",
                    "platform_machine": "x86_64",
                    **env,
                }
            )
            for env in environments
        ):
            continue
        key = _normalise(requirement.name)
        if any(p.fullmatch(key) for p in skip):
            continue
        extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
        wanted[key] = f"{requirement.name}{extras}{requirement.specifier}"
    return sorted(wanted.values(), key=str.lower)


def unpack(wheel: Path, target: Path) -> int:
    """Extract the wheel without compiled extensions; returns the number of files."""
    if target.exists():
        shutil.rmtree(target)
    count = 0
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.infolist():
            name = member.filename
            if member.is_dir() or re.search(r"\.so(\.|$)", name) or name.endswith(".pyc"):
                continue
            archive.extract(member, target)
            count += 1
    return count


def build(engine: str, version: str, *, force: bool = False) -> float:
    """Build (or bring up to date) one environment; returns the seconds it took.

    Installed packages are kept while the requirements are unchanged; the engine's files, the
    stubs and the parser check are redone every time (seconds), so a build is also the way to
    refresh an environment after editing engine_stubs.py. ``force`` starts from scratch.
    """
    recipe = RECIPES[engine]
    home = env_dir(engine, version)
    started = time.monotonic()
    print(f"{engine}-{version}: building in {home}", flush=True)
    if force and home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    marker = home / "built.json"
    previous = json.loads(marker.read_text()) if marker.is_file() else {}
    marker.unlink(missing_ok=True)
    installed_now = False
    wheel = fetch_wheel(engine, version)
    requirements = wheel_requirements(wheel, recipe)
    python = env_python(engine, version)
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    constraints = home / "constraints.txt"
    wanted = "\n".join([*requirements, *recipe.add]) + "\n"
    # Each step leaves a marker, so a build that failed later (a missing stub) resumes there.
    if not (home / ".torch-done").exists():
        if (home / "venv").exists():
            shutil.rmtree(home / "venv")
        _run([venv_python(), "-m", "venv", home / "venv"], "creating the venv")
        constraints.write_text(f"{TORCH}\n")
        _run([*pip, TORCH], "installing CPU torch")
        installed_now = True
        (home / ".torch-done").touch()
    requirements_file = home / "requirements.txt"
    if not (home / ".requirements-done").exists() or requirements_file.read_text() != wanted:
        requirements_file.write_text(wanted)
        _run(
            [*pip, "-c", constraints, "-r", requirements_file],
            f"installing {engine} {version}'s requirements",
        )
        (home / ".requirements-done").touch()
        installed_now = True
    files = unpack(wheel, home / "engine")
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            text=True,
            capture_output=True,
            check=True,
        ).stdout.strip()
    )
    (site / "_configlib_engine.pth").write_text(
        f"{home / 'engine'}\nimport _configlib_engine_stubs\n"
    )
    shutil.copy(HERE / "engine_stubs.py", site / "_configlib_engine_stubs.py")
    (site / "_configlib_engine_stubs.json").write_text(
        json.dumps({"stubs": list(recipe.stubs), "platform": recipe.platform}, indent=1)
    )
    check = subprocess.run([python, INSIDE, "check", engine], text=True, capture_output=True)
    if check.returncode != 0:
        raise BuildError(
            f"the {engine} {version} parser does not build in {home}:\n"
            + "\n".join(check.stderr.strip().splitlines()[-25:])
        )
    frozen = subprocess.run(
        [python, "-m", "pip", "freeze", "--disable-pip-version-check"],
        text=True,
        capture_output=True,
        check=True,
    ).stdout.split()
    elapsed = time.monotonic() - started
    (home / "built.json").write_text(
        json.dumps(
            {
                "engine": engine,
                "version": version,
                "wheel": wheel.name,
                "files": files,
                "stubs": list(recipe.stubs),
                "platform": recipe.platform,
                "installed": frozen,
                "seconds": round(elapsed, 1),
                # The time of the build that installed the packages, kept across refreshes.
                "install_seconds": round(elapsed, 1)
                if installed_now
                else previous.get("install_seconds", previous.get("seconds")),
                "parser": check.stdout.strip(),
            },
            indent=1,
        )
    )
    print(f"{engine}-{version}: built in {elapsed:.0f} s ({check.stdout.strip()})", flush=True)
    return elapsed


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


class ParserSession:
    """One release's parser kept loaded in its environment; batches of argvs go through a
    pipe, so a test suite pays the engine's import (10 to 20 s) once, not once a batch."""

    def __init__(self, engine: str, version: str) -> None:
        if not is_built(engine, version):
            raise BuildError(
                f"no parser environment for {engine} {version}: run "
                f"python scripts/engine_parsers.py build {engine}-{version}"
            )
        self.label = f"{engine} {version}"
        # The engines log plenty while importing: a file, so that no pipe fills up.
        self._log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in close())
        self._process = subprocess.Popen(
            [str(env_python(engine, version)), str(INSIDE), "parse", engine, "--lines"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=_engine_env(),
        )

    def parse_many(self, argvs: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
        """Like ``parse_many``: one result per argv, in order."""
        assert self._process.stdin is not None and self._process.stdout is not None
        try:
            self._process.stdin.write(json.dumps([list(a) for a in argvs]) + "\n")
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
    if args.all:
        return shipped_releases()
    if not args.releases:
        raise SystemExit("error: name releases (e.g. sglang-0.5.23) or give --all")
    return [split_release(r) for r in args.releases]


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
    args = parser.parse_args(argv)

    try:
        if args.command == "build":
            failed = []
            total = 0.0
            for engine, version in _releases(args):
                try:
                    total += build(engine, version, force=args.force)
                except BuildError as exc:
                    failed.append(f"{engine}-{version}")
                    print(f"{engine}-{version}: {exc}", file=sys.stderr)
            print(f"total build time {total:.0f} s")
            return 1 if failed else 0
        if args.command == "status":
            wanted = _releases(args) if (args.releases or args.all) else shipped_releases()
            for engine, version in wanted:
                marker = env_dir(engine, version) / "built.json"
                if is_built(engine, version):
                    info = json.loads(marker.read_text())
                    print(
                        f"{engine}-{version}: built in "
                        f"{info.get('install_seconds', info.get('seconds'))} s, "
                        f"refreshed in {info.get('seconds')} s ({info.get('parser')})"
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
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
