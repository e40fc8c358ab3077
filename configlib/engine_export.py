"""A task's grid points as engine config files, launch commands or ``docker run`` lines, and an
engine config file (plus an optional command line) back into a task.

``export_points(task, fmt, indices)`` gives one ``ExportedPoint`` per grid point: the files to
write (the release's ``--config`` YAML, the launch command that uses it) and the findings of
what had to stay on the command line. ``read_config(text, ...)`` reads a config file the way
the release's loader does, puts the command line's flags after the file's (the command line
wins, as in both engines) and lifts the result like any pasted command
(``configlib.commandline.read_command``).
"""

from __future__ import annotations

import io
import shlex
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from configlib.bounds import check_text_size, limit
from configlib.commandline import CommandRead, read_command
from configlib.convert import engine_for, to_flat
from configlib.engines import Engine, resolve_engine
from configlib.engines.config_file import (
    CONFIG_OPTION,
    ConfigFileError,
    config_suffixes,
    loader_for,
    loader_words,
    point_file,
)
from configlib.engines.images import docker_run_options, release_image
from configlib.findings import Finding, errors, unique
from configlib.grid import Grid, grid_of, launch_argv
from configlib.io import InputError, parse_yaml
from configlib.model import TaskConfig
from configlib.validate import validate
from configlib.vocab import Runtime

__all__ = [
    "FORMATS",
    "ExportError",
    "ExportedPoint",
    "export_points",
    "export_zip",
    "located",
    "point_grid",
    "read_config",
]

Format = Literal["config", "args", "docker"]
FORMATS: tuple[Format, ...] = ("config", "args", "docker")


class ExportError(ValueError):
    """The task cannot be exported as asked (errors, a point outside the grid, too many)."""


@dataclass
class ExportedPoint:
    """One grid point, exported: file name -> content, and what the export had to say."""

    index: int
    files: dict[str, str]
    command: str
    """The launch command (shell words), also in ``files``."""
    findings: list[Finding] = field(default_factory=list)


def point_grid(task: TaskConfig) -> tuple[Engine, Grid, list[Finding]]:
    """The task's release and grid; ``ExportError`` when the task has errors (a launch the
    engine would refuse is never exported)."""
    engine, notes = engine_for(task)
    flat = to_flat(task, engine)
    findings = unique([*notes, *flat.findings, *validate(task, engine=engine)])
    blocking = errors(findings)
    if blocking:
        shown = "; ".join(str(f) for f in blocking[:3])
        more = f" (and {len(blocking) - 3} more)" if len(blocking) > 3 else ""
        raise ExportError(f"the task has {len(blocking)} error(s), so no launch: {shown}{more}")
    return engine, grid_of(flat.parameters), findings


def _stem(task: TaskConfig, index: int) -> str:
    name = "".join(c if c.isalnum() or c in "._-" else "-" for c in task.task_name).strip("-.")
    return f"{name or 'task'}-point-{index:04d}"


def _docker(engine: Engine, task: TaskConfig, argv: list[str], mounts: list[str]) -> str:
    """A ``docker run`` line for the launch ``argv`` (launcher included)."""
    image = release_image(engine.runtime, engine.version, task.runtime_image_tag)
    options, _ = docker_run_options()
    entry = list(image.entrypoint)
    command = argv[len(entry) :] if entry and argv[: len(entry)] == entry else argv
    reference = f"{image.repository}:{image.tag}"
    # The options are shell text from images.json ($HOME expands); the rest is quoted.
    words = ["docker", "run", *(_shell(o) for o in options)]
    for mount in mounts:
        words += ["-v", f'"{mount}"']
    return " ".join([*words, shlex.quote(reference), *(shlex.quote(w) for w in command)])


def _shell(option: str) -> str:
    return f'"{option}"' if "$" in option else shlex.quote(option)


