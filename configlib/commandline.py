"""Read a whole SGLang or vLLM launch command line into a task.

``read_command(text)`` takes what people paste: ``python -m sglang.launch_server ...``,
``sglang serve ...``, ``vllm serve MODEL ...``, ``python -m vllm.entrypoints.openai.api_server
...``, environment variables before the command, backslash continuations, ``--flag=value``,
quoted JSON values, repeated flags, and ``docker run [options] IMAGE [CMD ...]`` (the image tag
names the release). The text is split like a shell splits words (``shlex``); nothing is run and
nothing is expanded.

The result is a task (model, runtime, engine release, flags as written), lifted into structured
fields like any other task. What cannot be read is a finding naming the token.
"""

from __future__ import annotations

import json
import math
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from configlib.convert import lift
from configlib.engines import Engine, resolve_engine
from configlib.engines.images import (
    Image,
    docker_options_with_value,
    find_image,
    launchers,
    launchers_for,
)
from configlib.engines.manifest import FlagSpec, Manifest, _base_type
from configlib.engines.releases import release_tag
from configlib.findings import Finding, unique
from configlib.model import TaskConfig
from configlib.served import named_for_benchmark
from configlib.vocab import Runtime

__all__ = ["CommandRead", "UnreadableCommand", "read_command", "split_words"]

#: Characters shlex keeps apart as shell operators.
_OPERATORS = "|&;<>"
_SEPARATORS = {"|", "||", "&", "&&", ";", ";;"}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_REDIRECT = re.compile(r"(?<!\S)\d?(?:>>?|<)(?:&\d+|\s*[^\s&;|]+)")
_PYTHON = re.compile(r"^(?:.*/)?python(?:3(?:\.\d+)?)?$")
_WRAPPERS = {"nohup", "exec", "time", "sudo", "env"}
_DOCKER = (("docker", "run"), ("docker", "container", "run"), ("podman", "run"))
_DOCKER_SWITCH_LETTERS = set("dit")


class UnreadableCommand(ValueError):
    """The text holds no SGLang or vLLM launch, or cannot be split into words."""


@dataclass
class CommandRead:
    """A launch command read into a task."""

    task: TaskConfig
    """The task, lifted: mapped flags are structured fields, the rest stay in parameters."""
    engine: Engine
    findings: list[Finding] = field(default_factory=list)
    arguments: list[str] = field(default_factory=list)
    """The engine's arguments as written (after the launcher, model included)."""
    environment: dict[str, str] = field(default_factory=dict)
    """Environment variables set for the launch (before the command, or docker -e)."""
    image: str | None = None
    """The container image, for a docker run line."""
    unlifted: TaskConfig | None = None
    """The task before lifting (flags exactly as written)."""


def split_words(text: str) -> list[str]:
    """The words of a command line as a POSIX shell splits them (comment lines dropped,
    backslash continuations joined, redirections removed); shell operators are own words."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\[ \t]*\r?\n", " ", "\n".join(lines))
    joined = _REDIRECT.sub(" ", joined)
    lexer = shlex.shlex(joined, posix=True, punctuation_chars=_OPERATORS)
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError as error:
        raise UnreadableCommand(f"cannot split the command into words: {error}") from None


def _segments(words: list[str]) -> list[list[str]]:
    segments: list[list[str]] = [[]]
    for word in words:
        if word in _SEPARATORS or (word and set(word) <= set(_OPERATORS)):
            segments.append([])
        else:
            segments[-1].append(word)
    return [s for s in segments if s]


def _normal(word: str) -> str:
    return "python" if _PYTHON.match(word) else word


def _launcher_at(words: list[str]) -> tuple[Runtime, int] | None:
    """The engine whose launcher starts ``words``, and the launcher's length."""
    head = [_normal(w) for w in words]
    for entry in launchers():
        for command in entry.commands:
            wanted = [_normal(w) for w in command]
            if head[: len(wanted)] == wanted:
                return entry.runtime, len(wanted)
    return None


@dataclass
class _Launch:
    runtime: Runtime
    arguments: list[str]
    environment: dict[str, str]
    image: Image | None = None
    image_reference: str | None = None


