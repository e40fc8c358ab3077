"""The database schema as typed SQLAlchemy ORM models (docs/store.md describes every column).

Tables: ``tasks``, ``presets``, ``measured_results``, ``version_marks`` and
``task_versions``. JSON columns hold exactly what
the task or preset model dumps; PostgreSQL gets ``json`` rather than ``jsonb`` because jsonb
reorders keys, and the order of ``parameters`` is the grid order. Timestamps are stored as
naive UTC and come back timezone-aware. The migrations in ``migrations/versions`` create the
same schema; a test compares the two.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Constraint names the migrations use too, so both create identical schemas.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
#: The largest grid size stored; bigger grids are stored as this (BIGINT's maximum).
MAX_STORED_GRID = 2**63 - 1
#: Characters of the model name kept in the summary column (an index entry has a size limit).
MODEL_SUMMARY_CHARS = 256
#: Characters of the lower-cased name + model kept for searching.
SEARCH_TEXT_CHARS = 320
#: Columns ``list_tasks`` sorts by; each has an index that also covers the filters.
SORT_COLUMNS = (
    "name",
    "model_name",
    "base_runtime",
    "gpus_needed",
    "grid_size",
    "source",
    "created_at",
    "updated_at",
)


class UTCDateTime(TypeDecorator[datetime]):
    """A UTC instant: stored naive (every backend agrees), read back timezone-aware."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


def JsonColumn(*, nullable: bool) -> Any:
    """A JSON column; Python None is SQL NULL in nullable ones."""
    return mapped_column(JSON(none_as_null=True), nullable=nullable)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SectionColumns:
    """The six structured sections, one JSON column each, as tasks and presets both hold them."""

    system_config: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    """Hardware section; NULL when not set."""
    parallel_config: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    """Parallel layout section; NULL when not set."""
    quantization_config: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    """Precision section; NULL when not set."""
    memory_config: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    """Memory section; NULL when not set."""
    scheduling_config: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    """Scheduling section; NULL when not set."""
    advanced_tuning_config: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    """Further engine knobs; NULL when not set."""


