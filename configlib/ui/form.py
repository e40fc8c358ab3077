"""The advanced-config form's values <-> a task.

``raw_from_task`` turns a task into widget values; ``apply_form`` turns widget values back into a
task, with an error per field that does not parse or validate (that field keeps its previous
value). Tunable fields take several candidates ("2, 4").
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from configlib.findings import from_validation_error
from configlib.io import InputError, parse_json
from configlib.model import SLOConfig, SystemConfig, TaskConfig
from configlib.ui.expert import split_top_level
from configlib.ui.fields import (
    SLO_METRICS,
    FieldSpec,
    Kind,
    Raw,
    field_specs,
    group,
    groups,
    render_value,
    section_model,
)
from configlib.vocab import STRUCTURED_SECTIONS

# ---- Values <-> text -------------------------------------------------------------------------


_INT = re.compile(r"^[+-]?\d+$")


def _tokens(text: str) -> list[str]:
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return [t for t in re.split(r"[,\s]+", text) if t]


def _number(token: str, kind: Kind) -> int | float:
    if kind == "int":
        if not _INT.match(token):
            raise ValueError(f"{token!r} is not a whole number")
        return int(token)
    try:
        number = float(token)
    except ValueError:
        raise ValueError(f"{token!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{token!r} is not a finite number")
    return number


def parse_raw(spec: FieldSpec, raw: Raw | None) -> Any:
    """The model value of one widget value; None means "not set". ``ValueError`` says why not."""
    if raw is None:
        return None
    if spec.widget == "checkbox":
        return bool(raw)
    if isinstance(raw, list):
        if spec.kind == "bool":
            values: list[Any] = [item == "true" for item in raw]
        else:
            values = list(raw)
        return values or None
    text = str(raw).strip()
    if not text:
        return None
    if spec.kind == "json":
        try:
            data = parse_json(text, spec.path)
        except InputError as error:
            raise ValueError(str(error).split(": ", 1)[-1]) from None
        if not isinstance(data, dict):
            raise ValueError('give a JSON object such as {"temperature": 0.0}')
        return data
    if spec.kind in ("int", "float"):
        numbers = [_number(token, spec.kind) for token in _tokens(text)]
        if not spec.multiple:
            if len(numbers) != 1:
                raise ValueError("give one number")
            return numbers[0]
        return numbers
    if spec.kind == "texts":
        # Scenarios carry commas inside parentheses: D(2048,512); commas between words split.
        return [word for part in split_top_level(text) for word in part.split()]
    if spec.kind == "bool":
        return text.lower() in ("true", "1", "yes")
    return text


def to_raw(spec: FieldSpec, value: Any) -> Raw:
    """The widget value that shows ``value`` (None: empty)."""
    if spec.widget == "checkbox":
        return bool(value) if value is not None else bool(spec.default)
    if spec.widget == "multiselect":
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        return [render_value(v) for v in items]
    if value is None:
        return ""
    if spec.kind == "json":
        return "" if not value else parse_json_dump(value)
    if spec.kind == "texts":
        return " ".join(str(v) for v in value)
    return render_value(value)


def parse_json_dump(value: Any) -> str:

    return json.dumps(value, ensure_ascii=False)


# ---- Reading a task --------------------------------------------------------------------------


def get_path(task: TaskConfig, path: str) -> Any:
    """The value at a dotted path, None when any part is absent."""
    current: Any = task
    for part in path.split("."):
        if current is None:
            return None
        current = getattr(current, part, None)
    return current


def catalog_filled(system: SystemConfig | None) -> dict[str, Any]:
    """The system fields the catalog fills for this GPU type (shown empty when unchanged)."""
    if system is None:
        return {}
    blank = SystemConfig(gpu_type=system.gpu_type, total_gpus=1)
    return {
        name: getattr(blank, name)
        for name in ("memory_per_gpu", "nvlink_bandwidth", "pcie_bandwidth", "interconnect_type")
    }


def raw_from_task(task: TaskConfig) -> dict[str, Raw]:
    """Widget values for every form field."""
    filled = catalog_filled(task.system_config)
    raw: dict[str, Raw] = {}
    for path, spec in field_specs().items():
        value = get_path(task, path)
        if path.startswith("system_config.") and spec.name in filled and value == filled[spec.name]:
            value = None
        raw[path] = to_raw(spec, value)
    return raw


# ---- Writing a task --------------------------------------------------------------------------


@dataclass
class FormResult:
    """The task the form describes, and an error per field that was not applied."""

    task: TaskConfig
    """The task with every section the form describes."""
    errors: dict[str, str]
    """Field path -> why its typed value was not applied."""


def _set(data: dict[str, Any], parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        data = data.setdefault(part, {})
    data[parts[-1]] = value


def _field_of(error_path: str, prefix: str) -> str:
    """Map a validation error path (parallel_config.tp[1]) to its form field path."""
    path = re.sub(r"\[\d+\]", "", error_path)
    specs = field_specs()
    while path and path not in specs:
        path = path.rsplit(".", 1)[0] if "." in path else ""
    return path or prefix


def _build_group(key: str, parsed: Mapping[str, Any], task: TaskConfig) -> Any:
    """The group's model from parsed values; raises ValidationError."""
    fields = group(key).fields
    if key == "task":
        return {spec.name: parsed.get(spec.path) for spec in fields}
    if key in STRUCTURED_SECTIONS:
        given = {s.name: parsed[s.path] for s in fields if parsed.get(s.path) is not None}
        return section_model(key).model_validate(given) if given else None
    if key == "slo":
        data: dict[str, Any] = {}
        for spec in fields:
            value = parsed.get(spec.path)
            if value is not None:
                _set(data, spec.path.split(".")[1:], value)
        for metric in SLO_METRICS:
            node: Any = data
            for part in metric.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, dict) and set(node) <= {"hard_fail"} and not node.get("hard_fail"):
                _drop(data, metric.split("."))
        return SLOConfig.model_validate(data) if data else None
    current: BaseModel = getattr(task, key)
    base = current.model_dump()
    for spec in fields:
        value = parsed.get(spec.path)
        if value is None:
            base.pop(spec.name, None)
        else:
            base[spec.name] = value
    return type(current).model_validate(base)