def _strip_prefix(words: list[str], environment: dict[str, str]) -> list[str]:
    """Drop leading ``NAME=value`` words (kept as environment) and wrappers such as nohup."""
    index = 0
    while index < len(words):
        word = words[index]
        if _ASSIGNMENT.match(word):
            name, _, value = word.partition("=")
            environment[name] = value
        elif word == "export" or word in _WRAPPERS:
            pass
        else:
            break
        index += 1
    return words[index:]


def _docker(words: list[str], environment: dict[str, str], findings: list[Finding]) -> _Launch:
    """``docker run [options] IMAGE [CMD ...]``: the image's engine, its tag's release."""
    with_value = docker_options_with_value()
    index = 0
    while index < len(words) and words[index].startswith("-"):
        option = words[index]
        name, has_inline, inline = option.partition("=")
        takes_value = name in with_value
        value = inline if has_inline else None
        if takes_value and not has_inline:
            index += 1
            value = words[index] if index < len(words) else ""
        if name in {"-e", "--env"} and value and "=" in value:
            key, _, text = value.partition("=")
            environment[key] = text
        elif not takes_value and not (
            name.startswith("--") or set(name[1:]) <= _DOCKER_SWITCH_LETTERS
        ):
            findings.append(
                Finding(
                    "warning",
                    "command",
                    "docker-option-unknown",
                    f"docker option {option} is not known; read as a switch",
                )
            )
        index += 1
    if index >= len(words):
        raise UnreadableCommand("docker run names no image")
    reference, rest = words[index], words[index + 1 :]
    image = find_image(reference)
    rest = _strip_prefix(rest, environment)
    found = _launcher_at(rest)
    if found is not None:
        runtime, length = found
        if image is not None and image.runtime != runtime:
            findings.append(
                Finding(
                    "warning",
                    "command",
                    "image-mismatch",
                    f"image {reference} is {image.runtime.value} but the command launches "
                    f"{runtime.value}; reading the command",
                )
            )
        return _Launch(runtime, rest[length:], environment, image, reference)
    if image is None:
        raise UnreadableCommand(
            f"docker image {reference} is not a known SGLang or vLLM image and the command after "
            "it launches neither"
        )
    if rest and not image.entrypoint:
        raise UnreadableCommand(
            f"image {reference} runs the command given after it, and {rest[0]} launches no engine"
        )
    return _Launch(image.runtime, rest, environment, image, reference)


def _find_launch(words: list[str], findings: list[Finding]) -> _Launch:
    environment: dict[str, str] = {}
    launches: list[_Launch] = []
    for segment in _segments(words):
        local = dict(environment)
        rest = _strip_prefix(segment, local)
        if not rest:
            environment = local  # export NAME=value; NAME=value
            continue
        docker = next((d for d in _DOCKER if tuple(rest[: len(d)]) == d), None)
        if docker is not None:
            launches.append(_docker(rest[len(docker) :], local, findings))
            continue
        found = _launcher_at(rest)
        if found is not None:
            runtime, length = found
            launches.append(_Launch(runtime, rest[length:], local))
    if not launches:
        raise UnreadableCommand(
            "no SGLang or vLLM launch found (python -m sglang.launch_server, sglang serve, "
            "vllm serve, python -m vllm.entrypoints.openai.api_server or docker run IMAGE)"
        )
    if len(launches) > 1:
        findings.append(
            Finding(
                "warning",
                "command",
                "several-launches",
                f"the text launches {len(launches)} servers; reading the first",
            )
        )
    return launches[0]


# ---- The engine's arguments ------------------------------------------------------------------


def _looks_like_option(word: str) -> bool:
    if not word.startswith("-") or word == "-":
        return False
    try:
        float(word)
    except ValueError:
        return True
    return False


