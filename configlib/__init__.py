"""configlib: one typed model for tuning LLM serving with inference-autotuner and aiconfigurator.

The public API in one place; each name's home module documents it.
"""

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
