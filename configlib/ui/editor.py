"""The task editor's state, without Streamlit: one draft task, the form's widget values, and
everything the side panel shows.

The draft is always a valid TaskConfig. Form values that do not parse are kept as typed (with
an error on their field) and leave the draft's value alone, so nothing typed is lost and nothing
invalid reaches the task. Both tabs edit the same draft through configlib.convert.editing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from configlib.commandline import read_command
from configlib.convert import FlatResult, editing, engine_for, to_flat
from configlib.engines import Engine
from configlib.engines.releases import follow_tag, pin
from configlib.findings import Finding, errors, unique
from configlib.grid import grid_of, launch_command
from configlib.model import RangeSpec, TaskConfig
from configlib.results.compare import prediction_rows
from configlib.served import follow_model
from configlib.switching import change_engine
from configlib.ui import expert, fields, form
from configlib.validate import validate
from configlib.vocab import Runtime, Strategy

#: Placeholders that keep a new draft valid until the user fills the required fields.
NEW_TASK_NAME = "untitled-task"
NEW_MODEL = "<model>"
#: Launch commands shown in the side panel.
COMMANDS_SHOWN = 3
#: The sections a launch command's flags fill (hardware, benchmark and search are not flags).
FLAG_SECTIONS = (
    "parallel_config",
    "quantization_config",
    "memory_config",
    "scheduling_config",
    "advanced_tuning_config",
)


@dataclass
class StoredRef:
    """The stored task a draft was loaded from: saving needs its version."""

    name: str
    """The stored task's name."""
    version: int
    """The version loaded: saving expects it."""


@dataclass(frozen=True)
class Snapshot:
    """A draft as it was, to bring back exactly (undoing presets)."""

    task: TaskConfig
    raw: dict[str, fields.Raw]
    errors: dict[str, str]
    bad_rows: list[dict[str, str]]
    notes: list[Finding]
    unread: set[str]
    dirty: bool
    baseline: TaskConfig | None


