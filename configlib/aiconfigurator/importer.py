"""import_path / import_upload: any aiconfigurator input -> candidates.

Accepted: a ``--save-dir`` folder or a .zip of it (`cli default`, `cli exp`, `cli generate`
layouts, any nesting depth), a lone best_config_topn.csv / pareto.csv, a lone
generator_config.yaml, a `cli exp` input YAML (flat V2 or legacy nested V1) and the design's
candidate YAML. Security problems (limits, path escapes, symlinks, nested archives, alias
bombs) refuse the whole input; a broken file inside a folder is reported as an error finding
and the other files are still imported (nothing importable at all raises).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

from configlib.aiconfigurator.candidates import (
    Candidate,
    FixedSource,
    Namer,
    agg_name,
    disagg_name,
    model_short,
)
from configlib.aiconfigurator.limits import MAX_YAML_BYTES, Budget, UploadLimitError, over
from configlib.aiconfigurator.readers.csv_rows import AGG, MAX_CSV_BYTES, ResultTable, read_table
from configlib.aiconfigurator.readers.folders import (
    FileTree,
    Layout,
    ResultDir,
    discover,
    files_under,
    looks_like_archive,
    tree_from_dir,
    tree_from_zip,
)
from configlib.aiconfigurator.readers.launch import AicLaunch, read_launch
from configlib.aiconfigurator.readers.runs import inclusive_of_run, sibling_settings
from configlib.aiconfigurator.readers.yaml_documents import design_specs
from configlib.aiconfigurator.readers.yaml_generator import generator_spec
from configlib.aiconfigurator.readers.yaml_inputs import (
    classify,
    experiment_bodies,
    planned_spec,
    run_settings,
    settings_from_dirname,
)
from configlib.aiconfigurator.spec import (
    RunSettings,
    Spec,
)
from configlib.aiconfigurator.table_rows import RowMaker, backend_column, bad_rows, row_names
from configlib.findings import Finding, errors
from configlib.io import MAX_DOCUMENT_BYTES, InputError, decode, parse_yaml, read_text
from configlib.vocab import Runtime

_VERSION_LINE = re.compile(r"Loading AIConfigurator version:\s*(\S+)")


class AicImportError(InputError):
    """Nothing could be imported; the message names the file and line."""


@dataclass
class ImportResult:
    """The candidates found in one input, and what the import had to say."""

    source: str
    candidates: list[Candidate] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    """Files that were read."""


#: One result folder of a run: the folder, its settings per backend and its tables.
_RunEntry = tuple[ResultDir, dict[str | None, RunSettings], list[ResultTable]]


class _Importer:
    def __init__(self, label: str, runtime: Runtime | str | None, include_pareto: bool) -> None:
        self.result = ImportResult(label)
        self.runtime = Runtime(runtime) if runtime else None
        self.include_pareto = include_pareto
        self.names = Namer()
        self.budget = Budget(label)

    def add(self, spec: Spec, launch: Any = None) -> None:
        main = spec.main_worker
        experiment = spec.source.get("experiment")
        if spec.planned and experiment:
            name = (
                str(experiment)
                if str(experiment).startswith("aiconfig")
                else (f"aiconfig-{model_short(spec.model)}-{experiment}")
            )
            if spec.serving_mode == "disagg" and "disagg" not in name:
                name += "-disagg"  # the name says it cannot run as one server
        elif spec.serving_mode == "disagg":
            p, d = spec.workers["prefill"], spec.workers["decode"]
            name = disagg_name(spec.model, p.workers, p.first("tp"), d.workers, d.first("tp"))
        else:
            name = agg_name(
                spec.model,
                main.first("tp"),
                main.first("pp"),
                main.first("dp"),
                main.first("moe_ep"),
                main.first("cp"),
            )
        self.budget.take_candidates(str(spec.source.get("file") or self.result.source), 1)
        self.result.candidates.append(
            Candidate(
                self.names(name[:255]),
                spec.serving_mode,
                spec.runnable,
                FixedSource(spec, self.runtime, launch),
                origin=spec.source.get("file"),
            )
        )

    def error(self, error: InputError) -> None:
        if isinstance(error, UploadLimitError):
            raise error  # a work limit refuses the whole upload
        self.result.findings.append(Finding("error", error.source, "aic-unreadable", str(error)))

    def finish(self) -> ImportResult:
        if not self.result.candidates:
            problems = errors(self.result.findings)
            if problems:
                raise _first_problem(problems)
            raise AicImportError(
                self.result.source,
                "no aiconfigurator results, generator configs or candidate YAML found",
            )
        return self.result

    # ---- Tables ----------------------------------------------------------------------------

    def table(
        self,
        table: ResultTable,
        settings: dict[str | None, RunSettings],
        *,
        serving_mode: str | None = None,
        tops: dict[int, str] | None = None,
        tree: FileTree | None = None,
        experiment: str | None = None,
    ) -> None:
        """Every row of a result table as a candidate; its spec is made when it is asked for."""
        self.budget.take_cells(table.source, table.rows * len(table.header))
        self.result.findings.extend(table.findings)
        is_best = table.source.endswith("best_config_topn.csv")
        backend_codes, backends, column = backend_column(table)
        bad = bad_rows(table, backend_codes, backends, column)
        for row, message in bad.items():
            self.result.findings.append(
                Finding("error", f"{table.source}:{table.line_of(row)}", "aic-row-skipped", message)
            )
        fallback = next((s.model for s in settings.values() if s.model), None)
        if not table.has("model") and fallback is None:
            self.error(
                InputError(table.source, "no model column and no exp_config.yaml naming the model")
            )
            return
        default = settings.get(None) or next(iter(settings.values()), RunSettings())
        by_backend = [settings.get(b, default) for b in backends] if len(settings) > 1 else None
        maker = RowMaker(
            table,
            default,
            (by_backend, backend_codes) if by_backend is not None else None,
            serving_mode,
            experiment,
            tops if is_best else {},
            self.runtime,
            _launches(tree, tops) if is_best else {},
        )
        names, runnable = row_names(table, fallback, serving_mode, with_load=not is_best)
        mode = "disagg" if table.kind != AGG else ("afd" if serving_mode == "afd" else AGG)
        kept = [row for row in range(table.rows) if row not in bad] if bad else range(table.rows)
        if bad:
            names = [names[row] for row in kept]
            runnable = [runnable[row] for row in kept]
        self.budget.take_candidates(table.source, len(names))
        self.result.candidates.extend(
            map(
                Candidate,
                self.names.many(names),
                repeat(mode),
                runnable,
                repeat(maker),
                kept,
                repeat(table.source),
            )
        )

    # ---- Trees -----------------------------------------------------------------------------

    def tree(self, tree: FileTree) -> None:
        """A folder or zip: result runs, generated configs, documents, lone tables, in order."""
        layout = discover(tree)
        version = self._version(tree, layout.logs)
        for entries in self._runs(tree, layout, version).values():
            self._run(tree, entries)
        for path in layout.generated:
            self._generated(tree, path, version)
        for path in layout.documents:
            self.document(tree, path, has_results=bool(layout.results))
        for path in layout.tables:
            self._lone_table(tree, path, version)
        if tree.other:
            self.result.findings.append(
                Finding(
                    "warning",
                    tree.label,
                    "aic-files-not-read",
                    f"{len(tree.other)} other file(s) not read (e.g. {tree.other[0]})",
                )
            )

    def _runs(
        self, tree: FileTree, layout: Layout, version: str | None
    ) -> dict[str, list[_RunEntry]]:
        """Each result folder's settings and tables, grouped by the run they belong to."""
        runs: dict[str, list[_RunEntry]] = {}
        for result in layout.results:
            settings = self._settings(tree, result, version)
            tables = []
            picks = [result.best] if result.best else []
            if result.pareto and (self.include_pareto or not result.best):
                picks.append(result.pareto)
            for path in picks:
                assert path is not None
                try:
                    tables.append(read_table(self._text(tree, path), tree.display(path)))
                except InputError as error:
                    self.error(error)
            runs.setdefault(result.run_root, []).append((result, settings, tables))
        return runs

    def _run(self, tree: FileTree, entries: list[_RunEntry]) -> None:
        """One run's tables, with the run's inclusive-TPOT convention where a folder lacks it."""
        inclusive = inclusive_of_run(tree, entries)
        for result, settings, tables in entries:
            if inclusive is not None:
                for run in settings.values():
                    if run.inclusive_tpot is None:
                        run.inclusive_tpot, run.inclusive_tpot_basis = inclusive
            for table in tables:
                self.table(
                    table,
                    settings,
                    serving_mode=result.name,
                    tops=result.tops,
                    tree=tree,
                    experiment=result.experiment,
                )

    def _generated(self, tree: FileTree, path: str, version: str | None) -> None:
        """A generator_config.yaml: one candidate, with the launch generated beside it."""
        try:
            doc = parse_yaml(self._text(tree, path), tree.display(path))
            spec = generator_spec(doc, tree.display(path))
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            if not isinstance(error, InputError):
                error = _unexpected(tree.display(path), error)
            self.error(error)
            return
        spec.run.aiconfigurator_version = version
        folder = path.rpartition("/")[0]
        self.add(spec, _launch_factory(tree, folder, whole_tree=not folder))

    def _lone_table(self, tree: FileTree, path: str, version: str | None) -> None:
        """A CSV outside any result folder: imported if it reads, else a warning."""
        try:
            table = read_table(self._text(tree, path), tree.display(path))
        except UploadLimitError:
            raise
        except InputError as error:
            self.result.findings.append(
                Finding("warning", tree.display(path), "aic-skipped", f"not imported: {error}")
            )
            return
        self.table(table, {None: RunSettings(aiconfigurator_version=version)})

    def _text(self, tree: FileTree, path: str) -> str:
        self.result.files.append(tree.display(path))
        lowered = path.lower()
        if lowered.endswith((".yaml", ".yml")):
            self.budget.take_yaml(tree.display(path), len(tree.files[path]))
        limit = (
            MAX_CSV_BYTES
            if lowered.endswith(".csv")
            else MAX_YAML_BYTES
            if lowered.endswith((".yaml", ".yml"))
            else MAX_DOCUMENT_BYTES
        )
        return decode(tree.files[path], tree.display(path), max_bytes=limit)

    def _version(self, tree: FileTree, logs: list[str]) -> str | None:
        found = set()
        for path in logs:
            try:
                text = self._text(tree, path)
            except InputError as error:
                self.error(error)
                continue
            found.update(_VERSION_LINE.findall(text))
        return found.pop() if len(found) == 1 else None

    def _settings(
        self,
        tree: FileTree,
        result: ResultDir,
        version: str | None,
    ) -> dict[str | None, RunSettings]:
        from_name = None
        for part in reversed(result.path.split("/")):
            from_name = settings_from_dirname(part)
            if from_name:
                break
        out: dict[str | None, RunSettings] = {}
        for backend, path in result.settings.items():
            try:
                doc = parse_yaml(self._text(tree, path), tree.display(path))
                settings, notes = run_settings(doc, tree.display(path))
            except (TypeError, ValueError, KeyError, AttributeError) as error:
                if not isinstance(error, InputError):
                    error = _unexpected(tree.display(path), error)
                self.error(error)
                continue
            self.result.findings.extend(notes)
            out[backend] = settings.merged(from_name) if from_name else settings
        if not out:
            base = from_name or RunSettings()
            if from_name is None:
                self.result.findings.append(
                    Finding(
                        "warning",
                        tree.display(result.path),
                        "aic-run-settings-missing",
                        "no exp_config.yaml (or config.yaml) beside the results: targets and the "
                        "GPU budget are unknown",
                    )
                )
            out[None] = base
        for settings in out.values():
            settings.aiconfigurator_version = settings.aiconfigurator_version or version
        return out

    # ---- YAML documents ----------------------------------------------------------------------

    def document(
        self,
        tree: FileTree | None,
        path: str,
        *,
        has_results: bool = False,
        text: str | None = None,
    ) -> None:
        label = tree.display(path) if tree is not None else path
        try:
            if text is None:
                assert tree is not None
                text = self._text(tree, path)
            doc = parse_yaml(text, label)
        except InputError as error:
            self.error(error)
            return
        kind = classify(doc)
        try:
            self._document(doc, kind, label, path, has_results)
        except InputError as error:
            self.error(error)
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            self.error(_unexpected(label, error))

    def _document(self, doc: Any, kind: str, label: str, path: str, has_results: bool) -> None:
        if kind == "design":
            for spec in design_specs(doc, label):
                self.add(spec)
        elif kind == "generator_config":
            self.add(generator_spec(doc, label))
        elif kind in ("exp_input", "exp_body"):
            if has_results:
                self.result.findings.append(
                    Finding(
                        "warning",
                        label,
                        "aic-exp-input-beside-results",
                        "a `cli exp` input next to results: its experiments are the results' "
                        "inputs, so they are not imported again as planned experiments",
                    )
                )
                return
            if kind == "exp_body":
                name = Path(path).stem
                doc = {name: doc}
            notes: list[Finding] = []
            bodies = experiment_bodies(doc, label, notes)
            self.result.findings.extend(notes)
            for name, body in bodies:
                try:
                    self.add(planned_spec(name, body, label))
                except InputError as error:
                    self.error(error)
        else:
            raise InputError(
                label,
                "not an aiconfigurator file: expected a result table, a "
                "`cli exp` YAML, a generator_config.yaml or a candidate YAML with "
                "worker_config",
            )


