"""Presets in the store: shipped system presets (read-only, kept up to date), user presets
with optimistic locking, listing filters, and applying stored presets."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from configlib.presets import Preset, system_presets
from configlib.store import ConflictError, NameTaken, NotFound, ReadOnlyError, Store
from configlib.store.models import PresetRow


def _preset(name: str, **fields) -> Preset:
    data = {"name": name, "parameters": {"tp-size": [1, 2]}, **fields}
    return Preset.model_validate(data)


def test_the_shipped_system_presets_are_there(store: Store) -> None:
    stored = {s.name: s for s in store.list_presets(system=True)}
    assert set(stored) == {p.name for p in system_presets()}
    high = store.get_preset("High Throughput").preset
    assert high.is_system and high.runtime == "sglang"
    assert high.parameters == {"enable-mixed-chunk": [True]}
    assert "enable-mixed-chunking" not in high.parameters


def test_system_presets_are_read_only_and_can_be_duplicated(store: Store) -> None:
    stored = store.get_preset("Balanced")
    with pytest.raises(ReadOnlyError, match="duplicate it"):
        store.save_preset(
            stored.preset.model_copy(update={"is_system": False}), expected_version=stored.version
        )
    with pytest.raises(ReadOnlyError):
        store.save_preset(stored.preset, expected_version=None)
    with pytest.raises(ReadOnlyError, match="cannot be deleted"):
        store.delete_preset("Balanced", expected_version=stored.version)
    copy = store.duplicate_preset("Balanced", "My balanced", user="dana")
    assert not copy.preset.is_system and copy.version == 1
    edited = copy.preset.model_copy(update={"description": "tuned"})
    assert store.save_preset(edited, expected_version=1).version == 2
    assert store.get_preset("Balanced").preset.description != "tuned"


def test_user_presets_use_optimistic_locking(store: Store) -> None:
    store.save_preset(_preset("mine"), expected_version=None, user="a")
    with pytest.raises(NameTaken):
        store.save_preset(_preset("mine"), expected_version=None)
    store.save_preset(_preset("mine", description="b's"), expected_version=1, user="b")
    with pytest.raises(ConflictError, match="changed by b"):
        store.save_preset(_preset("mine", description="a's"), expected_version=1, user="a")
    with pytest.raises(ConflictError):
        store.delete_preset("mine", expected_version=1)
    store.delete_preset("mine", expected_version=2)
    with pytest.raises(NotFound):
        store.get_preset("mine")


def test_a_preset_reads_back_equal(store: Store) -> None:
    preset = _preset(
        "full",
        description="d",
        category="memory",
        runtime="vllm",
        memory_config={"gpu_memory_utilization": [0.8, 0.9]},
        parameters={"enforce-eager": [True]},
        metadata={"tags": ["x"]},
    )
    store.save_preset(preset, expected_version=None)
    assert store.get_preset("full").preset == preset


def test_listing_filters(store: Store) -> None:
    store.save_preset(_preset("any engine", category="memory"), expected_version=None)
    store.save_preset(
        _preset(
            "vllm only", runtime="vllm", category="memory", parameters={"tensor-parallel-size": [2]}
        ),
        expected_version=None,
    )
    names = lambda presets: [p.name for p in presets]  # noqa: E731
    assert names(store.list_presets(runtime="vllm")) == ["any engine", "vllm only"]
    assert "vllm only" not in names(store.list_presets(runtime="sglang"))
    assert "any engine" in names(store.list_presets(runtime="sglang"))
    assert names(store.list_presets(category="memory", system=False)) == ["any engine", "vllm only"]
    assert names(store.list_presets(category="memory", system=True)) == ["Memory Efficient"]
    assert names(store.list_presets(search="LATENCY")) == ["Low Latency"]


def test_reopening_restores_a_changed_system_preset(db_url: str, store: Store) -> None:
    assert store.get_preset("Low Latency").version == 1
    with store.db.write() as session:
        session.execute(
            update(PresetRow)
            .where(PresetRow.name == "Low Latency")
            .values(parameters={"tp-size": [64]})
        )
    with Store.open(db_url) as again:
        restored = again.get_preset("Low Latency")
    assert restored.preset.parameters == {}
    assert restored.preset.parallel_config is not None
    assert restored.version == 2 and restored.updated_by == "configlib"


def test_a_user_preset_named_like_a_system_one_is_left_alone(db_url: str, store: Store) -> None:
    assert store.get_preset("Balanced").preset.is_system
    with store.db.write() as session:
        session.execute(
            update(PresetRow)
            .where(PresetRow.name == "Balanced")
            .values(is_system=False, description="my own")
        )
    with Store.open(db_url) as again:
        assert again.get_preset("Balanced").preset.description == "my own"


def test_applying_stored_presets_in_the_users_order(store: Store, make_task) -> None:
    task = make_task("t")
    forward = store.apply_presets(task, ["High Throughput", "Low Latency"], "last_wins")
    backward = store.apply_presets(task, ["Low Latency", "High Throughput"], "last_wins")
    assert forward.task.parameters["schedule-policy"] == ["lpm"]
    assert backward.task.parameters["schedule-policy"] == ["fcfs"]
    with pytest.raises(NotFound, match="'nope'"):
        store.apply_presets(task, ["Balanced", "nope"])
