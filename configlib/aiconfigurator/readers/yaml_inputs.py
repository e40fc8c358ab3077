"""aiconfigurator's YAML documents: the design's candidate YAML, `cli exp` inputs (flat V2
and legacy nested V1), saved run configs (exp_config.yaml, config.yaml) and generator_config.

Every reader takes an already safely parsed document (configlib.io) and the file name for
messages; a value of the wrong type raises ``InputError`` naming the file and key.
"""

from __future__ import annotations

import re
from typing import Any

from configlib.aiconfigurator.spec import (
    BACKENDS,
    PARALLEL_FIELDS,
    QUANT_FIELDS,
    RunSettings,
    Spec,
    Worker,
    number,
    quant_mode,
    resolve_model,
    text,
    uses_old_naming,
    whole,
    whole_list,
)
from configlib.findings import Finding
from configlib.io import InputError

#: Every key aiconfigurator 0.12's flat experiment schema accepts (sdk/task_v2.Task fields).
_V2_KEY_LINES = (
    "serving_mode isl osl prefix image_height image_width num_images_per_request",
    "enable_encoder_dp ttft tpot pareto_sweep request_latency total_gpus database_mode",
    "transfer_policy free_gpu_memory_fraction max_seq_len engine_step_backend forward_model",
    "model_path system_name backend_name backend_version enable_wideep",
    "enable_chunked_prefill enable_eplb nextn nextn_accepted moe_backend attention_backend",
    "wideep_num_slots gemm_quant_mode moe_quant_mode kvcache_quant_mode fmha_quant_mode",
    "comm_quant_mode agg_num_gpu_candidates agg_tp_candidates agg_pp_candidates",
    "agg_dp_candidates agg_moe_tp_candidates agg_moe_ep_candidates agg_cp_candidates",
    "prefill_model_path prefill_system_name prefill_backend_name prefill_backend_version",
    "prefill_enable_wideep prefill_enable_chunked_prefill prefill_enable_eplb",
    "prefill_gemm_quant_mode prefill_moe_quant_mode prefill_kvcache_quant_mode",
    "prefill_fmha_quant_mode prefill_comm_quant_mode prefill_num_gpu_candidates",
    "prefill_tp_candidates prefill_pp_candidates prefill_dp_candidates",
    "prefill_moe_tp_candidates prefill_moe_ep_candidates prefill_cp_candidates",
    "decode_model_path decode_system_name decode_backend_name decode_backend_version",
    "decode_enable_wideep decode_enable_eplb decode_gemm_quant_mode decode_moe_quant_mode",
    "decode_kvcache_quant_mode decode_fmha_quant_mode decode_comm_quant_mode",
    "decode_num_gpu_candidates decode_tp_candidates decode_pp_candidates",
    "decode_dp_candidates decode_moe_tp_candidates decode_moe_ep_candidates",
    "decode_cp_candidates num_gpu_per_replica max_gpu_per_replica max_prefill_workers",
    "max_decode_workers prefill_max_batch_size decode_max_batch_size",
    "prefill_latency_correction decode_latency_correction rate_match_prefill_degradation",
    "rate_match_decode_degradation rate_match_encoder_degradation",
    "autoscale_ttft_correction_factor enable_epd encoder_tp_candidates",
    "encoder_batch_candidates max_encoder_workers encoder_latency_correction",
    "encoder_system_name predictor",
)
V2_KEYS = frozenset(word for line in _V2_KEY_LINES for word in line.split())
_AFD = re.compile(r"^afd_[a-z_]+$")
#: Keys that mark the legacy nested (V1) schema.
V1_MARKERS = frozenset(
    {
        "mode",
        "config",
        "profiles",
        "worker_config",
        "prefill_worker_config",
        "decode_worker_config",
        "replica_config",
        "advanced_tuning_config",
    }
)
_V1_LISTS = {
    "num_gpu_per_worker": "num_gpu_candidates",
    "tp_list": "tp_candidates",
    "pp_list": "pp_candidates",
    "dp_list": "dp_candidates",
    "moe_tp_list": "moe_tp_candidates",
    "moe_ep_list": "moe_ep_candidates",
}
_V1_ADVANCED = {
    "prefill_latency_correction_scale": "prefill_latency_correction",
    "decode_latency_correction_scale": "decode_latency_correction",
    "prefill_max_batch_size": "prefill_max_batch_size",
    "decode_max_batch_size": "decode_max_batch_size",
}
_V1_REPLICA = {
    "num_gpu_per_replica": "num_gpu_per_replica",
    "max_gpu_per_replica": "max_gpu_per_replica",
    "max_prefill_worker": "max_prefill_workers",
    "max_decode_worker": "max_decode_workers",
}
#: V1 ``profiles`` -> the five quant modes aiconfigurator sets for them.
PROFILES = {
    "fp8": ("fp8", "fp8", "fp8", "fp8", "half"),
    "fp8_static": ("fp8_static", "fp8", "fp8", "fp8", "half"),
    "bfloat16": ("bfloat16", "bfloat16", "bfloat16", "bfloat16", "half"),
    "nvfp4": ("nvfp4", "nvfp4", "fp8", "fp8", "half"),
    "mxfp4": ("bfloat16", "w4a16_mxfp4", "bfloat16", "bfloat16", "half"),
}
_PROFILE_ORDER = (
    "gemm_quant_mode",
    "moe_quant_mode",
    "kvcache_quant_mode",
    "fmha_quant_mode",
    "comm_quant_mode",
)
#: `cli exp` defaults for omitted keys (DOMAIN 2.5; they differ from `cli default`).
EXP_DEFAULTS = {"isl": 4000, "osl": 1000, "ttft": 1000.0, "tpot": 50.0, "backend_name": "trtllm"}


