"""Storage of tasks, presets and measured results in SQLite or PostgreSQL (docs/store.md).

``Store.open()`` is the entry point; the errors it raises are here too.
"""

from typing import TYPE_CHECKING, Any

from configlib.store.engine import DEFAULT_TIMEOUT_S, data_dir, default_url
from configlib.store.errors import (
    ConflictError,
    InvalidData,
    NameTaken,
    NotFound,
    ReadOnlyError,
    SchemaError,
    StoreError,
    StoreUnavailable,
)
from configlib.store.history import TaskVersion
from configlib.store.presets import PresetSummary, StoredPreset
from configlib.store.results import StoredResult
from configlib.store.store import Store
from configlib.store.tasks import Page, StoredTask, TaskSummary

if TYPE_CHECKING:
    from configlib.store.autotuner import AutotunerReport, TaskImport
    from configlib.store.backup import BackupReport

#: Names whose modules load on first use (they are not needed to open a store and serve pages).
_LAZY = {
    "AutotunerReport": "configlib.store.autotuner",
    "TaskImport": "configlib.store.autotuner",
    "BackupReport": "configlib.store.backup",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'configlib.store' has no attribute {name!r}")


__all__ = [
    "DEFAULT_TIMEOUT_S",
    "AutotunerReport",
    "BackupReport",
    "ConflictError",
    "InvalidData",
    "NameTaken",
    "NotFound",
    "Page",
    "PresetSummary",
    "ReadOnlyError",
    "SchemaError",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "StoredPreset",
    "StoredResult",
    "StoredTask",
    "TaskImport",
    "TaskSummary",
    "TaskVersion",
    "data_dir",
    "default_url",
]
