"""Training deadlines deferred at appointment (QUAL-TRAINING-DUE).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "training_deadlines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("position_id", sa.Uuid(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("hours_required", sa.Integer(), nullable=False),
        sa.Column("hours_on_file", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("completed_hours", sa.Integer(), nullable=True),
        sa.Column("completion_note", sa.Text(), nullable=False),
        sa.Column("completed_by", sa.Uuid(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "hours_required >= 0 AND hours_on_file >= 0",
            name=op.f("ck_training_deadlines_hours_nonneg"),
        ),
        sa.CheckConstraint(
            "completed_hours IS NULL OR completed_hours >= 0",
            name=op.f("ck_training_deadlines_completed_hours_nonneg"),
        ),
        sa.CheckConstraint(
            "completed_on IS NULL OR cancelled_at IS NULL",
            name=op.f("ck_training_deadlines_completed_or_cancelled"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_training_deadlines_candidate_id_candidates"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["selection_cases.id"],
            name=op.f("fk_training_deadlines_case_id_selection_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["completed_by"],
            ["principals.id"],
            name=op.f("fk_training_deadlines_completed_by_principals"),
        ),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["positions.id"],
            name=op.f("fk_training_deadlines_position_id_positions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_deadlines")),
    )
    with op.batch_alter_table("training_deadlines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_deadlines_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_deadlines_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index("ix_training_deadlines_due", ["due_on", "completed_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("training_deadlines", schema=None) as batch_op:
        batch_op.drop_index("ix_training_deadlines_due")
        batch_op.drop_index(batch_op.f("ix_training_deadlines_case_id"))
        batch_op.drop_index(batch_op.f("ix_training_deadlines_candidate_id"))

    op.drop_table("training_deadlines")
