"""Results readers: the autotuner's results JSON and genai-bench's run files, as records.

One ``MeasuredResult`` is one measured configuration: the engine flags of a grid point, one
traffic scenario and one concurrency, and what was measured there. Metric names carry their unit
(``configlib.results.metrics.METRICS`` lists them all); times are converted to milliseconds so
they sit beside aiconfigurator's predictions (``ttft_ms``, ``tpot_ms``, ``request_latency_ms``,
...).

Sources:

- the autotuner CLI's ``<task>_results.json`` (layout A, ``all_results``) and the web UI's
  "Export to JSON" (layout B, ``experiments``). An experiment's ``metrics`` are averaged
  unweighted over every scenario x concurrency run, so each run in its ``raw_results`` becomes
  its own record; an experiment without ``raw_results`` gives one record of the averages, and
  a failed one gives a record with its error and no metrics;
- genai-bench run files (``aggregated_metrics`` with per-field ``stats``; times in seconds
  unless ``_time_unit`` says ms; older files give ``requests_per_minute``), one file or a run
  folder with its ``experiment_metadata.json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from configlib.bounds import check_document
from configlib.findings import Finding, errors
from configlib.io import InputError, load_document
from configlib.results.records import (
    Collector,
    MeasuredResult,
    ResultsFormatError,
    ResultsImport,
    SourceFormat,
    count_field,
    number,
    positive_int,
    run_record,
)

#: Most run files read from one folder.
MAX_FOLDER_FILES = 10_000

# ---- The autotuner's results JSON --------------------------------------------------------------


def _averaged_metrics(
    metrics: dict[str, Any], where: str, findings: list[Finding]
) -> dict[str, float | int | None]:
    """The autotuner's experiment-level averages, renamed with units (seconds -> ms)."""
    out = Collector(where, findings)
    for source, name in (
        ("mean_e2e_latency", "request_latency_ms"),
        ("min_e2e_latency", "request_latency_min_ms"),
        ("max_e2e_latency", "request_latency_max_ms"),
        ("p50_e2e_latency", "request_latency_p50_ms"),
        ("p90_e2e_latency", "request_latency_p90_ms"),
        ("p99_e2e_latency", "request_latency_p99_ms"),
        ("mean_ttft", "ttft_ms"),
        ("mean_tpot", "tpot_ms"),
    ):
        out.put(name, metrics.get(source), 1000.0, source)
    for source, name in (
        ("mean_output_throughput", "output_tokens_per_s"),
        ("mean_total_throughput", "total_tokens_per_s"),
        ("mean_output_throughput_per_gpu", "output_tokens_per_s_per_gpu"),
        ("mean_total_throughput_per_gpu", "total_tokens_per_s_per_gpu"),
        ("total_requests", "num_requests"),
        ("total_completed_requests", "num_completed_requests"),
        ("total_error_requests", "num_error_requests"),
        ("success_rate", "success_rate"),
        ("elapsed_time", "benchmark_wall_time_s"),
    ):
        out.put(name, metrics.get(source), source=source)
    return out.metrics


def records_from_experiment(
    experiment: Any,
    where: str,
    source_file: str,
    source_format: SourceFormat,
    findings: list[Finding],
) -> list[MeasuredResult]:
    """Records of one autotuner experiment (an ``all_results`` / ``experiments`` entry or a
    row of its ``experiments`` table)."""
    if not isinstance(experiment, dict):
        findings.append(
            Finding("warning", where, "not-an-experiment", "an experiment is a mapping; skipped")
        )
        return []
    status = str(experiment.get("status") or "").lower()
    if status not in {"success", "failed"}:
        findings.append(
            Finding(
                "warning",
                f"{where}.status",
                "not-finished",
                f"experiment status {experiment.get('status')!r} is not success or failed; skipped",
            )
        )
        return []
    raw_parameters = experiment.get("parameters")
    parameters = dict(raw_parameters) if isinstance(raw_parameters, dict) else {}
    experiment_id = count_field(experiment.get("experiment_id"), f"{where}.experiment_id", findings)
    context: dict[str, Any] = {}
    score = number(experiment.get("objective_score"))
    if score is not None:
        context["objective_score"] = score
    if experiment.get("slo_violation") is True:
        context["slo_violation"] = True
    gpu_info = experiment.get("gpu_info")
    gpus = (
        count_field(gpu_info.get("count"), f"{where}.gpu_info.count", findings)
        if isinstance(gpu_info, dict)
        else None
    )
    if gpus:
        context["gpus"] = gpus
    base = {
        "parameters": parameters,
        "experiment_id": experiment_id,
        "source_file": source_file,
        "source_format": source_format,
    }
    metrics = experiment.get("metrics")
    error = experiment.get("error_message")
    if status == "failed" or not isinstance(metrics, dict):
        message = str(error) if error else ("no metrics recorded" if status == "success" else None)
        return [MeasuredResult(**base, status="failed", error_message=message, context=context)]
    raw_runs = metrics.get("raw_results")
    if not isinstance(raw_runs, list) or not raw_runs:
        levels = metrics.get("concurrency_levels")
        single = (
            count_field(levels[0], f"{where}.metrics.concurrency_levels[0]", findings)
            if isinstance(levels, list) and len(levels) == 1
            else None
        )
        context["averaged_over_runs"] = metrics.get("num_result_files")
        return [
            MeasuredResult(
                **base,
                metrics=_averaged_metrics(metrics, f"{where}.metrics", findings),
                concurrency=single,
                context=context,
            )
        ]
    records = []
    for i, run in enumerate(raw_runs):
        run_where = f"{where}.metrics.raw_results[{i}]"
        if not isinstance(run, dict):
            findings.append(Finding("warning", run_where, "not-a-run", "not a mapping; skipped"))
            continue
        records.append(run_record(run, run_where, base, context, findings, "s", gpus))
    wall = number(metrics.get("elapsed_time"))
    if wall is not None:
        for record in records:
            record.metrics["benchmark_wall_time_s"] = wall
    return records


