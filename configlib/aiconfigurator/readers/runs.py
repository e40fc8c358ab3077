"""Run-level facts shared by every row of one aiconfigurator run: the saved settings next to
a lone CSV, and whether the run used ``--inclusive-tpot``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from configlib.aiconfigurator.readers.folders import FileTree
from configlib.aiconfigurator.readers.yaml_generator import inclusive_from_generator
from configlib.aiconfigurator.readers.yaml_inputs import run_settings, settings_from_dirname
from configlib.aiconfigurator.spec import BACKENDS, RunSettings
from configlib.io import InputError, decode, parse_yaml, read_text


def inclusive_of_run(tree: FileTree, entries: list[Any]) -> tuple[bool, str] | None:
    """--inclusive-tpot of one run, from the top-N folders' generator configs.

    It is one flag for the whole run, so the first folder whose numbers decide it (the
    inclusive and plain readings differ by more than the CSV's rounding) settles every row.
    """
    for result, _, tables in entries:
        for table in tables:
            if not table.source.endswith("best_config_topn.csv"):
                continue
            for rank, folder in sorted(result.tops.items()):
                path = f"{folder}/generator_config.yaml"
                row = rank - 1
                if path not in tree.files or row >= table.rows:
                    continue
                try:
                    doc = parse_yaml(decode(tree.files[path], path), tree.display(path))
                except InputError:
                    continue
                verdict = inclusive_from_generator(
                    doc, table.get("ttft", row), table.get("tpot", row), table.get("osl", row)
                )
                if verdict is not None:
                    relation = "differs from" if verdict else "equals"
                    return verdict, f"{path}: SlaConfig.tpot {relation} the CSV tpot"
    return None


def sibling_settings(path: Path) -> dict[str | None, RunSettings]:
    folder = path.parent
    out: dict[str | None, RunSettings] = {}
    from_name = None
    for part in reversed(folder.parts):
        from_name = settings_from_dirname(part)
        if from_name:
            break
    for candidate in [*sorted(folder.glob("*exp_config.y*ml")), folder / "config.yaml"]:
        if not candidate.is_file():
            continue
        name = candidate.name
        backend = name.split("_exp_config")[0] if "_exp_config" in name else None
        if backend is not None and backend not in BACKENDS:
            continue
        settings, _ = run_settings(parse_yaml(read_text(candidate), str(candidate)), str(candidate))
        out[backend] = settings.merged(from_name) if from_name else settings
        if candidate.name == "config.yaml" and out:
            break
    if not out and from_name:
        out[None] = from_name
    return out or {None: RunSettings()}
