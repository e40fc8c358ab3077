"""The editor side panel's memory table: one row per combination of the candidates
(``configlib.memory_fit`` does the estimate; views/parts/memoryfit.py draws it)."""

from __future__ import annotations

from configlib.memory_fit import MemoryFit

COLUMNS = ["tp", "pp", "weights", "KV cache", "tokens", "share", "needed GiB", "available GiB"]


def rows(fit: MemoryFit) -> list[list[object]]:
    """One row per combination; the share column is blank when the engine's share is unset."""
    return [
        [
            e.tp, e.pp, e.weights, e.kv, e.tokens, "" if e.fraction is None else e.fraction,
            round(e.needed_gib, 1), round(e.available_gib, 1),
        ]
        for e in fit.estimates
    ]  # fmt: skip