def records_from_autotuner(data: dict[str, Any], source: str) -> ResultsImport:
    """Layout A (``all_results``) or B (``task`` + ``experiments``)."""
    findings: list[Finding] = []
    if "all_results" in data:
        key, name = "all_results", data.get("task_name")
        fmt: SourceFormat = "autotuner-results"
    else:
        key, fmt = "experiments", "autotuner-export"
        task = data.get("task")
        name = task.get("name") if isinstance(task, dict) else None
    entries = data.get(key)
    if not isinstance(entries, list):
        raise ResultsFormatError(f"{source}: {key} is not a list of experiments")
    records: list[MeasuredResult] = []
    for i, experiment in enumerate(entries):
        records.extend(records_from_experiment(experiment, f"{key}[{i}]", source, fmt, findings))
    if not records:
        raise ResultsFormatError(
            f"{source}: {key} holds no readable experiment ({len(entries):,} entries, none a "
            "finished experiment)"
        )
    if isinstance(name, str):
        for record in records:
            record.context.setdefault("task_name", name)
    return ResultsImport(records, findings, fmt)


# ---- genai-bench -------------------------------------------------------------------------------


def _metadata_context(metadata: dict[str, Any]) -> tuple[dict[str, Any], int | None]:
    keep = (
        "benchmark_version",
        "server_engine",
        "server_version",
        "server_gpu_type",
        "server_gpu_count",
        "api_model_name",
        "model",
        "task",
        "experiment_folder_name",
    )
    context = {k: metadata[k] for k in keep if metadata.get(k) not in (None, "")}
    return context, positive_int(metadata.get("server_gpu_count"))


def records_from_genai_bench_run(
    data: dict[str, Any],
    source: str,
    *,
    parameters: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    gpus: int | None = None,
) -> ResultsImport:
    """One genai-bench run file."""
    aggregated = data.get("aggregated_metrics")
    if not isinstance(aggregated, dict):
        raise ResultsFormatError(f"{source}: aggregated_metrics is not a mapping")
    findings: list[Finding] = []
    time_unit = data.get("_time_unit", "s")
    if time_unit not in ("s", "ms"):
        raise ResultsFormatError(f"{source}: _time_unit {time_unit!r} is neither s nor ms")
    context, metadata_gpus = _metadata_context(metadata or {})
    gpus = gpus or metadata_gpus
    if gpus:
        context["gpus"] = gpus
    base = {
        "parameters": dict(parameters or {}),
        "experiment_id": None,
        "source_file": source,
        "source_format": "genai-bench",
    }
    record = run_record(aggregated, "aggregated_metrics", base, context, findings, time_unit, gpus)
    if not record.metrics:
        findings.append(
            Finding(
                "warning",
                "aggregated_metrics",
                "no-metrics",
                "the run file holds no metrics this reader knows",
            )
        )
    return ResultsImport([record], findings, "genai-bench")


