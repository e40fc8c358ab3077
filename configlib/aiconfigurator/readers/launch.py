"""The engine launch aiconfigurator itself generated, read from its top-N folders.

A top-N folder holds the launch aiconfigurator's generator rendered for that candidate:
``run_<n>.sh`` (bare metal; 0.4-0.6: ``node_<n>_run.sh``), ``k8s_deploy.yaml`` (the engine
arguments inline in a bash ``args=( ... )`` block) and, for TensorRT-LLM, engine YAMLs
(``agg_config.yaml``, ``prefill_config.yaml``, ``decode_config.yaml``). The flags are read
from the scripts (the k8s manifest when there is no script); nothing is executed.

The comparison with configlib's own launch is ``launch_compare``.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from configlib.engines import launch_generator
from configlib.findings import Finding
from configlib.io import InputError, decode, parse_yaml
from configlib.numbers import parse_int

_MODULE = re.compile(
    r"python3?\s+-m\s+(dynamo\.\w+|sglang\.launch_server|"
    r"vllm\.entrypoints\.openai\.api_server)|\bvllm\s+serve\b"
)
_COUNTS = re.compile(
    r"^\s*(?:export\s+)?(AGG|PREFILL|DECODE)_(GPU|WORKERS)=\"?(\d+)\"?\s*$", re.MULTILINE
)
_LOOP = re.compile(r"for\s*\(\(\s*\w+\s*=\s*0\s*;\s*\w+\s*<\s*(AGG|PREFILL|DECODE)_WORKERS")
_STOP = {"|", "||", "&", "&&", ";", ">", ">>", ">&", "<", "2>", "2>&1"}
ENGINE_YAMLS = {
    "agg_config.yaml": "agg",
    "prefill_config.yaml": "prefill",
    "decode_config.yaml": "decode",
}


@dataclass
class WorkerLaunch:
    """One worker role's launch as aiconfigurator generated it."""

    role: str
    """agg, prefill or decode."""
    module: str | None = None
    """Launcher, e.g. dynamo.sglang."""
    flags: dict[str, Any] = field(default_factory=dict)
    """Option as written -> value (True for a switch, a list for several values)."""
    workers: int | None = None
    """Workers of this role in the whole deployment (replicas x per replica)."""
    gpus_per_worker: int | None = None
    """GPUs the generated launch gives one worker (may differ from the modelled layout)."""
    engine_config: dict[str, Any] | None = None
    """TensorRT-LLM engine YAML (--extra-engine-args)."""
    files: list[str] = field(default_factory=list)
    """Files the launch was read from."""


@dataclass
class AicLaunch:
    """Everything aiconfigurator generated to launch one candidate."""

    folder: str
    """The top-N folder."""
    roles: dict[str, WorkerLaunch] = field(default_factory=dict)
    """agg, prefill, decode -> that role's launch."""
    findings: list[Finding] = field(default_factory=list)
    """Files that could not be read."""


def parse_argv(tokens: list[str]) -> dict[str, Any]:
    """``--a 1 --b --c 1 2`` -> {"--a": "1", "--b": True, "--c": ["1", "2"]}."""
    flags: dict[str, Any] = {}
    current: str | None = None
    values: list[str] = []

    def close() -> None:
        if current is not None:
            flags[current] = True if not values else values[0] if len(values) == 1 else list(values)

    for token in tokens:
        if token.startswith("-") and not _is_number(token) and len(token) > 1:
            close()
            current, values = token, []
            if "=" in token and token.startswith("--"):
                current, _, value = token.partition("=")
                values.append(value)
        elif current is not None:
            values.append(token)
    close()
    return flags


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _tokens(text: str, source: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars="|&;<>")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        raw = list(lexer)
    except ValueError as error:
        raise InputError(source, f"cannot split the launch command: {error}") from None
    out: list[str] = []
    for token in raw:
        if token in _STOP or token == ")" or token.startswith((">", "<")):
            # shlex splits "2>&1" into "2", ">&", "1": the 2 belongs to the redirect.
            if token.startswith(">") and out and out[-1].isdigit():
                out.pop()
            break
        out.append(token)
    return out


def parse_script(text: str, source: str) -> list[WorkerLaunch]:
    """The engine launches in a run_<n>.sh (continuation lines joined)."""
    joined = re.sub(r"\\\r?\n", " ", text)
    counts = {(m.group(1), m.group(2)): int(m.group(3)) for m in _COUNTS.finditer(joined)}
    launches = []
    loop_role = "AGG"
    for line in joined.splitlines():
        loop = _LOOP.search(line)
        if loop:
            loop_role = loop.group(1)
        match = _MODULE.search(line)
        if not match:
            continue
        module = match.group(1) or "vllm serve"
        tokens = _tokens(line[match.end() :], source)
        flags = parse_argv(tokens)
        role_flag = launch_generator().role_flag
        role = str((flags.get(role_flag) if role_flag else None) or loop_role.lower())
        if role not in ("agg", "prefill", "decode"):
            role = "agg"
        if module.startswith("dynamo.frontend"):
            continue
        launches.append(
            WorkerLaunch(
                role=role,
                module=module,
                flags=flags,
                workers=counts.get((role.upper(), "WORKERS")),
                gpus_per_worker=counts.get((role.upper(), "GPU")),
                files=[source],
            )
        )
    return launches


