"""The case core: typed, append-only, supersedable facts; stage entry dates; previous rank.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "case_facts"


def upgrade() -> None:
    with op.batch_alter_table("selection_cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stage_entered", sa.JSON(), nullable=False, server_default="{}")
        )
    with op.batch_alter_table("case_candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_rank_level", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("previous_rank_since", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("previous_org_unit", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("previous_title", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("previous_promotion_date", sa.Date(), nullable=True))
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_column("status")
        # Facts stored before typed facts are schema 1; the loader refuses them by name.
        batch_op.add_column(
            sa.Column("schema_version", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(sa.Column("supersedes_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("correction_reason", sa.Text(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_case_facts_supersedes_id"), ["supersedes_id"]
        )
    _append_only(TABLE)


def _append_only(table: str) -> None:
    """Recorded facts are never updated or deleted (a correction supersedes)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {table}_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{table} is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}")
        op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_append_only()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_case_facts_supersedes_id"), type_="unique")
        batch_op.drop_column("correction_reason")
        batch_op.drop_column("supersedes_id")
        batch_op.drop_column("schema_version")
        batch_op.add_column(sa.Column("status", sa.String(length=32), nullable=True))
    with op.batch_alter_table("case_candidates", schema=None) as batch_op:
        batch_op.drop_column("previous_promotion_date")
        batch_op.drop_column("previous_title")
        batch_op.drop_column("previous_org_unit")
        batch_op.drop_column("previous_rank_since")
        batch_op.drop_column("previous_rank_level")
    with op.batch_alter_table("selection_cases", schema=None) as batch_op:
        batch_op.drop_column("stage_entered")
