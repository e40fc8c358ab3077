"""The task model: one tuning task for inference-autotuner, structured like aiconfigurator.

Every field is declared once, here, with its type, default, unit and a one-line docstring; the
app's help texts, the JSON Schema (``configlib schema``) and docs/reference.md come from these
declarations. Tunable fields are search spaces: they take one value or a list of candidates
(``Candidates``), exactly like the flat ``parameters``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from configlib.bounds import limit
from configlib.labels import title as field_title
from configlib.search_space import (
    Candidates,
    Fraction,
    GiB,
    GpuCount,
    RequestCount,
    TokenCount,
    as_candidate_list,
)
from configlib.systems import resolve_system, system_names
from configlib.vocab import (
    STRUCTURED_SECTIONS,
    ActivationQuantMode,
    CommQuantMode,
    ConfigFormat,
    DeploymentMode,
    FMHAQuantMode,
    GemmQuantMode,
    InterconnectType,
    KVCacheQuantMode,
    MoEQuantMode,
    Objective,
    Runtime,
    Strategy,
    WeightQuantMode,
)


def unit(name: str) -> dict[str, Any]:
    """Extra JSON Schema keys that record a field's unit."""
    return {"unit": name}


class Section(BaseModel):
    """Base of the structured sections: unknown keys are errors, docstrings become help."""

    model_config = ConfigDict(
        extra="forbid",
        use_attribute_docstrings=True,
        field_title_generator=field_title,
        validate_default=False,
    )


def _canonical_system(value: str) -> str:
    return resolve_system(value).name


SystemName = Annotated[
    str,
    AfterValidator(_canonical_system),
    Field(json_schema_extra={"enum": system_names()}),
]


# ---- Structured sections -------------------------------------------------------------------


class SystemConfig(Section):
    """The hardware the task runs on."""

    gpu_type: SystemName
    """GPU system name from aiconfigurator's catalog (e.g. h200_sxm); fills the figures below."""
    total_gpus: GpuCount
    """GPUs available to the task (the budget, not the GPUs of one replica)."""
    memory_per_gpu: GiB | None = Field(None, json_schema_extra=unit("GiB"))
    """Memory per GPU in GiB; filled from the catalog when left empty."""
    nvlink_bandwidth: GiB | None = Field(None, json_schema_extra=unit("GB/s"))
    """NVLink bandwidth per GPU in GB/s, both directions combined (H200: 900)."""
    pcie_bandwidth: GiB | None = Field(None, json_schema_extra=unit("GB/s"))
    """PCIe bandwidth per GPU in GB/s, both directions combined, for PCIe-only systems."""
    interconnect_type: InterconnectType | None = None
    """Fabric between the GPUs of one node; filled from the catalog when left empty."""

    @model_validator(mode="after")
    def _fill_from_catalog(self) -> SystemConfig:
        spec = resolve_system(self.gpu_type)
        if self.memory_per_gpu is None:
            self.memory_per_gpu = spec.memory_gib
        if self.interconnect_type is None:
            self.interconnect_type = InterconnectType(spec.interconnect)
        both_directions = round(spec.intra_node_bandwidth * 2, 3)
        if spec.interconnect == "nvlink" and self.nvlink_bandwidth is None:
            self.nvlink_bandwidth = both_directions
        if spec.interconnect == "pcie" and self.pcie_bandwidth is None:
            self.pcie_bandwidth = both_directions
        return self


class ParallelConfig(Section):
    """How one server instance spreads the model over GPUs (aiconfigurator's worker layout)."""

    tp: Candidates[GpuCount] | None = None
    """Tensor parallel size (attention TP when attention_dp is on)."""
    pp: Candidates[GpuCount] | None = None
    """Pipeline parallel size."""
    dp: Candidates[GpuCount] | None = None
    """Data parallel size: replicas inside one server, or attention-DP ranks with attention_dp."""
    attention_dp: Candidates[bool] | None = None
    """Data-parallel attention (MoE): dp ranks split attention; a worker uses tp x dp GPUs."""
    moe_tp: Candidates[GpuCount] | None = None
    """Tensor parallel size of the MoE expert layers (engines derive it; kept for predictions)."""
    moe_ep: Candidates[GpuCount] | None = None
    """Expert parallel size of the MoE layers."""


