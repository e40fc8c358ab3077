"""Presets: list, get, save with optimistic locking, duplicate, delete; system presets kept in
step with the ones configlib ships."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from configlib.store.engine import Database, rowcount
from configlib.store.errors import NameTaken, NotFound, ReadOnlyError
from configlib.store.models import PresetRow
from configlib.store.rows import preset_columns, preset_data, preset_from_data, row_named
from configlib.store.tasks import (
    conflict_or_missing,
    first_version,
    freed_version,
    mark_freed,
    now,
)
from configlib.vocab import Runtime

if TYPE_CHECKING:  # preset models load when a preset is read or written, not to list names
    from configlib.presets import Preset

#: Who system presets are saved by.
SYSTEM_USER = "configlib"


@dataclass(frozen=True)
class PresetSummary:
    """What the preset list shows."""

    name: str
    """The preset's name."""
    description: str
    """Free text."""
    category: str | None
    """Grouping such as memory, performance, general."""
    runtime: str | None
    """sglang, vllm, or None for any engine."""
    is_system: bool
    """Shipped with configlib; read-only."""
    updated_at: datetime
    """When it was last saved (UTC)."""
    updated_by: str | None
    """Who saved it last, if known."""
    version: int
    """Its current version."""


@dataclass(frozen=True)
class StoredPreset:
    """A preset as stored, with what optimistic locking needs."""

    preset: Preset
    """The preset."""
    version: int
    """Pass this back as ``expected_version`` when saving an edited copy."""
    created_at: datetime
    """When it was created (UTC)."""
    updated_at: datetime
    """When it was last saved (UTC)."""
    created_by: str | None
    """Who created it, if known."""
    updated_by: str | None
    """Who saved it last, if known."""

    @property
    def name(self) -> str:
        return self.preset.name


def list_presets(
    db: Database,
    *,
    category: str | None = None,
    runtime: Runtime | str | None = None,
    system: bool | None = None,
    search: str = "",
) -> list[PresetSummary]:
    """Presets sorted by name. ``runtime`` keeps presets usable with that engine: its own and
    those for any engine."""
    query = select(
        PresetRow.name,
        PresetRow.description,
        PresetRow.category,
        PresetRow.runtime,
        PresetRow.is_system,
        PresetRow.updated_at,
        PresetRow.updated_by,
        PresetRow.version,
    )
    if category is not None:
        query = query.where(PresetRow.category == category)
    if runtime:
        value = Runtime(runtime).value
        query = query.where(or_(PresetRow.runtime == value, PresetRow.runtime.is_(None)))
    if system is not None:
        query = query.where(PresetRow.is_system.is_(system))
    with db.read() as session:
        rows = session.execute(query.order_by(PresetRow.name)).all()
    needle = search.strip().lower()
    return [
        PresetSummary(
            r.name,
            r.description,
            r.category,
            r.runtime,
            r.is_system,
            r.updated_at,
            r.updated_by,
            r.version,
        )
        for r in rows
        if not needle or needle in r.name.lower() or needle in r.description.lower()
    ]


def _stored(row: PresetRow) -> StoredPreset:
    preset = preset_from_data(preset_data(row), f"stored preset {row.name!r}")
    return StoredPreset(
        preset, row.version, row.created_at, row.updated_at, row.created_by, row.updated_by
    )


def get_preset(db: Database, name: str) -> StoredPreset:
    with db.read() as session:
        row = row_named(session, PresetRow, "preset", name)
    return _stored(row)


def get_presets(db: Database, names: list[str]) -> list[Preset]:
    """Several presets in the order given (one query)."""
    with db.read() as session:
        rows = session.execute(select(PresetRow).where(PresetRow.name.in_(names))).scalars()
        by_name = {row.name: row for row in rows}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise NotFound(f"no preset named {', '.join(repr(n) for n in missing)}")
    return [_stored(by_name[n]).preset for n in names]


