"""Decision bodies (常委会, 党组, 全委会) with dated rosters; posts decided by the full committee.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decision_bodies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("org_unit", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_bodies")),
        sa.UniqueConstraint("org_unit", "name", name=op.f("uq_decision_bodies_org_unit_name")),
    )
    with op.batch_alter_table("decision_bodies", schema=None) as batch_op:
        batch_op.create_index("ix_decision_bodies_created", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decision_bodies_kind"), ["kind"], unique=False)

    op.create_table(
        "decision_body_members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("body_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "left_on IS NULL OR left_on > joined_on",
            name=op.f("ck_decision_body_members_left_after_joined"),
        ),
        sa.ForeignKeyConstraint(
            ["body_id"],
            ["decision_bodies.id"],
            name=op.f("fk_decision_body_members_body_id_decision_bodies"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_decision_body_members_candidate_id_candidates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_body_members")),
    )
    with op.batch_alter_table("decision_body_members", schema=None) as batch_op:
        batch_op.create_index(
            "ix_decision_body_members_body", ["body_id", "joined_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_decision_body_members_candidate_id"), ["candidate_id"], unique=False
        )

    # DEC-FULL-COMMITTEE: principal posts of a lower-level party committee and government are
    # decided by a full-committee vote (全委会票决). Existing posts are not.
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "decided_by_full_committee",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.drop_column("decided_by_full_committee")

    with op.batch_alter_table("decision_body_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_body_members_candidate_id"))
        batch_op.drop_index("ix_decision_body_members_body")

    op.drop_table("decision_body_members")
    with op.batch_alter_table("decision_bodies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_bodies_kind"))
        batch_op.drop_index("ix_decision_bodies_created")

    op.drop_table("decision_bodies")