@dataclass
class EditorState:
    """One draft in the task editor."""

    task: TaskConfig
    """The draft: always a valid task, with its full regenerated flags."""
    raw: dict[str, fields.Raw]
    """Form widget values by field path, as typed."""
    errors: dict[str, str] = field(default_factory=dict)
    """Form fields whose typed value was not applied, and why."""
    bad_rows: list[dict[str, str]] = field(default_factory=list)
    """Expert-mode rows that could not be read, kept as typed with an ``error``."""
    notes: list[Finding] = field(default_factory=list)
    """What the last sync between the tabs had to say (a flag that could not be lifted ...)."""
    stored: StoredRef | None = None
    """The stored task the draft came from; None for a new task."""
    revision: int = 0
    """Bumps on every change of the draft (the expert table restarts from the new flags)."""
    form_revision: int = 0
    """Bumps when the form values were replaced from outside the form (push them to widgets)."""
    dirty: bool = False
    """True while the task differs from the one loaded or last saved."""
    baseline: TaskConfig | None = None
    """The task as it was loaded or last saved; None for a task never saved, which is dirty
    once anything changed. A stored draft is dirty while its task differs from this one or
    typed values are pending."""
    gone: str | None = None
    """The name of the stored task this draft was loaded from when that task is no longer
    stored (deleted or renamed elsewhere): the edits are kept, to be saved as a new task."""
    undo: tuple[Snapshot, int, str] | None = None
    """Before presets were applied: the draft, the revision applying them made, and which
    presets; undoing is offered while the draft is still at that revision."""
    _engine: tuple[tuple[int, int], Engine] | None = field(default=None, repr=False, compare=False)
    """The draft's engine release, worked out once per revision."""
    _flat: tuple[TaskConfig, FlatResult] | None = field(default=None, repr=False, compare=False)
    """The draft's flat result, converted once per revision and read by every panel (the
    task is kept with it: a result belongs to that very task object)."""
    _unread: set[str] = field(default_factory=set, repr=False, compare=False)
    """Form groups whose typed text the task does not reflect since the form was refreshed
    (a pending value kept): the next form edit reads them too."""

    # ---- construction ------------------------------------------------------------------------

    @classmethod
    def new(cls, runtime: Runtime | str = Runtime.SGLANG) -> EditorState:
        """An empty draft: the required fields are blank (and flagged) until filled."""
        task = pin(
            TaskConfig(
                task_name=NEW_TASK_NAME,
                model={"id_or_path": NEW_MODEL},
                base_runtime=Runtime(runtime),
            )
        )
        state = cls.from_task(task)
        state.raw["task_name"] = ""
        state.raw["model.id_or_path"] = ""
        state.errors = {"task_name": "required", "model.id_or_path": "required"}
        return state

    @classmethod
    def from_task(cls, task: TaskConfig, stored: StoredRef | None = None) -> EditorState:
        regenerated, notes = editing.regenerate(task)
        return cls(
            task=regenerated,
            raw=form.raw_from_task(regenerated),
            stored=stored,
            notes=[n for n in notes if n.severity == "error"],
            baseline=regenerated if stored is not None else None,
        )

    # ---- the stored task ---------------------------------------------------------------------

    def mark_saved(self, name: str, version: int) -> None:
        """The draft was stored as ``name`` at ``version``: it is clean from here."""
        self.stored = StoredRef(name, version)
        self.baseline = self.task
        self.dirty = False
        self.gone = None

    def lose_stored(self) -> None:
        """The stored task is gone: keep the draft, with its edits, as an unsaved new task."""
        if self.stored is not None:
            self.gone = self.stored.name
        self.stored = None
        self.baseline = None
        self.dirty = True

    @property
    def unchanged(self) -> bool:
        """True when saving would store nothing new: a stored task, edited back to as it was
        loaded or saved, or not at all."""
        return self.stored is not None and not self.dirty

    # ---- edits -------------------------------------------------------------------------------

    def _changed(self, task: TaskConfig, notes: list[Finding]) -> None:
        self.task = task
        self.notes = notes
        self.revision += 1
        self._update_dirty()

    def _update_dirty(self) -> None:
        self.dirty = (
            self.baseline is None
            or self.task != self.baseline
            or bool(self.errors)
            or bool(self.bad_rows)
        )

    def set_field(self, path: str, value: fields.Raw) -> None:
        """One form widget changed: re-read its group (section) alone and regenerate the flags."""
        self.raw[path] = value
        read = self._groups_to_read(path)
        result = form.apply_form(self.task, self.raw, only=read)
        task, flat = editing.structured_edit(self.task, result.task, self.flat())
        notes = list(flat.findings)
        followed = follow_tag(task) if path == "runtime_image_tag" else task
        if followed.engine_version == task.engine_version:
            named = follow_model(self.task, task) if path == "model.id_or_path" else task
            if named is not task:
                # The benchmark's model name and tokenizer follow the model, unless the user
                # set them; their widgets show the new values.
                task = named
                self._replace_form(task)
            self._flat = (task, flat)
        else:
            # A tag naming another supported release moves the task to that release.
            task, more = change_engine(
                task, task.base_runtime, followed.engine_version, keep_tag=True
            )
            self._replace_form(task)
            notes = unique([*notes, *more])
        self.errors = form.merged_errors(self.errors, read, result.errors, self.raw)
        self._changed(task, notes)

    def _groups_to_read(self, path: str) -> set[str]:
        """The groups a form edit reads: the edited field's, and those whose widgets the task
        may not reflect, so the result is what reading the whole form gives: groups holding
        text kept pending when the form was refreshed, and the top-level fields while one has
        an error (a refused one keeps the whole form from applying)."""
        read = {form.group_key(path), *self._unread}
        self._unread = set()
        if any(form.group_key(p) == "task" for p in self.errors):
            read.add("task")
        return read

    def set_rows(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """The expert table changed: read its rows and lift mapped flags into the sections."""
        engine = self.engine
        parsed = expert.parameters_from_rows(rows, engine)
        parameters = parsed.parameters
        for row in parsed.bad:
            key = expert.clean_flag(row[expert.FLAG])
            if key in self.task.parameters and key not in parameters:
                parameters[key] = self.task.parameters[key]
        self.bad_rows = parsed.bad
        task, notes = editing.flat_edit(self.task, parameters)
        self._replace_form(task)
        self._changed(task, notes)

    def add_flag(self, name: str, values: str) -> str | None:
        """Add one flag from the expert tab's picker; returns a problem, or None when added."""
        key = expert.clean_flag(name)
        if not key:
            return "pick or type a flag name"
        if key in self.task.parameters:
            return f"{key} is already in the table: edit its row"
        try:
            expert.parse_values(values, expert.flag_info(self.engine, key))
        except ValueError as error:
            return str(error)
        self.set_rows([*self.rows(), {expert.FLAG: key, expert.VALUES: values}])
        return None

    def set_engine(
        self, runtime: Runtime | str, version: str | None, *, translate: bool = False
    ) -> None:
        """Runtime or engine version changed: retarget and regenerate the flags (taking the
        translations configlib.switching offers when ``translate``)."""
        task, notes = change_engine(self.task, runtime, version, translate=translate)
        self._replace_form(task)
        self._changed(task, notes)

    def replace(self, task: TaskConfig, notes: list[Finding] | None = None) -> None:
        """A new draft from outside (presets applied, task reloaded): reset both tabs."""
        regenerated, more = editing.regenerate(task)
        self.raw = form.raw_from_task(regenerated)
        self.errors = {}
        self._unread = set()
        self.bad_rows = []
        self.form_revision += 1
        self._changed(regenerated, unique([*(notes or []), *more]))

    def apply_presets(self, task: TaskConfig, notes: list[Finding], applied: str) -> None:
        """Presets were applied: the result becomes the draft, and the draft before can be
        brought back with ``undo_presets`` until anything else changes."""
        before = self._snapshot()
        self.replace(task, notes)
        self.undo = (before, self.revision, applied)

    @property
    def can_undo(self) -> str | None:
        """The presets whose application can be undone (nothing changed since), or None."""
        if self.undo is None or self.undo[1] != self.revision:
            return None
        return self.undo[2]

    def undo_presets(self) -> bool:
        """Back to the draft before the presets were applied; False when something changed
        since (then undoing would also drop that change, so nothing happens)."""
        if self.can_undo is None or self.undo is None:
            return False
        before = self.undo[0]
        self.undo = None
        self._restore(before)
        return True

    def _snapshot(self) -> Snapshot:
        return Snapshot(
            task=self.task,
            raw=dict(self.raw),
            errors=dict(self.errors),
            bad_rows=[dict(row) for row in self.bad_rows],
            notes=list(self.notes),
            unread=set(self._unread),
            dirty=self.dirty,
            baseline=self.baseline,
        )

    def _restore(self, snapshot: Snapshot) -> None:
        """The draft exactly as in ``snapshot``: its task, what the form held as typed (values
        still pending included) and the expert rows not applied; clean again when it is the
        stored (or starting) task."""
        self.task = snapshot.task
        self.raw = dict(snapshot.raw)
        self.errors = dict(snapshot.errors)
        self.bad_rows = [dict(row) for row in snapshot.bad_rows]
        self.notes = list(snapshot.notes)
        self._unread = set(snapshot.unread)
        self.revision += 1
        self.form_revision += 1
        if self.baseline is snapshot.baseline:
            self.dirty = snapshot.dirty
        else:  # saved since: clean if it is what was saved
            self._update_dirty()

    def paste_command(self, text: str) -> list[Finding]:
        """A pasted launch command sets the model, runtime, release and every engine flag
        (the sections it maps to included); name, hardware, benchmark and search stay.

        Returns what reading it had to say; raises ``UnreadableCommand`` when the text
        launches no engine (the draft is then unchanged).
        """
        read = read_command(text)
        launch = read.task
        update: dict[str, Any] = {
            "model": self.task.model.model_copy(update={"id_or_path": launch.model.id_or_path}),
            "base_runtime": launch.base_runtime,
            "engine_version": launch.engine_version,
            "runtime_image_tag": launch.runtime_image_tag,
            "parameters": launch.parameters,
        }
        for section in FLAG_SECTIONS:
            update[section] = getattr(launch, section)
        unnamed = self.task.task_name == NEW_TASK_NAME and not self.raw.get("task_name")
        if unnamed:
            update["task_name"] = launch.task_name
        self.replace(self.task.model_copy(update=update), read.findings)
        return read.findings

    def _replace_form(self, task: TaskConfig) -> None:
        """Refresh widget values from ``task``, keeping typed values that are still pending."""
        new_raw = form.raw_from_task(task)
        kept = {}
        for path, message in self.errors.items():
            if form.get_path(task, path) == form.get_path(self.task, path):
                new_raw[path] = self.raw.get(path, new_raw.get(path, ""))
                kept[path] = message
        self.raw = new_raw
        self.errors = kept
        self._unread = {form.group_key(p) for p in kept}
        self.form_revision += 1

    # ---- reading -----------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The release the draft targets (worked out once per revision of the draft)."""
        cached = self._engine
        if cached is None or cached[0] != (self.revision, id(self.task)):
            cached = ((self.revision, id(self.task)), engine_for(self.task)[0])
            self._engine = cached
        return cached[1]

    @property
    def name(self) -> str:
        return self.task.task_name

    def form_findings(self) -> list[Finding]:
        found = [Finding("error", path, "form", message) for path, message in self.errors.items()]
        found += [
            Finding("error", f"parameters.{row[expert.FLAG]}", "expert-row", row["error"])
            for row in self.bad_rows
        ]
        return found

    def flat(self) -> FlatResult:
        """The draft's flags and what converting it said (one conversion per revision)."""
        cached = self._flat
        if cached is None or cached[0] is not self.task:
            cached = (self.task, to_flat(self.task))
            self._flat = cached
        return cached[1]

    def findings(self) -> list[Finding]:
        """Everything wrong or worth knowing: form problems first, then validation."""
        checked = validate(self.task, flat=self.flat())
        return unique([*self.form_findings(), *self.notes, *checked])

    def can_save(self, findings: list[Finding] | None = None) -> bool:
        return not errors(findings if findings is not None else self.findings())

    def rows(self, findings: list[Finding] | None = None) -> list[dict[str, str]]:
        """The expert table: one row per flag, pending rows shown as typed, with problems."""
        engine = self.engine
        flat = self.flat()
        rows = expert.rows_from_parameters(self.task.parameters, flat.sources, engine)
        problems = _problems_by_flag(findings or [], flat.sources)
        pending = {expert.clean_flag(r[expert.FLAG]): r for r in self.bad_rows}
        shown = []
        for row in rows:
            bad = pending.pop(row[expert.FLAG], None)
            if bad is not None:
                row = {**row, expert.FLAG: bad[expert.FLAG], expert.VALUES: bad[expert.VALUES]}
                row[PROBLEM] = bad["error"]
            else:
                row[PROBLEM] = problems.get(row[expert.FLAG], "")
            shown.append(row)
        for bad in pending.values():
            shown.append(
                {
                    expert.FLAG: bad[expert.FLAG],
                    expert.VALUES: bad[expert.VALUES],
                    expert.SOURCE: "not applied",
                    expert.ACCEPTS: "",
                    PROBLEM: bad["error"],
                }
            )
        return shown

    def summary(self, findings: list[Finding] | None = None) -> Summary:
        return summarize(
            self.task,
            self.engine,
            findings if findings is not None else self.findings(),
            self.flat(),
        )


PROBLEM = "problem"


def _problems_by_flag(
    findings: list[Finding], sources: Mapping[str, tuple[str, ...]]
) -> dict[str, str]:
    by_field: dict[str, str] = {}
    for finding in findings:
        if finding.severity != "error":
            continue
        path = re.sub(r"\[\d+\]$", "", finding.path)
        if path.startswith("parameters."):
            by_field.setdefault(path[len("parameters.") :], finding.message)
        for key, paths in sources.items():
            if path in paths:
                by_field.setdefault(key, finding.message)
    return by_field


# ---- The side panel ------------------------------------------------------------------------


@dataclass
class Summary:
    """What the editor's side panel shows for one draft."""

    engine: str
    """The release the flags were generated for (SGLang 0.5.23)."""
    findings: dict[str, list[Finding]]
    """Findings grouped by the field they are about, errors first."""
    error_count: int
    """Findings that block saving."""
    warning_count: int
    """Findings that do not."""
    parameters: list[dict[str, str]]
    """Every flag with its values and the field it comes from."""
    grid_size: int
    """Combinations in the flag grid."""
    runs: int
    """Experiments the autotuner runs: the grid, cut to max_iterations for grid search."""
    truncated: bool
    """True when grid search stops before the end of the grid."""
    skipped: tuple[str, ...]
    """Flags left out of the grid (bayesian/random ranges, empty lists)."""
    commands: list[str]
    """The first grid points as launch commands."""
    predictions: list[dict[str, Any]]
    """aiconfigurator's predictions, labelled with their units."""


def field_of(path: str) -> str:
    """The field a finding is about: ``parameters.tp-size[1]`` -> ``parameters.tp-size``."""
    return re.sub(r"\[\d+\]", "", path) or "task"


def group_findings(findings: list[Finding]) -> dict[str, list[Finding]]:
    ordered = sorted(findings, key=lambda f: f.severity != "error")
    groups: dict[str, list[Finding]] = {}
    for finding in ordered:
        groups.setdefault(field_of(finding.path), []).append(finding)
    return groups


def summarize(
    task: TaskConfig, engine: Engine, findings: list[Finding], flat: FlatResult | None = None
) -> Summary:
    grid = grid_of(task.parameters)
    size = grid.size
    limit = task.optimization.max_iterations
    grid_search = task.optimization.strategy == Strategy.GRID_SEARCH
    runs = min(size, limit) if grid_search else limit
    flat = flat if flat is not None else to_flat(task, engine)
    rows = [
        {
            "flag": key,
            "values": expert.render_values(values),
            "from": ", ".join(map(fields.path_label, flat.sources.get(key, ()))) or "other flag",
        }
        for key, values in task.parameters.items()
    ]
    # A task with an error has no launch command: the engine or the autotuner would refuse it.
    commands = (
        []
        if errors(findings)
        else [
            launch_command(engine, task.model.id_or_path, point)
            for point in grid.first(COMMANDS_SHOWN)
        ]
    )
    ranges = tuple(k for k, v in task.parameters.items() if isinstance(v, RangeSpec))
    return Summary(
        engine=engine.label,
        findings=group_findings(findings),
        error_count=len(errors(findings)),
        warning_count=len(findings) - len(errors(findings)),
        parameters=rows,
        grid_size=size,
        runs=runs,
        truncated=grid_search and size > limit,
        skipped=ranges or grid.skipped,
        commands=commands,
        predictions=prediction_rows(task.metadata.aiconfigurator_predictions),
    )
