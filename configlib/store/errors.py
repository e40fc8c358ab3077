"""What the store raises. Every error has a message written for the person using the app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from configlib.findings import Finding
from configlib.safe_text import clipped


class StoreError(Exception):
    """Base of everything the store raises on purpose."""


class StoreUnavailable(StoreError):
    """The database cannot be reached, opened or written right now (locked, down, refused)."""


class SchemaError(StoreError):
    """The database's schema is not one this configlib can bring to its newest migration."""


class NotFound(StoreError):
    """No task or preset of that name."""


class NameTaken(StoreError):
    """Creating something whose name is already used."""


class ReadOnlyError(StoreError):
    """Editing or deleting a system preset (duplicate it to edit)."""


#: Most characters of an InvalidData message, and of each finding's path and message: data
#: refused for its size is named, never echoed back whole.
MESSAGE_CHARS = 2_000
PATH_CHARS = 200
FINDING_CHARS = 500


class InvalidData(StoreError):
    """Data given to the store (or stored earlier) does not validate; ``findings`` say where.

    The message and the findings are cut to a few hundred characters each, with the length
    said, so a refused 10 MB value is not repeated in the message or on the page."""

    def __init__(self, message: str, findings: list[Finding] | None = None) -> None:
        self.findings = [_short(f) for f in findings or []]
        super().__init__(clipped(message, MESSAGE_CHARS))


def _short(finding: Finding) -> Finding:
    path, message = clipped(finding.path, PATH_CHARS), clipped(finding.message, FINDING_CHARS)
    if (path, message) == (finding.path, finding.message):
        return finding
    return Finding(finding.severity, path, finding.code, message)


# eq=False: an exception compares by identity, like any other.
@dataclass(eq=False)
class ConflictError(StoreError):
    """Saving or deleting from a stale version: someone else changed the item meanwhile."""

    kind: str
    name: str
    expected_version: int
    current_version: int
    updated_by: str | None
    updated_at: datetime

    def __post_init__(self) -> None:
        who = self.updated_by or "someone"
        when = self.updated_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        super().__init__(
            f"{self.kind} {self.name!r} was changed by {who} at {when} (now version "
            f"{self.current_version}; you loaded version {self.expected_version}); reload it "
            "and apply your edits again"
        )
