"""Preset files in and out, and bringing the autotuner's flat presets into structured form.

The file format is the autotuner's ``{"version": "1.0", "preset": {...}}``, with ``runtime``
always written (the autotuner's own export route drops it, so its files come back as
"any engine") and the structured sections written when set. Reading accepts:

- one ``{"version", "preset"}`` document, including the autotuner's one-line export;
- a JSON array of them, such as the autotuner's seed file;
- a bare preset object (``{"name", "parameters", ...}``), with a warning.

When ``runtime`` is missing (not null: missing), it is inferred from the flags when they
belong to exactly one engine, and the reader says so.

The autotuner's seed presets use two flags SGLang does not have; reading fixes them for SGLang
presets and reports it: ``enable-mixed-chunking`` becomes ``enable-mixed-chunk``, and
``enable-chunked-prefill`` (a vLLM flag) becomes ``scheduling_config.chunked_prefill_enabled``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from configlib.convert import lift
from configlib.engines import ENGINES, Engine, get_engine, supported_versions
from configlib.findings import Finding, from_validation_error, unique
from configlib.io import load_document, parse_document
from configlib.model import ModelSpec, TaskConfig
from configlib.presets.model import Preset, section_model
from configlib.vocab import STRUCTURED_SECTIONS, Runtime

#: The format version written and understood.
FORMAT_VERSION = "1.0"
#: Keys of ``preset`` in an export, in the order written.
_EXPORT_KEYS = (
    "name",
    "description",
    "category",
    "runtime",
    *STRUCTURED_SECTIONS,
    "parameters",
    "metadata",
)
#: Flags of the autotuner's seed presets that SGLang does not have -> what they mean there.
SGLANG_FLAG_FIXES: Mapping[str, str] = ENGINES[Runtime.SGLANG].table.preset_flag_fixes


class PresetFormatError(ValueError):
    """The document holds no usable presets; ``findings`` says where and why."""

    def __init__(self, source: str, findings: list[Finding]) -> None:
        self.source = source
        self.findings = findings
        listed = "; ".join(str(f) for f in findings[:5])
        more = f" (and {len(findings) - 5} more)" if len(findings) > 5 else ""
        super().__init__(f"{source}: {listed}{more}")


@dataclass
class StructureReport:
    """What converting one flat preset into structured form did."""

    moved: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Flag -> the structured fields it became."""
    kept: list[str] = field(default_factory=list)
    """Flags left in ``parameters``: no structured field, or values that do not map back."""
    renamed: dict[str, str] = field(default_factory=dict)
    """Flags the engine does not have -> the flag or field used instead."""
    engine: str = ""
    """The engine release the flags were read with, e.g. SGLang 0.5.23."""
    findings: list[Finding] = field(default_factory=list)
    """What the conversion had to say (conflicts, flags renamed)."""


@dataclass
class PresetImport:
    """Presets read from one document."""

    presets: list[Preset]
    """The presets, in file order."""
    findings: list[Finding]
    """Warnings: runtime inferred, flags fixed, missing wrapper."""
    reports: dict[str, StructureReport] = field(default_factory=dict)
    """Preset name -> what structuring moved (only for presets that were converted)."""


# ---- Writing ----------------------------------------------------------------------------------


def export_preset(preset: Preset) -> dict[str, Any]:
    """The export document of one preset (is_system is not exported: imports are user presets)."""
    data = preset.model_dump(mode="json", exclude_none=True)
    body = {key: data[key] for key in _EXPORT_KEYS if key in data}
    body["runtime"] = preset.runtime.value if preset.runtime else None
    body.setdefault("category", None)
    return {"version": FORMAT_VERSION, "preset": {k: body[k] for k in _EXPORT_KEYS if k in body}}


def export_presets(presets: list[Preset]) -> list[dict[str, Any]]:
    """Several presets as a JSON array of export documents (the seed-file layout)."""
    return [export_preset(p) for p in presets]


def preset_json(preset: Preset) -> str:
    """One preset's export document as indented JSON."""
    return json.dumps(export_preset(preset), indent=2, ensure_ascii=False) + "\n"


