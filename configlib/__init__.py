"""configlib: one typed model for tuning LLM serving with inference-autotuner and aiconfigurator.

The public API in one place; each name's home module documents it.

The names load on first use (PEP 562): ``import configlib.safe_text`` or opening the store must
not pay for pydantic, the task model and the conversion code, which is most of the app's cold
start. ``from configlib import validate`` still gives the function, as it always has.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from configlib.convert import (
        FlatResult,
        LiftResult,
        extra_parameters,
        lift,
        retarget,
        to_flat,
        to_structured,
        with_parameters,
    )
    from configlib.engines import get_engine, resolve_engine, supported_versions
    from configlib.findings import Finding
    from configlib.grid import Grid, grid_of, launch_command
    from configlib.model import (
        AdvancedTuningConfig,
        BenchmarkConfig,
        MemoryConfig,
        ModelSpec,
        OptimizationConfig,
        ParallelConfig,
        QuantizationConfig,
        SchedulingConfig,
        SLOConfig,
        SystemConfig,
        TaskConfig,
        TaskMetadata,
    )
    from configlib.taskfile import load_task, parse_task, to_autotuner, to_structured_form
    from configlib.validate import validate, validate_data

__version__ = "0.1.0"

# Each public name and the module it lives in.
_HOMES = {
    "configlib.convert": (
        "FlatResult",
        "LiftResult",
        "extra_parameters",
        "lift",
        "retarget",
        "to_flat",
        "to_structured",
        "with_parameters",
    ),
    "configlib.engines": ("get_engine", "resolve_engine", "supported_versions"),
    "configlib.findings": ("Finding",),
    "configlib.grid": ("Grid", "grid_of", "launch_command"),
    "configlib.model": (
        "AdvancedTuningConfig",
        "BenchmarkConfig",
        "MemoryConfig",
        "ModelSpec",
        "OptimizationConfig",
        "ParallelConfig",
        "QuantizationConfig",
        "SchedulingConfig",
        "SLOConfig",
        "SystemConfig",
        "TaskConfig",
        "TaskMetadata",
    ),
    "configlib.taskfile": ("load_task", "parse_task", "to_autotuner", "to_structured_form"),
    "configlib.validate": ("validate", "validate_data"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "AdvancedTuningConfig",
    "BenchmarkConfig",
    "Finding",
    "FlatResult",
    "Grid",
    "LiftResult",
    "MemoryConfig",
    "ModelSpec",
    "OptimizationConfig",
    "ParallelConfig",
    "QuantizationConfig",
    "SLOConfig",
    "SchedulingConfig",
    "SystemConfig",
    "TaskConfig",
    "TaskMetadata",
    "extra_parameters",
    "get_engine",
    "grid_of",
    "launch_command",
    "lift",
    "load_task",
    "parse_task",
    "resolve_engine",
    "retarget",
    "supported_versions",
    "to_autotuner",
    "to_flat",
    "to_structured",
    "to_structured_form",
    "validate",
    "validate_data",
    "with_parameters",
]


def __getattr__(name: str) -> Any:
    home = _HOME_OF.get(name)
    if home is None:
        raise AttributeError(f"module 'configlib' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    setattr(sys.modules[__name__], name, value)
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME_OF})


class _Package(types.ModuleType):
    """Keeps a public function that shares its name with a submodule (``validate``) bound to
    the function: importing the submodule would otherwise rebind the package's attribute to
    the module, and ``from configlib import validate`` would then give a module."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and name in _HOME_OF:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
