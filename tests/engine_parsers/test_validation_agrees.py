"""configlib's verdicts on flags and values against the real parsers' verdicts.

What configlib's validation rejects must really be rejected by the release's parser (or, for
the values vLLM checks after parsing, be outside the list the engine checks against), and what
it accepts must parse. Besides hand-picked cases from DOMAIN.md appendix A, every flag of the
release's manifest is tried with a handful of good and bad values, and each of its negations,
long aliases and snake_case spellings (840 to 2,400 pairs per release), and judged by both.
"""

from __future__ import annotations

from typing import Any

import pytest
from parser_env import RealParser

from configlib import TaskConfig, validate
from configlib.engines.manifest import FlagSpec, check_value
from configlib.grid import flag_arguments

pytestmark = pytest.mark.engine_parsers

SGLANG = ("sglang-0.5.2", "sglang-0.5.14", "sglang-0.5.16", "sglang-0.5.23")
VLLM = ("vllm-0.10.2", "vllm-0.24.0", "vllm-0.33.0")

#: (releases, parameters, configlib's finding code, a piece of the parser's error message)
REJECTED: list[tuple[tuple[str, ...], dict[str, list[Any]], str, str]] = [
    (SGLANG, {"kv-cache-dtype": ["fp8"]}, "invalid-flag-value", "invalid choice: 'fp8'"),
    (SGLANG, {"max-model-len": [4096]}, "unknown-flag", "unrecognized arguments"),
    (SGLANG, {"tensor_parallel_size": [2]}, "snake-case-flag", "unrecognized arguments"),
    (SGLANG, {"schedule-policy": ["priority-first"]}, "invalid-flag-value", "invalid choice"),
    (SGLANG, {"tp-size": [2.0]}, "invalid-flag-value", "invalid int value: '2.0'"),
    (SGLANG, {"disable-radix-cache": ["yes"]}, "invalid-flag-value", "unrecognized arguments"),
    (SGLANG, {"enable-chunked-prefill": [True]}, "unknown-flag", "unrecognized arguments"),
    (("sglang-0.5.2",), {"context-length": ["32k"]}, "invalid-flag-value", "invalid int value"),
    (("sglang-0.5.2",), {"prefill-max-requests": [8]}, "unknown-flag", "unrecognized"),
    (SGLANG[1:], {"enable-ep-moe": [True]}, "unknown-flag", "unrecognized arguments"),
    (("sglang-0.5.23",), {"cuda-graph-max-bs": [8]}, "ambiguous-flag", "ambiguous option"),
    (VLLM, {"scheduling-policy": ["lpm"]}, "invalid-flag-value", "invalid choice: 'lpm'"),
    (VLLM, {"tp-size": [2]}, "unknown-flag", "unrecognized arguments"),
    (VLLM, {"max-num-seqs": [1.5]}, "invalid-flag-value", "invalid int value"),
    (VLLM, {"enforce-eager": ["yes"]}, "invalid-flag-value", "unrecognized arguments"),
    (VLLM, {"mem-fraction-static": [0.8]}, "unknown-flag", "unrecognized arguments"),
    (VLLM[1:], {"swap-space": [8]}, "unknown-flag", "unrecognized arguments"),
    (VLLM[1:], {"cuda-graph-sizes": [8]}, "unknown-flag", "unrecognized arguments"),
    (VLLM[:2], {"disable-prefix-caching": [True]}, "unknown-flag", "unrecognized arguments"),
    (("vllm-0.10.2",), {"max-model-len": ["auto"]}, "invalid-flag-value", "human_readable_int"),
    (VLLM[:2], {"kv-cache-dtype": ["fp8_bogus"]}, "invalid-flag-value", "invalid choice"),
]

#: Parsed fine, refused by the engine after parsing (vLLM's value lists): configlib says no.
REFUSED_AFTER_PARSING: list[tuple[tuple[str, ...], dict[str, list[Any]], str]] = [
    (VLLM, {"quantization": ["bogus"]}, "quantization"),
    (("vllm-0.33.0",), {"kv-cache-dtype": ["fp8_bogus"]}, "kv_cache_dtype"),
]

