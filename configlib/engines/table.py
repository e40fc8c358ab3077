"""The contract every engine table module fulfils: one frozen ``EngineTable`` at its end.

An engine module (sglang.py, vllm.py) keeps its rules and helpers private and ends with
``TABLE = EngineTable(...)``; the rest of configlib reads engine knowledge only through this
type, so mypy checks every use and a missing entry fails at import, not at the first task.
Flag names are bare (``tp-size``), in the spelling the engine prefers; the manifest resolves
them per release.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from configlib.engines.rules import Rule

#: Reads one flag's effective value for one combination, by bare flag name (None when unset).
FlagGetter = Callable[[str], Any]


@dataclass(frozen=True)
class GeneratorNote:
    """Why a flag that aiconfigurator's launch generator writes is not in configlib's launch.

    ``text`` is a ``str.format`` template over the comparison's context (``batch``,
    ``concurrency``, ``isl``, ``osl``, ``prefill_budget``, ``context_budget``, see
    ``launch_context``); the note applies only when every name in ``needs`` has a value.
    """

    text: str
    needs: tuple[str, ...] = ()
    say_missing: bool = False
    """Append "and <release> has no <flag>" when the task's release lacks the flag."""


#: aiconfigurator's generator adds this many tokens to its prefill and context budgets.
GENERATOR_MARGIN = 1500


def launch_context(
    isl: int | None, osl: int | None, batch: Any, concurrency: Any
) -> dict[str, Any]:
    """The values a ``GeneratorNote`` template may name, for one candidate."""
    return {
        "isl": isl,
        "osl": osl,
        "batch": batch,
        "concurrency": concurrency,
        "prefill_budget": isl + GENERATOR_MARGIN if isl else None,
        "context_budget": isl + osl + GENERATOR_MARGIN if isl and osl else None,
    }


# Notes both engines' generator templates share.
GENERATOR_REQUEST_CAP = GeneratorNote(
    "aiconfigurator's generator writes 512 when the modelled batch is below 512 (else twice the "
    "batch): a cap, not the predicted batch of {batch} per rank; configlib leaves the engine "
    "default and loads the server with the predicted concurrency {concurrency}"
)
GENERATOR_LAYOUT_DIFFERS = (
    "parallel layout differs: configlib writes the layout aiconfigurator modelled (CSV row), the "
    "generator renders its own"
)
GENERATOR_KV_DIFFERS = (
    "KV-cache dtype differs between the modelled quantization and the generated launch"
)


@dataclass(frozen=True)
class LaunchGenerator:
    """What aiconfigurator's launch generator writes for this engine, and why ours differs.

    Keys are options as the generator writes them (``--max-num-seqs``).
    """

    plumbing: tuple[str, ...] = ()
    """Options the autotuner sets itself (model, host, port, ...)."""
    disaggregation: tuple[str, ...] = ()
    """Options of disaggregated serving (the autotuner launches one aggregated server)."""
    role_flag: str | None = None
    """The option whose value names a worker's role (prefill, decode) in a generated script."""
    notes: Mapping[str, GeneratorNote] = field(default_factory=dict)
    """Generator rules for options configlib leaves at the engine default."""
    differs: Mapping[str, str] = field(default_factory=dict)
    """Canonical option -> why the two launches give it different values."""
    respelled: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Canonical option the generator writes -> (the option configlib writes for the same
    setting, why: a template naming ``{engine}`` and ``{value}``)."""


@dataclass(frozen=True, eq=False)
class EngineTable:
    """One engine's mapping table and flag facts, shared by all its releases."""

    rules: tuple[Rule, ...]
    """Structured fields -> flags (configlib.engines.rules)."""
    tensor_parallel_flag: str
    """The tensor-parallel size (the one flag the autotuner passes in OME mode)."""
    gpu_flags: tuple[str, ...]
    """Flags ``count_gpus`` reads."""
    count_gpus: Callable[[FlagGetter], int]
    """GPUs one server uses for one combination of the ``gpu_flags`` values."""
    fraction_flags: tuple[str, ...]
    """Flags whose value is a fraction in (0, 1]."""
    count_flags: tuple[str, ...]
    """Flags whose value counts something (>= 1)."""
    combination_flags: tuple[str, ...]
    """Flags ``combination_problems`` reads."""
    combination_problems: Callable[[FlagGetter], list[tuple[str, str]]]
    """Flag values the engine refuses together, as (flag, reason), for one combination."""
    launcher_flags: tuple[str, ...]
    """Flags the autotuner writes itself (model from model.id_or_path, host and port it picks)."""
    served_name_flag: str = "served-model-name"
    """The flag naming the model in requests (default: the model's id or path)."""
    autotuner_parallel: Mapping[str, str] = field(default_factory=dict)
    """Keys of the autotuner's ``parallel_config`` that are plain flags of this engine."""
    autotuner_parallel_switches: tuple[str, ...] = ()
    """Those of ``autotuner_parallel`` whose values are switches (read as true/false)."""
    preset_flag_fixes: Mapping[str, str] = field(default_factory=dict)
    """Flags of the autotuner's seed presets this engine lacks -> the flag or field meant."""
    generator: LaunchGenerator = field(default_factory=LaunchGenerator)
