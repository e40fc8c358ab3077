"""The engine launch aiconfigurator itself generated, and where ours differs (and why).

A top-N folder holds the launch aiconfigurator's generator rendered for that candidate:
``run_<n>.sh`` (bare metal; 0.4-0.6: ``node_<n>_run.sh``), ``k8s_deploy.yaml`` (the engine
arguments inline in a bash ``args=( ... )`` block) and, for TensorRT-LLM, engine YAMLs
(``agg_config.yaml``, ``prefill_config.yaml``, ``decode_config.yaml``). The flags are read
from the scripts (the k8s manifest when there is no script); nothing is executed.

The comparison resolves both sides through the target engine release's flag manifest, so
``--tensor-parallel-size`` (theirs) and ``--tp-size`` (ours) are the same flag, and a flag the
release does not have is reported as such.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from configlib.convert import engine_for, to_flat
from configlib.engines import get_engine, supported_versions
from configlib.engines.manifest import render_value
from configlib.findings import Finding
from configlib.io import InputError, decode, parse_yaml
from configlib.numbers import parse_int

if TYPE_CHECKING:
    from configlib.aiconfigurator.candidates import Candidate

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


@dataclass(frozen=True)
class FlagDifference:
    """One flag compared: ours, aiconfigurator's, and why they differ."""

    role: str
    flag: str
    ours: str | None
    theirs: str | None
    status: str
    """same, differs, only-aiconfigurator or only-configlib."""
    reason: str
    missing_in_engine: bool = False
    """True when aiconfigurator's flag does not exist in the task's engine release."""


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
        role = str(flags.get("--disaggregation-mode") or loop_role.lower())
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
    launches: list[WorkerLaunch] = []
    if not isinstance(services, dict):
        return launches
    for name, service in services.items():
        if not isinstance(service, dict) or service.get("componentType") != "worker":
            continue
        role = str(service.get("subComponentType") or "agg")
        container = _mapping(_mapping(service.get("extraPodSpec")).get("mainContainer"))
        command = [str(c) for c in container.get("command") or [] if isinstance(c, str | int)]
        args = [str(a) for a in container.get("args") or [] if isinstance(a, str | int | float)]
        module: str | None = None
        if "-m" in command[:-1]:
            module = command[command.index("-m") + 1]
            tokens = args
        else:
            script = "\n".join(args)
            tokens = []
            for block in re.findall(r"args\+?=\(\s*(.*?)\)\s*$", script, re.MULTILINE | re.DOTALL):
                tokens.extend(_tokens(block, source))
            found = re.search(r"python3?\s+-m\s+(\S+)", script)
            module = found.group(1) if found else None
        gpu = _mapping(_mapping(service.get("resources")).get("limits")).get("gpu")
        replicas = service.get("replicas")
        launches.append(
            WorkerLaunch(
                role=role if role in ("prefill", "decode") else "agg",
                module=module,
                flags=parse_argv(tokens),
                workers=replicas if isinstance(replicas, int) else None,
                gpus_per_worker=int(str(gpu))
                if str(gpu or "").isascii() and str(gpu or "").isdigit()
                else None,
                files=[f"{source} ({name})"],
            )
        )
    return launches


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
        for path, data in sorted(files.items()):
            role = ENGINE_YAMLS.get(path.rsplit("/", 1)[-1])
            if role is None:
                continue
            config = parse_yaml(decode(data, f"{label}:{path}"), f"{label}:{path}")
            if isinstance(config, dict):
                target = launch.roles.setdefault(role, WorkerLaunch(role=role))
                target.engine_config = config
                target.files.append(f"{label}:{path}")
    except InputError as error:
        launch.findings.append(
            Finding("warning", str(error.source), "aic-launch-unreadable", str(error))
        )
    if not launch.roles:
        return None
    return launch


# ---- Comparison --------------------------------------------------------------------------------

_PLUMBING = {
    "--model-path",
    "--model",
    "--served-model-name",
    "--host",
    "--port",
    "--trust-remote-code",
}
_DISAGG = {
    "--disaggregation-mode",
    "--disaggregation-transfer-backend",
    "--kv-transfer-config",
    "--disaggregation-bootstrap-port",
    "--disaggregation-ib-device",
}