def _drop(data: dict[str, Any], parts: list[str]) -> None:
    holder = data
    for part in parts[:-1]:
        holder = holder[part]
    holder.pop(parts[-1], None)
    if len(parts) > 1 and not holder:
        data.pop(parts[0], None)


def group_key(path: str) -> str:
    """The form group a field path (or an error's group key) belongs to."""
    head = path.split(".", 1)[0]
    return head if _is_group(head) else "task"


def merged_errors(
    errors: Mapping[str, str],
    read: Collection[str],
    group_errors: Mapping[str, str],
    raw: Mapping[str, Raw],
) -> dict[str, str]:
    """The form's errors after the groups ``read`` were read again (their errors are
    ``group_errors``; the other groups' stay), in the order reading the whole form gives them:
    text that does not parse, in the form's order; then what a group's model refused, group by
    group; then a refused top-level field."""
    merged = {p: m for p, m in errors.items() if group_key(p) not in read} | dict(group_errors)
    order = [g.key for g in groups()]
    specs = field_specs()
    paths = list(specs)

    def position(item: tuple[str, str]) -> tuple[int, int]:
        path, message = item
        if path in specs and path in raw and not _parses(specs[path], raw[path]):
            return 0, paths.index(path)
        group_of = group_key(path)
        if group_of != "task" or message == "required":
            return 1, order.index(group_of)
        return 2, 0

    return dict(sorted(merged.items(), key=position))


def _parses(spec: FieldSpec, raw: Raw) -> bool:
    try:
        parse_raw(spec, raw)
    except ValueError:
        return False
    return True


def apply_form(
    task: TaskConfig, raw: Mapping[str, Raw], only: Collection[str] | None = None
) -> FormResult:
    """The task with every form section replaced by what the widgets say; with ``only`` (group
    keys), those groups alone: an edit changes one group, and the others are as the task
    already has them.

    A field that does not parse or validate keeps the task's current value and gets an error;
    keys the form does not show (extra benchmark settings, metadata) are kept.
    """
    chosen = tuple(g for g in groups() if only is None or g.key in only)
    errors: dict[str, str] = {}
    parsed = _parsed(task, raw, [spec for current in chosen for spec in current.fields], errors)
    update: dict[str, Any] = {}
    for current in chosen:
        built = _built(current.key, parsed, task, errors)
        if current.key != "task":
            update[current.key] = built
            continue
        assert isinstance(built, dict)
        for name, value in built.items():
            spec = field_specs()[name]
            if value is None and spec.required:
                errors.setdefault(name, "required")
                continue
            update[name] = value if value is not None else spec.default
    new_task = _replaced(task, update, errors)
    return FormResult(task if new_task is None else new_task, errors)


def _parsed(
    task: TaskConfig, raw: Mapping[str, Raw], specs: list[FieldSpec], errors: dict[str, str]
) -> dict[str, Any]:
    """Each field's model value; one that is not in the form or does not parse keeps the
    task's (with an error)."""
    parsed: dict[str, Any] = {}
    for spec in specs:
        path = spec.path
        if path not in raw:
            parsed[path] = get_path(task, path)
            continue
        try:
            parsed[path] = parse_raw(spec, raw[path])
        except ValueError as error:
            errors[path] = str(error)
            parsed[path] = get_path(task, path)
    return parsed


def _built(key: str, parsed: Mapping[str, Any], task: TaskConfig, errors: dict[str, str]) -> Any:
    """The group's model (validated); a field that fails keeps the task's value, with an error."""
    values = dict(parsed)
    for _attempt in range(3):
        try:
            return _build_group(key, values, task)
        except ValidationError as error:
            bad: dict[str, str] = {}
            prefix = "" if key == "task" else key
            for finding in from_validation_error(error, prefix):
                bad.setdefault(_field_of(finding.path, key), finding.message)
            for path, message in bad.items():
                errors.setdefault(path, _plain_message(message, path))
                values[path] = get_path(task, path)
    return getattr(task, key) if key != "task" else None


def _replaced(
    task: TaskConfig, update: dict[str, Any], errors: dict[str, str]
) -> TaskConfig | None:
    """The task with the form's groups put in, or None when a top-level field is refused.

    Each group's model was validated as it was built, so the task is not dumped and validated
    again as a whole: the groups go in by ``model_copy``, and only the top-level fields that
    changed are validated, by assignment on that copy, which runs their field validators and
    TaskConfig's model validators as building the task would.
    """
    models = {k: v for k, v in update.items() if _is_group(k)}
    scalars = {k: v for k, v in update.items() if k not in models and getattr(task, k) != v}
    new_task = task.model_copy(update=models)
    refused = False
    for name, value in scalars.items():
        try:
            TaskConfig.__pydantic_validator__.validate_assignment(new_task, name, value)
        except ValidationError as error:
            refused = True
            for finding in from_validation_error(error):
                errors.setdefault(_field_of(finding.path, ""), finding.message)
    return None if refused else new_task


def _is_group(key: str) -> bool:
    return key != "task" and any(g.key == key for g in groups())


def _plain_message(message: str, path: str) -> str:
    if message == "required" and path.startswith("system_config."):
        return "required when any System field is set"
    if message == "required" and path.startswith("slo."):
        return "give a threshold for this objective (or clear its other settings)"
    return message