def _export_one(
    engine: Engine, task: TaskConfig, point: dict[str, Any], index: int, fmt: Format
) -> ExportedPoint:
    stem = _stem(task, index)
    model = task.model.id_or_path
    if fmt == "args":
        command = shlex.join(launch_argv(engine, model, point))
        return ExportedPoint(index, {f"{stem}.sh": command + "\n"}, command)
    try:
        written = point_file(engine, point, model)
    except ConfigFileError as error:
        if fmt == "docker":  # no --config in this release: the flags go on the command line
            argv = launch_argv(engine, model, point)
            command = _docker(engine, task, argv, [])
            return ExportedPoint(index, {f"{stem}.docker.sh": command + "\n"}, command)
        raise ExportError(str(error)) from None
    name = f"{stem}.yaml"
    head = [*engine.spec.launcher] if engine.spec.model_flag else [*engine.spec.launcher, model]
    if fmt == "config":
        argv = [*head, CONFIG_OPTION, name, *written.kept]
        command = shlex.join(argv)
        files = {name: written.text, f"{stem}.sh": command + "\n"}
        return ExportedPoint(index, files, command, written.findings)
    _, mount = docker_run_options()
    inside = f"{mount}/{name}"
    argv = [*head, CONFIG_OPTION, inside, *written.kept]
    command = _docker(engine, task, argv, [f"$PWD/{name}:{inside}:ro"])
    files = {name: written.text, f"{stem}.docker.sh": command + "\n"}
    return ExportedPoint(index, files, command, written.findings)


def export_points(
    task: TaskConfig, fmt: Format, indices: Sequence[int] | None = None
) -> list[ExportedPoint]:
    """The grid points ``indices`` (None: every point the grid has) in format ``fmt``."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    engine, grid, _ = point_grid(task)
    most = limit("export_points")
    if indices is None:
        if grid.size > most:
            raise ExportError(
                f"the grid has {grid.size:,} points; at most {most:,} are exported at once "
                "(pick points with --point, or narrow the candidate lists)"
            )
        indices = range(grid.size)
    elif len(indices) > most:
        raise ExportError(f"{len(indices):,} points asked for; at most {most:,} at once")
    exported = []
    for index in indices:
        if not 0 <= index < grid.size:
            raise ExportError(f"point {index} is outside the grid (0..{grid.size - 1})")
        exported.append(_export_one(engine, task, grid.point(index), index, fmt))
    return exported


def export_zip(points: Sequence[ExportedPoint]) -> bytes:
    """Every exported file in one zip (deterministic: fixed dates, sorted names)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        files = {name: text for p in points for name, text in p.files.items()}
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


# ---- A config file (plus a command line) -> a task ------------------------------------------


def _key_lines(text: str) -> dict[str, list[int]]:
    """Top-level key -> the lines it is written on (a key may repeat; YAML keeps the last)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[str, list[int]] = {}
    if isinstance(root, yaml.MappingNode):
        for key, _ in root.value:
            if isinstance(key, yaml.ScalarNode):
                lines.setdefault(str(key.value), []).append(key.start_mark.line + 1)
    return lines


def _without_config(arguments: list[str], findings: list[Finding]) -> list[str]:
    """The command's words without ``--config FILE`` (the file is the one being read)."""
    kept: list[str] = []
    index = 0
    while index < len(arguments):
        word = arguments[index]
        if word == CONFIG_OPTION:
            index += 2
            continue
        if word.startswith(f"{CONFIG_OPTION}="):
            findings.append(
                Finding(
                    "warning",
                    "command",
                    "config-equals-ignored",
                    f"{word}: the engine only loads a file given as two words "
                    f"({CONFIG_OPTION} FILE); written with '=' it sets the option and the file "
                    "is silently not read",
                )
            )
            index += 1
            continue
        kept.append(word)
        index += 1
    return kept


def _looks_like_option(word: str) -> bool:
    return word.startswith("-") and word != "-"