def _reason(
    flag: str, value: Any, candidate: Candidate, runtime: str, known: bool, engine_label: str
) -> str:
    spec = candidate.spec
    run = spec.run
    isl = spec.source.get("isl") or run.isl
    osl = spec.source.get("osl") or run.osl
    main = spec.main_worker
    bs = main.batch_size
    conc = spec.concurrency[0] if spec.concurrency else None
    if flag in _PLUMBING:
        return "launch plumbing: the autotuner passes the model, host and port itself"
    if flag in _DISAGG:
        return "disaggregated serving through Dynamo; the autotuner launches one aggregated server"
    if flag in ("--max-running-requests", "--max-num-seqs"):
        return (
            f"aiconfigurator's generator writes 512 when the modelled batch is below 512 "
            f"(else twice the batch): a cap, not the predicted batch of {bs} per rank; "
            f"configlib leaves the engine default and loads the server with the predicted "
            f"concurrency {conc}"
        )
    if flag == "--max-prefill-tokens" and isl:
        return (
            f"generator rule isl + 1500 = {isl + 1500}; configlib leaves SGLang's "
            "default prefill budget"
        )
    if flag == "--max-num-batched-tokens" and isl:
        return (
            "generator rule: 512 + isl + 1500 for aggregated workers, 512 for decode "
            "workers; configlib leaves vLLM's default token budget"
        )
    if flag == "--max-model-len" and isl and osl:
        return (
            f"generator rule isl + osl + 1500 = {isl + osl + 1500}; configlib leaves the "
            "model's context length"
        )
    if flag in ("--cuda-graph-bs", "--cuda-graph-max-bs"):
        base = (
            "CUDA-graph batch sizes: a fixed ladder plus the modelled batch +-8 (with "
            "duplicates); configlib leaves the engine's own capture list"
        )
        return base if known else f"{base}; and {engine_label} has no {flag}"
    if flag == "--enable-mixed-chunk":
        return (
            "the generator enables mixed prefill/decode batches for aggregated workers; "
            "configlib leaves the engine default"
        )
    if flag == "--enable-metrics":
        return "Dynamo's metrics endpoint; not needed for benchmarking"
    if not known:
        return f"{engine_label} has no {flag} (aiconfigurator renders its own template version)"
    return "set by aiconfigurator's generator; configlib has no field for it"


def _versions_with(runtime: str, option: str, current: str) -> list[str]:
    return [
        v
        for v in supported_versions(runtime)
        if v != current and get_engine(runtime, v).manifest.lookup(option) is not None
    ]


def compare(
    candidate: Candidate,
    launch: AicLaunch,
    *,
    include_same: bool = False,
) -> list[FlagDifference]:
    """Flag-by-flag comparison of aiconfigurator's launch with the candidate's task."""
    task = candidate.task
    engine, _ = engine_for(task)
    manifest = engine.manifest
    runtime = task.base_runtime.value
    flat = to_flat(task, engine)
    ours: dict[str, tuple[str, Any]] = {}
    for key, values in flat.parameters.items():
        resolved = manifest.lookup_key(key)
        if resolved is not None and isinstance(values, list) and values:
            value = values[0]
            if resolved.negated and isinstance(value, bool):
                value = not value
            ours[resolved.spec.name] = (key, value)
    main_role = "agg" if "agg" in launch.roles else "decode"
    out: list[FlagDifference] = []
    for role, worker in sorted(launch.roles.items()):
        if role != main_role:
            args = " ".join(
                f"{k} {_show(v)}" if v is not True else k for k, v in worker.flags.items()
            )
            out.append(
                FlagDifference(
                    role,
                    f"({role} worker launch)",
                    None,
                    args or None,
                    "only-aiconfigurator",
                    f"{role} worker of a disaggregated deployment; the "
                    "autotuner launches one aggregated server",
                )
            )
            continue
        seen: set[str] = set()
        for option, value in worker.flags.items():
            resolved = manifest.lookup(option)
            if resolved is None:
                reason = _reason(option, value, candidate, runtime, False, engine.label)
                elsewhere = _versions_with(runtime, option, engine.version)
                if elsewhere and option not in _PLUMBING | _DISAGG:
                    reason += f" (it exists in {engine.spec.label} {', '.join(elsewhere)})"
                out.append(
                    FlagDifference(
                        role,
                        option,
                        None,
                        _show(value),
                        "only-aiconfigurator",
                        reason,
                        missing_in_engine=option not in _PLUMBING | _DISAGG,
                    )
                )
                continue
            name = resolved.spec.name
            seen.add(name)
            theirs = (not value) if resolved.negated and isinstance(value, bool) else value
            mine = ours.get(name)
            if mine is None:
                reason = _reason(name, theirs, candidate, runtime, True, engine.label)
                default = resolved.spec.default
                if default is not None and _show(default) == _show(theirs):
                    reason = (
                        f"{option} {_show(theirs)} is {engine.label}'s default; configlib "
                        "does not write defaults"
                    )
                if name in ("--dp-size", "--enable-dp-attention") and "--attn-dp-size" in ours:
                    reason = (
                        f"attention data parallelism: {engine.label} writes it as "
                        f"--attn-dp-size {_show(ours['--attn-dp-size'][1])}; --dp-size N "
                        "--enable-dp-attention is the older spelling"
                    )
                if resolved.spec.deprecated:
                    replacement = resolved.spec.replacement
                    reason += f"; {option} is deprecated in {engine.label}" + (
                        f" (use {replacement})" if replacement else ""
                    )
                out.append(
                    FlagDifference(role, option, None, _show(theirs), "only-aiconfigurator", reason)
                )
                continue
            if _same(mine[1], theirs):
                if include_same:
                    out.append(
                        FlagDifference(
                            role, option, _show(mine[1]), _show(theirs), "same", "same value"
                        )
                    )
                continue
            out.append(
                FlagDifference(
                    role,
                    option,
                    _show(mine[1]),
                    _show(theirs),
                    "differs",
                    _differs_reason(name, candidate),
                )
            )
        for name, (key, value) in ours.items():
            if name in seen or name in _PLUMBING:
                continue
            sources = ", ".join(flat.sources.get(key, ())) or "the task's parameters"
            out.append(
                FlagDifference(
                    role,
                    f"--{key}",
                    _show(value),
                    None,
                    "only-configlib",
                    f"configlib writes it from {sources}; aiconfigurator's "
                    "launch leaves the engine default",
                )
            )
        out.extend(_gpu_rows(role, worker, candidate))
        if worker.engine_config:
            out.extend(_engine_yaml_rows(role, worker.engine_config, runtime))
    return out


