"""Every engine table is a typed EngineTable whose flag names exist in that engine's releases."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from configlib.engines import ENGINES, EngineTable, get_engine, launch_generator, supported_versions
from configlib.engines import sglang as sglang_table
from configlib.engines import vllm as vllm_table
from configlib.vocab import Runtime


def _named_flags(table: EngineTable) -> list[str]:
    generator = table.generator
    return [
        table.tensor_parallel_flag,
        *table.gpu_flags,
        *table.count_flags,
        *table.fraction_flags,
        *table.combination_flags,
        *table.launcher_flags,
        *table.autotuner_parallel.values(),
        *(target for target in table.preset_flag_fixes.values() if "." not in target),
        *generator.plumbing,
        *generator.disaggregation,
        *([generator.role_flag] if generator.role_flag else []),
        *generator.notes,
        *generator.differs,
        *generator.respelled,
        *(spelled for spelled, _ in generator.respelled.values()),
    ]


@pytest.mark.parametrize("runtime", list(Runtime))
def test_every_flag_a_table_names_exists_in_a_release(runtime: Runtime) -> None:
    table = ENGINES[runtime].table
    manifests = [get_engine(runtime, v).manifest for v in supported_versions(runtime)]
    missing = [
        flag for flag in _named_flags(table) if not any(m.lookup_key(flag) for m in manifests)
    ]
    assert missing == []
    assert set(table.autotuner_parallel_switches) <= set(table.autotuner_parallel)
    assert table.tensor_parallel_flag in table.gpu_flags


def test_each_engine_module_ends_with_a_frozen_table() -> None:
    assert ENGINES[Runtime.SGLANG].table is sglang_table.TABLE
    assert ENGINES[Runtime.VLLM].table is vllm_table.TABLE
    with pytest.raises(dataclasses.FrozenInstanceError):
        sglang_table.TABLE.gpu_flags = ()  # type: ignore[misc]
    # The table is the module's one public name: no loose globals for callers to reach.
    for module in (sglang_table, vllm_table):
        assert module.__file__ is not None
        tree = ast.parse(Path(module.__file__).read_text())
        assigned = [
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        ]
        assert [name for name in assigned if not name.startswith("_")] == ["TABLE"]
        assert isinstance(module.TABLE, EngineTable)


def test_the_generator_explains_options_of_every_engine() -> None:
    generator = launch_generator()
    for spec in ENGINES.values():
        assert set(spec.table.generator.notes) <= set(generator.notes)
        assert set(spec.table.generator.plumbing) <= set(generator.plumbing)
    note = generator.notes["--max-prefill-tokens"]
    assert note.needs == ("isl",)
