"""Presets: named bundles of settings that are applied to tasks.

A preset carries the same structured sections as a task plus flat ``parameters`` (flags the
sections do not cover). The package: ``model`` (Preset), ``merge`` (the three merge
strategies over settings), ``apply`` (presets set on a task, the grid before and after),
``files`` (preset files in and out, the autotuner's flat presets into structured form) and
``shipped`` (the read-only system presets).

Applying presets to a task (``apply_presets``) happens in two steps, both reported:

1. The presets are merged with each other in the order the user chose:
   - ``union``: every value of every preset, first-seen order (a parameter whose presets
     disagree is reported, with the combined values);
   - ``intersection``: only the first preset's parameters, each keeping the values every preset
     has, in the first preset's order (parameters dropped on the way are reported);
   - ``last_wins``: a later preset replaces a parameter's whole list (each replacement reported).
2. The merged settings are set on the task (reported when they differ from the task's):
   with ``union`` the task's own candidates stay and the presets' are added, sorted
   (``tp 2, 4, 8`` + ``1`` -> ``1, 2, 4, 8``); with ``intersection`` and ``last_wins`` the
   merged values replace the task's. Settings the presets do not name stay as they were.

Unlike the autotuner, the user's order is kept (the autotuner merges in database id order),
values are compared with their types (``1``, ``1.0`` and ``true`` are three values, since the
engine receives three different strings), and intersection keeps order instead of sorting.
A flag value written as text is first read as what it stands for, in a preset and in the task
alike (``"2"`` is 2 for ``--tp-size``, ``"true"`` is true for a switch), so
``tp 2, 4, 8`` + ``"2", "1"`` is ``1, 2, 4, 8``.
"""

from configlib.presets.apply import (
    ApplyResult,
    GridChange,
    GridPreview,
    apply_presets,
    grid_preview,
    merge_presets,
    preset_settings,
)
from configlib.presets.merge import Conflict, MergeResult, MergeStrategy
from configlib.presets.model import Preset, section_model
from configlib.presets.shipped import system_presets

__all__ = [
    "ApplyResult",
    "Conflict",
    "GridChange",
    "GridPreview",
    "MergeResult",
    "MergeStrategy",
    "Preset",
    "apply_presets",
    "grid_preview",
    "merge_presets",
    "preset_settings",
    "section_model",
    "system_presets",
]
