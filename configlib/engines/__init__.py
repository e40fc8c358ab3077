"""Supported engines and releases: manifests, mapping tables and version resolution.

``get_engine("sglang", "0.5.2")`` gives one release with its manifest and bound mapping table;
``resolve_engine`` picks the release a task targets (explicit version, else the version its
image tag names, else the newest) and says why when it had to guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from configlib.engines import gpus, sglang, vllm
from configlib.engines.gpus import FlagAxes
from configlib.engines.manifest import Manifest, load_manifest, manifest_files, package_json
from configlib.engines.rules import Bound, Note, Rule
from configlib.engines.table import EngineTable, GeneratorNote, LaunchGenerator
from configlib.vocab import Runtime

__all__ = [
    "ENGINES",
    "Engine",
    "EngineSpec",
    "EngineTable",
    "UnknownEngineVersion",
    "get_engine",
    "latest_version",
    "launch_generator",
    "resolve_engine",
    "supported_versions",
    "version_from_tag",
]


@dataclass(frozen=True)
class EngineSpec:
    """What is the same in every release of an engine."""

    runtime: Runtime
    label: str
    table: EngineTable
    """The engine's mapping table and flag facts (the ``TABLE`` its module ends with)."""
    launcher: tuple[str, ...]
    model_flag: str | None
    """Flag that names the model; None when the model is the first positional argument."""
    snake_case: bool
    """Whether the parser also accepts ``--snake_case`` spellings."""
    image: str
    autotuner_default_tag: str

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.table.rules


ENGINES: dict[Runtime, EngineSpec] = {
    Runtime.SGLANG: EngineSpec(
        runtime=Runtime.SGLANG,
        label="SGLang",
        table=sglang.TABLE,
        launcher=("python", "-m", "sglang.launch_server"),
        model_flag="--model-path",
        snake_case=False,
        image="lmsysorg/sglang",
        autotuner_default_tag="v0.5.2-cu126",
    ),
    Runtime.VLLM: EngineSpec(
        runtime=Runtime.VLLM,
        label="vLLM",
        table=vllm.TABLE,
        launcher=("vllm", "serve"),
        model_flag=None,
        snake_case=True,
        image="vllm/vllm-openai",
        autotuner_default_tag="latest",
    ),
}


@cache
def launch_generator() -> LaunchGenerator:
    """What aiconfigurator's launch generator writes, over every engine's table.

    A generated launch is read whichever engine it was rendered for (the task may target
    another), so its options are explained from all tables; the first table that explains an
    option wins.
    """
    plumbing: dict[str, None] = {}
    disaggregation: dict[str, None] = {}
    role_flags: list[str] = []
    notes: dict[str, GeneratorNote] = {}
    differs: dict[str, str] = {}
    respelled: dict[str, tuple[str, str]] = {}
    for spec in ENGINES.values():
        generator = spec.table.generator
        plumbing.update(dict.fromkeys(generator.plumbing))
        disaggregation.update(dict.fromkeys(generator.disaggregation))
        if generator.role_flag and generator.role_flag not in role_flags:
            role_flags.append(generator.role_flag)
        notes = {**generator.notes, **notes}
        differs = {**generator.differs, **differs}
        respelled = {**generator.respelled, **respelled}
    return LaunchGenerator(
        plumbing=tuple(plumbing),
        disaggregation=tuple(disaggregation),
        role_flag=role_flags[0] if role_flags else None,
        notes=notes,
        differs=differs,
        respelled=respelled,
    )


class UnknownEngineVersion(ValueError):
    """No manifest ships for the requested release."""


def _version_key(version: str) -> tuple[int, ...]:
    parts = re.findall(r"[0-9]{1,9}", version)
    return tuple(int(p) for p in parts)


def supported_versions(runtime: Runtime | str) -> list[str]:
    """Releases with a shipped manifest, oldest first."""
    name = Runtime(runtime).value
    found = [version for engine, version in manifest_files() if engine == name]
    return sorted(found, key=_version_key)


def latest_version(runtime: Runtime | str) -> str:
    return supported_versions(runtime)[-1]


_TAG_VERSION = re.compile(r"(?:^|[^0-9.])v?(\d+\.\d+(?:\.\d+)?(?:\.?post\d+)?)")


def version_from_tag(tag: str | None) -> str | None:
    """The release an image tag names: ``v0.5.2-cu126`` -> ``0.5.2``; None if it names none."""
    if not tag:
        return None
    match = _TAG_VERSION.search(tag.rsplit(":", 1)[-1])
    return match.group(1) if match else None


@dataclass
class Engine:
    """One release of one engine: manifest plus the mapping table bound to it."""

    spec: EngineSpec
    version: str
    manifest: Manifest
    bindings: tuple[tuple[Bound, ...], ...]
    """Per rule, its usable variants in preference order."""
    value_lists: dict[str, frozenset[str]] = field(default_factory=dict)
    """Canonical flag name -> values accepted after parsing (argparse does not check them)."""
    requires: dict[str, dict[str, str]] = field(default_factory=dict)
    """Canonical flag name -> value -> another flag that value needs."""

    @property
    def runtime(self) -> Runtime:
        return self.spec.runtime

    @property
    def label(self) -> str:
        return f"{self.spec.label} {self.version}"

    def gpus_needed(self, get: Callable[[str], Any]) -> int:
        """GPUs one server uses for one combination, read through ``get`` by bare spelling."""
        return self.spec.table.count_gpus(get)

    def flag_axes(self, parameters: Mapping[str, Any], spellings: tuple[str, ...]) -> FlagAxes:
        """The candidates of some flags in flat parameters, read as this release's parser does."""
        return gpus.flag_axes(self.manifest, parameters, spellings)

    def most_gpus(self, parameters: Mapping[str, Any], limit: int) -> int | None:
        """The most GPUs one server of a grid needs (None past ``limit`` combinations or for a
        value that is not a number)."""
        return gpus.most_gpus(self.manifest, self.spec.table, parameters, limit)

    def point_gpus(self, point: Mapping[str, Any]) -> int | None:
        """GPUs one server needs for one grid point (None when it cannot tell)."""
        return gpus.point_gpus(self.manifest, self.spec.table, point)

    def __hash__(self) -> int:
        return hash((self.spec.runtime, self.version))

    def __repr__(self) -> str:
        return f"Engine({self.label})"


