"""What the store raises. Every error has a message written for the person using the app."""

from __future__ import annotations

from datetime import datetime

from configlib.findings import Finding


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


class InvalidData(StoreError):
    """Data given to the store (or stored earlier) does not validate; ``findings`` say where."""

    def __init__(self, message: str, findings: list[Finding] | None = None) -> None:
        self.findings = findings or []
        super().__init__(message)


class ConflictError(StoreError):
    """Saving or deleting from a stale version: someone else changed the item meanwhile."""

    def __init__(
        self,
        kind: str,
        name: str,
        expected_version: int,
        current_version: int,
        updated_by: str | None,
        updated_at: datetime,
    ) -> None:
        self.kind = kind
        self.name = name
        self.expected_version = expected_version
        self.current_version = current_version
        self.updated_by = updated_by
        self.updated_at = updated_at
        who = updated_by or "someone"
        when = updated_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        super().__init__(
            f"{kind} {name!r} was changed by {who} at {when} (now version {current_version}; "
            f"you loaded version {expected_version}); reload it and apply your edits again"
        )