def _first_problem(problems: list[Finding]) -> AicImportError:
    """The refusal for an input with nothing importable: where the first problem is (file and
    line, the file named once: a finding from an unreadable file already starts with it), what
    it is, and how many rows (and other inputs) were refused."""
    problem = problems[0]
    where, message, line = problem.path, problem.message, None
    if message.startswith(f"{where}:"):
        rest = message[len(where) + 1 :]
        number, colon, after = rest.partition(": ")
        if colon and number.isascii() and number.isdigit():
            line, rest = int(number), after
        message = rest.lstrip()
    nouns = {"aic-row-skipped": ("row", "rows"), "aic-unreadable": ("file", "files")}
    tally: dict[tuple[str, str], int] = {}
    for item in problems:
        noun = nouns.get(item.code, ("entry", "entries"))
        tally[noun] = tally.get(noun, 0) + 1
    refused = " and ".join(
        f"{count:,} {one if count == 1 else many}" for (one, many), count in tally.items()
    )
    return AicImportError(
        where, f"nothing importable ({refused} refused); the first: {message}", line
    )


def _unexpected(label: str, error: Exception) -> InputError:
    """Content of a shape no reader expected: refused with what Python said, not a traceback."""
    return InputError(label, f"not readable as an aiconfigurator file ({error})")


