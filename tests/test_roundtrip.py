"""Round trips, property-tested for both engines and every release.

structured -> flat -> structured gives back every field the flags carry (and a field missing
afterwards is one that changes no flag); flat -> structured -> flat keeps every flag and value,
up to the canonical spelling of the flag.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from configlib.convert import canonical, effective_value, generate, lift, to_flat
from configlib.convert.common import BoundedMemo
from configlib.convert.plan import PATH_VARIABLE, conversion_plan, read_environment
from configlib.engines import Engine, get_engine, supported_versions
from configlib.model import TaskConfig
from configlib.vocab import STRUCTURED_SECTIONS
from tests.conftest import make_task

ENGINES = [("sglang", v) for v in supported_versions("sglang")] + [
    ("vllm", v) for v in supported_versions("vllm")
]
POLICIES = {"sglang": ["lpm", "fcfs", "random", "dfs-weight", "lof"], "vllm": ["fcfs", "priority"]}
#: Flags no structured field maps to, present in every release of the engine.
EXTRAS = {
    "sglang": {
        "enable-mixed-chunk": [True],
        "trust-remote-code": [True, False],
        "chunked-prefill-size": [4096, 8192],
        "max-total-tokens": [65536],
    },
    "vllm": {"trust-remote-code": [True], "block-size": [16, 32], "seed": [0]},
}


def candidates(values: st.SearchStrategy[Any], most: int = 3) -> st.SearchStrategy[Any]:
    return st.lists(values, min_size=1, max_size=most, unique=True)


def sections(runtime: str) -> st.SearchStrategy[dict[str, Any]]:
    def maybe(name: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
        return st.one_of(st.just({}), values.map(lambda v: {name: v}))

    def section(*fields: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        return st.tuples(*fields).map(lambda parts: {k: v for p in parts for k, v in p.items()})

    parallel = section(
        maybe("tp", candidates(st.sampled_from([1, 2, 4, 8]))),
        maybe("pp", candidates(st.sampled_from([1, 2]))),
        maybe("dp", candidates(st.sampled_from([1, 2, 4]), most=1)),
        maybe("attention_dp", st.booleans()),
        maybe("moe_ep", candidates(st.sampled_from([1, 2, 4]), most=1)),
        maybe("moe_tp", st.sampled_from([1, 2])),
    )
    quantization = section(
        maybe("kvcache_quant_mode", candidates(st.sampled_from(["bfloat16", "fp8"]))),
        maybe("gemm_quant_mode", st.sampled_from(["bfloat16", "fp8", "fp8_block", "nvfp4"])),
        maybe("fmha_quant_mode", st.sampled_from(["bfloat16", "fp8"])),
        maybe("moe_quant_mode", st.sampled_from(["bfloat16", "w4a16_mxfp4"])),
    )
    memory = section(
        maybe("mem_fraction_static", candidates(st.sampled_from([0.7, 0.8, 0.85, 0.9]))),
        maybe("gpu_memory_utilization", candidates(st.sampled_from([0.8, 0.9, 0.95]))),
        maybe("max_model_len", candidates(st.sampled_from([4096, 8192, 32768]))),
        maybe("enforce_eager", candidates(st.booleans(), most=2)),
    )
    scheduling = section(
        maybe("schedule_policy", candidates(st.sampled_from(POLICIES[runtime]))),
        maybe("max_num_batched_tokens", candidates(st.sampled_from([2048, 8192, 16384]))),
        maybe("max_num_seqs", candidates(st.sampled_from([64, 128, 256]))),
        maybe("chunked_prefill_enabled", st.booleans()),
    )
    advanced = section(
        maybe("enable_chunked_prefill", st.booleans()),
        maybe("max_batch_size", candidates(st.sampled_from([32, 64, 512]))),
        maybe("max_prefill_batch_size", st.sampled_from([1, 4])),
        maybe("enable_prefix_caching", st.booleans()),
        maybe("disable_sliding_window", candidates(st.booleans(), most=2)),
        maybe("swap_space", st.sampled_from([2.0, 4.0])),
    )
    return st.fixed_dictionaries(
        {
            "parallel_config": parallel,
            "quantization_config": quantization,
            "memory_config": memory,
            "scheduling_config": scheduling,
            "advanced_tuning_config": advanced,
        }
    ).map(lambda d: {k: v for k, v in d.items() if v})


def field_values(task: TaskConfig) -> dict[str, list[Any]]:
    found = {}
    for name in STRUCTURED_SECTIONS:
        section = getattr(task, name)
        if section is None:
            continue
        for field, value in section.__dict__.items():
            if value is not None:
                found[f"{name}.{field}"] = [getattr(v, "value", v) for v in value]
    return found


def without(task: TaskConfig, path: str) -> TaskConfig:
    section, _, name = path.partition(".")
    holder = getattr(task, section)
    return task.model_copy(update={section: holder.model_copy(update={name: None})})


def by_flag(parameters: dict[str, Any], engine: Engine) -> dict[str, list[Any]]:
    """Effective values per canonical flag, as the engine would receive them."""
    found = {}
    for key, values in parameters.items():
        resolved = engine.manifest.lookup_lenient(key)
        assert resolved is not None, key
        effective = [effective_value(resolved, v) for v in values]
        found[resolved.spec.name] = [
            v if isinstance(v, bool) or v is None else str(v) for v in effective
        ]
    return found


@st.composite
def engine_and_sections(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    runtime, version = draw(st.sampled_from(ENGINES))
    return runtime, version, draw(sections(runtime))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(engine_and_sections())
def test_structured_flat_structured(case: tuple[str, str, dict[str, Any]]) -> None:
    runtime, version, data = case
    engine = get_engine(runtime, version)
    task = make_task(engine.runtime.value, **data)
    flat = to_flat(task, engine)
    # An error, or a value the engine derives itself, has no faithful flag form to go back from.
    assume(not any(f.severity == "error" or f.code == "derived-by-engine" for f in flat.findings))
    lifted = lift(make_task(engine.runtime.value, parameters=flat.parameters), engine)
    assert lifted.task.parameters == {}, "every generated flag lifts back"
    assert to_flat(lifted.task, engine).parameters == flat.parameters
    expected = field_values(canonical(task))
    got = field_values(lifted.task)
    for path, values in got.items():
        if path in expected:  # a field left unset may come back as the default it implied
            assert values == expected[path], path
    for path in set(expected) - set(got):
        # A field the flags do not carry must be one whose removal changes no flag.
        assert to_flat(without(canonical(task), path), engine).parameters == flat.parameters, path


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(engine_and_sections(), st.data())
def test_flat_structured_flat(case: tuple[str, str, dict[str, Any]], data: st.DataObject) -> None:
    runtime, version, sections_data = case
    engine = get_engine(runtime, version)
    flat = to_flat(make_task(runtime, **sections_data), engine)
    assume(not any(f.severity == "error" for f in flat.findings))
    parameters = dict(flat.parameters)
    # Other spellings of the same flags (aliases and, where accepted, snake_case).
    for key in list(parameters):
        spec = engine.manifest.spec(key)
        assert spec is not None
        spellings = [o.lstrip("-") for o in spec.option_strings() if o.startswith("--")]
        if engine.manifest.snake_case:
            spellings.append(key.replace("-", "_"))
        choice = data.draw(st.sampled_from(spellings))
        if choice != key and not any(choice == k for k in parameters):
            parameters = {choice if k == key else k: v for k, v in parameters.items()}
    extras = data.draw(st.sets(st.sampled_from(sorted(EXTRAS[runtime]))))
    for name in sorted(extras):
        parameters[name] = EXTRAS[runtime][name]
    original = make_task(runtime, parameters=parameters)
    lifted = lift(original, engine)
    again = to_flat(lifted.task, engine)
    assert by_flag(again.parameters, engine) == by_flag(parameters, engine)
    assert not any(f.severity == "error" for f in again.findings)


def test_lifting_reads_every_alias() -> None:
    engine = get_engine("sglang", "0.5.2")
    for spelling in ("tp-size", "tensor-parallel-size", "tp_size", "--tp-size"):
        lifted = lift(make_task("sglang", parameters={spelling: [2, 4]}), engine)
        assert lifted.task.parallel_config is not None
        assert lifted.task.parallel_config.tp == [2, 4], spelling
        assert lifted.task.parameters == {}


def test_lifting_vllm_short_and_snake_spellings() -> None:
    engine = get_engine("vllm", "0.24.0")
    lifted = lift(make_task("vllm", parameters={"tensor_parallel_size": [2], "-pp": [2]}), engine)
    assert lifted.task.parallel_config is not None
    assert lifted.task.parallel_config.tp == [2]
    assert lifted.task.parallel_config.pp == [2]


def test_legacy_choice_values_are_lifted() -> None:
    engine = get_engine("sglang", "0.5.23")
    task = make_task(
        "sglang",
        parameters={
            "tp_size": {"type": "choice", "values": [1, 2]},
            "mem_frac": {"type": "choice", "values": [0.8]},
        },
    )
    lifted = lift(task, engine)
    assert lifted.task.parallel_config is not None
    assert lifted.task.parallel_config.tp == [1, 2]
    assert lifted.task.parameters == {"mem_frac": [0.8]}


def test_values_that_would_change_the_launch_are_not_lifted() -> None:
    engine = get_engine("sglang", "0.5.23")
    # bfloat16 KV would come back as --kv-cache-dtype auto, a different setting.
    task = make_task(
        "sglang",
        parameters={
            "kv-cache-dtype": ["bfloat16"],
            "tp-size": [1.5],
            "chunked-prefill-size": [-1, 4096],
        },
    )
    lifted = lift(task, engine)
    assert lifted.task.parameters == task.parameters
    assert lifted.task.quantization_config is None


def test_attention_dp_flags_lift_to_the_layout() -> None:
    for version, flags in (
        ("0.5.16", {"tp-size": [8], "dp-size": [4], "enable-dp-attention": [True]}),
        ("0.5.23", {"tp-size": [8], "attn-dp-size": [4]}),
    ):
        lifted = lift(make_task("sglang", parameters=flags), get_engine("sglang", version))
        layout = lifted.task.parallel_config
        assert layout is not None
        assert (layout.tp, layout.dp, layout.attention_dp) == ([2], [4], [True]), version


def test_deprecated_attention_dp_switch_stays_as_given_on_0_5_23() -> None:
    # 0.5.23 renders the layout as --attn-dp-size, which its parser reads into other values
    # than --dp-size with --enable-dp-attention (the server resolves both to one layout
    # later): not the same parsed launch, so the flags stay exactly as given.
    flags = {"tp-size": [8], "dp-size": [4], "enable-dp-attention": [True]}
    lifted = lift(make_task("sglang", parameters=flags), get_engine("sglang", "0.5.23"))
    assert lifted.task.parallel_config is None
    assert lifted.task.parameters == flags


def test_lift_keeps_a_conflicting_flag_and_says_so() -> None:
    engine = get_engine("vllm", "0.33.0")
    task = make_task("vllm", parallel_config={"tp": 4}, parameters={"tensor-parallel-size": [2]})
    lifted = lift(task, engine)
    assert lifted.task.parameters == {"tensor-parallel-size": [2]}
    assert [f.code for f in lifted.findings] == ["conflicts-with-structured"]


def test_expert_parallel_switch_lifts_with_the_implied_size() -> None:
    engine = get_engine("vllm", "0.33.0")
    task = make_task(
        "vllm",
        parameters={
            "tensor-parallel-size": [2],
            "data-parallel-size": [4],
            "enable-expert-parallel": [True],
        },
    )
    layout = lift(task, engine).task.parallel_config
    assert layout is not None
    assert layout.moe_ep == [8]


@settings(max_examples=300, deadline=None)
@given(engine_and_sections())
def test_generated_plan_agrees_with_the_general_path(case: tuple[str, str, dict[str, Any]]) -> None:
    """The unrolled conversion code gives exactly what the general per-rule path gives."""
    runtime, version, data = case
    engine = get_engine(runtime, version)
    task = make_task(runtime, **data)
    fast = generate(task, engine, conversion_plan(engine, general=False))
    slow = generate(task, engine, conversion_plan(engine, general=True))
    assert list(fast.parameters.items()) == list(slow.parameters.items())
    assert fast.sources == slow.sources
    assert fast.findings == slow.findings


def test_the_general_path_is_switched_on_by_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = get_engine("sglang", "0.5.23")
    task = make_task(
        "sglang", parallel_config={"tp": [2, 4]}, memory_config={"max_model_len": 8192}
    )
    assert not conversion_plan(engine).general
    monkeypatch.setenv(PATH_VARIABLE, "general")
    assert read_environment()
    plan = conversion_plan(engine)
    assert plan.general and plan is conversion_plan(engine)
    assert to_flat(task, engine).parameters == {"tp-size": [2, 4], "context-length": [8192]}
    monkeypatch.delenv(PATH_VARIABLE)
    assert not read_environment()
    assert conversion_plan(engine) is not plan
    # The plan is an explicit object, not hidden on the engine.
    assert not any("plan" in name for name in vars(engine))


def test_a_memo_starts_afresh_when_full_and_skips_unhashable_keys() -> None:
    memo: BoundedMemo[Any, int] = BoundedMemo(2)
    calls: list[int] = []

    def compute(value: int) -> Callable[[], int]:
        return lambda: calls.append(value) or value

    assert memo.get("a", compute(1)) == 1 and memo.get("a", compute(9)) == 1
    memo.get("b", compute(2))
    assert len(memo) == 2
    memo.get("c", compute(3))
    assert len(memo) == 1  # full: forgotten all at once, then "c" kept
    assert memo.get(["unhashable"], compute(4)) == 4
    assert calls == [1, 2, 3, 4] and len(memo) == 1
