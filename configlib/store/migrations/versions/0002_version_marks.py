"""Version marks: a name's versions never repeat after delete or rename.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "version_marks",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("renamed_to", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("kind", "name", name=op.f("pk_version_marks")),
    )


def downgrade() -> None:
    op.drop_table("version_marks")
