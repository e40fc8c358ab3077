"""What the engines' argparse converters accept, as data keyed by the manifests' type names.

A manifest names each flag's converter (``int``, ``human_readable_int``, ``json_list_type``,
``json:CompilationConfig``...; vocabulary in docs/engines.md). The same name can mean two
grammars: SGLang's ``human_readable_int`` takes SI and IEC suffixes and is case-sensitive
(``32k``, ``32Ki``; ``32K`` is refused), vLLM's takes ``k/K`` for 1000/1024. Each entry below
reproduces one converter, read from the engine's source: it returns the converted value (what
argparse then compares with ``choices``) or raises ``ValueError`` with a reason.

A converter that is not listed (an inline lambda, a new engine function) is not checked: the
value is passed through as text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from configlib.numbers import NumberProblem, parse_float, parse_int

Converter = Callable[[str], Any]

_SGLANG_HUMAN = re.compile(r"(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)", re.ASCII)
_SGLANG_IEC = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
_SGLANG_SI = {"k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_VLLM_HUMAN = re.compile(r"(\d+(?:\.\d+)?)([kKmMgGtT])", re.ASCII)
_VLLM_DECIMAL = {"k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}
_VLLM_BINARY = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def _ascii_int(text: str) -> int:
    """int() for ASCII digits that fit 64 bits (Python's int() also reads '４' and 5,000 digits)."""
    parsed = parse_int(text)
    if isinstance(parsed, NumberProblem):
        raise ValueError(parsed.reason)
    return parsed


def _int(text: str) -> int:
    try:
        return _ascii_int(text)
    except ValueError:
        raise ValueError("is not an integer written in ASCII digits that fits 64 bits") from None


def _float(text: str) -> float:
    number = parse_float(text)
    # The parser takes nan and inf; no engine setting means anything with them.
    if isinstance(number, NumberProblem):
        if text.strip().lower().lstrip("+-") in {"nan", "inf", "infinity"}:
            raise ValueError("is not a finite number")
        raise ValueError(f"is not a number: {number.reason}")
    return number


def _sglang_human_int(text: str) -> int:
    """sglang.srt.utils.human_readable_int (0.5.14+)."""
    match = _SGLANG_HUMAN.fullmatch(text.strip())
    if match:
        number, suffix = match.groups()
        if suffix in _SGLANG_IEC:
            if "." in number:
                raise ValueError(f"takes no decimals with the binary suffix {suffix}")
            return int(number) * _SGLANG_IEC[suffix]
        return int(Decimal(number) * _SGLANG_SI[suffix])
    try:
        return _ascii_int(text)
    except ValueError:
        raise ValueError(
            "is not an integer such as 4096, 32k (32000) or 32Ki (32768); suffixes are "
            "case-sensitive"
        ) from None


def _vllm_human_int(text: str) -> int:
    """vllm.utils human_readable_int."""
    match = _VLLM_HUMAN.fullmatch(text.strip())
    if match:
        number, suffix = match.groups()
        if suffix in _VLLM_DECIMAL:
            return int(float(number) * _VLLM_DECIMAL[suffix])
        if "." in number:
            raise ValueError(f"takes no decimals with the binary suffix {suffix}")
        return int(number) * _VLLM_BINARY[suffix]
    try:
        return _ascii_int(text)
    except ValueError:
        raise ValueError("is not an integer such as 4096, 32k (32000) or 32K (32768)") from None


def _vllm_human_int_or_auto(text: str) -> int:
    """vllm.utils human_readable_int_or_auto: also ``auto`` (any case) or -1."""
    stripped = text.strip()
    if stripped == "-1" or stripped.lower() == "auto":
        return -1
    try:
        return _vllm_human_int(text)
    except ValueError as error:
        raise ValueError(f"{error}, or auto") from None


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise ValueError("is not JSON text") from None


def _json_object(text: str) -> Any:
    value = _json(text)
    if not isinstance(value, dict):
        raise ValueError("is not a JSON object")
    return value


def _json_or_text(text: str) -> Any:
    """vLLM union_dict_and_str: JSON when it looks like an object, else the text."""
    if re.match(r"(?s)^\s*{.*}\s*$", text):
        return _json(text)
    return text


def _cuda_graph_config(text: str) -> Any:
    """SGLang parse_cuda_graph_config_arg: a JSON object of per-phase JSON objects."""
    value = _json_object(text)
    if not all(isinstance(settings, dict) for settings in value.values()):
        raise ValueError("is not a JSON object of per-phase settings objects")
    return value


def _cuda_graph_backend(text: str) -> str:
    """SGLang parse_cuda_graph_backend_arg (0.5.23) refuses the retired backend."""
    if text == "tc_piecewise":
        raise ValueError("names the removed tc_piecewise backend")
    return text


#: (engine, type name) -> converter; engine "" applies to every engine.
CONVERTERS: dict[tuple[str, str], Converter] = {
    ("", "int"): _int,
    ("", "float"): _float,
    ("", "str"): str,
    ("", "json"): _json,
    ("sglang", "human_readable_int"): _sglang_human_int,
    ("sglang", "nullable_str"): lambda text: None if text in ("", "None") else text,
    ("sglang", "json_list_type"): _json,
    ("sglang", "parse_cuda_graph_config_arg"): _cuda_graph_config,
    ("sglang", "parse_cuda_graph_backend_arg"): _cuda_graph_backend,
    ("vllm", "human_readable_int"): _vllm_human_int,
    ("vllm", "human_readable_int_or_auto"): _vllm_human_int_or_auto,
    ("vllm", "json|str"): _json_or_text,
    ("vllm", "parse_reasoning_parser"): lambda text: "" if text.lower() == "none" else text,
}
#: Type names that start with this prefix (vLLM ``json:<ConfigClass>``) take a JSON object.
CONFIG_PREFIX = "json:"


def _lora_module(text: str) -> None:
    """vLLM LoRAParserAction: ``name=path`` or a JSON object with name and path."""
    if "=" in text and "," not in text:
        return
    value = _json_object(text)
    if not {"name", "path"} <= value.keys():
        raise ValueError("is neither name=path nor a JSON object with name and path")


def _lora_path(text: str) -> None:
    """SGLang LoRAPathAction: a path, or a JSON object with lora_name and lora_path."""
    if text.startswith("{") and text.endswith("}"):
        value = _json_object(text)
        if not {"lora_name", "lora_path"} <= value.keys():
            raise ValueError("is a JSON object without lora_name and lora_path")


#: The engines' own argparse actions that check each value themselves.
ACTION_CHECKS: dict[str, Callable[[str], None]] = {
    "LoRAParserAction": _lora_module,
    "LoRAPathAction": _lora_path,
}


def converter_for(engine: str, type_name: str | None) -> Converter | None:
    """The converter behind a manifest type name (``None`` when it is not checked)."""
    if type_name is None:
        return str
    found = CONVERTERS.get((engine, type_name)) or CONVERTERS.get(("", type_name))
    if found is None and type_name.startswith(CONFIG_PREFIX):
        return _json_object
    return found
