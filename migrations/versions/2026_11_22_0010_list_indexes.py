"""Every list is served by an index matching its order and filters.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("candidates", "ix_candidates_created", ("created_at", "id")),
    ("positions", "ix_positions_created", ("created_at", "id")),
    ("selection_cases", "ix_selection_cases_created", ("created_at", "id")),
    ("selection_cases", "ix_selection_cases_stage_created", ("stage", "created_at", "id")),
    ("case_candidates", "ix_case_candidates_case_added", ("case_id", "added_at", "id")),
    ("reserve_pool_entries", "ix_reserve_pool_added", ("added_at", "id")),
    (
        "misconduct_records",
        "ix_misconduct_candidate_recorded",
        ("candidate_id", "recorded_at", "id"),
    ),
    ("training_deadlines", "ix_training_deadlines_due_id", ("due_on", "id")),
)


def upgrade() -> None:
    for table, name, columns in INDEXES:
        op.create_index(name, table, list(columns))


def downgrade() -> None:
    for table, name, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
