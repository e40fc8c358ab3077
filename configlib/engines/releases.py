"""One choice for a task's engine: the release its flags are checked against and the image the
autotuner runs are picked together (``releases.json`` holds the image tag of each release).

A task pinned with ``pin`` has both ``engine_version`` and ``runtime_image_tag`` set, so the
flags checked are the flags of the engine that will run; ``follow_tag`` keeps that true when
the tag is edited instead of the release.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from configlib.engines import ENGINES, latest_version, supported_versions, version_from_tag
from configlib.vocab import Runtime

if TYPE_CHECKING:
    from configlib.model import TaskConfig

__all__ = ["default_release", "follow_tag", "image_of", "pin", "release_tag"]


@cache
def _tags() -> dict[str, dict[str, str]]:
    text = resources.files("configlib.engines").joinpath("releases.json").read_text()
    data: dict[str, dict[str, str]] = json.loads(text)
    return {name: tags for name, tags in data.items() if not name.startswith("_")}


def default_release(runtime: Runtime | str) -> str:
    """The release a new task of this engine targets: the newest supported one."""
    return latest_version(runtime)


def release_tag(runtime: Runtime | str, version: str) -> str:
    """The image tag that runs ``version`` of the engine."""
    name = Runtime(runtime).value
    if version not in supported_versions(name):
        raise ValueError(
            f"{ENGINES[Runtime(name)].label} {version} is not a supported release; supported: "
            f"{', '.join(supported_versions(name))}"
        )
    tag = _tags().get(name, {}).get(version)
    if tag is None:  # releases.json and the manifests ship together; a gap is a packaging bug
        raise LookupError(f"releases.json has no image for {name} {version}")
    return tag


def image_of(runtime: Runtime | str, version: str) -> str:
    """The whole image reference, e.g. ``lmsysorg/sglang:v0.5.23``."""
    return f"{ENGINES[Runtime(runtime)].image}:{release_tag(runtime, version)}"


def pin(task: TaskConfig, version: str | None = None) -> TaskConfig:
    """The task targeting ``version`` (default: the newest supported release) with the image
    that runs it, so the release checked and the release run are the same."""
    chosen = version or default_release(task.base_runtime)
    return task.model_copy(
        update={
            "engine_version": chosen,
            "runtime_image_tag": release_tag(task.base_runtime, chosen),
        }
    )


def follow_tag(task: TaskConfig) -> TaskConfig:
    """After the image tag changed: the release it names becomes the task's release when it is
    supported (a tag naming no supported release leaves the release alone; validation says
    which release the flags are checked against then)."""
    named = version_from_tag(task.runtime_image_tag)
    if named is None or named == task.engine_version:
        return task
    if named not in supported_versions(task.base_runtime):
        return task
    return task.model_copy(update={"engine_version": named})