def _launches(
    tree: FileTree | None, tops: dict[int, str] | None
) -> dict[int, Callable[[], AicLaunch | None]]:
    """The generated launch of each top-N rank, read when asked for."""
    if not tops or tree is None:
        return {}
    return {rank: _launch_factory(tree, top) for rank, top in tops.items()}


def _launch_factory(tree: FileTree | None, folder: str, *, whole_tree: bool = False) -> Any:
    def make() -> AicLaunch | None:
        assert tree is not None
        files = dict(tree.files) if whole_tree else files_under(tree, folder)
        return read_launch(folder, files, tree.label)

    return make


def import_path(
    path: str | Path, *, runtime: Runtime | str | None = None, include_pareto: bool = False
) -> ImportResult:
    """Import a folder, .zip, CSV or YAML file from disk.

    ``runtime`` is the engine to measure candidates that aiconfigurator predicted for
    TensorRT-LLM (sglang or vllm; sglang is assumed with a warning when omitted).
    ``include_pareto`` also imports every pareto.csv row (by default: best_config_topn.csv,
    or pareto.csv where there is no top-N table).
    """
    path = Path(path)
    importer = _Importer(str(path), runtime, include_pareto)
    if path.is_dir():
        importer.tree(tree_from_dir(path))
        return importer.finish()
    if not path.exists():
        raise AicImportError(str(path), "no such file or folder")
    name = path.name.lower()
    if name.endswith(".csv"):
        table = read_table(read_text(path, max_bytes=MAX_CSV_BYTES), str(path))
        importer.result.files.append(str(path))
        importer.table(table, sibling_settings(path), serving_mode=path.parent.name)
        return importer.finish()
    try:
        size = path.stat().st_size
    except OSError as error:
        raise AicImportError(str(path), error.strerror or str(error)) from None
    from configlib.aiconfigurator.readers.folders import MAX_ZIP_BYTES

    if size > max(MAX_ZIP_BYTES, MAX_DOCUMENT_BYTES):
        raise AicImportError(
            str(path),
            f"file is {size:,} bytes; the limit is {max(MAX_ZIP_BYTES, MAX_DOCUMENT_BYTES):,}",
        )
    return import_upload(
        path.name,
        path.read_bytes(),
        runtime=runtime,
        include_pareto=include_pareto,
        label=str(path),
    )