class QuantizationConfig(Section):
    """Precision of each part of the model, in aiconfigurator's quantization-mode names."""

    gemm_quant_mode: Candidates[GemmQuantMode] | None = None
    """GEMM (linear layer) quantization; fp8 quantizes a 16-bit checkpoint online."""
    kvcache_quant_mode: Candidates[KVCacheQuantMode] | None = None
    """KV-cache storage precision."""
    fmha_quant_mode: Candidates[FMHAQuantMode] | None = None
    """Attention kernel precision (a prediction input; the engines have no separate flag)."""
    moe_quant_mode: Candidates[MoEQuantMode] | None = None
    """MoE expert precision (a prediction input; the engines read it from the checkpoint)."""
    comm_quant_mode: Candidates[CommQuantMode] | None = None
    """Collective-communication precision (a prediction input; no engine flag)."""
    activation_quant_mode: Candidates[ActivationQuantMode] | None = None
    """Activation precision (a prediction input; no engine flag)."""
    weight_quant_mode: Candidates[WeightQuantMode] | None = None
    """Weight precision (the engines read it from the checkpoint)."""


class MemoryConfig(Section):
    """GPU memory budget and context length."""

    mem_fraction_static: Candidates[Fraction] | None = None
    """SGLang: fraction of GPU memory for weights and KV cache, in (0, 1]."""
    gpu_memory_utilization: Candidates[Fraction] | None = None
    """vLLM: fraction of GPU memory the engine may use, in (0, 1]."""
    max_model_len: Candidates[TokenCount] | None = Field(None, json_schema_extra=unit("tokens"))
    """Maximum context length (prompt + output) in tokens."""
    enforce_eager: Candidates[bool] | None = None
    """Run without CUDA graphs."""


class SchedulingConfig(Section):
    """How the engine schedules requests into batches."""

    schedule_policy: Candidates[str] | None = None
    """Queue policy: SGLang lpm, random, fcfs, dfs-weight, lof, ...; vLLM fcfs or priority."""
    max_num_batched_tokens: Candidates[TokenCount] | None = Field(
        None, json_schema_extra=unit("tokens")
    )
    """Token budget of one batch (SGLang: prefill tokens per batch)."""
    max_num_seqs: Candidates[RequestCount] | None = Field(None, json_schema_extra=unit("requests"))
    """Maximum requests running at once; wins over advanced_tuning_config.max_batch_size."""
    chunked_prefill_enabled: Candidates[bool] | None = None
    """Split long prompts into chunks; wins over advanced_tuning_config.enable_chunked_prefill."""

    @field_validator("schedule_policy")
    @classmethod
    def _policy_words(cls, values: list[str] | None) -> list[str] | None:
        if values is None:
            return None
        cleaned = [v.strip() for v in values]
        if any(not v or any(c.isspace() for c in v) for v in cleaned):
            raise ValueError("a schedule policy is one word such as fcfs or lpm")
        return cleaned


class AdvancedTuningConfig(Section):
    """Further engine knobs from the original design."""

    enable_chunked_prefill: Candidates[bool] | None = None
    """Split long prompts into chunks (see scheduling_config.chunked_prefill_enabled)."""
    max_batch_size: Candidates[RequestCount] | None = Field(
        None, json_schema_extra=unit("requests")
    )
    """Maximum requests running at once (see scheduling_config.max_num_seqs)."""
    max_prefill_batch_size: Candidates[RequestCount] | None = Field(
        None, json_schema_extra=unit("requests")
    )
    """Maximum requests in one prefill batch (SGLang 0.5.14+ only)."""
    enable_prefix_caching: Candidates[bool] | None = None
    """Reuse the KV cache of shared prompt prefixes."""
    disable_sliding_window: Candidates[bool] | None = None
    """vLLM: disable sliding-window attention (caps the context at the window size)."""
    swap_space: Candidates[GiB] | None = Field(None, json_schema_extra=unit("GiB"))
    """vLLM 0.10 only: CPU swap space per GPU in GiB."""


# ---- The rest of a task --------------------------------------------------------------------


class ModelSpec(BaseModel):
    """The model to serve."""

    model_config = ConfigDict(
        extra="allow", use_attribute_docstrings=True, field_title_generator=field_title
    )

    id_or_path: str = Field(min_length=1, max_length=4096)
    """HuggingFace id (org/name), an absolute path, or a folder name under the model root."""
    namespace: str = Field("autotuner", min_length=1, max_length=253)
    """Kubernetes namespace (OME) or container-name prefix (Docker)."""


class OptimizationConfig(BaseModel):
    """How the autotuner searches the space."""

    model_config = ConfigDict(
        extra="allow", use_attribute_docstrings=True, field_title_generator=field_title
    )

    strategy: Strategy = Strategy.GRID_SEARCH
    """Search strategy: grid_search, bayesian or random."""
    objective: Objective = Objective.MINIMIZE_LATENCY
    """What the score minimizes: latency, ttft, tpot, or maximizes throughput per GPU."""
    max_iterations: RequestCount = 100
    """Experiments to run at most (grid search keeps the first N grid points)."""
    timeout_per_iteration: Annotated[int, Field(ge=1, le=604_800)] = Field(
        1800, json_schema_extra=unit("s")
    )
    """Seconds one experiment may take (deploy, readiness and benchmark)."""


