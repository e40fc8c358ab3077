"""The building blocks of an engine's mapping table.

An engine module lists rules; each rule reads one or more structured fields and writes one or
more flags, for ONE combination of values (``emit``), and reads those flags back (``lift``).
The converter (configlib.convert) handles candidate lists, precedence and conflicts, so rules
stay small and declarative.

Rules name flags by their preferred spelling. ``bind`` resolves them against one release's
manifest: a rule whose flags the release does not have is unavailable there, and ``OneOf``
picks the first available variant (non-deprecated first). That is how version differences are
expressed: as data in the manifests plus ordered alternatives, never as version comparisons.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from configlib.engines.manifest import FlagSpec, Manifest
from configlib.vocab import PRE_QUANTIZED_GEMM_MODES, SIXTEEN_BIT_MODES

Severity = Literal["error", "warning"]
#: One combination's flags: parameters key -> value (a bool for switches).
Flags = dict[str, Any]
#: Effective flag values keyed by canonical flag name (switches: True, False or None = absent).
Effective = dict[str, Any]


@dataclass(frozen=True)
class Note:
    """Something a rule has to say about a field (becomes a finding)."""

    severity: Severity
    field: str
    code: str
    message: str


_UNMAPPED = object()

#: Note code for "this variant cannot say these values": the converter tries the next variant
#: of a ``OneOf``, and reports an error when none can (never an empty result).
CANNOT_EXPRESS = "cannot-express"


ENGINE_LABELS = {"sglang": "SGLang", "vllm": "vLLM"}


def plain(value: Any) -> Any:
    """Enum members become their string value."""
    return value.value if isinstance(value, enum.Enum) else value


# ---- Bound rules: a rule resolved against one manifest --------------------------------------


@dataclass
class Bound:
    """A rule bound to one release: resolved keys and the canonical flags it owns."""

    rule: Rule
    manifest: Manifest
    keys: dict[str, str]
    """Rule spelling -> parameters key to emit."""
    specs: dict[str, FlagSpec]
    """Rule spelling -> flag spec."""
    deprecated: bool = False
    """True when the variant uses a flag the engine marks deprecated."""
    read_specs: dict[str, FlagSpec] = field(default_factory=dict)
    """Flags the rule consults when lifting without owning them."""

    @property
    def fields(self) -> tuple[str, ...]:
        return self.rule.fields

    @property
    def trigger(self) -> tuple[str, ...]:
        return self.rule.trigger or self.rule.fields

    owned: frozenset[str] = frozenset()
    """Canonical names of the flags this variant writes (and lifts)."""

    def __post_init__(self) -> None:
        self.owned = frozenset(spec.name for spec in self.specs.values())

    def emit(self, values: tuple[Any, ...], notes: list[Note]) -> Flags:
        return self.rule.emit(self, values, notes)

    def lift(self, flags: Effective) -> dict[str, Any] | None:
        return self.rule.lift(self, flags)

    def key(self, spelling: str) -> str:
        return self.keys[spelling]

    def canonical(self, spelling: str) -> str:
        spec = self.specs.get(spelling) or self.read_specs.get(spelling)
        return spec.name if spec else spelling


class Rule:
    """Base class: ``fields`` it reads, ``spellings`` of the flags it may write.

    The rule runs when any of its ``trigger`` fields is set (all of ``fields`` by default);
    ``reads`` are flags it consults when lifting but does not own.
    """

    fields: tuple[str, ...] = ()
    spellings: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    trigger: tuple[str, ...] | None = None

    def bind(self, manifest: Manifest) -> list[Bound]:
        """Resolve against a release; an empty list means the release cannot express it."""
        keys: dict[str, str] = {}
        specs: dict[str, FlagSpec] = {}
        for spelling in self.spellings:
            found = manifest.lookup_key(spelling)
            if found is None:
                return []
            specs[spelling] = found.spec
            keys[spelling] = spelling
        read_specs: dict[str, FlagSpec] = {}
        for spelling in self.reads:
            found = manifest.lookup_key(spelling)
            if found is not None:
                read_specs[spelling] = found.spec
        deprecated = any(spec.deprecated for spec in specs.values())
        return [Bound(self, manifest, keys, specs, deprecated, read_specs)]

    def emit(self, bound: Bound, values: tuple[Any, ...], notes: list[Note]) -> Flags:
        raise NotImplementedError(type(self).__name__)

    def lift(self, bound: Bound, flags: Effective) -> dict[str, Any] | None:
        return None


@dataclass
class Flag(Rule):
    """One field, one flag: ``values`` maps field values to flag values (identity otherwise).

    ``silent`` values write no flag; ``errors`` values cannot be run with this engine. Each maps
    the value to the reason given in the finding ("" for no finding).
    """

    field_path: str
    flag: str
    values: Mapping[Any, Any] = field(default_factory=dict)
    silent: Mapping[Any, str] = field(default_factory=dict)
    errors: Mapping[Any, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.fields = (self.field_path,)
        self.spellings = (self.flag,)
        # Keyed by (is_bool, value) because True == 1 in a plain dict.
        self._reverse = {(isinstance(v, bool), v): k for k, v in self.values.items()}

    def emit(self, bound: Bound, values: tuple[Any, ...], notes: list[Note]) -> Flags:
        raw = plain(values[0])
        if raw in self.errors:
            notes.append(Note("error", self.field_path, "unsupported-value", self.errors[raw]))
            return {}
        if raw in self.silent:
            if self.silent[raw]:
                notes.append(Note("warning", self.field_path, "no-flag", self.silent[raw]))
            return {}
        return {bound.key(self.flag): self.values.get(raw, raw)}

    def lift(self, bound: Bound, flags: Effective) -> dict[str, Any] | None:
        value = flags.get(bound.canonical(self.flag))
        if value is None:
            return None
        mapped = self._reverse.get((isinstance(value, bool), value), _UNMAPPED)
        return {self.field_path: value if mapped is _UNMAPPED else mapped}


@dataclass
class Toggle(Rule):
    """A boolean field written as ``--x`` when true and ``--no-x`` when false."""

    field_path: str
    on: str
    off: str

    def __post_init__(self) -> None:
        self.fields = (self.field_path,)
        self.spellings = (self.on, self.off)

    def emit(self, bound: Bound, values: tuple[Any, ...], notes: list[Note]) -> Flags:
        return {bound.key(self.on if values[0] else self.off): True}

    def lift(self, bound: Bound, flags: Effective) -> dict[str, Any] | None:
        value = flags.get(bound.canonical(self.on))
        if not isinstance(value, bool):
            return None
        return {self.field_path: value}


@dataclass
class Table(Rule):
    """One field; each value writes its own set of flags (an empty set writes nothing)."""

    field_path: str
    rows: Mapping[Any, Mapping[str, Any]]
    notes: Mapping[Any, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.fields = (self.field_path,)
        spellings: list[str] = []
        for row in self.rows.values():
            spellings.extend(s for s in row if s not in spellings)
        self.spellings = tuple(spellings)

    def emit(self, bound: Bound, values: tuple[Any, ...], notes: list[Note]) -> Flags:
        raw = plain(values[0])
        if raw in self.notes:
            notes.append(Note("warning", self.field_path, "no-flag", self.notes[raw]))
        row = self.rows.get(raw)
        if row is None:
            notes.append(
                Note("error", self.field_path, "unsupported-value", f"{raw!r} has no flag form")
            )
            return {}
        return {bound.key(s): v for s, v in row.items()}

    def lift(self, bound: Bound, flags: Effective) -> dict[str, Any] | None:
        present = {s: flags.get(bound.canonical(s)) for s in self.spellings}
        for value, row in self.rows.items():
            if not row:
                continue
            if all(present.get(s) == v for s, v in row.items()) and all(
                present[s] is None or s in row for s in self.spellings
            ):
                return {self.field_path: value}
        return None


@dataclass
class Unsupported(Rule):
    """A field the engine cannot express: setting it gives a finding, never a silent drop."""

    field_path: str
    reason: str
    severity: Severity = "warning"

    def __post_init__(self) -> None:
        self.fields = (self.field_path,)
        self.spellings = ()

    def emit(self, bound: Bound, values: tuple[Any, ...], notes: list[Note]) -> Flags:
        notes.append(Note(self.severity, self.field_path, "unsupported-field", self.reason))
        return {}


@dataclass
class PredictionOnly(Rule):
    """A field aiconfigurator models but no engine flag sets: a warning unless it is 16-bit."""

    field_path: str
    reason: str

    def __post_init__(self) -> None:
        self.fields = (self.field_path,)

    def emit(self, bound: Bound, values: tuple[Any, ...], notes: list[Note]) -> Flags:
        value = plain(values[0])
        if value not in SIXTEEN_BIT_MODES:
            notes.append(
                Note("warning", self.field_path, "prediction-only", f"{value}: {self.reason}")
            )
        return {}


@dataclass
class Custom(Rule):
    """Several fields to several flags, through two small functions (emit and lift)."""

    field_paths: tuple[str, ...]
    flags: tuple[str, ...]
    emitter: Callable[[Callable[[str], str], tuple[Any, ...], list[Note]], dict[str, Any]]
    lifter: Callable[[Callable[[str], Any]], dict[str, Any] | None] | None = None
    consults: tuple[str, ...] = ()
    triggered_by: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        self.fields = self.field_paths
        self.spellings = self.flags
        self.reads = self.consults
        self.trigger = self.triggered_by

    def emit(self, bound: Bound, values: tuple[Any, ...], notes: list[Note]) -> Flags:
        return self.emitter(bound.key, values, notes)

    def lift(self, bound: Bound, flags: Effective) -> dict[str, Any] | None:
        if self.lifter is None:
            return None
        return self.lifter(lambda spelling: flags.get(bound.canonical(spelling)))


@dataclass
class OneOf(Rule):
    """Alternatives for the same fields; the first the release has (non-deprecated first).

    ``missing`` is the finding when the release has none of them.
    """

    variants: Sequence[Rule]
    missing: str

    def __post_init__(self) -> None:
        self.fields = self.variants[0].fields
        if any(v.fields != self.fields for v in self.variants):
            raise ValueError("OneOf variants must read the same fields")

    def bind(self, manifest: Manifest) -> list[Bound]:
        bound = [b for variant in self.variants for b in variant.bind(manifest)]
        if not bound:
            label = ENGINE_LABELS.get(manifest.engine, manifest.engine)
            reason = self.missing.format(engine=label, version=manifest.version)
            fallback = Unsupported(self.fields[0], reason)
            fallback.fields = self.fields
            return fallback.bind(manifest)
        return sorted(bound, key=lambda b: b.deprecated)


# ---- Rule sets both engines share ---------------------------------------------------------


def checkpoint_quantization(engine: str) -> tuple[Rule, ...]:
    """The quantization rules of an engine that reads precision from the checkpoint.

    Only fp8 GEMMs have a flag (``--quantization fp8``); a pre-quantized mode describes the
    checkpoint, and attention, expert, communication, activation and weight precisions are
    aiconfigurator's modelling inputs with no flag, kept for the predictions only.
    """
    pre_quantized = (
        f"describes a pre-quantized checkpoint: {engine} reads the method from the checkpoint's "
        "quantization_config, so no --quantization flag is written; make sure the checkpoint "
        "matches"
    )
    return (
        Flag(
            "quantization_config.gemm_quant_mode",
            "quantization",
            values={"fp8": "fp8"},
            silent={
                "bfloat16": "",
                **{mode: f"{mode} {pre_quantized}" for mode in PRE_QUANTIZED_GEMM_MODES},
            },
        ),
        PredictionOnly(
            "quantization_config.fmha_quant_mode",
            f"{engine} has no attention-precision flag (attention follows the KV-cache dtype "
            "and the checkpoint), so the launch may differ from the prediction",
        ),
        PredictionOnly(
            "quantization_config.moe_quant_mode",
            f"{engine} takes the expert precision from the checkpoint; no flag is written",
        ),
        PredictionOnly(
            "quantization_config.comm_quant_mode",
            f"{engine} has no flag for communication precision; no flag is written",
        ),
        PredictionOnly(
            "quantization_config.activation_quant_mode",
            f"{engine} has no activation-precision flag; no flag is written",
        ),
        PredictionOnly(
            "quantization_config.weight_quant_mode",
            f"{engine} takes weight precision from the checkpoint; no flag is written",
        ),
    )
