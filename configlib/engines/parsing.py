"""A manifest-driven model of what a release's parser makes of a command line.

``parse_argv(manifest, argv)`` resolves every option string as the parser does (exact,
``--snake_case`` and dotted JSON sub-keys where the release reads them, unique prefixes where
it allows abbreviations), applies each flag's action (store: the last one given wins;
``store_true``/``store_false``/const switches; ``--no-x`` negations; append) and converter,
and fills in the defaults: the values the server would be started with. It is how configlib
checks that a rewrite of a launch (lifting into structured fields and rendering back) is the
same launch: ``same_values`` compares two parses. The engine-parser tests compare this model
with the real parsers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from configlib.engines.converters import converter_for
from configlib.engines.manifest import (
    FlagSpec,
    Manifest,
    _base_type,
    option_for_key,
    resolve_option,
)

_APPEND = ("append", "extend")


@dataclass
class Parsed:
    """The parser's values by destination, and why it refused the command (if it did)."""

    values: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    given: dict[str, list[str]] = field(default_factory=dict)
    """Destination -> the option strings that set it, in order."""

    @property
    def ok(self) -> bool:
        return not self.errors


def _looks_negative(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return token.startswith("-")


def _is_option(token: str) -> bool:
    return token.startswith("-") and token != "-" and not _looks_negative(token)


def _convert(spec: FlagSpec, text: str) -> Any:
    base, optional, _ = _base_type(spec.type)
    if optional and text in {"None", ""}:
        return None
    converter = converter_for(spec.engine, base)
    if converter is None:
        if base and "json" in base:
            try:
                return json.loads(text)
            except ValueError:
                return text
        return text
    return converter(text)


def _switch_value(spec: FlagSpec, negated: bool) -> Any:
    if spec.action in ("store_false",):
        return False
    if spec.const is not None and "true" not in spec.action.lower():
        return spec.const
    return not negated


def _dotted_first(manifest: Manifest, argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """vLLM's FlexibleArgumentParser: dotted sub-keys become one JSON value appended at the
    end of the command (one per flag, sub-keys merged in order). Returns (argv, errors)."""
    if not manifest.dotted_keys:
        return list(argv), []
    kept: list[str] = []
    merged: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    skip = False
    for index, token in enumerate(argv):
        if skip:
            skip = False
            continue
        name, eq, explicit = token.partition("=")
        if not (token.startswith("-") and "." in name):
            kept.append(token)
            continue
        if eq:
            text = explicit
        elif index + 1 < len(argv):
            text, skip = argv[index + 1], True
        else:
            errors.append(f"{name} expects a value")
            continue
        base, *keys = name.split(".")
        if keys and keys[-1].endswith("+"):
            keys[-1] = keys[-1][:-1]
            value: Any = text.split(",")
        else:
            try:
                value = json.loads(text)
            except ValueError:
                value = text
        nested: Any = value
        for key in reversed(keys):
            nested = {key: nested}
        _merge(merged.setdefault(base, {}), nested)
    for base, value in merged.items():
        kept.extend((base, json.dumps(value)))
    return kept, errors


def _merge(original: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(original.get(key), dict):
            _merge(original[key], value)
        elif isinstance(value, list) and isinstance(original.get(key), list):
            original[key] += value
        else:
            original[key] = value


def defaults(manifest: Manifest) -> dict[str, Any]:
    """Every destination's default (the first flag's, as argparse keeps the first default)."""
    found: dict[str, Any] = manifest.__dict__.get("_defaults") or {}
    if not found:
        for spec in manifest.flags.values():
            found.setdefault(spec.dest, spec.default)
        manifest.__dict__["_defaults"] = found
    return found


def parse_argv(
    manifest: Manifest, argv: Sequence[str], *, positionals: int = 0, full: bool = True
) -> Parsed:
    """What the release's parser makes of ``argv`` (the arguments after the launcher).

    ``positionals`` is how many plain arguments the parser takes (vLLM's model: 1). With
    ``full=False`` only the destinations the arguments set are in ``values``.
    """
    tokens, errors = _dotted_first(manifest, argv)
    values: dict[str, Any] = dict(defaults(manifest)) if full else {}
    given: dict[str, list[str]] = {}
    seen_positionals = 0
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if not _is_option(token):
            seen_positionals += 1
            if seen_positionals > positionals:
                errors.append(f"unrecognized argument {token}")
            continue
        option, eq, explicit = token.partition("=")
        spelled = resolve_option(manifest, option)
        if spelled.resolved is None:
            errors.append(spelled.describe())
            continue
        spec, negated = spelled.resolved.spec, spelled.resolved.negated
        given.setdefault(spec.dest, []).append(option)
        if not spec.takes_value:
            if eq:
                errors.append(f"{option}: ignored explicit argument {explicit!r}")
            else:
                values[spec.dest] = _switch_value(spec, negated)
            continue
        texts, index, problem = _option_texts(spec, option, explicit if eq else None, tokens, index)
        problem = problem or _store(values, spec, option, texts)
        if problem:
            errors.append(problem)
    return Parsed(values, errors, given)


def _option_texts(
    spec: FlagSpec, option: str, explicit: str | None, tokens: list[str], index: int
) -> tuple[list[str], int, str | None]:
    """The words an option takes (``--x=v``, one word, or all up to the next option for
    nargs + and *), the index after them, and argparse's error when they are missing."""
    if explicit is not None:
        return [explicit], index, None
    texts: list[str] = []
    if spec.nargs in ("+", "*"):
        while index < len(tokens) and not _is_option(tokens[index]):
            texts.append(tokens[index])
            index += 1
        if not texts and spec.nargs == "+":
            return texts, index, f"{option}: expected at least one argument"
        return texts, index, None
    if index < len(tokens) and not _is_option(tokens[index]):
        return [tokens[index]], index + 1, None
    return texts, index, f"{option}: expected one argument"


def _store(values: dict[str, Any], spec: FlagSpec, option: str, texts: list[str]) -> str | None:
    """The option's converted value stored as its action does; the error if it converts not."""
    try:
        converted = [_convert(spec, text) for text in texts]
    except ValueError as error:
        return f"{option}: invalid value {texts[0]!r} ({error})"
    if spec.choice_values is not None and any(
        c not in spec.choice_values for c in converted if c is not None
    ):
        return f"{option}: invalid choice {texts[0]!r}"
    value: Any = converted if spec.nargs in ("+", "*") else converted[0]
    if spec.action in _APPEND:
        current = values.get(spec.dest)
        base = list(current) if isinstance(current, list) else []
        values[spec.dest] = base + (value if spec.action == "extend" else [value])
    else:
        values[spec.dest] = value
    return None


def argv_for(point: Mapping[str, Any]) -> list[str]:
    """A grid point's flags as the autotuner renders them (``true`` bare, ``false`` left out)."""
    args: list[str] = []
    for key, value in point.items():
        option = option_for_key(key)
        if isinstance(value, bool):
            if value:
                args.append(option)
            continue
        args.extend((option, str(value)))
    return args


def _frozen(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr)


def same_launches(
    manifest: Manifest,
    first: Iterable[Mapping[str, Any]],
    second: Iterable[Mapping[str, Any]],
) -> bool:
    """Whether two sets of grid points (flag -> one value) are the same launches: the parser
    gives the same values, point set for point set. A refused point is never the same."""
    sides = []
    for points in (first, second):
        parses = [parse_argv(manifest, argv_for(point), full=False) for point in points]
        if any(not p.ok for p in parses):
            return False
        sides.append(parses)
    dests = {dest for parses in sides for p in parses for dest in p.values}
    base = defaults(manifest)
    launches = [
        {_frozen({d: p.values.get(d, base.get(d)) for d in sorted(dests)}) for p in parses}
        for parses in sides
    ]
    return launches[0] == launches[1]


def same_values(manifest: Manifest, first: Sequence[str], second: Sequence[str]) -> bool:
    """Whether the release's parser gives the same values for both argument lists."""
    a, b = parse_argv(manifest, first), parse_argv(manifest, second)
    return a.ok and b.ok and a.values == b.values
