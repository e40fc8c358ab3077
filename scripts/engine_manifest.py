#!/usr/bin/env python3
"""Read an engine's real server argument parser: write its flag manifest, or parse argvs.

Run it with the Python of an environment where the engine is importable (a GPU install, or a
CPU environment built by engine_parsers.py):

    python scripts/engine_manifest.py manifest sglang > sglang-0.5.23.json
    python scripts/engine_manifest.py manifest vllm -o vllm-0.33.0.json
    echo '[["m", "-tp", "2"]]' | python scripts/engine_manifest.py parse vllm
    echo '[{"config": "tp-size: 2", "argv": ["--config", "{config}"]}]' \\
        | python scripts/engine_manifest.py load-config sglang
    python scripts/engine_manifest.py check vllm

The parser is built the way each launcher builds it: SGLang's ``prepare_server_args`` (a plain
ArgumentParser given to ``ServerArgs.add_cli_args``), vLLM's ``vllm serve`` sub-command
(``ServeSubcommand.subparser_init`` under a FlexibleArgumentParser root). The manifest format
is described in docs/engines.md. This file uses only the standard library and the engine.
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import io
import json
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

ENGINES = ("sglang", "vllm")
LAUNCHERS = {"sglang": "python -m sglang.launch_server", "vllm": "vllm serve"}


# ---- Building the parser -------------------------------------------------------------------


def _sglang_parser() -> argparse.ArgumentParser:
    from sglang.srt.server_args import ServerArgs

    parser = argparse.ArgumentParser(prog="sglang")
    ServerArgs.add_cli_args(parser)
    return parser


def _vllm_flexible_parser() -> type[argparse.ArgumentParser]:
    try:
        from vllm.utils.argparse_utils import FlexibleArgumentParser
    except ImportError:  # 0.10: defined in vllm.utils itself
        from vllm.utils import FlexibleArgumentParser  # type: ignore[no-redef]
    parser_class: type[argparse.ArgumentParser] = FlexibleArgumentParser
    return parser_class


def _vllm_parsers() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """(root ``vllm`` parser, its ``serve`` sub-parser)."""
    from vllm.entrypoints.cli.serve import ServeSubcommand

    root = _vllm_flexible_parser()(prog="vllm", description="vLLM CLI")
    subparsers = root.add_subparsers(required=False, dest="subparser")
    serve = ServeSubcommand().subparser_init(subparsers)
    return root, serve


def build_parser(engine: str) -> argparse.ArgumentParser:
    """The server parser of the installed engine (vLLM: the ``serve`` sub-parser)."""
    if engine == "sglang":
        return _sglang_parser()
    return _vllm_parsers()[1]


@contextlib.contextmanager
def _argv(values: list[str]) -> Any:
    saved = sys.argv
    sys.argv = values
    try:
        yield
    finally:
        sys.argv = saved


# ---- Parsing -------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if callable(value):
        return f"<callable {getattr(value, '__name__', type(value).__name__)}>"
    return repr(value)


def parse_function(engine: str) -> Callable[[list[str]], argparse.Namespace]:
    """A function that parses one argument list (what follows the launcher; SGLang's include
    ``--model-path``) with the engine's parser, built once."""
    with _argv([engine]):
        if engine == "sglang":
            parser = _sglang_parser()
            return parser.parse_args
        root, _ = _vllm_parsers()

    def parse(args: list[str]) -> argparse.Namespace:
        return root.parse_args(["serve", *args])

    return parse


def parse_many(
    engine: str,
    argvs: Sequence[Sequence[str]],
    parse: Callable[[list[str]], argparse.Namespace] | None = None,
) -> list[dict[str, Any]]:
    """Parse each argument list; argparse errors are reported, not raised."""
    parse = parse or parse_function(engine)
    return [_parse_one(parse, list(argv)) for argv in argvs]


def _argv_lists(data: Any) -> bool:
    return isinstance(data, list) and all(
        isinstance(a, list) and all(isinstance(s, str) for s in a) for a in data
    )


def serve_lines(
    engine: str,
    lines: Any,
    output: Any,
    parse: Callable[[list[str]], argparse.Namespace] | None = None,
) -> None:
    """One JSON list of argument lists per input line, one JSON list of results per output
    line: the parser is built once for a whole session of batches."""
    parse = parse or parse_function(engine)
    _serve(
        lines,
        output,
        _argv_lists,
        "not a JSON list of lists of strings",
        lambda data: parse_many(engine, data, parse),
    )


