"""Real public launch commands -> ``configlib from-command`` -> configlib's command -> real parser.

For every command of the corpus (tests/data/commands/*.yaml) and every release it is checked
on: when the release's real parser accepts the command as published, configlib reads it into
a task (lifted into structured fields like any task), renders the task's launch command again,
and the same parser must give exactly the same parsed values. configlib's GPU count for the
task must equal the GPUs the parsed original asks for.

Every difference fails, with a hint at its likely cause (a spelling such as an abbreviation,
a dotted sub-key or a repeated option; or a lift that changed the launch). The run prints the
figure: N of N accepted commands round-trip.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from parser_env import DRIVER, RELEASES, RealParser

from configlib.commandline import read_command
from configlib.convert import to_flat
from configlib.engines import Engine
from configlib.grid import grid_of, launch_argv
from configlib.store.rows import gpus_needed

pytestmark = pytest.mark.engine_parsers

CORPUS = Path(__file__).resolve().parents[1] / "data" / "commands"
#: Attributes that name the model: vLLM's positional ``model_tag`` and ``--model`` both set
#: the model; configlib writes the form its launcher uses.
MODEL_ATTRIBUTES = {"model_tag"}
#: The autotuner chooses the address each server listens on, so from-command drops
#: ``--host`` and ``--port`` (with a warning) and the rendered launch keeps the defaults.
ADDRESS_ATTRIBUTES = {"host", "port"}


def _corpus() -> list[dict[str, Any]]:
    entries = []
    for runtime in ("sglang", "vllm"):
        for entry in yaml.safe_load((CORPUS / f"{runtime}.yaml").read_text()):
            entries.append({**entry, "runtime": runtime})
    return entries


ENTRIES = _corpus()


def _cases() -> list[Any]:
    cases = []
    for runtime, version in RELEASES:  # release-major: one engine loaded at a time
        for entry in ENTRIES:
            wanted = entry["releases"]
            if entry["runtime"] != runtime or (wanted != "all" and version not in wanted):
                continue
            cases.append(
                pytest.param(runtime, version, entry, id=f"{runtime}-{version}-{entry['id']}")
            )
    return cases


class _Parsers:
    """One release's parser at a time: switching release closes the previous one."""

    def __init__(self) -> None:
        self.current: RealParser | None = None

    def get(self, runtime: str, version: str) -> RealParser:
        if self.current is not None and (self.current.runtime, self.current.version) != (
            runtime,
            version,
        ):
            self.current.close()
            self.current = None
        if self.current is None:
            self.current = RealParser(runtime, version)
        return self.current


TALLY: dict[str, list[str]] = {"accepted": [], "round_trip": [], "refused": []}


@pytest.fixture(scope="module")
def parsers() -> Iterator[_Parsers]:
    holder = _Parsers()
    yield holder
    if holder.current is not None:
        holder.current.close()
    accepted, same = len(TALLY["accepted"]), len(TALLY["round_trip"])
    print(
        f"\ncorpus round trip on the real parsers: {same} of {accepted} accepted commands "
        f"identical ({len(TALLY['refused'])} release/command pairs the release itself refuses)"
    )


def gpus_of(runtime: str, namespace: dict[str, Any]) -> int:
    """GPUs the parsed command asks for, from the parser's own attributes."""

    def number(*names: str) -> int:
        for name in names:
            value = namespace.get(name)
            if value is not None:
                return int(value)
        return 1

    if runtime == "sglang":
        dp = number("dp_size", "data_parallel_size")
        if namespace.get("enable_dp_attention"):
            dp = 1
        tp = number("tp_size", "tensor_parallel_size")
        pp = number("pp_size", "pipeline_parallel_size")
        return tp * pp * dp
    return (
        number("tensor_parallel_size")
        * number("pipeline_parallel_size")
        * number("data_parallel_size")
    )


