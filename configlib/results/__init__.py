"""Measured results and how they compare with aiconfigurator's predictions.

- ``metrics``: the one metric catalogue (measured names, prediction names, compared metrics);
- ``records``: ``MeasuredResult`` and the pieces every reader shares;
- ``readers``: the autotuner's results JSON and genai-bench run files, as records;
- ``compare``: predictions next to measurements, with the metric definitions aligned;
- ``subjects``: a task with its predictions and measurements (imported from there: it needs the
  task model, which the names above do not).
"""

from configlib.results.metrics import METRICS, MetricInfo
from configlib.results.readers import (
    read_genai_bench_folder,
    read_results,
    records_from_autotuner,
    records_from_experiment,
    records_from_genai_bench_run,
    results_from_data,
)
from configlib.results.records import MeasuredResult, ResultsFormatError, ResultsImport, run_metrics

__all__ = [
    "METRICS",
    "MeasuredResult",
    "MetricInfo",
    "ResultsFormatError",
    "ResultsImport",
    "read_genai_bench_folder",
    "read_results",
    "records_from_autotuner",
    "records_from_experiment",
    "records_from_genai_bench_run",
    "results_from_data",
    "run_metrics",
]