def _serve(
    lines: Any,
    output: Any,
    valid: Callable[[Any], bool],
    invalid: str,
    answer: Callable[[Any], Any],
) -> None:
    """Answer each JSON input line with one JSON output line (flushed: the caller waits on it);
    a line that is not JSON, or not what ``valid`` accepts, is answered with an error."""
    for line in lines:
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            data, problem = None, f"not JSON: {exc}"
        else:
            problem = None if valid(data) else invalid
        reply: Any = {"error": problem} if problem else answer(data)
        output.write(json.dumps(reply) + "\n")
        output.flush()


def _parse_one(parse: Callable[[list[str]], argparse.Namespace], argv: list[str]) -> dict[str, Any]:
    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
            namespace = parse(argv)
    except SystemExit as exc:
        message = errors.getvalue().strip().splitlines()
        return {"ok": False, "error": message[-1] if message else f"exit {exc.code}"}
    except Exception as exc:  # a custom type or action refusing the value
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    values = {
        k: _jsonable(v)
        for k, v in vars(namespace).items()
        if k not in {"dispatch_function", "subparser"}
    }
    return {"ok": True, "namespace": values}


# ---- Loading a config file the way the launcher does ----------------------------------------

#: The word of an argv that stands for the config file's path (also inside ``--config=...``).
CONFIG_PLACEHOLDER = "{config}"


def launch_function(engine: str) -> Callable[[list[str]], argparse.Namespace]:
    """A function that reads one argument list exactly as the launcher does before the server
    starts, ``--config FILE`` included: SGLang's own ``prepare_server_args`` (its config merger,
    then its parser) stopped before ``ServerArgs.from_cli_args`` builds the server's settings
    (that needs GPUs); vLLM's root ``FlexibleArgumentParser``, whose ``parse_args`` pulls the
    file's options in, as ``vllm serve`` does."""
    if engine == "vllm":
        return parse_function(engine)
    from sglang.srt import server_args

    def prepare(args: list[str]) -> argparse.Namespace:
        original = server_args.ServerArgs.__dict__["from_cli_args"]
        server_args.ServerArgs.from_cli_args = classmethod(lambda cls, raw: raw)
        try:
            namespace: argparse.Namespace = server_args.prepare_server_args(args)
        finally:
            server_args.ServerArgs.from_cli_args = original
        return namespace

    return prepare


def load_config_many(
    engine: str,
    items: Sequence[dict[str, Any]],
    launch: Callable[[list[str]], argparse.Namespace] | None = None,
) -> list[dict[str, Any]]:
    """Each item is ``{"config": "<YAML text>", "argv": [...], "name": "point.yaml"}``: the
    text is written to a file of that name in a fresh folder and every ``{config}`` in the argv
    becomes its path; the argv is then read as the launcher reads it. Results as ``parse``."""
    import tempfile
    from pathlib import Path

    launch = launch or launch_function(engine)
    results = []
    for item in items:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / str(item.get("name") or "point.yaml")
            path.write_text(str(item["config"]), encoding="utf-8")
            argv = [w.replace(CONFIG_PLACEHOLDER, str(path)) for w in item["argv"]]
            results.append(_parse_one(launch, argv))
    return results


def _config_items(data: Any) -> bool:
    return isinstance(data, list) and all(
        isinstance(item, dict)
        and isinstance(item.get("config"), str)
        and _argv_lists([item.get("argv")])
        for item in data
    )


def serve_config_lines(engine: str, lines: Any, output: Any) -> None:
    """``serve_lines`` for config items: one JSON list of items per line."""
    launch = launch_function(engine)
    _serve(
        lines,
        output,
        _config_items,
        "not a JSON list of config items",
        lambda data: load_config_many(engine, data, launch),
    )


# ---- Reading the parser into a manifest ------------------------------------------------------

SOURCES = {
    "sglang": "sglang/srt/server_args.py (ServerArgs.add_cli_args)",
    "sglang-dataclass": (
        "sglang/srt/server_args.py (ServerArgs.add_cli_args); most flags generated from the "
        "annotated ServerArgs fields by sglang/srt/arg_groups/arg_utils.py "
        "(add_cli_args_from_dataclass)"
    ),
    "vllm": (
        "vllm/entrypoints/cli/serve.py (ServeSubcommand.subparser_init) -> {cli_args} "
        "(make_arg_parser) -> vllm/engine/arg_utils.py (AsyncEngineArgs.add_cli_args / "
        "EngineArgs.add_cli_args, config dataclasses via get_kwargs)"
    ),
}

