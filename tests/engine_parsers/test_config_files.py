"""Engine config files against each release's own loader.

Every grid point of a covering task set (the structured battery of test_launch_commands.py,
which sets every field the engine tables map, plus tasks built from the release's manifest:
every store_true switch, every --x/--no-x flag both ways, JSON-valued options, list options,
text that YAML would read as another type) is written as a config file by
``configlib.engines.config_file.point_file``. The file plus the words kept on the command line
is then read by the release's launcher code (SGLang: ``prepare_server_args`` with its config
merger; vLLM: the ``vllm serve`` root parser, which pulls ``--config`` in), and must give
exactly the namespace the point's command-line form gives. With ``-s`` each release prints
``N of N identical``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from parser_env import RealParser, namespace
from test_launch_commands import MODEL, battery, make_task

from configlib import to_flat
from configlib.engines.config_file import ConfigFileError, loader_for, loader_words, point_file
from configlib.engines.manifest import FlagSpec
from configlib.engines.parsing import argv_for
from configlib.findings import errors
from configlib.grid import grid_of

pytestmark = pytest.mark.engine_parsers

#: JSON-valued options with a value each release of the engine accepts (test data).
JSON_OPTIONS = {
    "sglang": {
        "extra-metric-labels": {"team": "search", "tier": "gold"},
        "preferred-sampling-params": {"temperature": 0.6, "top_p": 0.95, "stop": ["</s>"]},
    },
    "vllm": {
        "additional-config": {"a": {"b": [1, 2]}, "flag": True, "ratio": 0.5},
        "override-generation-config": {"temperature": 0.6, "top_k": 20},
        "hf-overrides": {"max_position_embeddings": 4096, "rope_scaling": None},
    },
}
#: Fields the tables map to no flag (aiconfigurator's prediction inputs, the other engine's
#: memory fraction): set too, so that every mapped field is part of the set.
NO_FLAG_FIELDS = {
    "parallel_config": {"tp": 2},
    "quantization_config": {
        "weight_quant_mode": "fp8",
        "activation_quant_mode": "fp8",
        "comm_quant_mode": "half",
        "fmha_quant_mode": "bfloat16",
    },
    "memory_config": {"mem_fraction_static": 0.8, "gpu_memory_utilization": 0.8},
}
#: Text values that YAML would read as booleans, numbers or null.
TRICKY_TEXT = ["true", "no", "0.50", "1e3", "null", "~", "08", "0x10", "a: b", "#x"]


def _plain(spec: FlagSpec) -> bool:
    """A stock action, not deprecated, no custom engine action."""
    return spec.action_class is None and not spec.deprecated and spec.dest != "config"


def manifest_points(parser: RealParser) -> list[dict[str, Any]]:
    """Points built from the release's manifest: switches, negations, JSON, lists, text."""
    flags = [s for s in parser.engine.manifest.flags.values() if _plain(s)]
    switches = {s.bare: True for s in flags if s.action == "store_true"}
    optional = [s for s in flags if s.action == "BooleanOptionalAction"]
    positive = {s.bare: True for s in optional}
    negative = {
        n.lstrip("-"): True
        for s in optional
        for n in s.negation[:1]
        if n.startswith("--no-")  # vLLM 0.33's --disable-x inverses are covered by --no-x
    }
    json_point = {k: json.dumps(v) for k, v in JSON_OPTIONS[parser.runtime].items()}
    lists: dict[str, Any] = {}
    for spec in flags:
        if spec.nargs not in ("+", "*") or spec.choices or spec.action != "store":
            continue
        base = (spec.type or "").removeprefix("list[").removeprefix("optional[")
        sample = {"int": 8, "float": 0.5, "str": "x"}.get(base.rstrip("]"))
        if sample is not None:
            lists[spec.bare] = sample
    served = "served-model-name"
    texts = [{served: text} for text in TRICKY_TEXT]
    return [switches, positive, negative, json_point, lists, *texts]


def tasks(parser: RealParser) -> dict[str, dict[str, Any]]:
    return {**battery(parser), "no-flag-fields": NO_FLAG_FIELDS}


def battery_points(parser: RealParser) -> list[dict[str, Any]]:
    points = []
    for name, sections in tasks(parser).items():
        flat = to_flat(make_task(parser, sections))
        if errors(flat.findings):
            continue  # candidate lists the engine cannot run (test_launch_commands checks)
        points.extend(grid_of(flat.parameters))
        assert points, name
    return points


def _cli_argv(parser: RealParser, point: dict[str, Any]) -> list[str]:
    return [*parser.model_args(MODEL), *argv_for(point)]


