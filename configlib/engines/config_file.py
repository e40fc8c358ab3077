"""The engines' own ``--config`` YAML files, written and read the way each release's loader
reads them.

Both engines turn the YAML mapping into command-line words before argparse sees them (SGLang:
``ConfigArgumentMerger`` in ``prepare_server_args``; vLLM: ``FlexibleArgumentParser
.load_config_file``). How one release does it is data (``config_files.json``): where the words
go, what ``true`` and ``false`` become, how a nested mapping is written, which argparse actions
the loader refuses. ``loader_words`` is that model; ``point_file`` writes a grid point so the
model gives back exactly the point's own words, and keeps on the command line whatever the
release's loader cannot carry, with a finding that says why. The real-parser suite loads every
written file with the release's own code (tests/engine_parsers/test_config_files.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from configlib.engines import Engine
from configlib.engines.manifest import FlagSpec, _base_type
from configlib.engines.parsing import argv_for, parse_argv
from configlib.findings import Finding

__all__ = [
    "CONFIG_OPTION",
    "ConfigFileError",
    "Loader",
    "PointFile",
    "config_suffixes",
    "dump_config",
    "loader_for",
    "loader_words",
    "point_file",
]

#: The file name written files use when none is given.
DEFAULT_NAME = "point.yaml"
#: The option both engines read a config file from (a flag of every release with a loader).
CONFIG_OPTION = "--config"


class ConfigFileError(ValueError):
    """The release has no ``--config``, or its loader would refuse the file."""


@dataclass(frozen=True)
class Loader:
    """How one release's ``--config`` loader turns a YAML mapping into command-line words."""

    style: str
    source: str
    placement: str
    true: str
    false: str
    mapping: str
    keys: str
    """How a YAML key finds its flag: ``dest`` (dashes as underscores), or ``long-options``
    (the destination or any long option string of the flag)."""
    accepts: str
    """Which actions the loader takes in a file: ``store-and-store-true``,
    ``store-true-or-single-value`` (any action taking one value), ``any``."""
    shared_keys_usable: bool
    """Whether a key that an accepted flag also reads stays usable when another flag with the
    same key is refused."""