def _mapping(value: Any) -> bool:
    return isinstance(value, dict)


def classify(doc: Any) -> str:
    """design | exp_input | exp_body | generator_config | unknown."""
    if isinstance(doc, list):
        if doc and all(_mapping(d) and "worker_config" in d and "config" not in d for d in doc):
            return "design"
        return "unknown"
    if not _mapping(doc):
        return "unknown"
    if "params" in doc and ("WorkerConfig" in doc or "ServiceConfig" in doc):
        return "generator_config"
    if (
        ("worker_config" in doc or "prefill_worker_config" in doc)
        and ("predicted_metrics" in doc or "config" not in doc)
        and "mode" not in doc
    ):
        return "design"
    if "serving_mode" in doc:
        return "exp_body"
    bodies = [v for k, v in doc.items() if k != "exps"]
    if bodies and any(_mapping(b) and ("serving_mode" in b or V1_MARKERS & set(b)) for b in bodies):
        return "exp_input"
    return "unknown"


def _err(source: str, error: ValueError) -> InputError:
    return InputError(source, str(error))


# ---- Legacy V1 -> flat V2 -------------------------------------------------------------------


#: Keys of a V1 ``config`` block that V2 keeps at the top level, unchanged.
_V1_CONFIG_KEYS = (
    "nextn",
    "moe_backend",
    "attention_backend",
    "wideep_num_slots",
    "nextn_accept_rates",
)
#: Keys each disaggregated role takes from the top level (``prefill_model_path`` ...).
_V1_ROLE_KEYS = ("model_path", "backend_name", "backend_version")


def v1_to_v2(body: dict[str, Any], where: str, findings: list[Finding]) -> dict[str, Any]:
    """The flat (V2) form of a legacy nested experiment, as aiconfigurator 0.12 converts it.

    The stages run in aiconfigurator's order: top-level keys, the profile's quant modes, each
    role's worker_config, the disaggregated shared keys, then the replica and advanced blocks.
    """
    out = {k: v for k, v in body.items() if k not in V1_MARKERS}
    config = body.get("config") or {}
    if not _mapping(config):
        raise ValueError("config must be a mapping")
    out.update((key, config[key]) for key in _V1_CONFIG_KEYS if key in config)
    quant = _profile_quant(body, where, findings)
    serving_mode = body.get("serving_mode", "agg")
    if "model_name" in out and "model_path" not in out:
        out["model_path"] = out.pop("model_name")
    for role in ("prefill", "decode") if serving_mode == "disagg" else ("agg",):
        _v1_role(out, body, config, role, quant, where, findings)
    if serving_mode == "disagg":
        out.setdefault("prefill_system_name", out.get("system_name"))
        out.setdefault("decode_system_name", out.get("system_name"))
        for key in ("model_path", "system_name", "backend_name", "backend_version"):
            out.pop(key, None)
    for block_name, table in (
        ("replica_config", _V1_REPLICA),
        ("advanced_tuning_config", _V1_ADVANCED),
    ):
        block = config.get(block_name) or {}
        if _mapping(block):
            out.update((table[key], value) for key, value in block.items() if key in table)
    return out


