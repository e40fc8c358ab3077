"""The database schema as typed SQLAlchemy ORM models (docs/store.md describes every column).

Three tables: ``tasks``, ``presets`` and ``measured_results``. JSON columns hold exactly what
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


class TaskRow(Base):
    """One task: its definition as JSON columns plus summary columns computed at save time."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
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
    # The definition: TaskConfig's fields.
    description: Mapped[str] = mapped_column(Text)
    deployment_mode: Mapped[str] = mapped_column(String(16))
    runtime_image_tag: Mapped[str | None] = mapped_column(String(255))
    engine_version: Mapped[str | None] = mapped_column(String(64))
    """The engine version the task itself asks for (NULL: from the image tag, else newest)."""
    serving_runtime_name: Mapped[str | None] = mapped_column(String(255))
    model: Mapped[dict[str, Any]] = JsonColumn(nullable=False)
    system_config: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    parallel_config: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    quantization_config: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    memory_config: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    scheduling_config: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    advanced_tuning_config: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    parameters: Mapped[dict[str, Any]] = JsonColumn(nullable=False)
    """The full flat flags for the runtime and release (regenerated on save)."""
    optimization: Mapped[dict[str, Any]] = JsonColumn(nullable=False)
    benchmark: Mapped[dict[str, Any]] = JsonColumn(nullable=False)
    slo: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    task_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSON(none_as_null=True))
    """Predictions and provenance (metadata.aiconfigurator_predictions, metadata.source)."""
    autotuner_fields: Mapped[dict[str, Any]] = JsonColumn(nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(255))
    updated_by: Mapped[str | None] = mapped_column(String(255))
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


class PresetRow(Base):
    """One preset."""

    __tablename__ = "presets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(100), index=True)
    runtime: Mapped[str | None] = mapped_column(String(16), index=True)
    """sglang, vllm, or NULL for any engine."""
    is_system: Mapped[bool] = mapped_column(Boolean, index=True)
    """Shipped with configlib; read-only."""
    system_config: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    parallel_config: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    quantization_config: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    memory_config: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    scheduling_config: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    advanced_tuning_config: Mapped[dict[str, Any] | None] = JsonColumn(nullable=True)
    parameters: Mapped[dict[str, Any]] = JsonColumn(nullable=False)
    preset_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(255))
    updated_by: Mapped[str | None] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)


class ResultRow(Base):
    """One measured configuration of one task."""

    __tablename__ = "measured_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    experiment_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    scenario: Mapped[str | None] = mapped_column(String(255))
    concurrency: Mapped[int | None] = mapped_column(Integer)
    parameters: Mapped[dict[str, Any]] = JsonColumn(nullable=False)
    metrics: Mapped[dict[str, Any]] = JsonColumn(nullable=False)
    source_file: Mapped[str] = mapped_column(Text)
    source_format: Mapped[str] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(Text)
    context: Mapped[dict[str, Any]] = JsonColumn(nullable=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
