"""Spellings, abbreviations, dotted keys, repeats and the lift rule, against the real parsers.

Two checks per release:
- configlib's model of the parser (configlib.engines.parsing) accepts and refuses what the
  real parser accepts and refuses, and reads the same values;
- a command the real parser accepts, given to configlib as a task's parameters, converted to
  the structured form and rendered back, is parsed by the real parser to the same values.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from parser_env import RealParser, namespace

from configlib.convert import to_flat, to_structured
from configlib.engines.parsing import argv_for, parse_argv
from configlib.grid import grid_of
from configlib.model import TaskConfig

pytestmark = pytest.mark.engine_parsers

MODEL = "org/model"

#: Flags after the model: (case id, argv). The same list runs on every release of the engine;
#: what each release accepts differs, and the model must agree either way.
CASES: dict[str, list[tuple[str, list[str]]]] = {
    "sglang": [
        ("tp-abbreviation", ["--tp", "4"]),
        ("several-abbreviations", ["--tp", "2", "--mem-frac", "0.7", "--schedule-pol", "fcfs"]),
        ("abbreviation-then-full", ["--mem-frac", "0.8", "--mem-fraction-static", "0.85"]),
        ("full-then-abbreviation", ["--mem-fraction-static", "0.85", "--mem-frac", "0.8"]),
        ("disable-cuda-graph", ["--disable-cuda-graph"]),
        ("dp-attention", ["--tp", "8", "--dp", "8", "--enable-dp-attention"]),
        ("dp-attention-full", ["--tp-size", "8", "--dp-size", "4", "--enable-dp-attention"]),
        ("ambiguous-enable-dp", ["--enable-dp", "--tp", "2"]),
        ("cuda-graph-max-bs", ["--cuda-graph-max-bs", "16"]),
        ("equals-form", ["--tp-size=2", "--mem-fraction-static=0.8"]),
        ("chunked-prefill-off", ["--chunked-prefill-size", "-1"]),
        ("radix-cache-off", ["--disable-radix-cache", "--context-length", "8192"]),
        ("unknown", ["--enable-mixed-chunking"]),
    ],
    "vllm": [
        ("short-tp", ["-tp", "2"]),
        ("abbreviations", ["--max-model", "4096", "--gpu-memory", "0.8"]),
        ("snake-case", ["--max_model_len", "2048", "--tensor_parallel_size", "2"]),
        ("dotted-keys", ["--speculative-config.method", "mtp", "--limit-mm-per-prompt.video", "0"]),
        (
            "json-then-dotted",
            [
                "--speculative-config",
                '{"num_speculative_tokens": 1}',
                "--speculative-config.method",
                "mtp",
            ],
        ),
        ("repeat-two-spellings", ["--no-enable-prefix-caching", "--no-enable-prefix"]),
        ("enforce-eager", ["--enforce-eager", "--max-num-seqs", "64"]),
        ("ambiguous-max-num", ["--max-num", "8"]),
        ("unknown-tp", ["--tp", "2"]),
        ("equals-form", ["--max-model-len=4096", "--gpu-memory-utilization=0.85"]),
    ],
}


def _cases(parser: RealParser) -> list[tuple[str, list[str]]]:
    return CASES[parser.runtime]


def _norm(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def test_the_model_reads_what_the_real_parser_reads(real_parser: RealParser) -> None:
    manifest = real_parser.engine.manifest
    positionals = 0 if real_parser.engine.spec.model_flag else 1
    argvs = [real_parser.model_args(MODEL) + argv for _, argv in _cases(real_parser)]
    results = real_parser.parse_many(argvs)
    problems = []
    for (case, _), argv, real in zip(_cases(real_parser), argvs, results, strict=True):
        model = parse_argv(manifest, argv, positionals=positionals)
        if model.ok != real["ok"]:
            problems.append(f"{case}: model ok={model.ok} {model.errors}, real {real}")
            continue
        if not real["ok"]:
            continue
        for dest in model.given:
            if dest not in real["namespace"]:
                continue  # a dest the engine renames after parsing
            if _norm(model.values[dest]) != _norm(real["namespace"][dest]):
                problems.append(
                    f"{case}: {dest} model {model.values[dest]!r} real {real['namespace'][dest]!r}"
                )
    assert not problems, f"{real_parser.label}:\n" + "\n".join(problems)


def _parameters(argv: list[str]) -> dict[str, list[Any]]:
    """A command line's flags as a task's parameters (one value each, in order)."""
    parameters: dict[str, list[Any]] = {}
    index = 0
    while index < len(argv):
        token = argv[index]
        key, eq, explicit = token.partition("=")
        key = key[2:] if key.startswith("--") else key
        if eq:
            parameters[key] = [_typed(explicit)]
            index += 1
        elif (
            index + 1 < len(argv)
            and not argv[index + 1].startswith("--")
            and not (argv[index + 1].startswith("-") and not argv[index + 1].lstrip("-").isdigit())
        ):
            parameters[key] = [_typed(argv[index + 1])]
            index += 2
        else:
            parameters[key] = [True]
            index += 1
    return parameters


def _typed(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def test_round_trip_through_the_structured_form_is_the_same_launch(
    real_parser: RealParser,
) -> None:
    accepted = []
    for case, argv in _cases(real_parser):
        if any(t.startswith("-") and not t.startswith("--") and not t[1:].isdigit() for t in argv):
            continue  # short options: the autotuner writes every key with two dashes
        accepted.append((case, argv))
    originals = real_parser.parse_many([real_parser.model_args(MODEL) + a for _, a in accepted])
    rendered: list[tuple[str, list[str], dict[str, Any]]] = []
    for (case, argv), original in zip(accepted, originals, strict=True):
        if not original["ok"]:
            continue
        task = TaskConfig.model_validate(
            {
                "task_name": "t",
                "model": {"id_or_path": MODEL},
                "base_runtime": real_parser.runtime,
                "engine_version": real_parser.version,
                "parameters": _parameters(argv),
            }
        )
        structured, findings = to_structured(task)
        assert not [f for f in findings if f.severity == "error"], (case, findings)
        flat = to_flat(structured)
        point = next(iter(grid_of(flat.parameters)))
        again = real_parser.model_args(MODEL) + argv_for(point)
        rendered.append((case, again, original))
    results = real_parser.parse_many([again for _, again, _ in rendered])
    problems = []
    for (case, again, original), result in zip(rendered, results, strict=True):
        before = namespace(original, [case])
        after = namespace(result, again)
        changed = {k for k in before if _norm(before[k]) != _norm(after.get(k))}
        if changed:
            problems.append(f"{case}: {again} changed {sorted(changed)}")
    assert not problems, f"{real_parser.label}:\n" + "\n".join(problems)