def _spelling_causes(engine: Engine, parameters: dict[str, Any], arguments: list[str]) -> list[str]:
    """Spellings in the command that a failure most likely comes from."""
    causes = []
    manifest = engine.manifest
    options = [a.split("=", 1)[0] for a in arguments if a.startswith("-") and len(a) > 1]
    known = [o for o in options if manifest.lookup(o) is not None]
    dotted = [o for o in options if manifest.lookup(o) is None and "." in o]
    abbreviated = [
        o
        for o in options
        if manifest.lookup(o) is None and "." not in o and len(manifest.prefix_matches(o)) >= 1
    ]
    if abbreviated:
        causes.append(f"abbreviated options {', '.join(sorted(set(abbreviated)))}")
    if dotted:
        causes.append(f"vLLM dotted sub-keys {', '.join(sorted(set(dotted)))}")
    dests = [manifest.lookup(o).spec.name for o in known]  # type: ignore[union-attr]
    if len(dests) != len(set(dests)):
        causes.append("one option given more than once (or in two spellings)")
    return causes


def _differences(left: dict[str, Any], right: dict[str, Any]) -> list[str]:
    keys = (set(left) | set(right)) - MODEL_ATTRIBUTES - ADDRESS_ATTRIBUTES
    return [
        f"{k}: {left.get(k, '<absent>')!r} -> {right.get(k, '<absent>')!r}"
        for k in sorted(keys)
        if left.get(k, "<absent>") != right.get(k, "<absent>")
    ]


def _same_without_lifting(parser: RealParser, read: Any, original: dict[str, Any]) -> bool:
    """Whether the flags exactly as written (not lifted) render the same launch."""
    assert read.unlifted is not None
    grid = grid_of(read.unlifted.parameters)
    if grid.size != 1:
        return False
    argv = launch_argv(read.engine, read.task.model.id_or_path, grid.point(0))
    result = parser.parse(argv[len(read.engine.spec.launcher) :])
    return bool(result["ok"]) and not _differences(original, result["namespace"])


@pytest.mark.parametrize(("runtime", "version", "entry"), _cases())
def test_corpus_command_round_trips(
    parsers: _Parsers, runtime: str, version: str, entry: dict[str, Any]
) -> None:
    if not DRIVER.is_built(runtime, version):
        pytest.skip(f"no parser environment for {runtime} {version}")
    read = read_command(entry["command"], engine_version=version)
    assert read.task.base_runtime.value == runtime
    assert read.engine.version == version
    parser = parsers.get(runtime, version)
    original = parser.parse(read.arguments)
    label = f"{entry['id']} on {runtime} {version}"
    if not original["ok"]:
        TALLY["refused"].append(label)
        pytest.skip(
            f"{runtime} {version} itself refuses the published command: {original['error']}"
        )
    TALLY["accepted"].append(label)
    flat = to_flat(read.task, read.engine)
    grid = grid_of(flat.parameters)
    problems: list[str] = []
    if grid.size != 1:
        problems.append(f"the task is a grid of {grid.size} launches, not one")
    argv = launch_argv(read.engine, read.task.model.id_or_path, grid.point(0) if grid.size else {})
    rendered = parser.parse(argv[len(read.engine.spec.launcher) :])
    if not rendered["ok"]:
        problems.append(f"the real parser refuses configlib's command: {rendered['error']}")
    else:
        problems.extend(_differences(original["namespace"], rendered["namespace"]))
    wanted_gpus = gpus_of(runtime, original["namespace"])
    ours = gpus_needed(flat.parameters, read.engine) or 1
    if ours != wanted_gpus:
        problems.append(f"configlib counts {ours} GPUs, the command uses {wanted_gpus}")
    if not problems:
        TALLY["round_trip"].append(label)
        return
    causes = _spelling_causes(read.engine, flat.parameters, read.arguments)
    if not causes and _same_without_lifting(parser, read, original["namespace"]):
        causes.append(
            "lifting changed the launch (lift only when the release parses the re-rendered "
            "command to the same values)"
        )
    message = f"{label}: " + "; ".join(problems) + f"\n  configlib's command: {argv}"
    if causes:
        message += "\n  likely cause: " + "; ".join(causes)
    pytest.fail(message)