@cache
def _data() -> dict[str, Any]:
    text = resources.files("configlib.engines").joinpath("config_files.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


def loader_for(engine: Engine) -> Loader:
    """The release's loader; ``ConfigFileError`` when the release reads no config file."""
    data = _data()
    style = data["releases"].get(engine.runtime.value, {}).get(engine.version)
    has_option = engine.manifest.exact("--config") is not None
    if style is None or not has_option:
        raise ConfigFileError(
            f"{engine.label} has no --config option, so it reads no config "
            "file; use the command-line form (--format args)"
        )
    raw = data["styles"][style]
    return Loader(
        style=style,
        source=raw["source"],
        placement=raw["placement"],
        true=raw["true"],
        false=raw["false"],
        mapping=raw["mapping"],
        keys=raw["keys"],
        accepts=raw["accepts"],
        shared_keys_usable=raw["shared_keys_usable"],
    )


def config_suffixes() -> tuple[str, ...]:
    """The file name endings the engines' loaders accept (``.yaml``, ``.yml``)."""
    return tuple(_data()["suffixes"])


# ---- The loader model: YAML mapping -> words ---------------------------------------------


def _keys(spec: FlagSpec, loader: Loader) -> set[str]:
    """The YAML keys (dashes as underscores) the loader matches to this flag."""
    if loader.keys == "dest":
        return {spec.dest}
    longs = [o for o in (*spec.option_strings(), *spec.negation) if o.startswith("--")]
    return {spec.dest} | {o[2:].replace("-", "_") for o in longs}


def _accepted(spec: FlagSpec, loader: Loader) -> bool:
    if loader.accepts == "any":
        return True
    if spec.action in ("store", "store_true"):
        return True
    # Any other action that takes one value, as --flag value (a deprecated valued alias).
    return loader.accepts == "store-true-or-single-value" and spec.nargs is None


_KEY_TABLES: dict[tuple[str, str, str], tuple[frozenset[str], dict[str, str]]] = {}


def _key_tables(engine: Engine, loader: Loader) -> tuple[frozenset[str], dict[str, str]]:
    """(keys of store_true flags, refused key -> the action that makes the loader refuse it)."""
    cached = _KEY_TABLES.get((engine.runtime.value, engine.version, loader.style))
    if cached is not None:
        return cached
    flags = [s for s in engine.manifest.flags.values() if s.dest != "config"]
    store_true = frozenset(k for s in flags if s.action == "store_true" for k in _keys(s, loader))
    usable = {k for s in flags if _accepted(s, loader) for k in _keys(s, loader)}
    refused: dict[str, str] = {}
    for spec in flags:
        if _accepted(spec, loader):
            continue
        for key in _keys(spec, loader):
            if loader.shared_keys_usable and key in usable:
                continue  # a supported flag reads the same key
            refused.setdefault(key, spec.action_class or spec.action)
    _KEY_TABLES[(engine.runtime.value, engine.version, loader.style)] = (store_true, refused)
    return store_true, refused


def loader_words(engine: Engine, loader: Loader, config: Mapping[Any, Any]) -> list[str]:
    """The command-line words the release's loader makes of a config mapping, in file order;
    ``ConfigFileError`` names the key the loader refuses."""
    store_true, refused = _key_tables(engine, loader)
    words: list[str] = []
    for key, value in config.items():
        if not isinstance(key, str):
            raise ConfigFileError(f"key {key!r} is not a flag name")
        dest = key.replace("-", "_")
        if dest in refused:
            raise ConfigFileError(
                f"{key}: {engine.label}'s config loader refuses options with "
                f"action {refused[dest]}; give it on the command line"
            )
        option = f"--{key}"
        if isinstance(value, bool):
            words.extend(_boolean_words(engine, loader, key, value, dest in store_true))
        elif isinstance(value, list):
            if value:  # both loaders skip an empty list
                words.append(option)
                words.extend(_text(loader, item) for item in value)
        else:
            words.extend((option, _text(loader, value)))
    return words


def _boolean_words(
    engine: Engine, loader: Loader, key: str, value: bool, store_true: bool
) -> list[str]:
    option = f"--{key}"
    rule = loader.true if value else loader.false
    if rule == "switch":
        return [option]
    if rule == "dropped":
        return []
    if rule == "negation":
        negation = f"--no-{key}"
        return [negation] if engine.manifest.exact(negation) is not None else []
    if rule == "switch-if-store-true":
        return [option] if store_true else [option, "true"]
    if rule == "value-unless-store-true":
        return [] if store_true else [option, "false"]
    raise ValueError(f"unknown boolean rule {rule!r} in config_files.json")


def _text(loader: Loader, value: Any) -> str:
    """``str(value)`` as the loaders write a scalar; a nested mapping per ``mapping``."""
    if isinstance(value, dict) and loader.mapping == "json":
        return json.dumps(value)
    return str(value)


# ---- A grid point -> a config file --------------------------------------------------------


@dataclass
class PointFile:
    """One grid point as a config file plus the words that stay on the command line."""

    config: dict[str, Any]
    kept: list[str]
    """Flag words the loader cannot carry, for the command line after ``--config FILE``."""
    findings: list[Finding] = field(default_factory=list)

    @property
    def text(self) -> str:
        return dump_config(self.config)


def dump_config(config: Mapping[str, Any]) -> str:
    """The YAML text of a config mapping (block style, keys in order, never folded)."""
    if not config:
        return "{}\n"
    return yaml.safe_dump(
        dict(config), sort_keys=False, allow_unicode=True, width=2**31 - 1, default_flow_style=False
    )


def _scalar(text: str) -> list[Any]:
    """The YAML values that the loader writes back as exactly ``text``: a number when YAML
    reads the text as that number, else the text itself (quoted by the dumper as needed)."""
    try:
        loaded = yaml.safe_load(text) if "\n" not in text else None
    except yaml.YAMLError:
        loaded = None
    if isinstance(loaded, int | float) and not isinstance(loaded, bool) and str(loaded) == text:
        return [loaded, text]
    return [text]


def _is_list(spec: FlagSpec) -> bool:
    return spec.nargs in ("+", "*") or (isinstance(spec.nargs, int) and spec.nargs > 1)


def _candidates(engine: Engine, loader: Loader, key: str, value: Any) -> list[tuple[str, Any]]:
    """The file entries that could stand for ``key: value``, most readable first."""
    resolved = engine.manifest.lookup_key(key)
    if isinstance(value, bool):
        if resolved is not None and resolved.negated:
            positive = resolved.option.removeprefix("--no-")
            # "x: false" reads best; "no-x: true" is the same words where false is dropped.
            negative: list[tuple[str, Any]] = []
            if resolved.option.startswith("--no-"):
                negative.append((positive, False))
            return [*negative, (key, True)]
        return [(key, True)]
    text = str(value)
    spec = resolved.spec if resolved is not None else None
    found: list[tuple[str, Any]] = []
    if spec is not None and loader.mapping == "json" and "json" in (_base_type(spec.type)[0] or ""):
        try:
            loaded = json.loads(text)
        except ValueError:
            loaded = None
        if isinstance(loaded, dict) and loaded:
            found.append((key, loaded))
    scalars = _scalar(text)
    if spec is not None and _is_list(spec):
        found.extend((key, [s]) for s in scalars)
    found.extend((key, s) for s in scalars)
    return found


def _same_words(engine: Engine, first: Sequence[str], second: Sequence[str]) -> bool:
    if list(first) == list(second):
        return True
    a = parse_argv(engine.manifest, first, full=False)
    b = parse_argv(engine.manifest, second, full=False)
    return a.ok and b.ok and a.values == b.values


def _why_not(engine: Engine, loader: Loader, key: str, value: Any) -> str:
    """Why no file entry stands for ``key: value`` (the loader's refusal, when it refuses)."""
    for entry_key, entry in _candidates(engine, loader, key, value):
        try:
            loader_words(engine, loader, {entry_key: entry})
        except ConfigFileError as error:
            return str(error).split(";")[0]
    return (
        f"{' '.join(argv_for({key: value}))}: {engine.label}'s config loader would not give "
        "the same value from any way of writing it"
    )


def point_file(engine: Engine, point: Mapping[str, Any], model: str | None = None) -> PointFile:
    """A grid point (flat key -> one value) as the release's config file.

    ``model`` goes into the file when the engine names the model with an option (SGLang's
    ``--model-path``); vLLM's positional model stays on the command line. Every entry is one
    the release's loader turns back into the point's own words (or the same parsed value);
    what it cannot carry stays in ``kept``, with a warning finding.
    """
    loader = loader_for(engine)
    config: dict[str, Any] = {}
    kept_points: dict[str, Any] = {}
    findings: list[Finding] = []
    items: list[tuple[str, Any]] = list(point.items())
    if model is not None and engine.spec.model_flag:
        items.insert(0, (engine.spec.model_flag.lstrip("-"), model))
    for key, value in items:
        words = argv_for({key: value})
        if not words:
            continue  # a false switch: no words on the command line either
        chosen = None
        for entry_key, entry in _candidates(engine, loader, key, value):
            if entry_key in config:
                continue
            try:
                written = loader_words(engine, loader, {entry_key: entry})
            except ConfigFileError:
                continue
            if _same_words(engine, written, words):
                chosen = (entry_key, entry)
                break
        if chosen is None:
            kept_points[key] = value
            findings.append(
                Finding(
                    "warning",
                    f"parameters.{key}",
                    "kept-on-command-line",
                    _why_not(engine, loader, key, value)
                    + ", so it stays on the command line after --config FILE",
                )
            )
            continue
        config[chosen[0]] = chosen[1]
    result = PointFile(config, argv_for(kept_points), findings)
    _check_same_launch(engine, loader, point, result)
    return result


def file_argv(
    engine: Engine, loader: Loader, config: Mapping[Any, Any], cli: Sequence[str]
) -> list[str]:
    """The flag words the parser sees for ``--config FILE`` plus the command line's flags:
    the file's words first in both engines' placements, so the command line wins."""
    return [*loader_words(engine, loader, config), *cli]


def _check_same_launch(
    engine: Engine, loader: Loader, point: Mapping[str, Any], result: PointFile
) -> None:
    """The file plus the kept words must parse to what the point's own words parse to."""
    model_key = engine.spec.model_flag.lstrip("-") if engine.spec.model_flag else None
    config = {k: v for k, v in result.config.items() if k != model_key}
    original = parse_argv(engine.manifest, argv_for(point))
    written = parse_argv(engine.manifest, file_argv(engine, loader, config, result.kept))
    if original.ok and (not written.ok or written.values != original.values):
        raise ConfigFileError(
            f"the config-file form of this point would launch {engine.label} "
            "differently ({'; '.join(written.errors) or 'other values'})"
        )