def _config_item(parser: RealParser, point: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    written = point_file(parser.engine, point, MODEL)
    head = [] if parser.engine.spec.model_flag else [MODEL]
    argv = [*head, "--config", "{config}", *written.kept]
    return {"config": written.text, "argv": argv}, written


def _without_config(values: dict[str, Any]) -> dict[str, Any]:
    """The parsed options, without the path of the file itself and without the private
    notes a launcher adds for its own later steps (SGLang 0.5.23 records whether
    --radix-eviction-policy was written, read from the merged words either way)."""
    return {k: v for k, v in values.items() if k != "config" and not k.startswith("_")}


def test_mapped_fields_are_all_in_the_battery(real_parser: RealParser) -> None:
    covered = {
        f"{section}.{name}"
        for sections in tasks(real_parser).values()
        for section, fields in sections.items()
        for name in fields
    }
    mapped = {path for rule in real_parser.engine.spec.rules for path in rule.fields}
    assert mapped <= covered, sorted(mapped - covered)


def test_config_file_and_command_line_parse_identically(real_parser: RealParser) -> None:
    if real_parser.label == "sglang-0.5.2":
        with pytest.raises(ConfigFileError, match="no --config"):
            loader_for(real_parser.engine)
        [refused] = real_parser.load_many(
            [{"config": "tp-size: 2\n", "argv": ["--model-path", MODEL, "--config", "{config}"]}]
        )
        assert not refused["ok"] and "--config" in refused["error"]
        return
    points = [*battery_points(real_parser), *manifest_points(real_parser)]
    items, written = zip(*(_config_item(real_parser, p) for p in points), strict=True)
    cli = real_parser.parse_many([_cli_argv(real_parser, p) for p in points])
    loaded = real_parser.load_many(list(items))
    identical = 0
    problems = []
    for point, item, by_cli, by_file in zip(points, items, cli, loaded, strict=True):
        expected = _without_config(namespace(by_cli, _cli_argv(real_parser, point)))
        if not by_file["ok"]:
            problems.append(f"{item['config']!r} + {item['argv']}: {by_file['error']}")
        elif _without_config(by_file["namespace"]) != expected:
            got = _without_config(by_file["namespace"])
            diff = {k: (expected.get(k), got.get(k)) for k in expected if expected[k] != got[k]}
            problems.append(f"{item['config']!r}: {diff}")
        else:
            identical += 1
    kept = sum(len(w.kept) > 0 for w in written)
    print(
        f"\n{real_parser.label}: {identical} of {len(points)} identical "
        f"({kept} point(s) keep some words on the command line)"
    )
    assert not problems, "\n".join(problems[:10])


def test_the_loader_model_matches_the_real_loader(real_parser: RealParser) -> None:
    """config_files.json against the release: each probe's words (as the model says the
    loader writes them) parse like the real loader reads the probe, or both refuse it."""
    try:
        loader = loader_for(real_parser.engine)
    except ConfigFileError:
        pytest.skip(f"{real_parser.label} has no --config")
    flags = [s for s in real_parser.engine.manifest.flags.values() if _plain(s)]
    probes: list[dict[str, Any]] = []
    for action in ("store_true", "BooleanOptionalAction"):
        for spec in [s for s in flags if s.action == action][:3]:
            probes += [{spec.bare: True}, {spec.bare: False}]
            probes += [{n.lstrip("-"): True} for n in spec.negation[:1]]
    probes += [{"max-running-requests" if real_parser.runtime == "sglang" else "max-num-seqs": v}
               for v in (8, "8", 8.0)]  # fmt: skip
    probes += [{k: v} for k, v in JSON_OPTIONS[real_parser.runtime].items()]
    head = [] if real_parser.engine.spec.model_flag else [MODEL]
    tail = real_parser.model_args(MODEL) if real_parser.engine.spec.model_flag else []
    items = [
        {"config": json.dumps(p), "argv": [*head, "--config", "{config}", *tail]} for p in probes
    ]
    loaded = real_parser.load_many(items)
    mismatches = []
    for probe, item, real in zip(probes, items, loaded, strict=True):
        try:
            words = loader_words(real_parser.engine, loader, probe)
        except ConfigFileError as error:
            if real["ok"]:
                mismatches.append(f"{probe}: the model refuses ({error}), the loader reads it")
            continue
        [model] = real_parser.parse_many([[*head, *words, *tail]])
        if model["ok"] != real["ok"] or (
            model["ok"]
            and _without_config(model["namespace"]) != _without_config(real["namespace"])
        ):
            mismatches.append(f"{probe}: model {words} -> {model}, loader -> {real} ({item})")
    assert not mismatches, "\n".join(mismatches[:8])


def test_config_equals_path_is_silently_ignored(real_parser: RealParser) -> None:
    """Why configlib always writes ``--config FILE`` as two words (SGLang PR #35682)."""
    try:
        loader_for(real_parser.engine)
    except ConfigFileError:
        pytest.skip(f"{real_parser.label} has no --config")
    key = "max-running-requests" if real_parser.runtime == "sglang" else "max-num-seqs"
    head = real_parser.model_args(MODEL)
    [by_equals] = real_parser.load_many(
        [{"config": f"{key}: 7\n", "argv": [*head, "--config={config}"]}]
    )
    values = namespace(by_equals, head)
    assert values[key.replace("-", "_")] != 7
    assert str(values["config"]).endswith("point.yaml")