_STOCK_ACTIONS = {
    argparse._StoreAction: "store",
    argparse._StoreTrueAction: "store_true",
    argparse._StoreFalseAction: "store_false",
    argparse._StoreConstAction: "store_const",
    argparse._AppendAction: "append",
    argparse._AppendConstAction: "append_const",
    argparse._ExtendAction: "extend",
    argparse._CountAction: "count",
    argparse.BooleanOptionalAction: "BooleanOptionalAction",
}
_LIST_NARGS = ("+", "*")


def _action_kind(action: argparse.Action) -> tuple[str, str | None]:
    """(base semantics, the engine's own class name when it is not a stock class)."""
    cls = type(action)
    if cls in _STOCK_ACTIONS:
        return _STOCK_ACTIONS[cls], None
    for base in cls.__mro__[1:]:
        if base in _STOCK_ACTIONS:
            return _STOCK_ACTIONS[base], cls.__name__
    return cls.__name__, cls.__name__


def _closure_values(function: Any) -> list[Any]:
    cells = getattr(function, "__closure__", None) or ()
    values = []
    for cell in cells:
        with contextlib.suppress(ValueError):
            values.append(cell.cell_contents)
    defaults = getattr(function, "__defaults__", None) or ()
    return [*values, *defaults]


def _type_name(converter: Any) -> str:
    """The manifest's name for an argparse ``type`` converter."""
    if converter in (int, float, str, bool):
        return str(converter.__name__)
    if converter is json.loads:
        return "json"
    name = getattr(converter, "__name__", type(converter).__name__)
    inner = _closure_values(converter)
    if name == "_optional_type":
        wrapped = next((v for v in inner if callable(v)), str)
        return f"optional[{_type_name(wrapped)}]"
    if name == "_parse_type":
        wrapped = next((v for v in inner if callable(v)), str)
        return _type_name(wrapped)
    if name == "parse_dataclass":
        config = next((v for v in inner if isinstance(v, type)), None)
        return f"json:{config.__name__}" if config is not None else "json"
    if name == "union_dict_and_str":
        return "json|str"
    if name == "<lambda>":
        return "lambda"
    if isinstance(converter, type):
        return converter.__name__
    return str(name)


def _value_type(action: argparse.Action, kind: str, custom: str | None) -> str | None:
    if kind in {"store_true", "store_false", "BooleanOptionalAction"}:
        return "bool"
    if action.type is not None:
        base = _type_name(action.type)
    elif action.nargs == 0:
        constant = getattr(action, "const_value", None)
        if constant is None:
            constant = action.const
        return None if constant is None else type(constant).__name__
    elif custom is not None and kind == custom and action.nargs not in _LIST_NARGS:
        return None
    else:
        base = "str"
    if action.nargs in _LIST_NARGS or kind in {"append", "extend"} or isinstance(action.nargs, int):
        return f"list[{base}]"
    return base


