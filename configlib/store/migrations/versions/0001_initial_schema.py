"""Initial schema: tasks, presets and measured results.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "presets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("runtime", sa.String(length=16), nullable=True),
        sa.Column("is_system", sa.Boolean(), nullable=False),
        sa.Column("system_config", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("parallel_config", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("quantization_config", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("memory_config", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("scheduling_config", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("advanced_tuning_config", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("parameters", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("metadata", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("updated_by", sa.String(length=255), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presets")),
        sa.UniqueConstraint("name", name=op.f("uq_presets_name")),
    )
    with op.batch_alter_table("presets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_presets_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_presets_is_system"), ["is_system"], unique=False)
        batch_op.create_index(batch_op.f("ix_presets_runtime"), ["runtime"], unique=False)

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("model_name", sa.String(length=256), nullable=False),
        sa.Column("base_runtime", sa.String(length=16), nullable=False),
        sa.Column("engine_release", sa.String(length=32), nullable=False),
        sa.Column("gpus_needed", sa.Integer(), nullable=True),
        sa.Column("grid_size", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("config_format", sa.String(length=16), nullable=False),
        sa.Column("search_text", sa.String(length=320), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("deployment_mode", sa.String(length=16), nullable=False),
        sa.Column("runtime_image_tag", sa.String(length=255), nullable=True),
        sa.Column("engine_version", sa.String(length=64), nullable=True),
        sa.Column("serving_runtime_name", sa.String(length=255), nullable=True),
        sa.Column("model", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("system_config", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("parallel_config", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("quantization_config", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("memory_config", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("scheduling_config", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("advanced_tuning_config", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("parameters", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("optimization", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("benchmark", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("slo", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("metadata", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("autotuner_fields", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("updated_by", sa.String(length=255), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("name", name=op.f("uq_tasks_name")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tasks_list_base_runtime", ["base_runtime", "search_text", "id"], unique=False
        )
        batch_op.create_index(
            "ix_tasks_list_created_at",
            ["created_at", "search_text", "base_runtime", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_tasks_list_gpus_needed",
            ["gpus_needed", "search_text", "base_runtime", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_tasks_list_grid_size",
            ["grid_size", "search_text", "base_runtime", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_tasks_list_model_name",
            ["model_name", "search_text", "base_runtime", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_tasks_list_name", ["search_text", "base_runtime", "id"], unique=False
        )
        batch_op.create_index(
            "ix_tasks_list_source", ["source", "search_text", "base_runtime", "id"], unique=False
        )
        batch_op.create_index(
            "ix_tasks_list_updated_at",
            ["updated_at", "search_text", "base_runtime", "id"],
            unique=False,
        )

    op.create_table(
        "measured_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scenario", sa.String(length=255), nullable=True),
        sa.Column("concurrency", sa.Integer(), nullable=True),
        sa.Column("parameters", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("metrics", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("source_format", sa.String(length=32), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("context", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_measured_results_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measured_results")),
    )
    with op.batch_alter_table("measured_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measured_results_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("measured_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measured_results_task_id"))

    op.drop_table("measured_results")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_list_updated_at")
        batch_op.drop_index("ix_tasks_list_source")
        batch_op.drop_index("ix_tasks_list_name")
        batch_op.drop_index("ix_tasks_list_model_name")
        batch_op.drop_index("ix_tasks_list_grid_size")
        batch_op.drop_index("ix_tasks_list_gpus_needed")
        batch_op.drop_index("ix_tasks_list_created_at")
        batch_op.drop_index("ix_tasks_list_base_runtime")

    op.drop_table("tasks")
    with op.batch_alter_table("presets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_presets_runtime"))
        batch_op.drop_index(batch_op.f("ix_presets_is_system"))
        batch_op.drop_index(batch_op.f("ix_presets_category"))

    op.drop_table("presets")
