"""The editor side panel's memory table: one row per combination of the candidates, then one
line on what does not fit (``configlib.memory_fit`` does the estimate; views/parts/memoryfit.py
draws it)."""

from __future__ import annotations

from configlib.memory_fit import MemoryFit

#: What decides first (the side panel is narrow; the rest scrolls sideways), then the inputs.
COLUMNS = [
    "tp", "pp", "needed GiB", "available GiB", "fits", "weights", "KV cache", "tokens", "share",
]  # fmt: skip


def rows(fit: MemoryFit) -> list[list[object]]:
    """One row per combination; the share column is blank when the engine's share is unset."""
    return [
        [
            e.tp, e.pp, round(e.needed_gib, 1), round(e.available_gib, 1), e.fits, e.weights,
            e.kv, e.tokens, "" if e.fraction is None else e.fraction,
        ]
        for e in fit.estimates
    ]  # fmt: skip


def warning(fit: MemoryFit) -> str | None:
    """The one warning the panel shows under the table (None: everything fits).

    One combination that does not fit is named with its figures; several are counted, with
    the one needing the most memory as the example, as the table lists each of them."""
    if not fit.findings:
        return None
    if len(fit.findings) == 1:
        return fit.findings[0].message
    short = [e for e in fit.estimates if not e.fits]
    worst = max(short, key=lambda e: e.needed_gib - e.available_gib)
    return (
        f"{len(short)} of {len(fit.estimates)} combinations do not fit in GPU memory (fits "
        f"unticked in the table above). The furthest off: tp={worst.tp} pp={worst.pp}, "
        f"{worst.weights} weights, {worst.kv} KV cache, {worst.tokens:,} tokens needs "
        f"{worst.needed_gib:.1f} GiB per GPU, {worst.available_gib:.1f} GiB available."
    )