def export_filename(preset: Preset) -> str:
    """``preset-<name>.json`` with the name lower-cased and made safe for file systems."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", preset.name.lower()).strip("-.") or "preset"
    return f"preset-{slug[:100]}.json"


# ---- Reading ----------------------------------------------------------------------------------


def load_presets(path: str | Path, *, structure: bool = False) -> PresetImport:
    """Read a preset file; raises ``InputError`` (unreadable) or ``PresetFormatError``."""
    return read_presets(load_document(path), str(path), structure=structure)


def presets_from_text(
    text: str, source: str = "<input>", *, structure: bool = False
) -> PresetImport:
    """Read presets from the text of a JSON or YAML document."""
    return read_presets(parse_document(text, source), source, structure=structure)


def read_presets(data: Any, source: str = "<input>", *, structure: bool = False) -> PresetImport:
    """Presets from parsed data; every item must be valid or nothing is returned.

    With ``structure``, flags are moved into structured fields (``structure_preset``); either
    way the autotuner seeds' two non-SGLang flags are fixed and reported.
    """
    items, findings = _items(data, source)
    presets: list[Preset] = []
    errors: list[Finding] = []
    reports: dict[str, StructureReport] = {}
    seen: set[str] = set()
    for where, body in items:
        preset, notes = _read_one(body, where, fix=not structure)
        if preset is None:
            errors.extend(notes)
            continue
        findings.extend(notes)
        if preset.name in seen:
            errors.append(
                Finding(
                    "error",
                    f"{where}.name",
                    "duplicate-name",
                    f"a second preset is named {preset.name!r}",
                )
            )
            continue
        seen.add(preset.name)
        if structure and preset.parameters:
            preset, report = structure_preset(preset)
            reports[preset.name] = report
            findings.extend(report.findings)
        presets.append(preset)
    if errors:
        raise PresetFormatError(source, errors)
    if not presets:
        raise PresetFormatError(source, [Finding("error", "", "no-presets", "no presets found")])
    return PresetImport(presets, unique(findings), reports)


def _items(data: Any, source: str) -> tuple[list[tuple[str, Any]], list[Finding]]:
    if isinstance(data, list):
        items = []
        for i, entry in enumerate(data):
            body, problem = _unwrap(entry, f"[{i}]")
            if problem:
                raise PresetFormatError(source, [problem])
            items.append((f"[{i}].preset", body))
        return items, []
    body, problem = _unwrap(data, "")
    if problem:
        raise PresetFormatError(source, [problem])
    if isinstance(data, dict) and "preset" not in data:
        note = Finding(
            "warning",
            "",
            "no-version-wrapper",
            'a bare preset without {"version": "1.0", "preset": ...}; read as one',
        )
        return [("preset", body)], [note]
    return [("preset", body)], []


def _unwrap(entry: Any, where: str) -> tuple[Any, Finding | None]:
    if not isinstance(entry, dict):
        kind = type(entry).__name__
        return None, Finding(
            "error",
            where,
            "not-a-preset",
            f'expected {{"version": "1.0", "preset": {{...}}}}, not a {kind}',
        )
    if "preset" not in entry:
        if "name" in entry:
            return entry, None
        return None, Finding(
            "error",
            where,
            "not-a-preset",
            'no "preset" key: expected {"version": "1.0", "preset": {...}}',
        )
    version = entry.get("version")
    if str(version) not in {"1.0", "1"}:
        at = f"{where}.version" if where else "version"
        return None, Finding(
            "error",
            at,
            "unsupported-version",
            f"preset format version {version!r} is not supported (expected 1.0)",
        )
    return entry["preset"], None


def _read_one(body: Any, where: str, *, fix: bool) -> tuple[Preset | None, list[Finding]]:
    if not isinstance(body, dict):
        return None, [Finding("error", where, "not-a-preset", "a preset is a mapping")]
    data = {k: v for k, v in body.items() if k not in {"id", "created_at", "updated_at"}}
    data["is_system"] = False
    notes: list[Finding] = []
    runtime_given = "runtime" in data
    try:
        preset = Preset.model_validate(data)
    except ValidationError as error:
        return None, from_validation_error(error, where)
    if not runtime_given:
        inferred = infer_runtime(preset.parameters)
        if inferred is not None:
            preset = preset.model_copy(update={"runtime": inferred})
            notes.append(
                Finding(
                    "warning",
                    f"{where}.runtime",
                    "runtime-inferred",
                    f"{preset.name!r} names no runtime (the autotuner's export drops it); "
                    f"its flags are {inferred.value} flags, so it is read as a "
                    f"{inferred.value} preset",
                )
            )
        elif preset.parameters:
            notes.append(
                Finding(
                    "warning",
                    f"{where}.runtime",
                    "runtime-unknown",
                    f"{preset.name!r} names no runtime (the autotuner's export drops it) and its "
                    "flags do not tell; read as usable with any engine",
                )
            )
    if not fix:
        return preset, notes
    preset, fixes = fix_known_flags(preset)
    notes.extend(Finding(f.severity, f"{where}.{f.path}", f.code, f.message) for f in fixes)
    return preset, notes


def infer_runtime(parameters: dict[str, Any]) -> Runtime | None:
    """The one engine that knows every flag (in any supported release), else None.

    The autotuner seeds' two mistaken flags count as SGLang flags, since that is what they
    were written for.
    """
    if not parameters:
        return None
    knowing = [r for r in Runtime if all(_knows(r, key) for key in parameters)]
    return knowing[0] if len(knowing) == 1 else None


def _knows(runtime: Runtime, key: str) -> bool:
    if runtime == Runtime.SGLANG and key.lstrip("-") in SGLANG_FLAG_FIXES:
        return True
    return any(
        get_engine(runtime, version).manifest.lookup_key(key) is not None
        for version in supported_versions(runtime)
    )


def fix_known_flags(preset: Preset) -> tuple[Preset, list[Finding]]:
    """Replace the autotuner seeds' two non-SGLang flags in an SGLang preset (see module doc)."""
    if preset.runtime != Runtime.SGLANG:
        return preset, []
    found = [key for key in preset.parameters if key.lstrip("-") in SGLANG_FLAG_FIXES]
    if not found:
        return preset, []
    parameters = dict(preset.parameters)
    update: dict[str, Any] = {}
    findings: list[Finding] = []
    for key in found:
        values = parameters.pop(key)
        target = SGLANG_FLAG_FIXES[key.lstrip("-")]
        if "." not in target:
            parameters[target] = values
            findings.append(
                Finding(
                    "warning",
                    f"parameters.{key}",
                    "flag-renamed",
                    f"SGLang has no --{key.lstrip('-')}; renamed to --{target}",
                )
            )
            continue
        section_name, _, name = target.partition(".")
        current = update.get(section_name, getattr(preset, section_name))
        if not all(isinstance(v, bool) for v in values):
            parameters[key] = values
            findings.append(
                Finding(
                    "warning",
                    f"parameters.{key}",
                    "unknown-flag",
                    f"SGLang has no --{key.lstrip('-')} and its values {values} are not "
                    "true/false; left as it is (validation reports it)",
                )
            )
            continue
        if current is not None and getattr(current, name) is not None:
            findings.append(
                Finding(
                    "warning",
                    f"parameters.{key}",
                    "flag-dropped",
                    f"SGLang has no --{key.lstrip('-')}; {target} is already set, so it "
                    "was dropped",
                )
            )
            continue
        base = current.model_dump(exclude_none=True) if current is not None else {}
        model = type(current) if current is not None else section_model(section_name)
        update[section_name] = model.model_validate({**base, name: values})
        findings.append(
            Finding(
                "warning",
                f"parameters.{key}",
                "flag-renamed",
                f"SGLang has no --{key.lstrip('-')} (a vLLM flag); moved to {target}",
            )
        )
    fixed = preset.model_copy(update={**update, "parameters": parameters})
    return Preset.model_validate(fixed.model_dump(exclude_none=True)), findings


