"""Organisation units, management scope, confidential-read log.

Every existing principal, candidate and position lands in the root unit (server default, so
that the backfill is the column's own default on SQLite's batch copy and on PostgreSQL), and
existing principals keep an unrestricted scope (all levels): `make run` keeps working.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22 07:00:00
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept here, not imported: a migration must not change when the application does.
ROOT_UNIT_ID = uuid.UUID("00000000-0000-0000-0000-000000000001")
TS = sa.DateTime(timezone=True)
_SCOPED = ("candidates", "positions")


def upgrade() -> None:
    units = op.create_table(
        "org_units",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["org_units.id"], name=op.f("fk_org_units_parent_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_units")),
        sa.UniqueConstraint("code", name=op.f("uq_org_units_code")),
        sa.UniqueConstraint("path", name=op.f("uq_org_units_path")),
    )
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_units_parent_id"), ["parent_id"], unique=False)
    op.bulk_insert(
        units,
        [
            {
                "id": ROOT_UNIT_ID,
                "code": "root",
                "name": "Root unit",
                "parent_id": None,
                "path": "/root/",
                "created_at": datetime(2026, 11, 22, tzinfo=UTC),
            }
        ],
    )
    with op.batch_alter_table("principals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unit_id", sa.Uuid(), server_default=ROOT_UNIT_ID.hex, nullable=False)
        )
        batch_op.add_column(sa.Column("scope_levels", sa.JSON(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_principals_unit_id_org_units"), "org_units", ["unit_id"], ["id"]
        )
    for table in _SCOPED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("unit_id", sa.Uuid(), server_default=ROOT_UNIT_ID.hex, nullable=False)
            )
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_unit_id_org_units"), "org_units", ["unit_id"], ["id"]
            )
            batch_op.create_index(batch_op.f(f"ix_{table}_unit_id"), ["unit_id"], unique=False)
    op.create_table(
        "access_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("principal_id", sa.Uuid(), nullable=True),
        sa.Column("principal_name", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.String(length=200), nullable=False),
        sa.Column("what", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
    )
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.create_index("ix_access_log_at", ["at", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_access_log_principal_id"), ["principal_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("access_log")
    for table in reversed(_SCOPED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_unit_id"))
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_unit_id_org_units"), type_="foreignkey"
            )
            batch_op.drop_column("unit_id")
    with op.batch_alter_table("principals", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_principals_unit_id_org_units"), type_="foreignkey")
        batch_op.drop_column("scope_levels")
        batch_op.drop_column("unit_id")
    op.drop_table("org_units")
