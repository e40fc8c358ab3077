"""The aiconfigurator import page's state, without Streamlit: one upload, read once per target
runtime, its candidates as table rows, and the tasks created from a selection."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from configlib.findings import Finding
from configlib.io import InputError
from configlib.ui.widths import shortened

if TYPE_CHECKING:
    from configlib.aiconfigurator import Candidate, ImportResult
    from configlib.store import Store

#: Predicted metrics shown as table columns, in order, with their column titles.
PREDICTED_COLUMNS = (
    ("tokens_per_s_per_gpu", "tokens/s/GPU"),
    ("tokens_per_s_per_user", "tokens/s/user"),
    ("ttft_ms", "TTFT (ms)"),
    ("tpot_ms", "TPOT (ms)"),
    ("concurrency", "concurrency (requests)"),
    ("tokens_per_s_per_gpu_cluster", "tokens/s/GPU (cluster)"),
    ("replicas", "replicas"),
    ("memory_gib", "memory (GiB/GPU)"),
)
PARALLEL_COLUMNS = ("tp", "pp", "dp", "moe_tp", "moe_ep")


@dataclass
class Created:
    """What happened to one task of a creation run."""

    name: str
    """The task name used (made unique against the store)."""
    ok: bool
    """True when the task was saved."""
    message: str
    """What happened."""


@dataclass
class ImportSession:
    """One uploaded file and what was read from it."""

    filename: str
    """The uploaded file's name."""
    data: bytes = field(repr=False)
    """Its bytes, kept to read it again for another target runtime."""
    digest: str
    """SHA-256 of the bytes: the same upload is read once."""
    runtime: str | None = None
    """Target runtime for candidates whose backend the autotuner cannot run (trtllm)."""
    include_pareto: bool = False
    """Also list every pareto.csv row, not only the top N."""
    result: ImportResult | None = None
    """What the importer found; None when it refused the file."""
    error: str | None = None
    """Why the file was refused."""
    created: list[Created] = field(default_factory=list)
    """The outcome of the last creation run, task by task."""
    upload_id: str = ""
    """The uploader's id of the file: a new upload of the same bytes starts a fresh table."""
    select_all: int = 0
    """Clicks on "Select the runnable" for this reading; 0 until then, and again after any
    new upload or re-reading, so a selection never carries over to other rows."""
    _rows: list[dict[str, Any]] | None = field(default=None, repr=False)

    @classmethod
    def read(
        cls, filename: str, data: bytes, runtime: str | None = None, include_pareto: bool = False
    ) -> ImportSession:
        session = cls(filename, data, hashlib.sha256(data).hexdigest(), runtime, include_pareto)
        session._import()
        return session

    def same_upload(self, filename: str, data: bytes) -> bool:
        return filename == self.filename and hashlib.sha256(data).hexdigest() == self.digest

    def uploaded_again(self, upload_id: str) -> None:
        """The same file arrived in a new upload: nothing is selected in it yet."""
        if upload_id != self.upload_id:
            self.upload_id = upload_id
            self.select_all = 0
            self.created = []

    @property
    def table_key(self) -> str:
        """The candidate table's widget key: a new one (nothing selected) for every upload,
        target runtime, pareto choice and "Select the runnable" click."""
        return (
            f"import.table:{self.digest}:{self.upload_id}:{self.runtime}:"
            f"{self.include_pareto}:{self.select_all}"
        )

    def _import(self) -> None:
        from configlib.aiconfigurator import AicImportError, import_upload

        self.result, self.error, self._rows = None, None, None
        try:
            self.result = import_upload(
                self.filename, self.data, runtime=self.runtime, include_pareto=self.include_pareto
            )
        except (AicImportError, InputError) as error:
            self.error = str(error)

    def retarget(self, runtime: str | None, include_pareto: bool) -> None:
        """Read the upload again for another target runtime (or with the pareto rows)."""
        if runtime != self.runtime or include_pareto != self.include_pareto:
            self.runtime, self.include_pareto = runtime, include_pareto
            self.created = []
            self.select_all = 0
            self._import()

    @property
    def candidates(self) -> list[Candidate]:
        return list(self.result.candidates) if self.result else []

    @property
    def findings(self) -> list[Finding]:
        return list(self.result.findings) if self.result else []

    def rows(self) -> list[dict[str, Any]]:
        """One table row per candidate: layout, predicted metrics and warnings (made once per
        reading; the page asks on every rerun)."""
        if self._rows is None:
            self._rows = [candidate_row(c) for c in self.candidates]
        return self._rows

    def target_problem(self, indices: Sequence[int] | None = None) -> str | None:
        """Why the selected candidates cannot become tasks with the chosen target runtime;
        with no selection, whether the choice contradicts any listed candidate (what
        ``import-aic --list`` refuses)."""
        from configlib.aiconfigurator import target_problem

        candidates = self.candidates
        if indices is None:
            return target_problem(candidates, choice_required=False)
        return target_problem(
            [candidates[i] for i in indices if 0 <= i < len(candidates)], upload=candidates
        )

    def create(
        self,
        store: Store,
        indices: Sequence[int],
        *,
        combine: bool = False,
        progress: Callable[[float, str], None] | None = None,
    ) -> list[Created]:
        """Save the selected candidates as tasks (names made unique against the store)."""
        from configlib.aiconfigurator import CombineError, TargetError, tasks_from_candidates
        from configlib.store import InvalidData, NameTaken

        chosen = [self.candidates[i] for i in indices if 0 <= i < len(self.candidates)]
        try:
            tasks = tasks_from_candidates(chosen, combine=combine, upload=self.candidates)
        except (CombineError, TargetError) as error:
            self.created = [Created("", False, str(error))]
            return self.created
        taken = set(store.task_names())
        created: list[Created] = []
        for number, task in enumerate(tasks, start=1):
            name = unique_name(task.task_name, taken)
            taken.add(name)
            if progress is not None:
                progress((number - 1) / len(tasks), f"Saving {name} ({number} of {len(tasks)})")
            try:
                store.save_task(task.model_copy(update={"task_name": name}), expected_version=None)
            except (NameTaken, InvalidData) as error:
                created.append(Created(name, False, str(error)))
            else:
                created.append(Created(name, True, "created"))
        if progress is not None:
            progress(1.0, f"Saved {sum(c.ok for c in created)} of {len(tasks)} task(s)")
        self.created = created
        return created


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3`` ... whichever is free."""
    if name not in taken:
        return name
    number = 2
    while f"{name}-{number}" in taken:
        number += 1
    return f"{name}-{number}"


def _short(findings: Sequence[Finding], limit: int = 3) -> str:
    """The table's notes: each finding's headline (its message up to the first ": " or
    "; "); the candidate's details give them whole."""
    shown = [re.split(r"[:;] ", f.message, maxsplit=1)[0] for f in findings[:limit]]
    more = len(findings) - limit
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def candidate_row(candidate: Candidate) -> dict[str, Any]:
    """Predictions first (what users sort by), then the layout, then where it came from.

    Read from the candidate's spec: no task is built for a row (a table may list thousands);
    tasks are built for the candidates a user opens, compares or creates.
    """
    spec = candidate.spec
    source = candidate.source
    predictions = candidate.predictions
    row: dict[str, Any] = {
        "name": candidate.name,
        "mode": candidate.serving_mode,
        "runnable": candidate.runnable,
    }
    for key, title in PREDICTED_COLUMNS:
        value = predictions.get(key)
        row[title] = value if isinstance(value, int | float) else None
    main = spec.main_worker
    dense = (main.moe_tp or [1]) == [1] and (main.moe_ep or [1]) == [1]
    for name in PARALLEL_COLUMNS:
        values = None if dense and name in ("moe_tp", "moe_ep") else getattr(main, name)
        row[name] = ", ".join(str(v) for v in values) if values else ""
    row["gemm"] = main.quant.get("gemm_quant_mode", "")
    row["backend"] = source.get("backend", "")
    row["runtime"] = "not chosen" if candidate.untargeted else candidate.target.value
    row["system"] = source.get("system", "")
    found = candidate.read_findings
    warnings = [f for f in found if f.severity == "warning"]
    errors = [f for f in found if f.severity == "error"]
    row["problems"] = len(warnings) + len(errors)
    # Cut to what the widest column shows: every finding is in the candidate's details.
    row["notes"] = shortened(_short([*errors, *warnings]))
    return row
