"""Per-release CPU environments holding an engine's real argument parser: where they live
and how they are built (used by engine_parsers.py; docs/engines.md).

An environment is a Python 3.11 venv under the cache folder (``~/.cache/configlib-engines``,
or ``$CONFIGLIB_ENGINES_CACHE``), never inside the repository:

    <cache>/wheels/                 the engines' wheels (pip download --no-deps)
    <cache>/<engine>-<version>/
        venv/                       CPU torch, the engine's pure-Python requirements
        engine/                     the wheel's files minus compiled extensions (on sys.path)
        built.json                  what was installed; written last, so it marks success

Torch is the CPU build from this machine's wheel folder, pinned so that pip can never pull a
CUDA build. The engine's own requirements are installed at the versions its wheel asks for,
minus GPU/compiled packages (``skip``), which are stubbed at import time instead (``stubs``,
see engine_stubs.py).
"""

from __future__ import annotations

import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
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
                else previous.get("install_seconds"),
                "parser": check.stdout.strip(),
            },
            indent=1,
        )
    )
    print(f"{engine}-{version}: built in {elapsed:.0f} s ({check.stdout.strip()})", flush=True)
    return elapsed