def _typed(spec: FlagSpec, text: str) -> Any:
    """The value as a task holds it: a number when the flag converts to one (rendered back,
    the parser gets the same number), JSON compacted when the flag parses JSON (same parsed
    value, no whitespace), else the text."""
    base, _, _ = _base_type(spec.type)
    if base == "int":
        try:
            return int(text)
        except ValueError:
            return text
    if base == "float":
        try:
            number = float(text)
        except ValueError:
            return text
        # str() of a float parses back to the same float, so the launch is unchanged.
        return number if math.isfinite(number) else text
    if base is not None and base.startswith("json") and any(c.isspace() for c in text):
        try:
            loaded = json.loads(text)
        except ValueError:
            return text
        return json.dumps(loaded, separators=(",", ":"), ensure_ascii=False)
    return text


def _spec_for(manifest: Manifest, option: str) -> FlagSpec | None:
    """The flag an option string names exactly or as a unique abbreviation (argparse's rule),
    to know how many words it takes; None for an unknown option or a dotted sub-key."""
    found = manifest.lookup(option)
    if found is not None:
        return found.spec
    specs = {}
    for match in manifest.prefix_matches(option):
        resolved = manifest.lookup(match)
        if resolved is not None:
            specs[resolved.spec.name] = resolved.spec
    return next(iter(specs.values())) if len(specs) == 1 else None


@dataclass
class _Parsed:
    parameters: dict[str, list[Any]] = field(default_factory=dict)
    model: str | None = None
    findings: list[Finding] = field(default_factory=list)


@dataclass
class _Option:
    """One option as written, with the words it took and the flag it names (None: unknown)."""

    option: str
    spec: FlagSpec | None
    values: list[str]

    exact: bool = True

    @property
    def key(self) -> str:
        """The parameter name: a short option (-tp) or an abbreviation (--tp for --tp-size)
        becomes its flag's canonical name, since the autotuner reads full names only."""
        if self.spec is not None and (not self.option.startswith("--") or not self.exact):
            return self.spec.bare
        return self.option[2:] if self.option.startswith("--") else self.option

    @property
    def path(self) -> str:
        return f"parameters.{self.key}"

    @property
    def shown(self) -> str:
        return f"{self.option} {' '.join(self.values)}".rstrip()


class _ArgumentReader:
    """The engine's arguments read the way its parser reads them, one option at a time.

    ``_keep`` decides, in order, what becomes of an option: the model, a launcher flag the
    autotuner sets itself, a missing value, several values, else a parameter (the last of a
    repeated flag wins).
    """

    def __init__(self, engine: Engine, runtime: Runtime, arguments: list[str]) -> None:
        self.manifest = engine.manifest
        self.entry = launchers_for(runtime)
        model_flag = self.manifest.lookup(self.entry.model_option)
        self.model_dest = model_flag.spec.dest if model_flag else None
        self.launcher_flags = set(engine.spec.table.launcher_flags)
        self.arguments = arguments
        self.index = 0
        self.out = _Parsed()
        self.seen: dict[str, str] = {}

    def run(self) -> _Parsed:
        while self.index < len(self.arguments):
            word = self.arguments[self.index]
            self.index += 1
            if _looks_like_option(word):
                self._keep(self._option(word))
            elif self.out.model is None and self.entry.model_positional:
                self.out.model = word
            else:
                self._note("error", "unexpected-argument", f"{word!r} is not an option's value")
        return self.out

    def _note(self, severity: str, code: str, message: str, path: str = "command") -> None:
        self.out.findings.append(Finding(severity, path, code, message))  # type: ignore[arg-type]

    def _option(self, word: str) -> _Option:
        """The option and the words after it that it takes (one, or all for nargs + and *)."""
        option, has_inline, inline = (
            word.partition("=") if word.startswith("--") else (word, "", "")
        )
        values: list[str] = [inline] if has_inline else []
        spec = _spec_for(self.manifest, option)
        takes_value = spec.takes_value if spec is not None else True
        many = spec is not None and spec.nargs in ("+", "*")
        if takes_value and not has_inline:
            while self.index < len(self.arguments) and not _looks_like_option(
                self.arguments[self.index]
            ):
                values.append(self.arguments[self.index])
                self.index += 1
                if not many:
                    break
        return _Option(option, spec, values, exact=self.manifest.lookup(option) is not None)

    def _keep(self, read: _Option) -> None:
        spec, values = read.spec, read.values
        if spec is not None and spec.dest == self.model_dest:
            if values:
                self.out.model = values[-1]
        elif spec is not None and spec.bare in self.launcher_flags:
            # The autotuner chooses the address of each server it starts itself.
            message = (
                f"{read.shown}: the autotuner sets this for each server it launches, "
                "so it is not kept"
            )
            self._note("warning", "launcher-flag-dropped", message, read.path)
        elif spec is not None and spec.takes_value and not values and spec.nargs != "?":
            self._note("error", "missing-value", f"{read.option} needs a value", read.path)
        elif len(values) > 1:
            message = (
                f"{read.option} {' '.join(values)}: a task parameter holds one value per "
                "candidate, so a flag given several values cannot be kept"
            )
            self._note("error", "several-values", message, read.path)
        else:
            self._store(read)

    def _store(self, read: _Option) -> None:
        key, values = read.key, read.values
        value: Any = (
            True if not values else (_typed(read.spec, values[0]) if read.spec else values[0])
        )
        if key in self.seen:
            self._note(
                "warning",
                "repeated-flag",
                f"{read.option} is given more than once; the last value ({self.seen[key]} -> "
                f"{' '.join(values) or 'on'}) wins, as in the engine's parser",
                read.path,
            )
            del self.out.parameters[key]
        self.seen[key] = " ".join(values) or "on"
        self.out.parameters[key] = [value]
        if isinstance(value, str) and "$" in value:
            self._note(
                "warning",
                "shell-variable",
                f"{read.option} {value}: shell variables are not expanded; set the value itself",
                read.path,
            )