def _profile_quant(body: dict[str, Any], where: str, findings: list[Finding]) -> dict[str, str]:
    """The quant modes the first of ``profiles`` sets (none when it is unknown)."""
    raw_profiles = body.get("profiles") or []
    if not isinstance(raw_profiles, list):
        raise ValueError(f"profiles must be a list of profile names, not {raw_profiles!r}")
    profiles = [p for p in raw_profiles if p]
    if not profiles:
        return {}
    modes = PROFILES.get(str(profiles[0]))
    if modes is None:
        message = f"profile {profiles[0]!r} is unknown; ignored"
        findings.append(Finding("warning", where, "aic-unknown-profile", message))
        return {}
    return dict(zip(_PROFILE_ORDER, modes, strict=True))


def _v1_role(
    out: dict[str, Any],
    body: dict[str, Any],
    config: dict[str, Any],
    role: str,
    quant: dict[str, str],
    where: str,
    findings: list[Finding],
) -> None:
    """One role's worker_config (``agg``, ``prefill`` or ``decode``) flattened into ``out``."""
    prefix = "" if role == "agg" else f"{role}_"
    block = config.get("worker_config" if role == "agg" else f"{role}_worker_config") or {}
    if not _mapping(block):
        raise ValueError(f"{role} worker_config must be a mapping")
    for key, value in quant.items():
        out.setdefault(prefix + key, value)
    for key, value in block.items():
        if key in _V1_LISTS:
            # candidate lists are prefixed even for agg (agg_tp_candidates)
            out[f"{role}_{_V1_LISTS[key]}"] = value
        elif key in QUANT_FIELDS or key in ("enable_wideep", "enable_eplb"):
            out[prefix + key] = value
        else:
            message = (
                f"worker_config.{key} has no aiconfigurator 0.12 "
                "equivalent (0.12 refuses the experiment); ignored"
            )
            findings.append(Finding("warning", where, "aic-unknown-key", message))
    if role != "agg":
        for key in _V1_ROLE_KEYS:
            if key in body or key in out:
                out.setdefault(f"{role}_{key}", out.get(key, body.get(key)))


def is_v1(body: dict[str, Any]) -> bool:
    return bool(V1_MARKERS & set(body)) or "model_name" in body


# ---- Run settings (exp_config.yaml, config.yaml, <backend>_exp_config.yaml) ------------------


def run_settings(doc: Any, source: str) -> tuple[RunSettings, list[Finding]]:
    """The targets and budget a saved experiment body records."""
    findings: list[Finding] = []
    if not _mapping(doc):
        raise InputError(
            source, f"a saved experiment config is a mapping, not a {type(doc).__name__}"
        )
    try:
        body = v1_to_v2(doc, source, findings) if is_v1(doc) else dict(doc)
        nested = doc.get("runtime_config") if _mapping(doc.get("runtime_config")) else {}
        body = {**{k: v for k, v in nested.items() if v is not None}, **body}
        return _settings_from_body(body, source), findings
    except ValueError as error:
        raise _err(source, error) from None