@cache
def _value_lists() -> dict[str, Any]:
    data: dict[str, Any] = package_json("manifests", "_value_lists.json")
    return data


@cache
def get_engine(runtime: Runtime | str, version: str | None = None) -> Engine:
    """One supported release (the newest when ``version`` is None)."""
    spec = ENGINES[Runtime(runtime)]
    chosen = version or latest_version(spec.runtime)
    if chosen not in supported_versions(spec.runtime):
        raise UnknownEngineVersion(
            f"no flag manifest for {spec.label} {chosen}; supported: "
            f"{', '.join(supported_versions(spec.runtime))}"
        )
    manifest = load_manifest(spec.runtime.value, chosen, spec.snake_case)
    bindings = tuple(tuple(rule.bind(manifest)) for rule in spec.rules)
    extra = _value_lists().get(spec.runtime.value, {}).get(chosen, {})
    value_lists = {}
    for flag, values in extra.get("values", {}).items():
        resolved = manifest.lookup(flag)
        if resolved is not None:
            value_lists[resolved.spec.name] = frozenset(values)
    return Engine(spec, chosen, manifest, bindings, value_lists, dict(extra.get("requires", {})))


def _looks_like_version(text: str) -> bool:
    """A release number such as 0.5.14 or 0.10.2rc1 (not a path or free text)."""
    return bool(_VERSION_TEXT.fullmatch(text))


_VERSION_TEXT = re.compile(
    r"v?[0-9]{1,4}(\.[0-9]{1,4}){1,3}([.-]?(rc|post|dev|a|b)[0-9]{0,4})*", re.ASCII
)


def _nearest(versions: list[str], wanted: str) -> str:
    key = _version_key(wanted)
    older = [v for v in versions if _version_key(v) <= key]
    return older[-1] if older else versions[0]


def resolve_engine(
    runtime: Runtime | str,
    *,
    engine_version: str | None = None,
    image_tag: str | None = None,
) -> tuple[Engine, list[Note]]:
    """The release a task targets, with a note whenever the choice was not exact."""
    spec = ENGINES[Runtime(runtime)]
    versions = supported_versions(spec.runtime)
    notes: list[Note] = []
    if engine_version:
        if engine_version in versions:
            tagged = version_from_tag(image_tag)
            if tagged and tagged != engine_version:
                notes.append(
                    Note(
                        "warning",
                        "runtime_image_tag",
                        "version-mismatch",
                        f"runtime_image_tag {image_tag} names {spec.label} {tagged} but "
                        f"engine_version is {engine_version}; flags are checked against "
                        f"{engine_version}",
                    )
                )
            return get_engine(spec.runtime, engine_version), notes
        # The user asked for this release: checking another one instead would pass flags the
        # asked-for release may refuse, so this is an error (the other findings still come from
        # the nearest release so they can be fixed in the same pass).
        chosen = _nearest(versions, engine_version) if _looks_like_version(engine_version) else None
        shown = engine_version if len(engine_version) <= 40 else engine_version[:37] + "..."
        notes.append(
            Note(
                "error",
                "engine_version",
                "unsupported-version",
                f"no flag manifest for {spec.label} {shown!r}; supported: {', '.join(versions)}"
                + (f" (other findings are for {chosen})" if chosen else ""),
            )
        )
        chosen = chosen or versions[-1]
        return get_engine(spec.runtime, chosen), notes
    tagged = version_from_tag(image_tag)
    if tagged in versions:
        return get_engine(spec.runtime, tagged), notes
    newest = versions[-1]
    if tagged:
        chosen = _nearest(versions, tagged)
        notes.append(
            Note(
                "warning",
                "runtime_image_tag",
                "unsupported-version",
                f"runtime_image_tag {image_tag} names {spec.label} {tagged}, which has no flag "
                f"manifest; checking against {chosen} (supported: {', '.join(versions)})",
            )
        )
        return get_engine(spec.runtime, chosen), notes
    if image_tag:
        notes.append(
            Note(
                "warning",
                "runtime_image_tag",
                "version-unknown",
                f"runtime_image_tag {image_tag} names no release; checking against the newest "
                f"supported, {spec.label} {newest}",
            )
        )
    elif spec.autotuner_default_tag == "latest":
        notes.append(
            Note(
                "warning",
                "runtime_image_tag",
                "default-image",
                f"no runtime_image_tag: the autotuner will run {spec.image}:latest, whichever "
                f"{spec.label} release that is on the day, while the flags are checked against "
                f"{spec.label} {newest}; set runtime_image_tag or engine_version",
            )
        )
    else:
        default = version_from_tag(spec.autotuner_default_tag)
        if default != newest:
            notes.append(
                Note(
                    "warning",
                    "runtime_image_tag",
                    "default-image",
                    f"no runtime_image_tag: the autotuner will run {spec.image}:"
                    f"{spec.autotuner_default_tag} ({spec.label} {default}) while the flags are "
                    f"checked against {spec.label} {newest}; set runtime_image_tag or "
                    "engine_version",
                )
            )
    return get_engine(spec.runtime, newest), notes