def read_config(
    text: str,
    source: str,
    *,
    runtime: Runtime | str,
    engine_version: str | None = None,
    command: str | None = None,
    task_name: str | None = None,
) -> CommandRead:
    """A config file of ``runtime`` (and an optional launch command) as a task.

    ``InputError`` names the file and line of what the release's loader would refuse;
    ``ConfigFileError`` when the release reads no config file; ``UnreadableCommand`` when
    ``command`` launches no engine.
    """
    wanted = Runtime(runtime)
    findings: list[Finding] = []
    cli: list[str] = []
    tag = None
    if command is not None:
        first = read_command(command, engine_version=engine_version)
        if first.engine.runtime != wanted:
            raise InputError(
                "command", f"the command launches {first.engine.label}, not {wanted.value}"
            )
        engine = first.engine
        cli = _without_config(first.arguments, findings)
        tag = first.task.runtime_image_tag
        findings.extend(f for f in first.findings if f.code == "environment-not-kept")
    else:
        engine, notes = resolve_engine(wanted, engine_version=engine_version)
        findings.extend(Finding(n.severity, n.field, n.code, n.message) for n in notes)
    loader = loader_for(engine)
    suffixes = config_suffixes()
    if not source.lower().endswith(suffixes):
        raise InputError(
            source, f"the engines read only config files named *{' or *'.join(suffixes)}"
        )
    # The file becomes a task: the task limits apply before parsing (a compact YAML list of a
    # million numbers would take seconds and hundreds of MB to parse).
    too_big = check_text_size(text, source)
    if too_big:
        raise InputError(source, too_big.removeprefix(f"{source}: "))
    data = parse_yaml(text, source) if text.strip() else None
    if data is None:
        data = {}  # both loaders read an empty file as no options
    if not isinstance(data, dict):
        raise InputError(source, "a config file is a mapping of option names to values", 1)
    lines = _key_lines(text)
    for key, where in lines.items():
        if len(where) > 1:
            findings.append(
                Finding(
                    "warning",
                    f"config.{key}",
                    "repeated-key",
                    f"{source}: {key} is written on lines {', '.join(map(str, where))}; the "
                    "engine's YAML reader keeps the last",
                )
            )
    most_flags, most_chars = limit("flags"), limit("string_chars")
    if len(data) > most_flags:
        raise InputError(source, f"{len(data):,} options; the limit is {most_flags:,}")
    for key, value in data.items():
        line = lines.get(str(key), [None])[-1]
        try:
            words = loader_words(engine, loader, {key: value})
        except ConfigFileError as error:
            raise InputError(source, str(error), line) from None
        # Checked before the words are read as a command: a task holds no longer text.
        longest = max((len(w) for w in words), default=0)
        if longest > most_chars:
            raise InputError(
                source,
                f"{key}: a value of {longest:,} characters; the limit is {most_chars:,}",
                line,
            )
    words = loader_words(engine, loader, data)
    if loader.placement == "after-model" and cli and not _looks_like_option(cli[0]):
        argv = [cli[0], *words, *cli[1:]]
    else:
        argv = [*words, *cli]
    launch = shlex.join([*engine.spec.launcher, *argv])
    read = read_command(launch, engine_version=engine.version, task_name=task_name)
    if tag:
        read.task = read.task.model_copy(update={"runtime_image_tag": tag})
    read.findings = located([*findings, *read.findings], source, text)
    return read


def located(findings: Sequence[Finding], source: str, text: str) -> list[Finding]:
    """The findings, those about a flag the file sets naming the file and line that set it."""
    lines = _key_lines(text)
    out = []
    for finding in findings:
        key = finding.path.removeprefix("parameters.")
        if finding.path.startswith("parameters.") and key in lines:
            where = f"{source}:{lines[key][-1]}: "
            if not finding.message.startswith(where):
                message = where + finding.message
                finding = Finding(finding.severity, finding.path, finding.code, message)
        out.append(finding)
    return unique(out)
