"""The editor side panel's memory check: a warning with the figures, updated as tp changes."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from configlib.store import Store
from tests.app.conftest import open_page, set_field
from tests.app.shown import shown
from tests.conftest import make_task


def _memory_warnings(at: AppTest) -> list[str]:
    return [shown(w.value) for w in at.warning if "GiB per GPU" in shown(w.value)]


def test_a_model_too_big_for_its_gpus_is_warned_with_the_numbers(app: AppTest, db: Store) -> None:
    task = make_task(
        "vllm",
        task_name="big",
        model={"id_or_path": "meta-llama/Llama-3.1-70B-Instruct"},
        system_config={"gpu_type": "h100_sxm", "total_gpus": 8},
        parallel_config={"tp": 2},
        memory_config={"gpu_memory_utilization": 0.9},
    )
    db.save_task(task, expected_version=None)
    at = open_page(app, "editor", task="big")
    (warning,) = _memory_warnings(at)
    # 65.7 GiB of bf16 weights + 20 GiB of KV cache for 131,072 tokens, vs 80 GiB x 0.9.
    assert "needs 85.7 GiB per GPU" in warning and "72.0 GiB available" in warning
    table = at.dataframe[-1].value
    assert table["needed GiB"].tolist() == [85.7]
    set_field(at, "parallel_config.tp", "4")
    assert _memory_warnings(at) == []
    assert any("every combination fits" in shown(c.value) for c in at.caption)
    assert at.dataframe[-1].value["needed GiB"].tolist() == [42.9]


def test_an_unknown_model_says_it_cannot_be_checked(app: AppTest, db: Store) -> None:
    task = make_task(
        task_name="odd",
        model={"id_or_path": "acme/unknown-model"},
        system_config={"gpu_type": "h100_sxm", "total_gpus": 8},
        parallel_config={"tp": 2},
    )
    db.save_task(task, expected_version=None)
    at = open_page(app, "editor", task="odd")
    assert _memory_warnings(at) == []
    assert any("cannot be checked" in shown(c.value) for c in at.caption)


def test_the_table_comes_first_and_one_warning_covers_every_row_short(
    app: AppTest, db: Store
) -> None:
    task = make_task(
        "vllm",
        task_name="many",
        model={"id_or_path": "meta-llama/Llama-3.1-70B-Instruct"},
        system_config={"gpu_type": "h100_sxm", "total_gpus": 8},
        parallel_config={"tp": [1, 2, 4]},
        memory_config={"gpu_memory_utilization": [0.8, 0.9]},
    )
    db.save_task(task, expected_version=None)
    at = open_page(app, "editor", task="many")
    table = at.dataframe[-1].value
    assert len(table) == 6 and table["fits"].tolist().count(False) == 4
    (warning,) = _memory_warnings(at)  # one, not one per row that does not fit
    assert warning.startswith("4 of 6 combinations do not fit")
    assert "tp=1 pp=1" in warning  # the furthest off, with its figures
    # In the page's order: the heading, the table, then the warning under it.
    kinds = [node.type for node in at.main]
    texts = [shown(node.value) if node.type == "markdown" else "" for node in at.main]
    heading = next(i for i, text in enumerate(texts) if "Memory per GPU" in text)
    after = [kind for kind in kinds[heading + 1 :] if kind in ("dataframe", "warning")]
    assert after[:2] == ["dataframe", "warning"], after
