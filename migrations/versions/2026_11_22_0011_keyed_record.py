"""The record's chain is keyed (HMAC, hash_version 2) and the case's row carries its head.

Entries written before this revision keep hash_version 1 (unkeyed SHA-256) and are verified by
that rule; the first keyed entry of a subject links to its last unkeyed one. The heads of the
existing cases are filled from their records.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LAST = (
    "(SELECT r.{col} FROM record_entries r WHERE r.subject_type = 'case' "
    "AND r.subject_id = selection_cases.id ORDER BY r.seq DESC LIMIT 1)"
)


def upgrade() -> None:
    # Plain ADD COLUMN (no table copy): record_entries keeps its append-only triggers.
    op.add_column(
        "record_entries",
        sa.Column("hash_version", sa.Integer(), server_default="1", nullable=False),
    )
    op.add_column("selection_cases", sa.Column("record_head_seq", sa.Integer(), nullable=True))
    op.add_column(
        "selection_cases", sa.Column("record_head_hash", sa.String(length=64), nullable=True)
    )
    op.execute(
        f"UPDATE selection_cases SET record_head_seq = {_LAST.format(col='seq')}, "  # noqa: S608
        f"record_head_hash = {_LAST.format(col='hash')}"
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35 too): no table copy that would lose the triggers.
    op.execute("ALTER TABLE selection_cases DROP COLUMN record_head_hash")
    op.execute("ALTER TABLE selection_cases DROP COLUMN record_head_seq")
    op.execute("ALTER TABLE record_entries DROP COLUMN hash_version")