class BenchmarkConfig(BaseModel):
    """The genai-bench run that measures each experiment."""

    model_config = ConfigDict(
        extra="allow", use_attribute_docstrings=True, field_title_generator=field_title
    )

    task: str = "text-to-text"
    """genai-bench task, e.g. text-to-text."""
    model_name: str | None = None
    """Model name sent in requests; vLLM checks it against its served name."""
    model_tokenizer: str | None = None
    """Tokenizer (HuggingFace id or path) genai-bench counts tokens with."""
    traffic_scenarios: list[str] = Field(default_factory=lambda: ["D(100,100)"])
    """genai-bench traffic scenarios, e.g. D(2048,512) (no spaces)."""
    num_concurrency: list[RequestCount] = Field(
        default_factory=lambda: [1], json_schema_extra=unit("requests")
    )
    """Concurrency levels; each is a separate benchmark run."""
    max_time_per_iteration: Annotated[int, Field(ge=1, le=10_080)] = Field(
        10, json_schema_extra=unit("min")
    )
    """Minutes each scenario x concurrency run may take (genai-bench --max-time-per-run)."""
    max_requests_per_iteration: RequestCount = Field(50, json_schema_extra=unit("requests"))
    """Requests per scenario x concurrency run."""
    additional_params: dict[str, Any] = Field(default_factory=dict)
    """Extra request parameters sent with every request, e.g. {"temperature": 0.0}."""

    @field_validator("traffic_scenarios", "num_concurrency", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return value if isinstance(value, list) else [value]


class SLOMetric(BaseModel):
    """One service-level objective and how strictly it is enforced."""

    model_config = ConfigDict(
        extra="forbid", use_attribute_docstrings=True, field_title_generator=field_title
    )

    threshold: Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)] = Field(
        json_schema_extra=unit("s")
    )
    """Target in seconds."""
    weight: Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)] = 1.0
    """Penalty weight when the target is missed."""
    hard_fail: bool = False
    """Fail the experiment when the miss exceeds fail_ratio."""
    fail_ratio: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.5
    """Relative miss, in [0, 1], beyond which a hard_fail objective fails the experiment."""


class LatencySLO(BaseModel):
    """End-to-end latency objectives per percentile."""

    model_config = ConfigDict(
        extra="forbid", use_attribute_docstrings=True, field_title_generator=field_title
    )

    p50: SLOMetric | None = None
    """Median end-to-end latency objective."""
    p90: SLOMetric | None = None
    """90th-percentile end-to-end latency objective."""
    p99: SLOMetric | None = None
    """99th-percentile end-to-end latency objective."""


class SLOConfig(BaseModel):
    """Service-level objectives the autotuner scores against (all in seconds)."""

    model_config = ConfigDict(
        extra="forbid", use_attribute_docstrings=True, field_title_generator=field_title
    )

    latency: LatencySLO | None = None
    """End-to-end latency objectives."""
    ttft: SLOMetric | None = None
    """Time-to-first-token objective (mean)."""
    tpot: SLOMetric | None = None
    """Time-per-output-token objective (mean)."""
    steepness: Annotated[float, Field(gt=0, le=1e3, allow_inf_nan=False)] = 0.1
    """How fast the penalty grows with the miss (smaller is steeper)."""


class TaskMetadata(BaseModel):
    """Where a task came from and what was predicted for it."""

    model_config = ConfigDict(
        extra="allow", use_attribute_docstrings=True, field_title_generator=field_title
    )

    aiconfigurator_predictions: dict[str, Any] | None = None
    """Predicted metrics from aiconfigurator, named with their units (e.g. ttft_ms)."""
    aiconfigurator_source: str | dict[str, Any] | None = None
    """The aiconfigurator file, row and versions the predictions came from."""
    config_format: ConfigFormat | None = None
    """structured when the task has structured sections, flat when it has only parameters."""


# ---- Flat parameters -----------------------------------------------------------------------

Scalar = str | int | float | bool | None


def _parameter_values(value: Any) -> Any:
    """Accept a list, a scalar, or the legacy/optimizer dict forms of a parameter."""
    if isinstance(value, dict):
        kind = value.get("type")
        if kind == "choice":
            return as_candidate_list(value)
        if kind in {"categorical", "continuous", "integer"}:
            return value
        raise ValueError(
            'a parameter is a list of values, {"type": "choice", "values": [...]}, '
            "or a bayesian/random range with type categorical, continuous or integer"
        )
    return as_candidate_list(value)


def _finite(values: Any) -> Any:
    if isinstance(values, list):
        for i, item in enumerate(values):
            if isinstance(item, float) and not math.isfinite(item):
                raise ValueError(f"value {i} is {item}: give a finite number")
    return values


