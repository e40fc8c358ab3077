"""The GPU system catalog (aiconfigurator 0.12's system files), shipped as package data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: Names older aiconfigurator releases used for systems that were renamed since.
SYSTEM_ALIASES = {"gb200_sxm": "gb200", "gb300_sxm": "gb300"}


@dataclass(frozen=True)
class SystemSpec:
    """One GPU system: per-GPU memory and bandwidths, GPUs per node."""

    name: str
    gpus_per_node: int
    memory_gb: float
    """Memory per GPU in GB (10^9 bytes)."""
    memory_gib: float
    """Memory per GPU in GiB (2^30 bytes); aiconfigurator reports memory in this unit."""
    hbm_bandwidth: float
    """Memory bandwidth per GPU, GB/s."""
    intra_node_bandwidth: float
    """GPU-to-GPU bandwidth inside a node, GB/s per GPU, one direction."""
    inter_node_bandwidth: float
    """Bandwidth between nodes, GB/s per GPU, one direction."""
    interconnect: str
    """``nvlink`` or ``pcie``: the fabric between the GPUs of one node."""
    perf_data: dict[str, tuple[str, ...]]
    """aiconfigurator performance-database versions per backend (empty: no data)."""


@cache
def catalog() -> dict[str, SystemSpec]:
    """Every known system by name."""
    raw = json.loads(resources.files("configlib").joinpath("data/systems.json").read_text())
    return {
        name: SystemSpec(
            name=name,
            gpus_per_node=entry["gpus_per_node"],
            memory_gb=entry["memory_gb"],
            memory_gib=entry["memory_gib"],
            hbm_bandwidth=entry["hbm_bandwidth"],
            intra_node_bandwidth=entry["intra_node_bandwidth"],
            inter_node_bandwidth=entry["inter_node_bandwidth"],
            interconnect=entry["interconnect"],
            perf_data={k: tuple(v) for k, v in entry["perf_data"].items()},
        )
        for name, entry in raw["systems"].items()
    }


def system_names() -> list[str]:
    return sorted(catalog())


def resolve_system(name: str) -> SystemSpec:
    """Look a system up by name or old alias; raises ``ValueError`` naming the known systems."""
    key = name.strip().lower()
    key = SYSTEM_ALIASES.get(key, key)
    spec = catalog().get(key)
    if spec is None:
        raise ValueError(f"unknown system {name!r}; known systems: {', '.join(system_names())}")
    return spec