def read_genai_bench_folder(
    folder: str | Path, *, parameters: dict[str, Any] | None = None, gpus: int | None = None
) -> ResultsImport:
    """Every run file of a genai-bench experiment folder (or of its sub-folders, one level)."""
    folder = Path(folder)
    runs = _run_files(folder)
    folders = [folder] if runs else sorted(p for p in folder.iterdir() if p.is_dir())
    result = ResultsImport([], [], "genai-bench")
    for current in folders:
        files = runs if current == folder else _run_files(current)
        if not files:
            continue
        metadata_path = current / "experiment_metadata.json"
        metadata: dict[str, Any] = {}
        if metadata_path.is_file():
            loaded = load_document(metadata_path)
            if isinstance(loaded, dict):
                metadata = loaded
        for path in files:
            if path.name.startswith("debug_for_run_"):
                result.findings.append(
                    Finding(
                        "warning",
                        str(path),
                        "failed-run",
                        "genai-bench could not aggregate this run (it wrote a debug file); skipped",
                    )
                )
                continue
            data = load_document(path)
            if not isinstance(data, dict) or "aggregated_metrics" not in data:
                result.findings.append(
                    Finding(
                        "warning", str(path), "not-a-run-file", "no aggregated_metrics; skipped"
                    )
                )
                continue
            one = records_from_genai_bench_run(
                data, str(path), parameters=parameters, metadata=metadata, gpus=gpus
            )
            result.records.extend(one.records)
            result.findings.extend(
                Finding(f.severity, f"{path}: {f.path}", f.code, f.message) for f in one.findings
            )
    if not result.records:
        raise ResultsFormatError(
            f"{folder}: no genai-bench run files (*.json with "
            "aggregated_metrics) in the folder or its sub-folders"
        )
    return result


def _run_files(folder: Path) -> list[Path]:
    try:
        files = sorted(
            p
            for p in folder.iterdir()
            if p.suffix.lower() == ".json" and p.name != "experiment_metadata.json" and p.is_file()
        )
    except OSError as error:
        raise InputError(str(folder), error.strerror or str(error)) from None
    if len(files) > MAX_FOLDER_FILES:
        raise InputError(
            str(folder), f"{len(files):,} JSON files; the limit is {MAX_FOLDER_FILES:,}"
        )
    return files


# ---- Entry points ------------------------------------------------------------------------------


def results_from_data(
    data: Any,
    source: str = "<input>",
    *,
    parameters: dict[str, Any] | None = None,
    gpus: int | None = None,
) -> ResultsImport:
    """Records from a parsed results document, whichever layout it is."""
    if not isinstance(data, dict):
        raise ResultsFormatError(
            f"{source}: a results file is a JSON object, not a {type(data).__name__}"
        )
    return refuse_errors(_results_from_data(data, source, parameters=parameters, gpus=gpus), source)


def refuse_errors(imported: ResultsImport, source: str) -> ResultsImport:
    """The import, or ``ResultsFormatError`` naming the first values that cannot be stored
    (not finite, out of range, beyond 64 bits): nothing of a file with such values is kept."""
    bad = errors(imported.findings)
    if not bad:
        return imported
    listed = "; ".join(f"{f.path}: {f.message}" for f in bad[:5])
    more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
    raise ResultsFormatError(f"{source}: {len(bad)} value(s) cannot be stored: {listed}{more}")


def _results_from_data(
    data: dict[str, Any],
    source: str,
    *,
    parameters: dict[str, Any] | None,
    gpus: int | None,
) -> ResultsImport:
    bad = check_document(data, depth_limit="document_depth", numbers=False)
    if bad:
        raise ResultsFormatError(f"{source}: {bad[0].path or 'document'}: {bad[0].message}")
    if "all_results" in data or ("experiments" in data and "task" in data):
        return records_from_autotuner(data, source)
    if "aggregated_metrics" in data:
        return records_from_genai_bench_run(data, source, parameters=parameters, gpus=gpus)
    if "traffic_scenario" in data and "benchmark_version" in data:
        raise ResultsFormatError(
            f"{source}: this is genai-bench's experiment_metadata.json; "
            "import the run folder or its run files"
        )
    raise ResultsFormatError(
        f"{source}: not a results file: expected the autotuner's all_results (CLI) or "
        "task + experiments (web export), or genai-bench's aggregated_metrics"
    )


def read_results(
    path: str | Path, *, parameters: dict[str, Any] | None = None, gpus: int | None = None
) -> ResultsImport:
    """Records from a results file or a genai-bench folder.

    ``parameters`` (the flags the server ran with) and ``gpus`` (its GPU count) fill in what
    genai-bench files cannot know. Raises ``InputError`` or ``ResultsFormatError``.
    """
    path = Path(path)
    if path.is_dir():
        return refuse_errors(
            read_genai_bench_folder(path, parameters=parameters, gpus=gpus), str(path)
        )
    return results_from_data(load_document(path), str(path), parameters=parameters, gpus=gpus)
