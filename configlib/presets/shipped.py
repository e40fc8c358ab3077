"""The read-only presets configlib ships (data/system_presets.json)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from configlib.presets.model import Preset


@cache
def _system_preset_data() -> tuple[dict[str, Any], ...]:
    text = resources.files("configlib").joinpath("data/system_presets.json").read_text("utf-8")
    return tuple(item["preset"] for item in json.loads(text))


def system_presets() -> list[Preset]:
    """The read-only presets configlib ships (the autotuner's four seeds, with real flags)."""
    return [Preset.model_validate({**data, "is_system": True}) for data in _system_preset_data()]