#: (releases, parameters, {dest: parsed value})
ACCEPTED: list[tuple[tuple[str, ...], dict[str, list[Any]], dict[str, Any]]] = [
    (SGLANG, {"kv-cache-dtype": ["fp8_e4m3"]}, {"kv_cache_dtype": "fp8_e4m3"}),
    (SGLANG, {"context-length": [8192]}, {"context_length": 8192}),
    (SGLANG, {"chunked-prefill-size": [-1]}, {"chunked_prefill_size": -1}),
    (SGLANG, {"disable-radix-cache": [True]}, {"disable_radix_cache": True}),
    (SGLANG, {"quantization": ["fp8"]}, {"quantization": "fp8"}),
    (SGLANG, {"schedule-policy": ["lpm"]}, {"schedule_policy": "lpm"}),
    (SGLANG[1:], {"context-length": ["32k"]}, {"context_length": 32000}),
    (SGLANG[1:], {"tp-size": [4]}, {"tp_size": 4}),
    (("sglang-0.5.2",), {"tp-size": [4]}, {"tensor_parallel_size": 4}),
    (("sglang-0.5.23",), {"attn-dp-size": [4]}, {"attn_dp_size": 4}),
    (VLLM, {"kv-cache-dtype": ["fp8"]}, {"kv_cache_dtype": "fp8"}),
    (VLLM, {"max-model-len": ["32k"]}, {"max_model_len": 32000}),
    (VLLM, {"no-enable-prefix-caching": [True]}, {"enable_prefix_caching": False}),
    (VLLM, {"no-enable-chunked-prefill": [True]}, {"enable_chunked_prefill": False}),
    (VLLM, {"tensor_parallel_size": [2]}, {"tensor_parallel_size": 2}),
    (VLLM, {"enable-expert-parallel": [True]}, {"enable_expert_parallel": True}),
    (VLLM, {"disable-sliding-window": [True]}, {"disable_sliding_window": True}),
    (VLLM, {"quantization": ["fp8"]}, {"quantization": "fp8"}),
    (("vllm-0.10.2",), {"swap-space": [8]}, {"swap_space": 8.0}),
    (VLLM[1:], {"max-model-len": ["auto"]}, {"max_model_len": -1}),
    (("vllm-0.33.0",), {"disable-prefix-caching": [True]}, {"enable_prefix_caching": False}),
    (("vllm-0.33.0",), {"kv-cache-dtype": ["nvfp4"]}, {"kv_cache_dtype": "nvfp4"}),
]


def _cases(table: list[Any], parser: RealParser) -> list[Any]:
    return [case[1:] for case in table if parser.label in case[0]]


def flat_task(parser: RealParser, parameters: dict[str, list[Any]]) -> TaskConfig:
    return TaskConfig.model_validate(
        {
            "task_name": "flags",
            "model": {"id_or_path": "org/model"},
            "base_runtime": parser.runtime,
            "engine_version": parser.version,
            "parameters": parameters,
        }
    )


def flag_errors(task: TaskConfig) -> dict[str, set[str]]:
    """parameters key -> codes of the error findings about it."""
    found: dict[str, set[str]] = {}
    for finding in validate(task):
        if finding.severity == "error" and finding.path.startswith("parameters."):
            key = finding.path.removeprefix("parameters.").split("[")[0]
            found.setdefault(key, set()).add(finding.code)
    return found


def argv_for(parser: RealParser, parameters: dict[str, list[Any]]) -> list[str]:
    point = {key: values[0] for key, values in parameters.items()}
    return [*parser.model_args(), *flag_arguments(point)]


def test_what_configlib_rejects_the_parser_rejects(real_parser: RealParser) -> None:
    cases = _cases(REJECTED, real_parser)
    assert cases, f"no rejection case for {real_parser.label}"
    results = real_parser.parse_many([argv_for(real_parser, p) for p, _, _ in cases])
    for (parameters, code, message), result in zip(cases, results, strict=True):
        [key] = parameters
        assert code in flag_errors(flat_task(real_parser, parameters)).get(key, set()), (
            f"{real_parser.label}: configlib does not report {code} for {parameters}"
        )
        assert not result["ok"], f"{real_parser.label} parses {parameters}: {result}"
        assert message in result["error"], result["error"]


def test_values_checked_after_parsing_are_refused_by_configlib(real_parser: RealParser) -> None:
    cases = _cases(REFUSED_AFTER_PARSING, real_parser)
    if not cases:
        pytest.skip(f"{real_parser.label} checks these values in its parser")
    results = real_parser.parse_many([argv_for(real_parser, p) for p, _ in cases])
    for (parameters, dest), result in zip(cases, results, strict=True):
        [(key, [value])] = parameters.items()
        assert result["ok"] and result["namespace"][dest] == value, result
        assert "invalid-flag-value" in flag_errors(flat_task(real_parser, parameters))[key]