def _parse_arguments(engine: Engine, runtime: Runtime, arguments: list[str]) -> _Parsed:
    return _ArgumentReader(engine, runtime, arguments).run()


# ---- Whole command -----------------------------------------------------------------------------


def _task_name(model: str) -> str:
    tail = model.rstrip("/").rsplit("/", 1)[-1] or "task"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", tail)[:200] or "task"


def read_command(
    text: str, *, engine_version: str | None = None, task_name: str | None = None
) -> CommandRead:
    """The task a launch command line describes; raises ``UnreadableCommand`` when the text
    launches no engine."""
    findings: list[Finding] = []
    launch = _find_launch(split_words(text), findings)
    tag = launch.image.tag if launch.image is not None else None
    engine, notes = resolve_engine(launch.runtime, engine_version=engine_version, image_tag=tag)
    # With no image named, the task gets the image of the release it is read for (below), so
    # the warning that the autotuner's default image runs another release does not apply.
    findings.extend(
        Finding(n.severity, n.field, n.code, n.message)
        for n in notes
        if not (tag is None and n.code == "default-image")
    )
    parsed = _parse_arguments(engine, launch.runtime, launch.arguments)
    findings.extend(parsed.findings)
    if parsed.model is None:
        findings.append(
            Finding("error", "model.id_or_path", "no-model", "the command names no model")
        )
    for name in launch.environment:
        findings.append(
            Finding(
                "warning",
                f"environment.{name}",
                "environment-not-kept",
                f"environment variable {name} is not part of a task; set it where the server runs",
            )
        )
    data: dict[str, Any] = {
        "task_name": task_name or _task_name(parsed.model or "task"),
        "model": {"id_or_path": parsed.model or "unknown"},
        "base_runtime": launch.runtime.value,
        "engine_version": engine.version,
        "parameters": parsed.parameters,
    }
    if launch.image is not None and tag:
        data["runtime_image_tag"] = tag
    else:
        # No image named: the task runs the image of the release its flags were read for
        # (else the autotuner's default image, another release, would run them).
        data["runtime_image_tag"] = release_tag(launch.runtime, engine.version)
    task = TaskConfig.model_validate(data)
    lifted = lift(task, engine)
    return CommandRead(
        task=named_for_benchmark(lifted.task),
        engine=engine,
        findings=unique([*findings, *lifted.findings]),
        arguments=list(launch.arguments),
        environment=dict(launch.environment),
        image=launch.image_reference,
        unlifted=task,
    )