class TaskRow(SectionColumns, Base):
    """One task: its definition as JSON columns plus summary columns computed at save time."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    """Row id; tasks are addressed by name, the id only links results."""
    name: Mapped[str] = mapped_column(String(255), unique=True)
    """The task's task_name."""
    # Summary, computed from the task when it is saved (listing never parses JSON).
    model_name: Mapped[str] = mapped_column(String(MODEL_SUMMARY_CHARS))
    """model.id_or_path, cut to 256 characters (an index entry has a size limit)."""
    base_runtime: Mapped[str] = mapped_column(String(16))
    """sglang or vllm."""
    engine_release: Mapped[str] = mapped_column(String(32))
    """Engine release the parameters were generated for, e.g. 0.5.2."""
    gpus_needed: Mapped[int | None] = mapped_column(Integer)
    """Most GPUs one server of the grid needs; NULL when it cannot be computed."""
    grid_size: Mapped[int] = mapped_column(BigInteger)
    """Points in the parameter grid (capped at 2**63 - 1)."""
    source: Mapped[str] = mapped_column(String(64))
    """Where the task came from (metadata.source, or aiconfigurator), '' when unknown."""
    config_format: Mapped[str] = mapped_column(String(16))
    """structured or flat."""
    search_text: Mapped[str] = mapped_column(String(SEARCH_TEXT_CHARS))
    """Lower-cased name and model, what the list's search matches (plain LIKE is fast)."""
    # The definition: TaskConfig's fields, as TaskConfig dumps them.
    description: Mapped[str] = mapped_column(Text)
    """Free text."""
    deployment_mode: Mapped[str] = mapped_column(String(16))
    """docker or ome."""
    runtime_image_tag: Mapped[str | None] = mapped_column(String(255))
    """Container image tag, e.g. v0.5.2-cu126."""
    engine_version: Mapped[str | None] = mapped_column(String(64))
    """The engine version the task itself asks for (NULL: from the image tag, else newest)."""
    serving_runtime_name: Mapped[str | None] = mapped_column(String(255))
    """OME only: the ClusterServingRuntime name."""
    model: Mapped[dict[str, Any]] = JsonColumn(nullable=False)
    """The model to serve: {id_or_path, namespace, ...}."""
    parameters: Mapped[dict[str, Any]] = JsonColumn(nullable=False)
    """The full flat flags for the runtime and release (regenerated on save), grid order."""
    optimization: Mapped[dict[str, Any]] = JsonColumn(nullable=False)
    """Search strategy and budget (timeout_per_iteration in seconds)."""
    benchmark: Mapped[dict[str, Any]] = JsonColumn(nullable=False)
    """genai-bench settings (max_time_per_iteration in minutes)."""
    slo: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    """Service-level objectives (thresholds in seconds); NULL when none."""
    task_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSON(none_as_null=True))
    """Predictions and provenance (metadata.aiconfigurator_predictions, metadata.source)."""
    autotuner_fields: Mapped[dict[str, Any]] = JsonColumn(nullable=False)
    """Autotuner-only top-level keys kept verbatim (OME resources, storage, quant_config)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    """When the task was created (UTC)."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    """When it was last saved (UTC)."""
    created_by: Mapped[str | None] = mapped_column(String(255))
    """Who created it (the user passed to save), if known."""
    updated_by: Mapped[str | None] = mapped_column(String(255))
    """Who saved it last, if known."""
    version: Mapped[int] = mapped_column(Integer)
    """1 on creation, +1 on every save; saves name the version they started from."""

    # One index per sort order, each covering the filters (runtime, search) and the id, so a
    # page is read from the index alone and stops after the page's rows (PostgreSQL needs id
    # in the index for that; SQLite has it anyway). Ties sort by search_text, which starts
    # with the lower-cased name: name order ignores case.
    __table_args__ = tuple(
        Index(
            f"ix_tasks_list_{column}",
            *dict.fromkeys(
                [column if column != "name" else "search_text", "search_text", "base_runtime", "id"]
            ),
        )
        for column in SORT_COLUMNS
    )


class PresetRow(SectionColumns, Base):
    """One preset."""

    __tablename__ = "presets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    """Row id; presets are addressed by name."""
    name: Mapped[str] = mapped_column(String(255), unique=True)
    """Unique name."""
    description: Mapped[str] = mapped_column(Text)
    """Free text."""
    category: Mapped[str | None] = mapped_column(String(100), index=True)
    """Grouping such as memory, performance, general."""
    runtime: Mapped[str | None] = mapped_column(String(16), index=True)
    """sglang, vllm, or NULL for any engine."""
    is_system: Mapped[bool] = mapped_column(Boolean, index=True)
    """Shipped with configlib; read-only."""
    parameters: Mapped[dict[str, Any]] = JsonColumn(nullable=False)
    """Flags no section covers: {flag: [values]}."""
    preset_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSON(none_as_null=True))
    """Free-form: author, tags, recommended_for, provenance."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    """When the preset was created (UTC)."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    """When it was last saved (UTC)."""
    created_by: Mapped[str | None] = mapped_column(String(255))
    """Who created it, if known (configlib for system presets)."""
    updated_by: Mapped[str | None] = mapped_column(String(255))
    """Who saved it last, if known."""
    version: Mapped[int] = mapped_column(Integer)
    """1 on creation, +1 on every save."""


class ResultRow(Base):
    """One measured configuration of one task (configlib.results.MeasuredResult)."""

    __tablename__ = "measured_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    """Row id; results are listed in this (import) order."""
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    """The task measured."""
    experiment_id: Mapped[int | None] = mapped_column(Integer)
    """The autotuner's 1-based experiment number within its task."""
    status: Mapped[str] = mapped_column(String(16))
    """success or failed."""
    scenario: Mapped[str | None] = mapped_column(String(255))
    """genai-bench traffic scenario, e.g. D(100,100)."""
    concurrency: Mapped[int | None] = mapped_column(Integer)
    """Requests in flight during the run."""
    parameters: Mapped[dict[str, Any]] = JsonColumn(nullable=False)
    """The configuration measured: flag -> value."""
    metrics: Mapped[dict[str, Any]] = JsonColumn(nullable=False)
    """Metric name (ending in its unit, e.g. ttft_ms) -> number."""
    source_file: Mapped[str] = mapped_column(Text)
    """The file the result came from, or <database>#experiments."""
    source_format: Mapped[str] = mapped_column(String(32))
    """autotuner-results, autotuner-export, autotuner-db or genai-bench."""
    error_message: Mapped[str | None] = mapped_column(Text)
    """Why a failed experiment failed."""
    context: Mapped[dict[str, Any]] = JsonColumn(nullable=False)
    """Everything else: objective_score, batch_size, GPU count, versions, task name."""
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    """When it was stored (UTC)."""


class VersionMark(Base):
    """The highest version a name has held, kept when the name stops being used.

    A task or preset deleted, or renamed away, leaves its last version here; whatever takes
    the name next starts above it. So a (name, version) pair is never given out twice, and
    an editor still holding a version of the old item gets a conflict, never a save over
    the new one.
    """

    __tablename__ = "version_marks"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    """task or preset."""
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    """The name that was freed."""
    version: Mapped[int] = mapped_column(Integer)
    """The highest version it had held."""
    renamed_to: Mapped[str | None] = mapped_column(String(255))
    """The name the item took when it was last renamed away (NULL: deleted)."""


class TaskVersionRow(Base):
    """One saved version of a task, kept so it can be compared with others and restored.

    Every save and rename writes the task as it was saved; the rows follow the task through
    renames (they hang on its id) and go when it is deleted.
    """

    __tablename__ = "task_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    """Row id."""
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    """The task this is a version of (the unique constraint's index serves its lookups)."""
    version: Mapped[int] = mapped_column(Integer)
    """The task's version number when it was saved."""
    data: Mapped[dict[str, Any]] = JsonColumn(nullable=False)
    """The task as TaskConfig validates it, as it was stored at that version."""
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    """When that version was saved (UTC)."""
    saved_by: Mapped[str | None] = mapped_column(String(255))
    """Who saved it, if known."""

    __table_args__ = (UniqueConstraint("task_id", "version"),)