def test_what_configlib_accepts_the_parser_accepts(real_parser: RealParser) -> None:
    cases = _cases(ACCEPTED, real_parser)
    results = real_parser.parse_many([argv_for(real_parser, p) for p, _ in cases])
    for (parameters, parsed), result in zip(cases, results, strict=True):
        assert not flag_errors(flat_task(real_parser, parameters)), parameters
        assert result["ok"], f"{real_parser.label} refuses {parameters}: {result['error']}"
        for dest, value in parsed.items():
            assert result["namespace"].get(dest) == value, (parameters, dest)


# ---- Every flag with good and bad values ----------------------------------------------------

#: Not tried: a file the parser reads while parsing (no verdict without the file), and the
#: model, which the launch command already names (vLLM 0.10.2 refuses a second one).
NOT_TRIED = {"--config", "--model", "--model-path"}

_NUMBERS = {
    "int": [7, 0, -3, "1.5", "abc", "32k", 4.0],
    "float": [0.5, 3, "1e-3", "abc", "0.5x"],
    "human_readable_int": [4096, "32k", "32K", "32Ki", "1.5k", "1.5K", "1.5", "auto", "abc", -5],
    "human_readable_int_or_auto": [4096, "32k", "32K", "auto", "AUTO", "-1", "abc", "1.5"],
    "json": ["{}", '{"a":1}', "[1,2]", "{bad", "plain"],
    "json|str": ["{}", '{"a":1}', "plain"],
    "bool": ["true", "abc"],
}


def _base(type_name: str | None) -> tuple[str | None, bool]:
    optional = False
    current = type_name
    while current and current.endswith("]") and "[" in current:
        head, _, inner = current.partition("[")
        if head not in {"optional", "list"}:
            break
        optional = optional or head == "optional"
        current = inner[:-1]
    return current, optional


def candidate_values(spec: FlagSpec) -> list[Any]:
    """Values a user could plausibly write for a flag, good ones and bad ones."""
    if not spec.takes_value:
        return [True]
    base, optional = _base(spec.type)
    values: list[Any] = []
    if spec.choices:
        values += [*spec.choices[:4], "not-a-choice"]
    elif base in _NUMBERS:
        values += _NUMBERS[base]
    elif base and base.startswith("json:"):
        values += ["{}", "{bad", "[1,2]", "3"]
    else:
        values += ["value", "7"]
    if optional:
        values.append("None")
    # Values the autotuner could not pass at all (spaces, leading dashes) are not sampled.
    return [v for v in values if not str(v).startswith("--") and " " not in str(v)]


def flag_value_pairs(parser: RealParser) -> list[tuple[str, FlagSpec, Any]]:
    """(option as written in parameters, its flag, a value): every flag with its candidate
    values, each negation, each long alias, and the snake_case spelling (which vLLM takes and
    SGLang refuses)."""
    manifest = parser.engine.manifest
    pairs = []
    for spec in manifest.flags.values():
        if spec.name in NOT_TRIED:
            continue
        values = candidate_values(spec)
        for value in values:
            pairs.append((spec.name, spec, value))
        for negation in spec.negation:
            pairs.append((negation, spec, True))
        for alias in spec.aliases:
            if alias.startswith("--"):
                pairs.append((alias, spec, values[0]))
        if "-" in spec.name[2:]:
            pairs.append(("--" + spec.name[2:].replace("-", "_"), spec, values[0]))
    return pairs


def configlib_verdict(parser: RealParser, option: str, spec: FlagSpec, value: Any) -> str | None:
    """Why configlib refuses the pair, or None. Value lists vLLM checks after parsing are left
    out (test_values_checked_after_parsing_are_refused_by_configlib covers them)."""
    found = parser.engine.manifest.lookup(option)
    if found is None or found.spec is not spec:
        return "unknown flag"
    return check_value(spec, value)


def test_every_flag_gets_the_same_verdict(real_parser: RealParser) -> None:
    pairs = flag_value_pairs(real_parser)
    head = real_parser.model_args()
    argvs = [[*head, *flag_arguments({option: value})] for option, _, value in pairs]
    results = real_parser.parse_many(argvs)
    disagreements = []
    for (option, spec, value), result, argv in zip(pairs, results, argvs, strict=True):
        problem = configlib_verdict(real_parser, option, spec, value)
        if (problem is None) != result["ok"]:
            disagreements.append(
                f"{argv[len(head) :]}: configlib "
                f"{'accepts' if problem is None else 'rejects (' + problem + ')'}, parser "
                f"{'accepts' if result['ok'] else 'rejects (' + result['error'] + ')'}"
            )
    assert len(pairs) > len(real_parser.engine.manifest.flags)
    assert not disagreements, f"{real_parser.label}:\n" + "\n".join(disagreements)
