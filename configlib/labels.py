"""Human labels of the task model's fields: the one place they are written.

The task model takes them as its fields' titles (``field_title_generator``), so the JSON Schema,
the app's form and anything else that shows a field read the same words. Field names stay what
files and the command line use; a label never carries the unit (that is the field's
``json_schema_extra["unit"]``, shown next to the input).
"""

from __future__ import annotations

from pydantic.fields import ComputedFieldInfo, FieldInfo

#: Field name -> label. Field names are unique across the task's models, except where a model
#: means the same thing by it.
LABELS: dict[str, str] = {
    # TaskConfig
    "task_name": "Task name",
    "description": "Description",
    "deployment_mode": "Deployment",
    "model": "Model",
    "base_runtime": "Runtime",
    "runtime_image_tag": "Container image tag",
    "engine_version": "Engine version",
    "serving_runtime_name": "OME serving runtime",
    "system_config": "System",
    "parallel_config": "Parallel layout",
    "quantization_config": "Quantization",
    "memory_config": "Memory",
    "scheduling_config": "Scheduling",
    "advanced_tuning_config": "Advanced tuning",
    "parameters": "Engine flags",
    "optimization": "Search",
    "benchmark": "Benchmark",
    "slo": "Service-level objectives",
    "metadata": "Metadata",
    "autotuner_fields": "Other autotuner fields",
    # ModelSpec
    "id_or_path": "Model id or path",
    "namespace": "Namespace",
    # SystemConfig
    "gpu_type": "GPU system",
    "total_gpus": "GPUs available",
    "memory_per_gpu": "Memory per GPU",
    "nvlink_bandwidth": "NVLink bandwidth",
    "pcie_bandwidth": "PCIe bandwidth",
    "interconnect_type": "Interconnect",
    # ParallelConfig
    "tp": "Tensor parallel (TP)",
    "pp": "Pipeline parallel (PP)",
    "dp": "Data parallel (DP)",
    "attention_dp": "Data-parallel attention",
    "moe_tp": "MoE tensor parallel",
    "moe_ep": "MoE expert parallel",
    # QuantizationConfig
    "gemm_quant_mode": "GEMM precision",
    "kvcache_quant_mode": "KV-cache precision",
    "fmha_quant_mode": "Attention (FMHA) precision",
    "moe_quant_mode": "MoE expert precision",
    "comm_quant_mode": "Communication precision",
    "activation_quant_mode": "Activation precision",
    "weight_quant_mode": "Weight precision",
    # MemoryConfig
    "mem_fraction_static": "Static memory fraction (SGLang)",
    "gpu_memory_utilization": "GPU memory utilization (vLLM)",
    "max_model_len": "Max context length",
    "enforce_eager": "Eager mode (no CUDA graphs)",
    # SchedulingConfig
    "schedule_policy": "Schedule policy",
    "max_num_batched_tokens": "Batch budget",
    "max_num_seqs": "Max running",
    "chunked_prefill_enabled": "Chunked prefill",
    # AdvancedTuningConfig
    "enable_chunked_prefill": "Chunked prefill (original design)",
    "max_batch_size": "Max batch size",
    "max_prefill_batch_size": "Max prefill batch size",
    "enable_prefix_caching": "Prefix caching",
    "disable_sliding_window": "No sliding-window attention",
    "swap_space": "CPU swap space",
    # OptimizationConfig
    "strategy": "Search strategy",
    "objective": "Objective",
    "max_iterations": "Max experiments",
    "timeout_per_iteration": "Time limit per experiment",
    # BenchmarkConfig
    "task": "genai-bench task",
    "model_name": "Served model name",
    "model_tokenizer": "Tokenizer",
    "traffic_scenarios": "Traffic scenarios",
    "num_concurrency": "Concurrency levels",
    "max_time_per_iteration": "Time limit per run",
    "max_requests_per_iteration": "Run length",
    "additional_params": "Extra request parameters",
    # SLOMetric
    "threshold": "target",
    "weight": "penalty weight",
    "hard_fail": "hard fail",
    "fail_ratio": "fail ratio",
    # LatencySLO, SLOConfig
    "p50": "Median latency",
    "p90": "P90 latency",
    "p99": "P99 latency",
    "latency": "Latency",
    "ttft": "TTFT",
    "tpot": "TPOT",
    "steepness": "Penalty steepness",
    # TaskMetadata
    "aiconfigurator_predictions": "aiconfigurator predictions",
    "aiconfigurator_source": "aiconfigurator source",
    "config_format": "Config format",
}


def label(name: str) -> str:
    """The label of a field; a field without one reads as its name with spaces."""
    return LABELS.get(name) or name.replace("_", " ").capitalize()


def title(name: str, info: FieldInfo | ComputedFieldInfo) -> str:
    """The task model's ``field_title_generator``."""
    del info
    return label(name)
