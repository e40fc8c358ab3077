"""Engine launchers and container images, read from ``images.json`` (the one place that says
which command or image runs which engine; the image tag names the release)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from configlib.engines import version_from_tag
from configlib.engines.manifest import package_json
from configlib.vocab import Runtime

__all__ = [
    "Image",
    "Launchers",
    "docker_options_with_value",
    "docker_run_options",
    "find_image",
    "launchers",
    "release_image",
]


@dataclass(frozen=True)
class Image:
    """A container image that runs an engine."""

    repository: str
    runtime: Runtime
    entrypoint: tuple[str, ...]
    """What the image runs when the command after the image is only arguments."""
    tag: str | None = None
    """The tag as written (``v0.5.2-cu126``), when the reference has one."""

    @property
    def version(self) -> str | None:
        """The release the tag names, or None."""
        return version_from_tag(self.tag)


@dataclass(frozen=True)
class Launchers:
    """How a command line starts one engine."""

    runtime: Runtime
    commands: tuple[tuple[str, ...], ...]
    model_option: str
    """The option that names the model (besides a positional model where allowed)."""
    model_positional: bool


@cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = package_json("images.json")
    return data


@cache
def launchers() -> tuple[Launchers, ...]:
    """Every engine's launchers, longest first within each engine."""
    found = []
    for name, entry in _data()["engines"].items():
        commands = tuple(sorted((tuple(c) for c in entry["launchers"]), key=len, reverse=True))
        found.append(
            Launchers(
                Runtime(name),
                commands,
                entry["model_option"],
                bool(entry.get("model_positional", False)),
            )
        )
    return tuple(found)


def launchers_for(runtime: Runtime | str) -> Launchers:
    wanted = Runtime(runtime)
    return next(entry for entry in launchers() if entry.runtime == wanted)


def find_image(reference: str) -> Image | None:
    """The engine image a reference such as ``vllm/vllm-openai:v0.10.2`` names, or None."""
    name, tag = reference, None
    last = reference.rsplit("/", 1)[-1]
    if "@" in last:
        name = reference.split("@", 1)[0]
    elif ":" in last:
        name, _, tag = reference.rpartition(":")
    for entry in _data()["images"]:
        if entry["repository"] == name:
            return Image(
                entry["repository"], Runtime(entry["runtime"]), tuple(entry["entrypoint"]), tag
            )
    return None


def docker_options_with_value() -> frozenset[str]:
    """``docker run`` options that take a value (the rest are switches)."""
    return frozenset(_data()["docker_run_options_with_value"])


def release_image(runtime: Runtime | str, version: str, tag: str | None = None) -> Image:
    """The image that runs ``version`` of the engine: the task's own tag when it names that
    release (``v0.5.2-cu126``), else the release recipe's tag."""
    wanted = Runtime(runtime)
    reference = _data()["release_images"][wanted.value].format(version=version)
    if tag and version_from_tag(tag) == version:
        reference = f"{reference.rpartition(':')[0]}:{tag}"
    image = find_image(reference)
    if image is None or image.runtime != wanted:
        raise ValueError(f"images.json: {reference} is not a known {wanted.value} image")
    return image


def docker_run_options() -> tuple[tuple[str, ...], str]:
    """(``docker run`` options of an exported launch, where a config file is mounted)."""
    recipe = _data()["release_images"]
    return tuple(recipe["docker_run"]), str(recipe["config_mount"])
