"""Reading and writing JSON/YAML documents safely, with errors that name the file and line.

Everything users upload goes through here: size limits, strict UTF-8, YAML through
``safe_load`` with a guard against alias bombs (a document whose aliases expand to millions of
nodes is refused before anything walks it), and JSON without deep-nesting or huge-number
crashes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from configlib.bounds import limit

#: Largest document accepted, in bytes (configlib.bounds, docs/limits.md).
MAX_DOCUMENT_BYTES = limit("document_bytes")
#: Largest number of nodes a YAML document may expand to (aliases counted each time used).
MAX_YAML_NODES = 2_000_000


class InputError(ValueError):
    """Unreadable input: the message names the file and, when known, the line."""

    def __init__(self, source: str, message: str, line: int | None = None) -> None:
        self.source = source
        self.line = line
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")


def read_text(path: str | Path, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> str:
    """A file's text, refusing huge, binary or non-UTF-8 files."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(str(path), f"file is {size:,} bytes; the limit is {max_bytes:,}")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except IsADirectoryError:
        raise InputError(str(path), "is a folder, not a file") from None
    except PermissionError:
        raise InputError(str(path), "permission denied") from None
    except OSError as error:
        raise InputError(str(path), error.strerror or str(error)) from None
    return decode(data, str(path), max_bytes=max_bytes)


def decode(data: bytes, source: str, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> str:
    """Strict UTF-8 (a BOM is allowed); the error names the byte and line."""
    if len(data) > max_bytes:
        raise InputError(source, f"{len(data):,} bytes; the limit is {max_bytes:,}")
    if b"\x00" in data[:8192]:
        raise InputError(source, "binary data, not a text document")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(source, f"not UTF-8 text (byte {error.start})", line) from None


def _looks_like_json(text: str, source: str) -> bool:
    lowered = source.lower()
    if lowered.endswith(".json"):
        return True
    if lowered.endswith((".yaml", ".yml")):
        return False
    return text.lstrip()[:1] in {"{", "["}


def is_json_document(text: str, source: str, fmt: str | None = None) -> bool:
    """Whether ``parse_document`` reads this text as JSON (else YAML)."""
    return fmt == "json" if fmt else _looks_like_json(text, source)


def parse_document(text: str, source: str = "<input>", fmt: str | None = None) -> Any:
    """Parse JSON or YAML (by ``fmt``, the file name, or the first character)."""
    if not text.strip():
        raise InputError(source, "empty document")
    use_json = is_json_document(text, source, fmt)
    return parse_json(text, source) if use_json else parse_yaml(text, source)


def parse_json(text: str, source: str = "<input>") -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            source, f"invalid JSON: {error.msg} (column {error.colno})", error.lineno
        ) from None
    except RecursionError:
        raise InputError(source, "JSON nested too deeply") from None
    except ValueError as error:  # e.g. an integer with more digits than Python allows
        raise InputError(source, f"invalid JSON: {_number_problem(error)}") from None


def _number_problem(error: ValueError) -> str:
    """Python's message for a number it cannot read, said for a user."""
    text = str(error)
    if "digits" in text and "limit" in text.lower():
        return "a number with more than 4,300 digits (integers must fit 64 bits)"
    return text


class _GuardedLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents whose aliases expand to too many nodes."""

    def construct_document(self, node: yaml.Node) -> Any:
        check_expansion(node)
        return super().construct_document(node)


_FastLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FastGuardedLoader(_FastLoader):  # type: ignore[misc]
    """libyaml's safe loader with the same alias-expansion guard."""

    def construct_document(self, node: yaml.Node) -> Any:
        check_expansion(node)
        return super().construct_document(node)


def check_expansion(root: yaml.Node) -> None:
    """Refuse a node graph that expands to more than MAX_YAML_NODES nodes through aliases."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes and not done:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                children.extend((k, v))
        if not done:
            sizes[key] = -1  # in progress: a cycle counts once
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        total = 1 + sum(max(sizes.get(id(c), 1), 1) for c in children)
        if total > MAX_YAML_NODES:
            raise yaml.YAMLError(
                f"document expands to more than {MAX_YAML_NODES:,} nodes through aliases"
            )
        sizes[key] = total


#: Deepest nesting of mappings and sequences a YAML document may have. libyaml's composer
#: recurses in C: a 400 KB document of brackets crashes the process instead of raising.
MAX_YAML_DEPTH = 500
_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def check_depth(text: str, source: str) -> None:
    """Refuse a document nested deeper than MAX_YAML_DEPTH, from libyaml's event stream (its
    parser keeps its stack on the heap), stopping at the first event past the limit."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_FastLoader):
            if isinstance(event, _OPEN):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    line = event.start_mark.line + 1 if event.start_mark else None
                    raise InputError(
                        source, f"YAML nested more than {MAX_YAML_DEPTH} levels deep", line
                    )
            elif isinstance(event, _CLOSE):
                depth -= 1
    except yaml.YAMLError:
        return  # invalid YAML: the parse that follows names the line


def parse_yaml(text: str, source: str = "<input>") -> Any:
    """Parse YAML with libyaml when available; errors come from the pure-Python parser, whose
    messages carry the line."""
    check_depth(text, source)
    # Without an alias ("*name") a document cannot expand beyond its own size, which the
    # document size limit already bounds, so the expansion walk is needed only with aliases.
    fast = _FastGuardedLoader if "*" in text else _FastLoader
    try:
        documents = list(yaml.load_all(text, Loader=fast))
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError):
        pass
    else:
        if documents:
            return documents[0] if len(documents) == 1 else documents
    try:
        documents = list(yaml.load_all(text, Loader=_GuardedLoader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        problem = error.problem or error.context or "invalid YAML"
        raise InputError(source, f"invalid YAML: {problem}", line) from None
    except yaml.YAMLError as error:
        raise InputError(source, f"invalid YAML: {error}") from None
    except RecursionError:
        raise InputError(source, "YAML nested too deeply") from None
    except ValueError as error:  # an integer with more digits than Python allows
        raise InputError(source, f"invalid YAML: {_number_problem(error)}") from None
    except OverflowError as error:
        raise InputError(source, f"invalid YAML: {error}") from None
    if not documents:
        raise InputError(source, "empty document")
    return documents[0] if len(documents) == 1 else documents


def load_document(path: str | Path) -> Any:
    """Read and parse one JSON or YAML file."""
    return parse_document(read_text(path), str(path))


def dump_document(data: Any, fmt: str = "json") -> str:
    """JSON (indented) or YAML (block style, keys in order)."""
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    raise ValueError(f"unknown format {fmt!r}; use json or yaml")
