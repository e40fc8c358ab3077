"""``Store``: the one object the app and the command line use to reach the database."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from configlib.store import history, migrate, presets, results, tasks
from configlib.store.engine import DEFAULT_TIMEOUT_S, Database
from configlib.store.history import TaskVersion
from configlib.store.presets import PresetSummary, StoredPreset
from configlib.store.results import StoredResult
from configlib.store.tasks import Page, StoredTask, TaskSummary
from configlib.vocab import Runtime

# Backups, autotuner imports, the task and preset models and results load when first used:
# opening a store and listing tasks (the app's first page) needs none of them.
if TYPE_CHECKING:
    from configlib.model import TaskConfig
    from configlib.presets import ApplyResult, MergeStrategy, Preset
    from configlib.results import MeasuredResult
    from configlib.store.autotuner import AutotunerReport, OnConflict
    from configlib.store.backup import BackupReport


class Store:
    """Tasks, presets and measured results in one database.

    Open it with ``Store.open()``; every method is one transaction. Items are addressed by
    name; edits are saved with the version they were loaded at (``expected_version``) and a
    stale version raises ``ConflictError``. A busy or unreachable database raises
    ``StoreUnavailable`` after the timeout.
    """

    def __init__(self, db: Database, *, presets_current: bool = False) -> None:
        self.db = db
        self._presets_current = presets_current
        self._presets_lock = threading.Lock()

    @classmethod
    def open(
        cls, url: str | None = None, *, timeout: float = DEFAULT_TIMEOUT_S, upgrade: bool = True
    ) -> Store:
        """Connect (``url``, else ``DATABASE_URL``, else the SQLite file in the data folder)
        and bring the schema to the newest migration. The shipped system presets are brought
        up to date before the first use of presets (``with_current_presets``)."""
        db = Database(url, timeout)
        try:
            if upgrade:
                migrate.upgrade(db)
        except BaseException:
            db.dispose()
            raise
        return cls(db, presets_current=not upgrade)

    def with_current_presets(self) -> Database:
        """The database, once the shipped system presets in it are up to date (checked once
        per store: the check needs the preset model, which listing tasks does not)."""
        if not self._presets_current:
            with self._presets_lock:
                if not self._presets_current:
                    presets.sync_system_presets(self.db)
                    self._presets_current = True
        return self.db

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        """The database URL with any password hidden."""
        return self.db.shown_url

    def revision(self) -> str | None:
        return migrate.current_revision(self.db)

    # ---- Tasks ---------------------------------------------------------------------------------

    def list_tasks(
        self,
        *,
        search: str = "",
        runtime: Runtime | str | None = None,
        sort: str = "updated_at",
        descending: bool = True,
        page: int = 0,
        page_size: int = 50,
    ) -> Page[TaskSummary]:
        return tasks.list_tasks(
            self.db,
            search=search,
            runtime=runtime,
            sort=sort,
            descending=descending,
            page=page,
            page_size=page_size,
        )

    def count_tasks(self) -> int:
        return tasks.count_tasks(self.db)

    def task_names(self) -> list[str]:
        return tasks.task_names(self.db)

    def get_task(self, name: str) -> StoredTask:
        return tasks.get_task(self.db, name)

    def task_version(self, name: str) -> int | None:
        """The stored version of the task ``name`` (None when there is none), without reading
        the task itself."""
        return tasks.task_version(self.db, name)

    def save_task(
        self, task: TaskConfig, *, expected_version: int | None, user: str | None = None
    ) -> StoredTask:
        """Create (``expected_version=None``) or update; ``parameters`` are regenerated for the
        task's runtime and engine release when it has structured sections."""
        return tasks.save_task(self.db, task, expected_version=expected_version, user=user)

    def rename_task(
        self, name: str, new_name: str, *, expected_version: int, user: str | None = None
    ) -> StoredTask:
        return tasks.rename_task(
            self.db, name, new_name, expected_version=expected_version, user=user
        )

    def delete_task(self, name: str, *, expected_version: int) -> int:
        """Delete a task and its results; returns the number of results deleted."""
        return tasks.delete_task(self.db, name, expected_version=expected_version)

    def task_versions(self, name: str) -> list[TaskVersion]:
        """The task's saved versions, newest first (renames keep them; deletion removes them)."""
        return history.list_versions(self.db, name)

    def get_task_version(self, name: str, version: int) -> TaskConfig:
        """The task as saved at ``version``, under the name it had then."""
        return history.get_version(self.db, name, version)

    def restore_task_version(
        self, name: str, version: int, *, expected_version: int, user: str | None = None
    ) -> StoredTask:
        """Save ``version``'s content as the task's next version (its current name kept).

        ``expected_version`` is the version the caller last saw, as for any save: someone
        else's save in between raises ``ConflictError`` and nothing changes.
        """
        old = history.get_version(self.db, name, version)
        restored = old.model_copy(update={"task_name": name})
        return tasks.save_task(self.db, restored, expected_version=expected_version, user=user)

    # ---- Presets -------------------------------------------------------------------------------

    def list_presets(
        self,
        *,
        category: str | None = None,
        runtime: Runtime | str | None = None,
        system: bool | None = None,
        search: str = "",
    ) -> list[PresetSummary]:
        db = self.with_current_presets()
        return presets.list_presets(
            db, category=category, runtime=runtime, system=system, search=search
        )

    def get_preset(self, name: str) -> StoredPreset:
        return presets.get_preset(self.with_current_presets(), name)

    def save_preset(
        self, preset: Preset, *, expected_version: int | None, user: str | None = None
    ) -> StoredPreset:
        db = self.with_current_presets()
        return presets.save_preset(db, preset, expected_version=expected_version, user=user)

    def duplicate_preset(
        self, name: str, new_name: str, *, user: str | None = None
    ) -> StoredPreset:
        return presets.duplicate_preset(self.with_current_presets(), name, new_name, user=user)

    def delete_preset(self, name: str, *, expected_version: int) -> None:
        presets.delete_preset(self.with_current_presets(), name, expected_version=expected_version)

    def apply_presets(
        self,
        task: TaskConfig,
        names: list[str],
        strategy: MergeStrategy | str = "union",
    ) -> ApplyResult:
        """The task with the named presets applied in this order (nothing is saved)."""
        from configlib.presets import apply_presets

        chosen = presets.get_presets(self.with_current_presets(), names)
        return apply_presets(task, chosen, strategy)

    # ---- Results -------------------------------------------------------------------------------

    def add_results(
        self, task_name: str, records: Iterable[MeasuredResult], *, replace_source: bool = True
    ) -> int:
        return results.add_results(self.db, task_name, records, replace_source=replace_source)

    def list_results(self, task_name: str) -> list[StoredResult]:
        return results.list_results(self.db, task_name)

    def delete_results(self, task_name: str, source_file: str | None = None) -> int:
        return results.delete_results(self.db, task_name, source_file)

    # ---- Backup and import ---------------------------------------------------------------------

    def export_all(self) -> dict[str, Any]:
        from configlib.store import backup

        return backup.export_all(self.with_current_presets())

    def import_all(self, data: Any, *, replace: bool = False) -> BackupReport:
        from configlib.store import backup

        return backup.import_all(self.with_current_presets(), data, replace=replace)

    def import_autotuner(
        self, path: str | Path, *, on_conflict: OnConflict = "skip", user: str | None = None
    ) -> AutotunerReport:
        from configlib.store.autotuner import import_autotuner

        db = self.with_current_presets()
        return import_autotuner(db, path, on_conflict=on_conflict, user=user)
