"""The rows of an aiconfigurator result table as candidates: which rows are skipped, each
row's task name (column-wise, fast for large tables) and the Spec built when a row is used."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from configlib.aiconfigurator.candidates import model_short
from configlib.aiconfigurator.readers.csv_rows import AGG, ResultTable
from configlib.aiconfigurator.readers.csv_specs import row_spec
from configlib.aiconfigurator.readers.launch import AicLaunch
from configlib.aiconfigurator.spec import BACKENDS, MODEL_ENUMS, RunSettings, Spec
from configlib.vocab import Runtime


def bad_rows(
    table: ResultTable, codes: Any, backends: list[Any], column: str | None
) -> dict[int, str]:
    if column is None:
        return {}
    allowed = set(BACKENDS)
    wrong = [i for i, value in enumerate(backends) if str(value).lower() not in allowed]
    empty = bool(np.any(codes < 0))
    if not wrong and not empty:
        return {}
    rows = np.flatnonzero(np.isin(codes, [*wrong, -1])).tolist()
    return {
        row: f"column {column!r}: backend {backends[codes[row]] if codes[row] >= 0 else None!r} "
        f"is not one of {', '.join(BACKENDS)}; row skipped"
        for row in rows
    }


def backend_column(table: ResultTable) -> tuple[Any, list[Any], str | None]:
    """The codes and values of the column naming each row's backend, and its name (or None)."""
    preferred = "backend" if table.kind == AGG else "(d)backend"
    column = next((c for c in (preferred, "backend") if table.has(c)), None)
    codes, backends = table.codes(column) if column else (None, [])
    return codes, backends, column


def row_names(
    table: ResultTable, fallback: str | None, serving_mode: str | None, *, with_load: bool
) -> tuple[list[str], list[bool]]:
    """Each row's task name and runnability; ``with_load`` names the concurrency too."""
    if table.has("model"):
        model_codes, models = table.codes("model")
    else:
        model_codes, models = np.zeros(table.rows, dtype=np.int64), [fallback]
    names, runnable = _names(table, model_codes, models, serving_mode)
    concurrency = table.array("concurrency") if with_load else None
    if concurrency is not None:
        # pareto.csv has many rows per layout (one per batch size): name the load too.
        levels = (
            concurrency.astype(np.int64).tolist()
            if np.all(np.floor(concurrency) == concurrency)
            else concurrency.tolist()
        )
        names = [f"{name}-c{level}"[:255] for name, level in zip(names, levels, strict=True)]
    return names, runnable


@lru_cache(maxsize=256)
def _short(model: str) -> str:
    return model_short(MODEL_ENUMS.get(model.upper(), model))


def _names(
    table: ResultTable, model_codes: Any, models: list[Any], serving_mode: str | None
) -> tuple[list[str], list[bool]]:
    """Task names and runnability of every row, column-wise (10,000 rows in milliseconds).

    A table has few distinct layouts: each is named once, then the rows look theirs up.
    """
    ones = np.ones(table.rows, dtype=np.int64)

    def col(name: str) -> np.ndarray[Any, Any]:
        values = table.array(name)
        return ones if values is None else values.astype(np.int64)

    agg = table.kind == AGG
    fields = (
        ("tp", "pp", "dp", "moe_ep", "cp")
        if agg
        else ("(p)workers", "(p)tp", "(d)workers", "(d)tp")
    )
    parts = [np.asarray(model_codes, dtype=np.int64), *(col(f) for f in fields)]
    # One integer per row (mixed radix over the columns), so finding the distinct layouts is a
    # 1-D unique; np.unique over rows of a 2-D array sorts far slower.
    spans = [(int(part.min()), int(part.max()) - int(part.min()) + 1) for part in parts]
    if float(np.prod([float(span) for _, span in spans])) < 2**62:
        code = np.zeros(table.rows, dtype=np.int64)
        for part, (low, span) in zip(parts, spans, strict=True):
            code = code * span + (part - low)
        _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    else:  # absurd sizes (a hostile file): slower, but no overflow
        rows = list(zip(*(part.tolist() for part in parts), strict=True))
        index = {key: i for i, key in reversed(list(enumerate(rows)))}
        order = sorted(index.values())
        position = {rows[i]: n for n, i in enumerate(order)}
        first = np.array(order, dtype=np.int64)
        inverse = np.array([position[key] for key in rows], dtype=np.int64)
    made = []
    for key in np.stack(parts, axis=1)[first].tolist():
        short = _short(str(models[key[0]])) if key[0] >= 0 else "model"
        if agg:
            made.append(_agg(short, *key[1:]))
        else:
            made.append(f"aiconfig-{short}-disagg-p{key[1]}xtp{key[2]}-d{key[3]}xtp{key[4]}"[:255])
    names: list[str] = np.array(made, dtype=object)[np.ravel(inverse)].tolist()
    if not agg or serving_mode == "afd":
        return names, [False] * table.rows
    runnable: list[bool] = (col("cp") <= 1).tolist()
    return names, runnable


def _agg(short: str, tp: int, pp: int, dp: int, ep: int, cp: int) -> str:
    name = f"aiconfig-{short}-tp{tp}-pp{pp}"
    if dp != 1:
        name += f"-dp{dp}"
    if ep != 1:
        name += f"-ep{ep}"
    if cp != 1:
        name += f"-cp{cp}"
    return name[:255]


class RowMaker:
    """The SpecSource of one table: builds a row's Spec when its candidate is first used."""

    def __init__(
        self,
        table: ResultTable,
        run: RunSettings,
        runs: tuple[list[RunSettings], Any] | None,
        serving_mode: str | None,
        experiment: str | None,
        tops: dict[int, str] | None,
        runtime: Runtime | None,
        launches: dict[int, Callable[[], AicLaunch | None]],
    ) -> None:
        self.table, self.run, self.runs = table, run, runs
        self.serving_mode, self.experiment, self.tops = serving_mode, experiment, tops or {}
        self.runtime, self.launches = runtime, launches
        self.best = table.source.endswith("best_config_topn.csv")

    def spec(self, row: int) -> Spec:
        run = self.run
        if self.runs is not None:
            by_backend, codes = self.runs
            run = by_backend[codes[row]] if codes[row] >= 0 else self.run
        spec = row_spec(self.table, row, run, self.serving_mode)
        rank = row + 1 if self.best else None
        extra = {
            "rank": rank,
            "experiment": self.experiment,
            "top_n_folder": self.tops.get(rank) if rank else None,
        }
        spec.source.update({k: v for k, v in extra.items() if v is not None})
        return spec

    def launch(self, row: int) -> AicLaunch | None:
        make = self.launches.get(row + 1)
        return make() if make is not None else None
