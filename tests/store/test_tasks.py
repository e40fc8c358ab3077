"""Tasks in the store: round trips, regenerated parameters, listing, locking, deletion."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from configlib.model import TaskConfig
from configlib.results import MeasuredResult
from configlib.store import ConflictError, InvalidData, NameTaken, NotFound, Store


def test_a_saved_task_reads_back_equal(store: Store, make_task) -> None:
    task = make_task(
        "llama-8b",
        description="héllo",
        slo={"ttft": {"threshold": 1.5}},
        metadata={"aiconfigurator_predictions": {"ttft_ms": 12.5}, "note": "x"},
    )
    saved = store.save_task(task, expected_version=None, user="alice")
    loaded = store.get_task("llama-8b")
    assert loaded.task == saved.task
    assert (loaded.version, loaded.created_by, loaded.updated_by) == (1, "alice", "alice")
    assert loaded.created_at.tzinfo is not None
    assert loaded.task.metadata.model_extra == {"note": "x"}


def test_saving_regenerates_parameters_for_the_engine_release(store: Store, make_task) -> None:
    stale = {"tp-size": [8], "trust-remote-code": [True]}
    sglang = store.save_task(make_task("s", parameters=stale), expected_version=None)
    assert sglang.task.parameters == {
        "tp-size": [1, 2],
        "mem-fraction-static": [0.85],
        "trust-remote-code": [True],
    }
    assert any(f.code == "overridden-by-structured" for f in sglang.findings)
    vllm = store.save_task(make_task("v", runtime="vllm"), expected_version=None)
    assert vllm.task.parameters == {
        "tensor-parallel-size": [1, 2],
        "gpu-memory-utilization": [0.9],
        "trust-remote-code": [True],
    }
    assert store.get_task("v").task.parameters == vllm.task.parameters


def test_a_flat_task_keeps_its_parameters_and_no_sections(store: Store) -> None:
    flat = TaskConfig.model_validate(
        {
            "task_name": "flat",
            "model": {"id_or_path": "m/m"},
            "base_runtime": "sglang",
            "parameters": {
                "tp-size": [1, 2],
                "mem-fraction-static": [0.8, 0.9],
                "schedule-policy": ["lpm"],
            },
        }
    )
    store.save_task(flat, expected_version=None)
    loaded = store.get_task("flat").task
    assert not loaded.has_structured()
    assert loaded.parameters == flat.parameters
    assert list(loaded.parameters) == ["tp-size", "mem-fraction-static", "schedule-policy"]


def test_summary_columns_are_computed_on_save(store: Store, make_task) -> None:
    task = make_task(
        "big",
        parallel_config={"tp": [2, 4], "pp": 2},
        metadata={"aiconfigurator_source": {"file": "best_config_topn.csv"}},
    )
    store.save_task(task, expected_version=None)
    summary = store.list_tasks().items[0]
    assert (summary.name, summary.model, summary.runtime) == (
        "big",
        "meta-llama/Llama-3.1-8B-Instruct",
        "sglang",
    )
    assert summary.engine_release == "0.5.2"
    assert summary.gpus_needed == 8  # tp 4 x pp 2
    assert summary.grid_size == 2
    assert summary.source == "aiconfigurator"
    assert summary.config_format == "structured"


def test_source_comes_from_metadata(store: Store, make_task) -> None:
    store.save_task(
        make_task("a", metadata={"source": "inference-autotuner"}), expected_version=None
    )
    store.save_task(
        make_task("b", metadata={"source": {"kind": "import", "file": "x"}}), expected_version=None
    )
    sources = {s.name: s.source for s in store.list_tasks().items}
    assert sources == {"a": "inference-autotuner", "b": "import"}


def _names(page) -> list[str]:
    return [item.name for item in page.items]


@pytest.fixture
def listed(store: Store, make_task) -> Store:
    for i, (name, runtime, model) in enumerate(
        [
            ("Alpha-llama", "sglang", "meta/Llama-70B"),
            ("beta_qwen", "vllm", "Qwen/Qwen2-7B"),
            ("gamma%llama", "sglang", "meta/llama-8b"),
            ("delta", "vllm", "mistral/Mixtral"),
            ("epsilon", "sglang", "Qwen/QwQ"),
        ]
    ):
        tp = [1] if i % 2 else [1, 2, 4]
        store.save_task(
            make_task(
                name, runtime=runtime, model={"id_or_path": model}, parallel_config={"tp": tp}
            ),
            expected_version=None,
        )
    return store


def test_search_matches_name_or_model_in_any_case(listed: Store) -> None:
    assert sorted(_names(listed.list_tasks(search="LLAMA"))) == ["Alpha-llama", "gamma%llama"]
    assert sorted(_names(listed.list_tasks(search="qwen"))) == ["beta_qwen", "epsilon"]
    assert listed.list_tasks(search="qwen").total == 2


def test_search_treats_wildcards_literally(listed: Store) -> None:
    assert _names(listed.list_tasks(search="%")) == ["gamma%llama"]
    assert _names(listed.list_tasks(search="a_q")) == ["beta_qwen"]
    assert listed.list_tasks(search="zzz").total == 0


def test_runtime_filter_and_search_combine(listed: Store) -> None:
    page = listed.list_tasks(search="qwen", runtime="vllm")
    assert (_names(page), page.total) == (["beta_qwen"], 1)
    assert sorted(_names(listed.list_tasks(runtime="sglang"))) == [
        "Alpha-llama",
        "epsilon",
        "gamma%llama",
    ]


@pytest.mark.parametrize(
    "sort",
    ["name", "model", "runtime", "gpus_needed", "grid_size", "source", "created_at", "updated_at"],
)
@pytest.mark.parametrize("descending", [False, True])
def test_sorting_orders_by_the_column_then_name_ignoring_case(
    listed: Store, sort: str, descending: bool
) -> None:
    items = listed.list_tasks(sort=sort, descending=descending).items
    keys = [(getattr(item, sort) if sort != "name" else "", item.name.lower()) for item in items]
    assert keys == sorted(keys, reverse=descending)
    assert len(items) == 5


def test_name_order_ignores_case(store: Store, make_task) -> None:
    for name in ("beta", "Alpha", "alpha2", "Zeta"):
        store.save_task(make_task(name), expected_version=None)
    ordered = [s.name for s in store.list_tasks(sort="name", descending=False).items]
    assert ordered == ["Alpha", "alpha2", "beta", "Zeta"]


def test_paging_returns_every_item_once(listed: Store) -> None:
    seen = []
    for number in range(3):
        page = listed.list_tasks(sort="name", descending=False, page=number, page_size=2)
        assert page.total == 5 and page.pages == 3
        seen.extend(_names(page))
    assert seen == sorted(seen) and len(set(seen)) == 5
    assert listed.list_tasks(page=9, page_size=2).items == []


def test_bad_listing_arguments_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="cannot sort by"):
        store.list_tasks(sort="description")
    with pytest.raises(ValueError):
        store.list_tasks(page_size=0)


def test_creating_a_taken_name_is_refused(store: Store, make_task) -> None:
    store.save_task(make_task("t"), expected_version=None)
    with pytest.raises(NameTaken, match="'t' already exists"):
        store.save_task(make_task("t", description="other"), expected_version=None)
    assert store.get_task("t").task.description == ""


def test_a_stale_save_names_who_changed_it(store: Store, make_task) -> None:
    store.save_task(make_task("t"), expected_version=None, user="alice")
    mine = store.get_task("t")
    theirs = store.get_task("t")
    store.save_task(
        theirs.task.model_copy(update={"description": "bob's"}),
        expected_version=theirs.version,
        user="bob",
    )
    with pytest.raises(ConflictError) as caught:
        store.save_task(
            mine.task.model_copy(update={"description": "mine"}),
            expected_version=mine.version,
            user="alice",
        )
    error = caught.value
    assert (error.name, error.expected_version, error.current_version) == ("t", 1, 2)
    assert error.updated_by == "bob"
    assert "bob" in str(error) and "version 2" in str(error)
    assert abs((datetime.now(UTC) - error.updated_at).total_seconds()) < 3600
    assert store.get_task("t").task.description == "bob's"


def test_saving_a_deleted_task_says_it_is_gone(store: Store, make_task) -> None:
    store.save_task(make_task("t"), expected_version=None)
    store.delete_task("t", expected_version=1)
    with pytest.raises(NotFound, match="no longer exists"):
        store.save_task(make_task("t"), expected_version=1)
    with pytest.raises(NotFound):
        store.get_task("t")


def test_task_version_says_whether_a_task_is_stored(store: Store, make_task) -> None:
    assert store.task_version("t") is None
    store.save_task(make_task("t"), expected_version=None)
    store.save_task(make_task("t", description="again"), expected_version=1)
    assert store.task_version("t") == 2
    store.delete_task("t", expected_version=2)
    assert store.task_version("t") is None


def _record(source: str, value: float) -> MeasuredResult:
    return MeasuredResult(
        parameters={"tp-size": 1},
        metrics={"ttft_ms": value},
        source_file=source,
        source_format="genai-bench",
    )


def test_deleting_needs_the_current_version_and_keeps_other_results(
    store: Store, make_task
) -> None:
    for name in ("a", "b"):
        store.save_task(make_task(name), expected_version=None)
        store.add_results(name, [_record(f"{name}.json", 1.0), _record(f"{name}2.json", 2.0)])
    store.save_task(store.get_task("a").task, expected_version=1)
    with pytest.raises(ConflictError):
        store.delete_task("a", expected_version=1)
    assert len(store.list_results("a")) == 2  # the refused delete removed nothing
    assert store.delete_task("a", expected_version=2) == 2
    assert [r.result.source_file for r in store.list_results("b")] == ["b.json", "b2.json"]
    assert store.task_names() == ["b"]


def test_rename_moves_the_results_along(store: Store, make_task) -> None:
    store.save_task(make_task("old"), expected_version=None)
    store.save_task(make_task("other"), expected_version=None)
    store.add_results("old", [_record("r.json", 3.0)])
    with pytest.raises(NameTaken):
        store.rename_task("old", "other", expected_version=1)
    renamed = store.rename_task("old", "new", expected_version=1, user="carol")
    assert (renamed.name, renamed.version) == ("new", 2)
    assert store.get_task("new").task.task_name == "new"
    assert len(store.list_results("new")) == 1
    with pytest.raises(NotFound):
        store.get_task("old")
    with pytest.raises(InvalidData):
        store.rename_task("new", "", expected_version=2)


def test_a_stored_task_that_no_longer_validates_is_a_clear_error(store: Store, make_task) -> None:
    from sqlalchemy import update

    from configlib.store.models import TaskRow

    store.save_task(make_task("t"), expected_version=None)
    with store.db.write() as session:
        session.execute(update(TaskRow).values(optimization={"strategy": "annealing"}))
    with pytest.raises(InvalidData, match="stored task 't' does not validate"):
        store.get_task("t")