def import_upload(
    filename: str,
    data: bytes,
    *,
    runtime: Runtime | str | None = None,
    include_pareto: bool = False,
    label: str | None = None,
) -> ImportResult:
    """Import browser-uploaded bytes: a .zip of a result folder, a CSV or a YAML file."""
    label = label or filename or "upload"
    importer = _Importer(label, runtime, include_pareto)
    name = (filename or "").lower()
    if name.endswith(".zip") or (
        not name.endswith((".csv", ".yaml", ".yml")) and data.startswith(b"PK\x03\x04")
    ):
        importer.tree(tree_from_zip(data, label))
        return importer.finish()
    if looks_like_archive(data) or name.endswith((".tar", ".tgz", ".gz", ".7z", ".rar", ".xz")):
        raise AicImportError(label, "only .zip archives are accepted (zip the result folder)")
    text = decode(data, label, max_bytes=MAX_CSV_BYTES)
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    if name.endswith(".csv") or (
        not name.endswith((".yaml", ".yml")) and "," in first_line and ":" not in first_line
    ):
        importer.result.files.append(label)
        importer.table(read_table(text, label), {None: RunSettings()})
        return importer.finish()
    if len(data) > MAX_YAML_BYTES:
        raise over(label, "bytes in an aiconfigurator YAML file", len(data), MAX_YAML_BYTES)
    importer.result.files.append(label)
    doc = parse_yaml(text, label)
    kind = classify(doc)
    try:
        importer._document(doc, kind, label, filename or label, False)
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        if isinstance(error, InputError):
            raise
        raise _unexpected(label, error) from None
    return importer.finish()