# ---- Flat -> structured -----------------------------------------------------------------------


def lifting_engine(preset: Preset, engine_version: str | None = None) -> Engine:
    """The release a preset's flags are read with: its runtime's, else the engine that knows
    the most of its flags (SGLang on a tie)."""
    if preset.runtime is not None:
        return get_engine(preset.runtime, engine_version)
    counts = {
        runtime: sum(
            1
            for key in preset.parameters
            if get_engine(runtime).manifest.lookup_lenient(key) is not None
        )
        for runtime in Runtime
    }
    best = max(Runtime, key=lambda r: (counts[r], r == Runtime.SGLANG))
    return get_engine(best)


def structure_preset(
    preset: Preset, *, engine_version: str | None = None
) -> tuple[Preset, StructureReport]:
    """Move every mapped flag of a flat preset into its structured field; the rest stays."""
    fixed, findings = fix_known_flags(preset)
    report = StructureReport(findings=list(findings))
    for finding in findings:
        if finding.code == "flag-renamed":
            old = finding.path.removeprefix("parameters.")
            report.renamed[old] = SGLANG_FLAG_FIXES[old.lstrip("-")]
    engine = lifting_engine(fixed, engine_version)
    report.engine = engine.label
    if not fixed.parameters:
        return fixed, report
    as_task = TaskConfig(
        task_name=fixed.name,
        model=ModelSpec(id_or_path="preset"),
        base_runtime=engine.runtime,
        engine_version=engine.version,
        parameters=dict(fixed.parameters),
        **{name: getattr(fixed, name) for name in STRUCTURED_SECTIONS},
    )
    lifted = lift(as_task, engine)
    report.findings.extend(lifted.findings)
    report.moved = dict(lifted.lifted)
    report.kept = list(lifted.task.parameters)
    sections = {name: getattr(lifted.task, name) for name in STRUCTURED_SECTIONS}
    structured = fixed.model_copy(update={**sections, "parameters": dict(lifted.task.parameters)})
    return Preset.model_validate(structured.model_dump(exclude_none=True)), report
