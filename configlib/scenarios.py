"""genai-bench traffic scenarios: the grammar, parsing and a helper to build D(isl,osl).

Each form is matched against the whole string, integers only and no spaces, as genai-bench
does: ``D(100,100)`` is valid, ``D(100, 100)`` is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_N = r"(\d+)"


@dataclass(frozen=True)
class ScenarioForm:
    """One form of the grammar."""

    kind: str
    pattern: re.Pattern[str]
    meaning: str
    tasks: frozenset[str]
    """genai-bench tasks the form is meant for."""
    since: str | None = None
    """genai-bench release that added the form (None: present at the autotuner's pin)."""


TEXT_TASKS = frozenset({"text-to-text", "image-text-to-text", "text-to-image"})

FORMS: tuple[ScenarioForm, ...] = (
    ScenarioForm("D", re.compile(rf"D\({_N},{_N}\)"), "fixed input and output tokens", TEXT_TASKS),
    ScenarioForm(
        "N",
        re.compile(rf"N\({_N},{_N}\)/\({_N},{_N}\)"),
        "normal input (mean,std) and output (mean,std) tokens",
        TEXT_TASKS,
    ),
    ScenarioForm(
        "U",
        re.compile(rf"U\({_N},{_N}\)/\({_N},{_N}\)"),
        "uniform input (min,max) and output (min,max) tokens",
        TEXT_TASKS,
    ),
    ScenarioForm(
        "U",
        re.compile(rf"U\({_N},{_N}\)"),
        "uniform input and output tokens up to these maxima",
        TEXT_TASKS,
    ),
    ScenarioForm(
        "E",
        re.compile(rf"E\({_N}\)"),
        "embedding documents of this many tokens",
        frozenset({"text-to-embeddings"}),
    ),
    ScenarioForm(
        "R",
        re.compile(rf"R\({_N},{_N}\)"),
        "rerank: tokens per document, per query",
        frozenset({"text-to-rerank"}),
    ),
    ScenarioForm(
        "I",
        re.compile(rf"I\({_N},{_N}(?:,{_N})?\)"),
        "images of width x height (and count)",
        frozenset({"image-text-to-text", "image-to-embeddings"}),
    ),
    ScenarioForm(
        "A",
        re.compile(rf"A\({_N}\)"),
        "text-to-speech input characters",
        frozenset({"text-to-speech"}),
        since="0.0.5",
    ),
    ScenarioForm(
        "dataset",
        re.compile(r"dataset"),
        "rows of a dataset (--dataset-path)",
        TEXT_TASKS | frozenset({"text-to-embeddings", "image-text-to-text"}),
    ),
)

#: genai-bench tasks (0.0.5; text-to-image and text-to-speech are newer than the autotuner's pin).
TASKS = (
    "text-to-text",
    "text-to-embeddings",
    "text-to-rerank",
    "image-text-to-text",
    "image-to-embeddings",
    "text-to-image",
    "text-to-speech",
)


@dataclass(frozen=True)
class Scenario:
    """A parsed traffic scenario."""

    text: str
    form: ScenarioForm
    numbers: tuple[int, ...]


def parse_scenario(text: str) -> Scenario:
    """Parse one scenario; ``ValueError`` says what is wrong with it."""
    if not isinstance(text, str):
        raise ValueError(f"a traffic scenario is text such as D(2048,512), not {text!r}")
    for form in FORMS:
        match = form.pattern.fullmatch(text)
        if match:
            numbers = tuple(int(g) for g in match.groups() if g is not None)
            return Scenario(text, form, numbers)
    if any(c.isspace() for c in text):
        raise ValueError(f"{text!r}: genai-bench accepts no spaces, write {''.join(text.split())}")
    if re.fullmatch(r"[A-Za-z]\(.*\)(/\(.*\))?", text) and re.search(r"\d\.\d", text):
        raise ValueError(f"{text!r}: token counts are integers")
    if text.startswith("N(") and "/" not in text:
        raise ValueError(f"{text!r}: N needs both halves, N(mean,std)/(mean,std)")
    forms = (
        "D(in,out), N(mean,std)/(mean,std), U(min,max)/(min,max), U(max_in,max_out), "
        "E(tokens), R(doc,query), I(w,h[,n]), A(chars), dataset"
    )
    raise ValueError(f"{text!r} is not a genai-bench traffic scenario; forms: {forms}")


def fixed(input_tokens: int, output_tokens: int) -> str:
    """The deterministic scenario for given input and output lengths."""
    return f"D({int(input_tokens)},{int(output_tokens)})"