def parse_k8s(text: str, source: str) -> list[WorkerLaunch]:
    """Worker launches in a DynamoGraphDeployment.

    SGLang and TRT-LLM workers run ``bash -c`` with the engine arguments in an ``args=(...)``
    block; vLLM workers list ``python3 -m dynamo.vllm`` as the command and the arguments as
    plain container args.
    """
    parsed = parse_yaml(text, source)
    documents = parsed if isinstance(parsed, list) else [parsed]
    launches: list[WorkerLaunch] = []
    for doc in documents:
        if isinstance(doc, dict) and doc.get("kind") == "DynamoGraphDeployment":
            launches.extend(_graph_workers(doc, source))
    return launches


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _graph_workers(doc: dict[str, Any], source: str) -> list[WorkerLaunch]:
    spec = doc.get("spec")
    services = spec.get("services") if isinstance(spec, dict) else None
    if not isinstance(services, dict):
        return []
    return [
        _service_worker(str(name), service, source)
        for name, service in services.items()
        if isinstance(service, dict) and service.get("componentType") == "worker"
    ]


def _service_worker(name: str, service: dict[str, Any], source: str) -> WorkerLaunch:
    """One worker service of a DynamoGraphDeployment: its module, flags, replicas and GPUs."""
    role = str(service.get("subComponentType") or "agg")
    container = _mapping(_mapping(service.get("extraPodSpec")).get("mainContainer"))
    command = [str(c) for c in container.get("command") or [] if isinstance(c, str | int)]
    args = [str(a) for a in container.get("args") or [] if isinstance(a, str | int | float)]
    module, tokens = _container_module(command, args, source)
    gpu = str(_mapping(_mapping(service.get("resources")).get("limits")).get("gpu") or "")
    replicas = service.get("replicas")
    return WorkerLaunch(
        role=role if role in ("prefill", "decode") else "agg",
        module=module,
        flags=parse_argv(tokens),
        workers=replicas if isinstance(replicas, int) else None,
        gpus_per_worker=int(gpu) if gpu.isascii() and gpu.isdigit() else None,
        files=[f"{source} ({name})"],
    )


def _container_module(
    command: list[str], args: list[str], source: str
) -> tuple[str | None, list[str]]:
    """The Python module a container runs and its engine arguments: ``python3 -m M`` as the
    command with plain args (vLLM), or a ``bash -c`` script with ``args=(...)`` blocks."""
    if "-m" in command[:-1]:
        return command[command.index("-m") + 1], args
    script = "\n".join(args)
    tokens = []
    for block in re.findall(r"args\+?=\(\s*(.*?)\)\s*$", script, re.MULTILINE | re.DOTALL):
        tokens.extend(_tokens(block, source))
    found = re.search(r"python3?\s+-m\s+(\S+)", script)
    return (found.group(1) if found else None), tokens


def read_launch(folder: str, files: dict[str, bytes], label: str) -> AicLaunch | None:
    """The launch in one top-N folder (files by path); None when it holds none.

    Flags come from the first node script that launches each role, worker counts from the k8s
    manifest (the whole deployment) or else the sum over the node scripts.
    """
    launch = AicLaunch(folder)
    scripts = sorted(
        (p for p in files if re.search(r"(^|/)(run_\d+|node_\d+_run)\.sh$", p)),
        key=lambda p: [int(n) for n in re.findall(r"\d+", p.rsplit("/", 1)[-1])],
    )
    k8s = sorted(p for p in files if p.endswith("k8s_deploy.yaml"))
    try:
        per_node: list[list[WorkerLaunch]] = [
            parse_script(decode(files[p], f"{label}:{p}"), f"{label}:{p}") for p in scripts
        ]
        manifest: list[WorkerLaunch] = []
        for path in k8s[:1]:
            manifest = parse_k8s(decode(files[path], f"{label}:{path}"), f"{label}:{path}")
        _roles_and_counts(launch, per_node, manifest)
        _engine_configs(launch, files, label)
    except InputError as error:
        launch.findings.append(
            Finding("warning", str(error.source), "aic-launch-unreadable", str(error))
        )
    if not launch.roles:
        return None
    return launch


def _roles_and_counts(
    launch: AicLaunch, per_node: list[list[WorkerLaunch]], manifest: list[WorkerLaunch]
) -> None:
    """The first worker of each role, counted by the manifest or else summed over the nodes."""
    # A multi-node deployment may put prefill workers on one node, decode on another.
    found = [w for node in per_node for w in node] or manifest
    for worker in found:
        launch.roles.setdefault(worker.role, worker)
    for worker in launch.roles.values():
        counted = [w for w in manifest if w.role == worker.role and w.workers is not None]
        if counted:
            worker.workers = counted[0].workers
        elif per_node:
            worker.workers = (
                sum(w.workers or 0 for node in per_node for w in node if w.role == worker.role)
                or None
            )


def _engine_configs(launch: AicLaunch, files: dict[str, bytes], label: str) -> None:
    """The engine config YAML each role's worker loads, kept with that worker."""
    for path, data in sorted(files.items()):
        role = ENGINE_YAMLS.get(path.rsplit("/", 1)[-1])
        if role is None:
            continue
        config = parse_yaml(decode(data, f"{label}:{path}"), f"{label}:{path}")
        if isinstance(config, dict):
            target = launch.roles.setdefault(role, WorkerLaunch(role=role))
            target.engine_config = config
            target.files.append(f"{label}:{path}")


def _whole(value: Any) -> int | None:
    """A whole number written in ASCII digits ('²'.isdigit() is true, int('²') fails)."""
    parsed = parse_int(str(value or ""))
    return parsed if isinstance(parsed, int) and parsed >= 0 else None