def _plain(value: Any) -> Any:
    """JSON-serialisable values as they are (sets as sorted lists, containers element-wise);
    anything else (plain enums, config objects) as its repr."""
    if isinstance(value, set | frozenset):
        # A set's order changes from run to run (string hashing): sort it.
        items = [_plain(v) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return sorted(items, key=repr)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


def _choices(choices: Any) -> list[Any] | None:
    if choices is None:
        return None
    if isinstance(choices, set | frozenset):
        listed: list[Any] = _plain(choices)
        return listed
    return [_plain(c) for c in choices]


_DEPRECATED_HELP = re.compile(r"^\W*deprecated|deprecated alias", re.IGNORECASE | re.MULTILINE)


def _help_deprecated(action: argparse.Action) -> bool:
    text = action.help if isinstance(action.help, str) else ""
    if _DEPRECATED_HELP.search(text):
        return True
    lowered = text.lower()
    return any(
        f"{option} is deprecated" in lowered or f"`{option}` is deprecated" in lowered
        for option in action.option_strings
    )


def _negations(parser: argparse.ArgumentParser, action: argparse.Action) -> list[str] | None:
    if not isinstance(action, argparse.BooleanOptionalAction):
        return None
    negative = set(getattr(action, "negative_option_strings", ()))
    # Visible spellings first (the action's own list), then those hidden from help.
    options = list(action.option_strings)
    options += [
        o
        for o, owner in parser._option_string_actions.items()
        if owner is action and o not in options
    ]
    found = [o for o in options if o.startswith("--no-") or o in negative]
    return found or None


def _canonical(action: argparse.Action, positive: list[str]) -> str:
    wanted = "--" + action.dest.replace("_", "-")
    if wanted in positive:
        return wanted
    long = [o for o in positive if o.startswith("--")]
    return long[0] if long else positive[0]


def _groups(parser: argparse.ArgumentParser) -> dict[int, str]:
    titles: dict[int, str] = {}
    for group in parser._action_groups:
        for action in group._group_actions:
            titles.setdefault(id(action), str(group.title))
    return titles


def flag_entries(parser: argparse.ArgumentParser) -> list[dict[str, Any]]:
    """One manifest entry per optional action, sorted by name."""
    titles = _groups(parser)
    deprecated_actions = getattr(parser, "_deprecated", set())
    actions: list[argparse.Action] = []
    for action in [*parser._actions, *parser._option_string_actions.values()]:
        if action.option_strings and action not in actions:
            actions.append(action)
    entries = []
    for action in actions:
        if isinstance(action, argparse._HelpAction | argparse._VersionAction):
            continue
        kind, custom = _action_kind(action)
        negation = _negations(parser, action)
        options = [o for o, owner in parser._option_string_actions.items() if owner is action]
        positive = [o for o in action.option_strings if o not in (negation or [])]
        positive += [o for o in options if o not in positive and o not in (negation or [])]
        name = _canonical(action, positive)
        deprecated = (
            getattr(action, "deprecated", False) is True
            or action in deprecated_actions
            or type(action).__name__.startswith("Deprecated")
            or _help_deprecated(action)
        )
        entry: dict[str, Any] = {
            "name": name,
            "aliases": [o for o in positive if o != name],
            "dest": action.dest,
            "type": _value_type(action, kind, custom),
            "action": kind,
            "nargs": action.nargs,
            "choices": _choices(action.choices),
            "default": _plain(action.default),
            "required": bool(action.required),
            "deprecated": bool(deprecated),
            "negation": negation,
            "group": titles.get(id(action), "options"),
        }
        if action.metavar is not None:
            entry["metavar"] = _plain(action.metavar)
        replacement = getattr(action, "new_flag", None)
        if replacement is not None:
            entry["replacement"] = replacement
        if getattr(action, "const_value", None) is not None:
            entry["const"] = _plain(action.const_value)
        if custom is not None:
            entry["action_class"] = custom
        if (
            action.const is not None
            and kind not in {"store_true", "store_false"}
            and ("const" not in entry)
        ):
            entry["const"] = _plain(action.const)
        entries.append(entry)
    entries.sort(key=lambda e: e["name"])
    return entries


def _source(engine: str) -> str:
    if engine == "sglang":
        try:
            import sglang.srt.arg_groups.arg_utils as generated
        except ImportError:
            return SOURCES["sglang"]
        return (
            SOURCES["sglang-dataclass"]
            if hasattr(generated, "add_cli_args_from_dataclass")
            else SOURCES["sglang"]
        )
    from vllm.entrypoints.cli import serve

    module = getattr(serve, "make_arg_parser", None)
    where = getattr(module, "__module__", "vllm.entrypoints.openai.cli_args")
    return SOURCES["vllm"].format(cli_args=where.replace(".", "/") + ".py")


def _version(engine: str) -> str:
    from importlib import metadata

    return metadata.version(engine)


def manifest_json(engine: str) -> str:
    """The installed engine's manifest, as the shipped files are written (one flag a line)."""
    # vLLM reads its config attribute docs (used here only to spot deprecations) when --help
    # is on the command line. Not `serve --help`: with both, 0.10 leaves out --model.
    with _argv([engine, "--help"] if engine == "vllm" else [engine]):
        parser = _vllm_parsers()[1] if engine == "vllm" else _sglang_parser()
    head: dict[str, Any] = {
        "engine": engine,
        "version": _version(engine),
        "launcher": LAUNCHERS[engine],
        "source": _source(engine),
        # How the parser reads spellings: unique prefixes (argparse's allow_abbrev), and
        # vLLM's FlexibleArgumentParser dotted JSON sub-keys (--speculative-config.method).
        "allow_abbrev": bool(parser.allow_abbrev),
        "dotted_keys": engine == "vllm" and isinstance(parser, _vllm_flexible_parser()),
    }
    positionals = [
        {"dest": a.dest, "nargs": a.nargs, "default": _plain(a.default)}
        for a in parser._actions
        if not a.option_strings
    ]
    return render(head, positionals, flag_entries(parser))


def render(head: dict[str, Any], positionals: list[dict[str, Any]], flags: list[Any]) -> str:
    """The manifest text: one key, then one flag, per line (diff-friendly)."""
    lines = ["{"]
    lines.extend(f" {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items())
    if positionals:
        lines.append(f' "positionals": {json.dumps(positionals)},')
    lines.append(' "flags": [')
    lines.extend(
        f"  {json.dumps(entry)}{',' if i < len(flags) - 1 else ''}" for i, entry in enumerate(flags)
    )
    lines.append(" ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def value_lists(engine: str) -> dict[str, Any]:
    """Values vLLM checks after parsing, in the shape of one release in _value_lists.json.

    ``--quantization`` is checked against QUANTIZATION_METHODS; ``--kv-cache-dtype`` against
    KV_CACHE_DTYPES when the parser has no choices for it (0.33+); deprecated methods need
    ``--allow-deprecated-quantization`` (0.24+). SGLang's parser enforces its own choices.
    """
    if engine != "vllm":
        return {}
    with _argv([engine]):
        parser = _vllm_parsers()[1]
        from vllm.model_executor.layers import quantization

        values: dict[str, list[str]] = {"--quantization": list(quantization.QUANTIZATION_METHODS)}
        kv = parser._option_string_actions.get("--kv-cache-dtype")
        if kv is not None and kv.choices is None:
            from vllm.config import cache

            values["--kv-cache-dtype"] = list(cache.KV_CACHE_DTYPES)
        found: dict[str, Any] = {"values": values}
        deprecated = getattr(quantization, "DEPRECATED_QUANTIZATION_METHODS", None)
        if deprecated:
            found["requires"] = {
                "--quantization": {m: "--allow-deprecated-quantization" for m in deprecated}
            }
    return found


# ---- Command line --------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    manifest = sub.add_parser("manifest", help="write the installed engine's flag manifest")
    manifest.add_argument("engine", choices=ENGINES)
    manifest.add_argument("-o", "--output", help="file to write (default: standard output)")
    parse = sub.add_parser("parse", help="parse a JSON list of argument lists read from stdin")
    parse.add_argument("engine", choices=ENGINES)
    parse.add_argument(
        "--lines", action="store_true", help="serve batches: one JSON list per line, until EOF"
    )
    config = sub.add_parser(
        "load-config",
        help="read argument lists with a config file as the launcher does (JSON items on stdin)",
    )
    config.add_argument("engine", choices=ENGINES)
    config.add_argument(
        "--lines", action="store_true", help="serve batches: one JSON list per line, until EOF"
    )
    lists = sub.add_parser("value-lists", help="values the engine checks after parsing (JSON)")
    lists.add_argument("engine", choices=ENGINES)
    check = sub.add_parser("check", help="build the parser and count its option strings")
    check.add_argument("engine", choices=ENGINES)
    args = parser.parse_args(argv)

    # Engines log to standard output while importing; keep it for the result alone.
    output = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        if args.command == "check":
            with _argv([args.engine]):
                built = build_parser(args.engine)
            text = (
                f"{len(built._actions)} actions, "
                f"{len(built._option_string_actions)} option strings\n"
            )
        elif args.command == "parse":
            if args.lines:
                serve_lines(args.engine, sys.stdin, output)
                return 0
            try:
                argvs = json.load(sys.stdin)
            except ValueError as exc:
                print(f"error: standard input is not JSON: {exc}", file=sys.stderr)
                return 2
            if not _argv_lists(argvs):
                print(
                    "error: standard input must be a JSON list of lists of strings", file=sys.stderr
                )
                return 2
            text = json.dumps(parse_many(args.engine, argvs))
        elif args.command == "load-config":
            if args.lines:
                serve_config_lines(args.engine, sys.stdin, output)
                return 0
            try:
                items = json.load(sys.stdin)
            except ValueError as exc:
                print(f"error: standard input is not JSON: {exc}", file=sys.stderr)
                return 2
            if not _config_items(items):
                print("error: standard input must be a JSON list of config items", file=sys.stderr)
                return 2
            text = json.dumps(load_config_many(args.engine, items))
        elif args.command == "value-lists":
            text = json.dumps(value_lists(args.engine), indent=1) + "\n"
        else:
            text = manifest_json(args.engine)
    if args.command == "manifest" and args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        output.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