class RangeSpec(BaseModel):
    """A bayesian/random search dimension (not allowed with grid_search)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["categorical", "continuous", "integer"]
    values: list[Scalar] | None = None
    choices: list[Scalar] | None = None
    low: float | None = Field(None, allow_inf_nan=False)
    high: float | None = Field(None, allow_inf_nan=False)
    log: bool = False


ParameterValues = Annotated[
    list[Scalar] | RangeSpec,
    BeforeValidator(_parameter_values),
    AfterValidator(_finite),
]


# ---- The task ------------------------------------------------------------------------------


class StructuredSections(BaseModel):
    """The structured sections that tasks and presets both carry.

    A holder inherits them after a header class (``class TaskConfig(StructuredSections,
    _TaskHeader)``): pydantic lays fields out base-first, so the header's fields come before
    the sections and the holder's own after them, as files are written.
    """

    model_config = ConfigDict(use_attribute_docstrings=True)

    system_config: SystemConfig | None = None
    """Hardware."""
    parallel_config: ParallelConfig | None = None
    """Parallel layout."""
    quantization_config: QuantizationConfig | None = None
    """Precisions."""
    memory_config: MemoryConfig | None = None
    """Memory budget and context length."""
    scheduling_config: SchedulingConfig | None = None
    """Batching and scheduling."""
    advanced_tuning_config: AdvancedTuningConfig | None = None
    """Further engine knobs."""

    def has_structured(self) -> bool:
        """True when any structured section is present."""
        return any(getattr(self, name) is not None for name in STRUCTURED_SECTIONS)


class _TaskHeader(BaseModel):
    """The fields a task file starts with (see ``TaskConfig``)."""

    model_config = ConfigDict(
        extra="forbid", use_attribute_docstrings=True, field_title_generator=field_title
    )

    task_name: str = Field(min_length=1, max_length=255)
    """Unique name of the task."""
    description: str = ""
    """Free text."""
    deployment_mode: DeploymentMode = DeploymentMode.DOCKER
    """docker (one container per experiment) or ome (Kubernetes InferenceService)."""
    model: ModelSpec
    """The model to serve."""
    base_runtime: Runtime
    """Engine: sglang or vllm."""
    runtime_image_tag: str | None = None
    """Container image tag, e.g. v0.5.2-cu126; names the engine version when it contains one."""
    engine_version: str | None = None
    """Engine release the flags target (e.g. 0.5.14); else taken from the tag, else the newest."""
    serving_runtime_name: str | None = None
    """OME only: the ClusterServingRuntime name the autotuner receives as base_runtime."""


class TaskConfig(StructuredSections, _TaskHeader):
    """One tuning task: a model, an engine, a search space and how to benchmark it."""

    model_config = ConfigDict(
        extra="forbid", use_attribute_docstrings=True, field_title_generator=field_title
    )

    parameters: dict[str, ParameterValues] = Field(default_factory=dict)
    """Flat engine flags (name without --) to candidate values; holds every flag for the runtime."""

    optimization: OptimizationConfig = Field(default_factory=OptimizationConfig)
    """Search strategy and budget."""
    benchmark: BenchmarkConfig = Field(default_factory=BenchmarkConfig)
    """Benchmark settings."""
    slo: SLOConfig | None = None
    """Service-level objectives."""
    metadata: TaskMetadata = Field(default_factory=TaskMetadata)
    """Provenance and predictions."""
    autotuner_fields: dict[str, Any] = Field(default_factory=dict)
    """Autotuner-only top-level keys (OME resources, storage, quant_config), kept verbatim."""

    @field_validator("parameters", mode="before")
    @classmethod
    def _flag_count(cls, parameters: Any) -> Any:
        most = limit("flags")
        if isinstance(parameters, dict) and len(parameters) > most:
            raise ValueError(f"{len(parameters):,} flags; the limit is {most:,} per task")
        return parameters

    @field_validator("parameters")
    @classmethod
    def _flag_names(cls, parameters: dict[str, Any]) -> dict[str, Any]:
        for name in parameters:
            stripped = name.lstrip("-")
            if not stripped or any(c.isspace() for c in name) or "=" in name:
                raise ValueError(
                    f"{name!r} is not a flag name (write it without values, e.g. tp-size)"
                )
        return parameters

    @model_validator(mode="after")
    def _detect_format(self) -> TaskConfig:
        if self.metadata.config_format is None:
            self.metadata.config_format = (
                ConfigFormat.STRUCTURED if self.has_structured() else ConfigFormat.FLAT
            )
        return self

    def value_at(self, path: str) -> Any:
        """The value of a structured field by its path (``parallel_config.tp``); None when the
        section or the field is unset."""
        section, _, name = path.partition(".")
        holder = getattr(self, section)
        return None if holder is None else getattr(holder, name)

    def dump(self) -> dict[str, Any]:
        """The task as plain JSON-ready data, without unset optional fields."""
        return self.model_dump(mode="json", exclude_none=True)