def save_preset(
    db: Database, preset: Preset, *, expected_version: int | None, user: str | None = None
) -> StoredPreset:
    """Create (``expected_version=None``) or update a user preset."""
    if preset.is_system:
        raise ReadOnlyError(
            f"{preset.name!r} is marked as a system preset; only configlib "
            "ships those (save it with is_system false)"
        )
    from configlib.store.gate import check_preset

    check_preset(preset)
    columns = preset_columns(preset)
    stamp = now()
    try:
        with db.write() as session:
            existing = session.execute(
                select(PresetRow.is_system).where(PresetRow.name == preset.name)
            ).first()
            if existing is not None and existing.is_system:
                raise ReadOnlyError(
                    f"{preset.name!r} is a system preset and read-only; duplicate it to edit"
                )
            if expected_version is None:
                if existing is not None:
                    raise NameTaken(f"a preset named {preset.name!r} already exists")
                version = freed_version(session, "preset", preset.name) + 1
                session.add(
                    PresetRow(
                        **columns,
                        **first_version(stamp, user, version),
                    )
                )
                session.flush()
                return StoredPreset(preset, version, stamp, stamp, user, user)
            found = session.execute(
                update(PresetRow)
                .where(
                    PresetRow.name == preset.name,
                    PresetRow.version == expected_version,
                    PresetRow.is_system.is_(False),
                )
                .values(**columns, updated_at=stamp, updated_by=user, version=expected_version + 1)
                .returning(PresetRow.created_at, PresetRow.created_by)
            ).one_or_none()
            if found is None:
                raise conflict_or_missing(
                    session, PresetRow, "preset", preset.name, expected_version
                )
    except IntegrityError:
        raise NameTaken(f"a preset named {preset.name!r} already exists") from None
    return StoredPreset(preset, expected_version + 1, found[0], stamp, found[1], user)


def duplicate_preset(
    db: Database, name: str, new_name: str, *, user: str | None = None
) -> StoredPreset:
    """A user copy of any preset (the way to edit a system preset)."""
    source = get_preset(db, name).preset
    copy = source.model_copy(update={"name": new_name, "is_system": False})
    from configlib.presets import Preset

    copy = Preset.model_validate(copy.model_dump(exclude_none=True))
    return save_preset(db, copy, expected_version=None, user=user)


def delete_preset(db: Database, name: str, *, expected_version: int) -> None:
    with db.write() as session:
        row = session.execute(select(PresetRow.is_system).where(PresetRow.name == name)).first()
        if row is not None and row.is_system:
            raise ReadOnlyError(f"{name!r} is a system preset and cannot be deleted")
        result = session.execute(
            delete(PresetRow).where(PresetRow.name == name, PresetRow.version == expected_version)
        )
        if rowcount(result) != 1:
            raise conflict_or_missing(session, PresetRow, "preset", name, expected_version)
        mark_freed(session, "preset", name, expected_version)


def sync_system_presets(db: Database) -> list[str]:
    """Insert or update the shipped system presets; returns the names changed.

    A user preset that already has a system preset's name is left alone (that system preset
    is then missing from this database).
    """
    from configlib.presets import system_presets

    shipped = {p.name: preset_columns(p) for p in system_presets()}
    with db.read() as session:
        rows = (
            session.execute(select(PresetRow).where(PresetRow.name.in_(list(shipped))))
            .scalars()
            .all()
        )
        stored = {row.name: row for row in rows}
    stale = [
        name
        for name, columns in shipped.items()
        if name not in stored
        or (
            stored[name].is_system
            and any(getattr(stored[name], k) != v for k, v in columns.items())
        )
    ]
    if not stale:
        return []
    stamp = now()
    try:
        with db.write() as session:
            for name in stale:
                current = session.execute(
                    select(PresetRow).where(PresetRow.name == name)
                ).scalar_one_or_none()
                if current is None:
                    version = freed_version(session, "preset", name) + 1
                    session.add(
                        PresetRow(
                            **shipped[name],
                            **first_version(stamp, SYSTEM_USER, version),
                        )
                    )
                elif current.is_system:
                    for key, value in shipped[name].items():
                        setattr(current, key, value)
                    current.updated_at, current.updated_by = stamp, SYSTEM_USER
                    current.version += 1
    except IntegrityError:
        return []  # another process inserted them at the same moment
    return stale
