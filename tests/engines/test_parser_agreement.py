"""Value checks that once disagreed with the engines' real parsers.

Each case was judged by the release's own parser (tests/engine_parsers, opt-in); these keep
configlib's verdict pinned without the parser environments.
"""

from __future__ import annotations

from typing import Any

import pytest

from configlib.engines import get_engine
from configlib.engines.manifest import check_value


@pytest.mark.parametrize(
    ("engine", "version", "flag", "value", "accepted"),
    [
        # SGLang's human_readable_int: SI (k, M) and IEC (Ki, Mi) suffixes, case-sensitive.
        ("sglang", "0.5.14", "context-length", "32k", True),
        ("sglang", "0.5.14", "context-length", "32Ki", True),
        ("sglang", "0.5.14", "max-total-tokens", "32K", False),
        ("sglang", "0.5.23", "context-length", "1.5Ki", False),
        ("sglang", "0.5.23", "context-length", "25.6k", True),
        # vLLM's: k = 1000 and K = 1024; decimals with the decimal suffix only.
        ("vllm", "0.33.0", "max-model-len", "32K", True),
        ("vllm", "0.33.0", "max-model-len", "1.5K", False),
        ("vllm", "0.33.0", "max-model-len", "1.5k", True),
        ("vllm", "0.10.2", "max-num-batched-tokens", "1.5", False),
        ("vllm", "0.24.0", "max-model-len", "AUTO", True),
        ("vllm", "0.24.0", "max-model-len", "1.5", False),
        # SGLang converters that read JSON.
        (
            "sglang",
            "0.5.14",
            "remote-instance-weight-loader-send-weights-group-ports",
            "value",
            False,
        ),
        (
            "sglang",
            "0.5.14",
            "remote-instance-weight-loader-send-weights-group-ports",
            "[1,2]",
            True,
        ),
        ("sglang", "0.5.23", "cuda-graph-config", "value", False),
        ("sglang", "0.5.23", "cuda-graph-config", "[1]", False),
        ("sglang", "0.5.23", "cuda-graph-config", '{"decode":{}}', True),
        # argparse checks choices after conversion: "None" becomes null first.
        ("vllm", "0.10.2", "preemption-mode", "None", False),
        ("vllm", "0.24.0", "collect-detailed-traces", "None", False),
        ("vllm", "0.33.0", "collect-detailed-traces", "None", True),
        ("vllm", "0.10.2", "preemption-mode", "swap", True),
        # vLLM JSON-or-text and config-class JSON.
        ("vllm", "0.33.0", "model-loader-extra-config", "{bad}", False),
        ("vllm", "0.33.0", "model-loader-extra-config", "plain", True),
        ("vllm", "0.33.0", "compilation-config", "[1,2]", False),
        # The engines' own actions.
        ("vllm", "0.10.2", "lora-modules", "7", False),
        ("vllm", "0.10.2", "lora-modules", "adapter=/loras/a", True),
        ("vllm", "0.33.0", "lora-modules", '{"name":"a","path":"/loras/a"}', True),
        ("vllm", "0.33.0", "lora-modules", '{"name":"a"}', False),
    ],
)
def test_value_verdicts_match_the_real_parsers(
    engine: str, version: str, flag: str, value: Any, accepted: bool
) -> None:
    spec = get_engine(engine, version).manifest.spec(flag)
    assert spec is not None, flag
    problem = check_value(spec, value)
    assert (problem is None) == accepted, problem


def test_a_refusal_says_why() -> None:
    spec = get_engine("sglang", "0.5.14").manifest.spec("context-length")
    assert spec is not None
    problem = check_value(spec, "32K")
    assert problem is not None and "case-sensitive" in problem
    choice = get_engine("vllm", "0.10.2").manifest.spec("preemption-mode")
    assert choice is not None
    assert check_value(choice, "None") == "null is not one of: recompute, swap, None"