def _show(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(render_value(value)) if not isinstance(value, str) else value


def _same(ours: Any, theirs: Any) -> bool:
    return _show(ours) == _show(theirs)


def _differs_reason(name: str, candidate: Candidate) -> str:
    if name in ("--tp-size", "--tensor-parallel-size", "--dp-size", "--data-parallel-size"):
        return (
            "parallel layout differs: configlib writes the layout aiconfigurator modelled "
            "(CSV row), the generator renders its own"
        )
    if name == "--kv-cache-dtype":
        return "KV-cache dtype differs between the modelled quantization and the generated launch"
    return "values differ"


def _gpu_rows(role: str, worker: WorkerLaunch, candidate: Candidate) -> list[FlagDifference]:
    predicted = candidate.spec.main_worker.gpus()
    generated = worker.gpus_per_worker
    if predicted is None or generated is None or predicted == generated:
        return []
    main = candidate.spec.main_worker
    if (main.first("cp") or 1) > 1:
        why = (
            "aiconfigurator's generator does not render context parallelism: it counts "
            "tp x pp x dp GPUs"
        )
    elif (main.first("dp") or 1) > 1:
        why = (
            "generator bug for SGLang attention DP: it sets the worker's TP to moe_tp x "
            "moe_ep and multiplies by dp again; the modelled worker uses tp x pp x dp GPUs"
        )
    else:
        why = "the generated launch sizes the worker differently from the modelled layout"
    return [
        FlagDifference(role, "(GPUs per worker)", str(predicted), str(generated), "differs", why)
    ]


def _flatten(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        out = []
        for key, inner in value.items():
            out.extend(_flatten(f"{prefix}.{key}" if prefix else str(key), inner))
        return out
    return [(prefix, value)]


def _engine_yaml_rows(role: str, config: dict[str, Any], runtime: str) -> list[FlagDifference]:
    rows = []
    for key, value in _flatten("", config):
        if key == "max_batch_size":
            why = (
                "TensorRT-LLM's max_batch_size is the modelled batch; on "
                f"{runtime} the benchmark concurrency sets the load"
            )
        elif key in ("tensor_parallel_size", "pipeline_parallel_size", "enable_attention_dp"):
            why = f"TensorRT-LLM layout; the {runtime} task carries the same layout as flags"
        else:
            why = f"TensorRT-LLM engine setting; the {runtime} launch has no direct equivalent"
        rows.append(
            FlagDifference(role, f"engine:{key}", None, _show(value), "only-aiconfigurator", why)
        )
    return rows


def _whole(value: Any) -> int | None:
    """A whole number written in ASCII digits ('²'.isdigit() is true, int('²') fails)."""
    parsed = parse_int(str(value or ""))
    return parsed if isinstance(parsed, int) and parsed >= 0 else None
