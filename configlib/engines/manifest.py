"""Engine flag manifests: every option a release's server parser accepts, and value checks.

A manifest is read from the JSON files under ``engines/manifests/`` (format in
docs/engines.md). Lookups accept every spelling the engine's parser accepts: the canonical
name, aliases, negations (``--no-x``) and, for vLLM, ``--snake_case``.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

from configlib.engines.converters import ACTION_CHECKS, converter_for


@dataclass(frozen=True)
class FlagSpec:
    """One option of an engine's parser, as read from the real argparse parser."""

    name: str
    aliases: tuple[str, ...]
    dest: str
    type: str | None
    action: str
    nargs: int | str | None
    choices: tuple[str, ...] | None
    default: Any
    deprecated: bool
    negation: tuple[str, ...]
    replacement: str | None = None
    metavar: str | None = None
    engine: str = ""
    """The engine whose parser this is: a converter name can mean different grammars."""
    choice_values: tuple[Any, ...] | None = None
    """``choices`` as the parser holds them (not only strings: ``None``, numbers)."""
    action_class: str | None = None
    """The engine's own argparse action class, when it is not a stock one."""
    const: Any = None
    """What a const-style switch stores (``store_const`` and the engines' variants)."""

    @property
    def takes_value(self) -> bool:
        """False for switches (store_true, --x/--no-x, store_const): the value is a boolean."""
        return self.nargs != 0

    @property
    def bare(self) -> str:
        """The canonical name without leading dashes, as written in ``parameters``."""
        return self.name.lstrip("-")

    def option_strings(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Resolved:
    """What an option string means: the flag, and whether it is a negation (``--no-x``)."""

    spec: FlagSpec
    negated: bool
    option: str
    subkey: str | None = None
    """vLLM's dotted JSON sub-key (``method`` of ``--speculative-config.method``)."""
    abbreviated: bool = False
    """True when ``option`` is a unique prefix of the flag's spelling, not a spelling."""


@dataclass
class Manifest:
    """All flags of one engine release."""

    engine: str
    version: str
    launcher: str
    flags: dict[str, FlagSpec]
    snake_case: bool
    """True when the parser also accepts ``--snake_case`` spellings (vLLM)."""
    allow_abbrev: bool = False
    """True when the parser accepts unique prefixes of long options (argparse's default)."""
    dotted_keys: bool = False
    """True when the parser accepts ``--json-flag.sub.key value`` (vLLM)."""
    _options: dict[str, Resolved] = field(default_factory=dict, repr=False)
    _sorted_options: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        for spec in self.flags.values():
            for option in spec.option_strings():
                self._options.setdefault(option, Resolved(spec, False, option))
            for option in spec.negation:
                self._options.setdefault(option, Resolved(spec, True, option))
        self._sorted_options = sorted(o for o in self._options if o.startswith("--"))

    def exact(self, option: str) -> Resolved | None:
        """The flag behind exactly this option string (no snake_case, no prefix)."""
        return self._options.get(option)

    def lookup(self, option: str) -> Resolved | None:
        """Resolve an exact option string (``--tp-size``, ``-tp``, ``--no-enable-x``)."""
        found = self._options.get(option)
        if found is None and self.snake_case and option.startswith("--") and "_" in option:
            found = self._options.get(option.replace("_", "-"))
            if found is not None:
                found = Resolved(found.spec, found.negated, option)
        return found

    def lookup_key(self, key: str) -> Resolved | None:
        """Resolve a ``parameters`` key as the autotuner renders it (``tp-size`` -> --tp-size)."""
        return self.lookup(option_for_key(key))

    def lookup_lenient(self, key: str) -> Resolved | None:
        """Like ``lookup_key`` but also reading ``tp_size`` and ``-tp`` on any engine, and
        every spelling the release's parser resolves itself: unique prefixes (``--tp``) where
        it allows abbreviations. A dotted JSON sub-key (vLLM ``--speculative-config.method``)
        is one part of a flag's value, not the flag: ``resolve_key`` reads those.

        For understanding what a key means (lifting, conflicts, GPU counts).
        """
        spelled = resolve_key(self, key)
        if spelled.resolved is not None and spelled.kind != "dotted":
            return spelled.resolved
        found = self.lookup_key(key)
        if found is None and key.startswith("-") and not key.startswith("--"):
            found = self.lookup(key)  # a short option such as -tp, which the autotuner mangles
        if found is None and "_" in key:
            found = self.lookup(option_for_key(key).replace("_", "-"))
        return found

    def prefix_matches(self, option: str) -> list[str]:
        """Long options that ``option`` abbreviates (argparse allows unambiguous prefixes)."""
        if not option.startswith("--"):
            return []
        start = bisect.bisect_left(self._sorted_options, option)
        matches: list[str] = []
        for candidate in self._sorted_options[start:]:
            if not candidate.startswith(option):
                break
            matches.append(candidate)
        return matches

    def spec(self, spelling: str) -> FlagSpec | None:
        """The flag behind a spelling with or without dashes, or None when absent."""
        found = self.lookup_key(spelling)
        return found.spec if found else None

    def suggest(self, key: str, limit: int = 3) -> list[str]:
        """Close spellings for an unknown key, for error messages."""
        import difflib

        names = [o.lstrip("-") for o in self._sorted_options]
        return difflib.get_close_matches(key.lstrip("-").replace("_", "-"), names, n=limit)


def option_for_key(key: str) -> str:
    """How the autotuner turns a parameters key into an option string."""
    return key if key.startswith("--") else f"--{key}"


def _flag_from_json(raw: dict[str, Any], engine: str = "") -> FlagSpec:
    choices = raw.get("choices")
    return FlagSpec(
        name=raw["name"],
        aliases=tuple(raw.get("aliases") or ()),
        dest=raw["dest"],
        type=raw.get("type"),
        action=raw["action"],
        nargs=raw.get("nargs"),
        choices=tuple(str(c) for c in choices) if choices is not None else None,
        default=raw.get("default"),
        deprecated=bool(raw.get("deprecated")),
        negation=tuple(raw.get("negation") or ()),
        replacement=raw.get("replacement"),
        metavar=raw.get("metavar") if isinstance(raw.get("metavar"), str) else None,
        engine=engine,
        choice_values=tuple(choices) if choices is not None else None,
        action_class=raw.get("action_class"),
        const=raw.get("const"),
    )


def parse_manifest(raw: dict[str, Any], *, snake_case: bool) -> Manifest:
    flags = {}
    for entry in raw["flags"]:
        spec = _flag_from_json(entry, raw["engine"])
        flags[spec.name] = spec
    return Manifest(
        engine=raw["engine"],
        version=raw["version"],
        launcher=raw["launcher"],
        flags=flags,
        snake_case=snake_case,
        allow_abbrev=bool(raw.get("allow_abbrev", False)),
        dotted_keys=bool(raw.get("dotted_keys", False)),
    )


def manifest_files() -> dict[tuple[str, str], str]:
    """(engine, version) -> file name of every shipped manifest."""
    folder = resources.files("configlib.engines").joinpath("manifests")
    found: dict[tuple[str, str], str] = {}
    for entry in folder.iterdir():
        name = entry.name
        if not name.endswith(".json") or name.startswith("_"):
            continue
        engine, _, version = name[: -len(".json")].partition("-")
        if engine and version:
            found[(engine, version)] = name
    return found


def package_json(*parts: str) -> Any:
    """A JSON file shipped in the package under ``configlib/engines/``."""
    return json.loads(resources.files("configlib.engines").joinpath(*parts).read_text())


@cache
def load_manifest(engine: str, version: str, snake_case: bool) -> Manifest:
    name = manifest_files()[(engine, version)]
    return parse_manifest(package_json("manifests", name), snake_case=snake_case)


# ---- Value checks --------------------------------------------------------------------------


def _base_type(type_name: str | None) -> tuple[str | None, bool, bool]:
    """Split ``optional[list[int]]`` into (``int``, optional, is_list)."""
    optional = False
    is_list = False
    current = type_name
    while current is not None:
        if current.startswith("optional[") and current.endswith("]"):
            optional, current = True, current[len("optional[") : -1]
        elif current.startswith("list[") and current.endswith("]"):
            is_list, current = True, current[len("list[") : -1]
        else:
            break
    return current, optional, is_list


def render_value(value: Any) -> str:
    """How the autotuner renders a value on the command line (Python ``str``)."""
    return str(value)


def starts_like_option(text: str) -> bool:
    """Whether argparse would take ``text`` for an option rather than a value (``-1`` and
    ``-0.5`` are values: no supported parser has options that look like negative numbers)."""
    if not text.startswith("-") or text == "-":
        return False
    try:
        float(text)
    except ValueError:
        return True
    return False


def check_value(spec: FlagSpec, value: Any, allowed: frozenset[str] | None = None) -> str | None:
    """Why ``value`` would be rejected for ``spec`` at launch, or None when it is accepted.

    ``value`` is one candidate from ``parameters``; the autotuner passes a JSON ``true`` as the
    bare flag, drops ``false``, and renders everything else with ``str()`` into one
    whitespace-split command line. ``allowed`` adds a value list the parser itself does not
    enforce (vLLM checks some after parsing).
    """
    if not spec.takes_value:
        if isinstance(value, bool):
            return None
        return f"takes no value: use true to pass it or false to leave it out, not {value!r}"
    if isinstance(value, bool):
        if value:
            return "needs a value; true would pass the bare flag"
        return None
    base, optional, is_list = _base_type(spec.type)
    if value is None:
        return None if optional else "null would be passed as the string 'None'"
    if isinstance(value, list | dict):
        kind = "a list" if isinstance(value, list) else "an object"
        return f"{kind} cannot be passed through the autotuner; give one value per candidate"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a finite number"
    text = render_value(value)
    if text == "" and not optional:
        return "empty value"
    if any(c.isspace() for c in text):
        return "contains whitespace, which the autotuner splits into separate arguments"
    if starts_like_option(text):
        return f"{text!r} starts with '-', so the parser would read it as an option, not a value"
    problem = _check_converted(spec, base, text, optional)
    if problem:
        return problem
    if allowed is not None and text not in allowed:
        return (
            f"{text!r} is not one of the values this version accepts: {', '.join(sorted(allowed))}"
        )
    del is_list
    return None


def _check_converted(spec: FlagSpec, base: str | None, text: str, optional: bool) -> str | None:
    """Convert ``text`` as the parser does, then check ``choices`` against the result.

    argparse compares the converted value with ``choices``: ``--x None`` on an optional flag
    becomes null first, which a list of strings that happens to contain "None" refuses.
    """
    if optional and text in {"None", ""}:
        converted: Any = None
    else:
        converter = converter_for(spec.engine, base)
        try:
            converted = converter(text) if converter is not None else text
            action_check = ACTION_CHECKS.get(spec.action_class or "")
            if action_check is not None:
                action_check(text)
        except ValueError as error:
            return f"{text!r} {error}"
    choices = spec.choice_values
    if choices is not None and not _among(converted, choices):
        shown = "null" if converted is None else repr(text)
        return f"{shown} is not one of: {', '.join(str(c) for c in choices)}"
    return None


def _among(value: Any, choices: tuple[Any, ...]) -> bool:
    return any(value == c and isinstance(value, bool) == isinstance(c, bool) for c in choices)


# ---- Effective values of flags -------------------------------------------------------------

#: What a candidate the engine never receives reads as (a value given to a switch, or a switch
#: given to a valued flag).
UNSET: Any = object()


def effective_value(resolved: Resolved, value: Any) -> Any:
    """What the engine receives for one candidate, as the autotuner renders it.

    Switches: ``True`` for the flag, ``False`` for its negation, and for a JSON ``false`` (which
    the autotuner drops) the parser default. Valued flags: the value's rendering.
    """
    spec = resolved.spec
    if not spec.takes_value:
        if not isinstance(value, bool):
            return UNSET
        if value:
            return not resolved.negated
        return spec.default if isinstance(spec.default, bool) else None
    if isinstance(value, bool):
        return UNSET
    return value


# ---- Spellings: which option an option string means -----------------------------------------
# Which option an option string means, resolved exactly as the release's own parser does.
#
# argparse (every supported release, see ``allow_abbrev`` in the manifests) accepts the exact
# spellings, then a unique prefix of one long option string (``--tp`` for ``--tp-size``); a
# prefix of several option strings is an error ("ambiguous option"), even when they belong to
# one flag. vLLM's FlexibleArgumentParser first rewrites ``--snake_case`` to ``--snake-case``
# and collects dotted sub-keys of JSON flags (``--speculative-config.method mtp``) into one
# JSON value it appends at the end of the command (``dotted_keys`` in the manifests).
#
# Everything here is read from the manifest: no flag name and no version appears in code.

Kind = Literal["exact", "snake", "abbreviation", "dotted", "ambiguous", "unknown", "bad-subkey"]

_SNAKE = re.compile(r"(?<=--)[^.=]*")


@dataclass(frozen=True)
class Spelling:
    """What one option string means for one release."""

    option: str
    kind: Kind
    resolved: Resolved | None = None
    candidates: tuple[str, ...] = ()
    """For an ambiguous prefix: the option strings it could be."""

    @property
    def ok(self) -> bool:
        return self.resolved is not None

    def describe(self) -> str:
        """Why the option is refused (for findings), or what it resolved to."""
        if self.kind == "ambiguous":
            return f"ambiguous option: {self.option} could match {', '.join(self.candidates)}"
        if self.kind == "bad-subkey":
            return f"{self.option}: {self.candidates[0]} takes no dotted sub-keys (not JSON)"
        if self.resolved is None:
            return f"unrecognized option {self.option}"
        return f"{self.option} means {self.resolved.spec.name}"


def _is_json(type_name: str | None) -> bool:
    return bool(type_name) and "json" in (type_name or "")


def _prefix(manifest: Manifest, option: str) -> Spelling:
    """argparse's own lookup: exact first, then unique prefixes where allowed."""
    found = manifest.exact(option)
    if found is not None:
        return Spelling(option, "exact", found)
    if not manifest.allow_abbrev or not option.startswith("--"):
        return Spelling(option, "unknown")
    matches = manifest.prefix_matches(option)
    if len(matches) == 1:
        target = manifest.exact(matches[0])
        assert target is not None
        return Spelling(
            option, "abbreviation", Resolved(target.spec, target.negated, option, None, True)
        )
    if len(matches) > 1:
        return Spelling(option, "ambiguous", None, tuple(matches))
    return Spelling(option, "unknown")


def resolve_option(manifest: Manifest, option: str) -> Spelling:
    """The flag ``option`` (``--tp``, ``--no-enable-x``, ``--speculative-config.method``) sets.

    ``option`` has no ``=value`` part.
    """
    given = option
    if manifest.snake_case and option.startswith("--"):
        option = _SNAKE.sub(lambda m: m.group(0).replace("_", "-"), option, count=1)
    if manifest.dotted_keys and option.startswith("-") and "." in option:
        base, _, rest = option.partition(".")
        rest = rest.removesuffix("+")
        head = _prefix(manifest, base)
        if head.resolved is None:
            return Spelling(given, head.kind, None, head.candidates)
        spec = head.resolved.spec
        if not _is_json(spec.type) or not rest:
            return Spelling(given, "bad-subkey", None, (spec.name,))
        return Spelling(
            given,
            "dotted",
            Resolved(spec, False, given, rest, head.kind == "abbreviation"),
        )
    found = _prefix(manifest, option)
    if found.kind == "exact" and option != given:
        assert found.resolved is not None
        return Spelling(
            given, "snake", Resolved(found.resolved.spec, found.resolved.negated, given)
        )
    if found.resolved is not None and option != given:
        return Spelling(given, found.kind, found.resolved)
    return Spelling(given, found.kind, found.resolved, found.candidates)


def resolve_key(manifest: Manifest, key: str) -> Spelling:
    """A ``parameters`` key, as the autotuner renders it (``tp`` -> ``--tp``)."""
    return resolve_option(manifest, option_for_key(key))
