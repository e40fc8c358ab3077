"""Engine config files in the editor: which releases read them, and a point's YAML file
(``configlib.engine_export`` writes and reads them; views/parts/engine_files.py draws them)."""

from __future__ import annotations

from configlib.engine_export import ExportedPoint
from configlib.engines import get_engine, supported_versions
from configlib.engines.config_file import ConfigFileError, loader_for
from configlib.vocab import Runtime


def yaml_file(point: ExportedPoint) -> tuple[str, str]:
    """(name, text) of the point's YAML config file."""
    return next((n, t) for n, t in point.files.items() if n.endswith(".yaml"))


def config_releases() -> list[tuple[str, str]]:
    """Every (runtime, version) whose loader reads config files, newest first per engine."""
    found = []
    for runtime in Runtime:
        for version in reversed(supported_versions(runtime)):
            try:
                loader_for(get_engine(runtime, version))
            except ConfigFileError:
                continue
            found.append((runtime.value, version))
    return found


def release_label(release: tuple[str, str]) -> str:
    runtime, version = release
    return f"{get_engine(runtime, version).label}"