def _pick(body: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = body.get(key)
        if value not in (None, ""):
            return value
    return None


def _settings_from_body(body: dict[str, Any], source: str) -> RunSettings:
    def whole_or_none(key: str, minimum: int = 1) -> int | None:
        value = body.get(key)
        return None if value is None else whole(value, source, key, minimum=minimum)

    def number_or_none(key: str) -> float | None:
        value = body.get(key)
        return None if value is None else number(value, source, key)

    disagg = body.get("serving_mode") == "disagg"
    order = ("decode_", "prefill_", "") if disagg else ("", "decode_", "prefill_")
    backend = _pick(body, *(p + "backend_name" for p in order))
    inclusive = body.get("inclusive_tpot")
    findings: list[Finding] = []
    quant: dict[str, str] = {}
    for name in QUANT_FIELDS:
        value = _pick(body, *(p + name for p in order))
        mode = quant_mode(name, value, old_naming=False, where=source, findings=findings)
        if mode:
            quant[name] = mode
    return RunSettings(
        source=source,
        total_gpus=whole_or_none("total_gpus"),
        isl=whole_or_none("isl"),
        osl=whole_or_none("osl"),
        prefix=whole_or_none("prefix", 0),
        ttft_ms=number_or_none("ttft"),
        tpot_ms=number_or_none("tpot"),
        request_latency_ms=number_or_none("request_latency"),
        backend=str(backend).lower() if backend else None,
        backend_version=text(_pick(body, *(p + "backend_version" for p in order))),
        model=text(_pick(body, *(p + "model_path" for p in order), "model_name")),
        system=text(_pick(body, *(p + "system_name" for p in order))),
        inclusive_tpot=inclusive if isinstance(inclusive, bool) else None,
        inclusive_tpot_basis=f"{source}: inclusive_tpot" if isinstance(inclusive, bool) else None,
        quant=quant,
    )


_DIRNAME = re.compile(r"_isl(\d+)_osl(\d+)_ttft(\d+)_tpot(\d+)_\d+$")


def settings_from_dirname(name: str) -> RunSettings | None:
    """Targets encoded in a result folder name (``..._isl4000_osl1000_ttft2000_tpot30_118026``)."""
    match = _DIRNAME.search(name)
    if not match:
        return None
    isl, osl, ttft, tpot = (int(g) for g in match.groups())
    head = name[: match.start()]
    backend = next((b for b in (*BACKENDS, "auto") if head.endswith("_" + b)), None)
    return RunSettings(
        source=name,
        isl=isl,
        osl=osl,
        ttft_ms=float(ttft),
        tpot_ms=float(tpot),
        backend=backend if backend in BACKENDS else None,
    )


# ---- Planned experiments from a `cli exp` input --------------------------------------------


def experiment_bodies(
    doc: dict[str, Any],
    source: str,
    findings: list[Finding],
) -> list[tuple[str, dict[str, Any]]]:
    """(name, flat body) of each experiment aiconfigurator would run, in its order."""
    order = doc.get("exps")
    if isinstance(order, list):
        names = [n for n in order if isinstance(n, str) and n in doc]
        missing = [n for n in order if not isinstance(n, str) or n not in doc]
        if missing:
            findings.append(
                Finding(
                    "warning",
                    source,
                    "aic-exps-missing",
                    f"exps lists {missing}, which the file does not define "
                    "(aiconfigurator ignores them)",
                )
            )
        skipped = [k for k in doc if k != "exps" and k not in names]
        if skipped:
            findings.append(
                Finding(
                    "warning",
                    source,
                    "aic-exps-skipped",
                    f"experiments {skipped} are not in exps, so aiconfigurator "
                    "does not run them; not imported",
                )
            )
    else:
        names = [k for k in doc if k != "exps"]
    out = []
    for name in names:
        body = doc[name]
        where = f"{source}: {name}"
        if not _mapping(body):
            findings.append(
                Finding(
                    "warning",
                    where,
                    "aic-not-an-experiment",
                    "not a mapping; aiconfigurator skips it",
                )
            )
            continue
        try:
            flat = v1_to_v2(body, where, findings) if is_v1(body) else dict(body)
        except ValueError as error:
            findings.append(Finding("error", where, "aic-not-an-experiment", f"{error}; skipped"))
            continue
        unknown = [
            k
            for k in flat
            if k not in V2_KEYS
            and not _AFD.match(k)
            and k not in ("nextn_accept_rates", "inclusive_tpot")
        ]
        if unknown:
            findings.append(
                Finding(
                    "warning",
                    where,
                    "aic-unknown-key",
                    f"unknown key(s) {unknown}: aiconfigurator 0.12 refuses this "
                    "experiment; imported without them",
                )
            )
        out.append((str(name), flat))
    return out


def planned_spec(name: str, body: dict[str, Any], source: str) -> Spec:
    """One planned experiment: search-space lists, no predictions."""
    where = f"{source}: {name}"
    findings: list[Finding] = []
    try:
        return _planned(name, body, where, findings)
    except ValueError as error:
        raise _err(where, error) from None


def _planned(name: str, body: dict[str, Any], where: str, findings: list[Finding]) -> Spec:
    mode = body.get("serving_mode")
    if mode not in ("agg", "disagg", "afd"):
        raise ValueError(f"serving_mode must be agg, disagg or afd, not {mode!r}")
    defaults_used = [
        k
        for k in EXP_DEFAULTS
        if k not in body
        and not (k == "backend_name" and mode == "disagg" and "decode_backend_name" in body)
    ]
    merged = {**EXP_DEFAULTS, **{k: v for k, v in body.items() if v is not None}}
    if defaults_used:
        findings.append(
            Finding(
                "warning",
                where,
                "aic-exp-defaults",
                "not given, so aiconfigurator's `cli exp` defaults apply: "
                + ", ".join(f"{k}={EXP_DEFAULTS[k]}" for k in defaults_used),
            )
        )
    run = _settings_from_body(merged, where)
    roles = ("prefill", "decode") if mode == "disagg" else ("agg",)
    workers: dict[str, Worker] = {}
    for role in roles:
        workers[role] = _planned_worker(merged, role, where, findings)
    if run.total_gpus is None:
        raise ValueError("total_gpus is required (aiconfigurator skips the experiment without it)")
    model = run.model
    if not model:
        raise ValueError("no model_path (aiconfigurator skips the experiment without one)")
    model = resolve_model(model, where, findings)
    runnable = mode == "agg"
    source = {
        "file": where.split(": ")[0],
        "experiment": name,
        "serving_mode": mode,
        "isl": run.isl,
        "osl": run.osl,
        "prefix": run.prefix,
        "backend": run.backend,
        "system": run.system,
        "perf_db_version": run.backend_version,
        "planned": True,
    }
    extra: dict[str, Any] = {
        k: merged[k]
        for k in (
            "prefill_latency_correction",
            "decode_latency_correction",
            "prefill_max_batch_size",
            "decode_max_batch_size",
            "num_gpu_per_replica",
            "max_gpu_per_replica",
            "max_prefill_workers",
            "max_decode_workers",
            "nextn",
            "nextn_accepted",
            "database_mode",
        )
        if k in merged
    }
    return Spec(
        model=model,
        serving_mode=mode,
        workers=workers,
        run=run,
        findings=findings,
        source=source,
        runnable=runnable,
        planned=True,
        extra=extra,
        not_runnable_reason=None
        if runnable
        else (f"{mode} experiment: the autotuner launches one aggregated server"),
    )


def _planned_worker(body: dict[str, Any], role: str, where: str, findings: list[Finding]) -> Worker:
    scalar = "" if role == "agg" else f"{role}_"
    lists: dict[str, list[int] | None] = {}
    for field_name in ("num_gpu", *PARALLEL_FIELDS):
        key = f"{role}_{field_name}_candidates"
        value = body.get(key)
        lists[field_name] = None if value is None else whole_list(value, where, key)
    quant: dict[str, str] = {}
    raw = {n: body.get(scalar + n) for n in QUANT_FIELDS}
    old = uses_old_naming(
        [raw["gemm_quant_mode"], raw["moe_quant_mode"], raw["kvcache_quant_mode"]]
    )
    for name, value in raw.items():
        mode = quant_mode(name, value, old_naming=old, where=where, findings=findings)
        if mode:
            quant[name] = mode
    backend = body.get(f"{role}_backend_name") if role != "agg" else None
    backend = backend or body.get("backend_name") or EXP_DEFAULTS["backend_name"]
    if str(backend).lower() not in BACKENDS:
        raise ValueError(f"backend_name {backend!r} is not one of {', '.join(BACKENDS)}")
    system = body.get(f"{role}_system_name") if role != "agg" else None
    return Worker.with_layout(
        lists,
        quant=quant,
        backend=str(backend).lower(),
        perf_db_version=text(body.get(f"{scalar}backend_version") or body.get("backend_version")),
        system=text(system or body.get("system_name")),
    )
