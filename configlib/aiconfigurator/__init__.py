"""aiconfigurator in and out: import its predictions as tuning tasks, export `cli exp` YAML.

``import_path`` / ``import_upload`` read any aiconfigurator output or input (docs/aiconfigurator.md
lists them) into ``Candidate`` objects, each with the TaskConfig that verifies it on real
hardware; ``tasks_from_candidates`` turns a selection into tasks; ``export_exp_yaml`` and
``export_design_yaml`` write a task back for aiconfigurator.
"""

from configlib.aiconfigurator.candidates import Candidate
from configlib.aiconfigurator.combine import CombineError, combine_candidates, tasks_from_candidates
from configlib.aiconfigurator.export import export_design_yaml, export_exp_yaml
from configlib.aiconfigurator.importer import (
    AicImportError,
    ImportResult,
    import_path,
    import_upload,
)
from configlib.aiconfigurator.launch_compare import FlagDifference
from configlib.aiconfigurator.readers.launch import AicLaunch, WorkerLaunch
from configlib.aiconfigurator.targets import TargetError, target_problem

__all__ = [
    "AicImportError",
    "AicLaunch",
    "Candidate",
    "CombineError",
    "FlagDifference",
    "ImportResult",
    "TargetError",
    "WorkerLaunch",
    "combine_candidates",
    "export_design_yaml",
    "export_exp_yaml",
    "import_path",
    "import_upload",
    "target_problem",
    "tasks_from_candidates",
]
