"""Cases carry the HR system's own id (`external_id`, unique).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("selection_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_selection_cases_external_id"), ["external_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("selection_cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_selection_cases_external_id"), type_="unique")
        batch_op.drop_column("external_id")
