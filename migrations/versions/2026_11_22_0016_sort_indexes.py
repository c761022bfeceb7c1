"""Indexes for list sort orders: every `sort` a list offers is an index on (columns..., id).

The keyset cursor (app/services/pagination.py, ListOrders) pages by `(sort columns, id)` in
either direction, so one index per order serves both `sort=x` and `sort=-x` (a backward scan),
and `updated_after` with `sort=updated_at` is a range on the same index. The case list is also
filtered by stage while synced by update: (stage, updated_at, id).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-22 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("candidates", "ix_candidates_updated_id", ("updated_at", "id")),
    ("candidates", "ix_candidates_name_id", ("name", "id")),
    ("positions", "ix_positions_updated_id", ("updated_at", "id")),
    ("positions", "ix_positions_title_id", ("title", "id")),
    ("selection_cases", "ix_selection_cases_updated_id", ("updated_at", "id")),
    ("selection_cases", "ix_selection_cases_title_id", ("title", "id")),
    ("selection_cases", "ix_selection_cases_stage_updated", ("stage", "updated_at", "id")),
    ("selection_policies", "ix_selection_policies_created_id", ("created_at", "id")),
    ("selection_policies", "ix_selection_policies_name_version_id", ("name", "version", "id")),
    ("nominations", "ix_nominations_updated_id", ("updated_at", "id")),
    ("decision_bodies", "ix_decision_bodies_updated_id", ("updated_at", "id")),
    ("decision_bodies", "ix_decision_bodies_name_id", ("name", "id")),
)


# Single-column indexes the (updated_at, id) ones make redundant: left in place, PostgreSQL's
# planner may pick them and sort again (an incremental sort) instead of reading in order.
REDUNDANT: tuple[tuple[str, str, str], ...] = (
    ("candidates", "ix_candidates_updated_at", "updated_at"),
    ("candidates", "ix_candidates_name", "name"),
    ("selection_cases", "ix_selection_cases_updated_at", "updated_at"),
)


def upgrade() -> None:
    for table, name, columns in INDEXES:
        op.create_index(name, table, list(columns))
    for table, name, _ in REDUNDANT:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, name, column in REDUNDANT:
        op.create_index(name, table, [column])
    for table, name, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
