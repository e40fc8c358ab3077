"""The layering rules docs/architecture.md states, checked on the source tree.

- Engine knowledge is data in ``configlib/engines/``: no string literal outside it names a flag
  of a supported engine release (prose in docstrings may mention flags as examples).
- No import cycle between configlib modules, counting every import: module level, inside
  functions and under ``TYPE_CHECKING`` (a type-only cycle is still two modules that cannot be
  understood one without the other).
- ``configlib.ui`` is the app's state on top of the library: nothing else in configlib imports
  it (not even for types), so the library below works, and is understood, without it.
- Streamlit and Altair belong to the app (``app.py``, ``views/``), never to configlib (so
  ``configlib.ui`` runs headless); SQLAlchemy, Alembic and psycopg to ``configlib/store/``.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

from configlib.engines import ENGINES, get_engine, supported_versions

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "configlib"
#: Code that must not spell engine flags: the library outside engines/, the app's pages.
SCANNED = (PACKAGE, ROOT / "views", ROOT / "app.py")
ENGINES_DIR = PACKAGE / "engines"
#: (file, flag) pairs a literal in that file may name, each with why.
ALLOWED: dict[tuple[str, str], str] = {
    # The paste box's placeholder is an example command shown to people, not a flag configlib
    # writes or reads.
    ("views/parts/widgets.py", "--model-path"): "example launch command (placeholder)",
    ("views/parts/widgets.py", "--tp-size"): "example launch command (placeholder)",
    ("views/parts/engine_files.py", "--config"): "example command line (placeholder)",
    ("views/parts/engine_files.py", "--max-num-seqs"): "example command line (placeholder)",
}
_OPTION = re.compile(r"--[a-z][a-z0-9_-]*[a-z0-9]")


def _engine_options() -> set[str]:
    options: set[str] = set()
    for runtime in ENGINES:
        for version in supported_versions(runtime):
            for spec in get_engine(runtime, version).manifest.flags.values():
                options.update(o for o in spec.option_strings() if o.startswith("--"))
                options.update(spec.negation)
    return options


def _python_files() -> Iterator[Path]:
    for place in SCANNED:
        files = [place] if place.is_file() else sorted(place.rglob("*.py"))
        for path in files:
            if ENGINES_DIR not in path.parents:
                yield path


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
        # An attribute docstring: a string statement right after an assignment.
        for field in ("body", "orelse"):
            statements = getattr(node, field, None)
            if not isinstance(statements, list):
                continue
            for before, after in itertools.pairwise(statements):
                if (
                    isinstance(before, ast.Assign | ast.AnnAssign)
                    and isinstance(after, ast.Expr)
                    and isinstance(after.value, ast.Constant)
                ):
                    found.add(id(after.value))
    return found


def flag_literals(path: Path, options: set[str]) -> list[str]:
    """``line: literal`` for each string literal in ``path`` that names an engine flag."""
    bare = {option[2:] for option in options if "-" in option[2:]}
    tree = ast.parse(path.read_text(), str(path))
    skip = _docstrings(tree)
    relative = path.relative_to(ROOT).as_posix() if ROOT in path.parents else path.name
    hits = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if id(node) in skip:
            continue
        text = node.value
        named = [o for o in _OPTION.findall(text) if o in options and (relative, o) not in ALLOWED]
        if named or (text in bare and (relative, f"--{text}") not in ALLOWED):
            hits.append(f"{relative}:{node.lineno}: {text!r}")
    return hits


def test_no_engine_flag_name_outside_engines() -> None:
    options = _engine_options()
    assert "--tp-size" in options and "--tensor-parallel-size" in options
    hits = [hit for path in _python_files() for hit in flag_literals(path, options)]
    assert hits == [], "engine flag names belong in configlib/engines/:\n" + "\n".join(hits)


def test_the_flag_check_sees_flags(tmp_path: Path) -> None:
    options = _engine_options()
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Docstrings may say --tp-size."""\nA = "tp-size"\nB = f"--max-num-seqs {1}"\nC = "tp"\n'
    )
    hits = flag_literals(sample, options)
    assert [hit.split(": ", 1)[0] for hit in hits] == ["sample.py:2", "sample.py:3"]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """configlib module -> the configlib modules it imports (anywhere in the file)."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        targets: set[str] = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names if alias.name in paths)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                for alias in node.names:
                    if f"{base}.{alias.name}" in paths:
                        targets.add(f"{base}.{alias.name}")
                    elif base in paths:
                        targets.add(base)
        targets.discard(name)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_import_cycle_between_configlib_modules() -> None:
    graph = import_graph()
    assert "configlib.engines.manifest" in graph["configlib.engines"]
    assert cycles(graph) == []


def test_the_cycle_check_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


UI = "configlib.ui"


def ui_importers(graph: dict[str, set[str]]) -> list[str]:
    """``module -> target`` for each import of configlib.ui from outside it."""

    def inside(module: str) -> bool:
        return module == UI or module.startswith(f"{UI}.")

    return sorted(
        f"{name} -> {target}"
        for name, targets in graph.items()
        if not inside(name)
        for target in targets
        if inside(target)
    )


def test_only_the_app_imports_configlib_ui() -> None:
    graph = import_graph()
    assert f"{UI}.comparison" in graph
    assert ui_importers(graph) == [], "configlib.ui is imported only by the app (views/, app.py)"


def test_the_ui_check_sees_imports_of_ui() -> None:
    graph = {
        "configlib.calibration": {"configlib.ui.comparison", "configlib.results"},
        "configlib.ui.comparison": {"configlib.ui", "configlib.results"},
        "configlib.uikit": {"configlib.ui"},
        "configlib.results": set(),
    }
    assert ui_importers(graph) == [
        "configlib.calibration -> configlib.ui.comparison",
        "configlib.uikit -> configlib.ui",
    ]


#: Third-party packages only one part of configlib may import (the extras install them); None:
#: no part of configlib, only the app (views/ and app.py), so configlib.ui runs headless.
CONFINED: dict[str, str | None] = {
    "streamlit": None,
    "altair": None,
    "sqlalchemy": "configlib/store",
    "alembic": "configlib/store",
    "psycopg": "configlib/store",
}


def _imported(path: Path) -> Iterator[tuple[int, str]]:
    """(line, top-level package) of every absolute import in ``path``, anywhere in the file."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        else:
            continue
        for name in names:
            yield node.lineno, name.partition(".")[0]


def test_app_and_database_packages_stay_in_their_layer() -> None:
    misplaced = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        for line, name in _imported(path):
            if name not in CONFINED:
                continue
            home = CONFINED[name]
            if home is None or not relative.startswith(home + "/"):
                misplaced.append(f"{relative}:{line}: {name}")
    assert misplaced == []


def test_the_app_layer_is_views_and_app_py() -> None:
    """Streamlit and Altair are imported by the app (views/, app.py) and by nothing it serves."""
    app_files = [ROOT / "app.py", *sorted((ROOT / "views").rglob("*.py"))]
    importers = {
        path.relative_to(ROOT).as_posix()
        for path in app_files
        for _, name in _imported(path)
        if name in ("streamlit", "altair")
    }
    assert "app.py" in importers and "views/parts/charts.py" in importers
    # The library never imports the app.
    for path in sorted(PACKAGE.rglob("*.py")):
        assert "views" not in {name for _, name in _imported(path)}, path
