"""Which option an option string means, resolved exactly as the release's own parser does.

argparse (every supported release, see ``allow_abbrev`` in the manifests) accepts the exact
spellings, then a unique prefix of one long option string (``--tp`` for ``--tp-size``); a
prefix of several option strings is an error ("ambiguous option"), even when they belong to
one flag. vLLM's FlexibleArgumentParser first rewrites ``--snake_case`` to ``--snake-case``
and collects dotted sub-keys of JSON flags (``--speculative-config.method mtp``) into one
JSON value it appends at the end of the command (``dotted_keys`` in the manifests).

Everything here is read from the manifest: no flag name and no version appears in code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from configlib.engines.manifest import Manifest, Resolved, option_for_key

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
