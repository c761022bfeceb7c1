"""The cadre's file (干部任免审批表 fields) and a case candidate's approval-form entries.

Two new tables, 1:1 sub-resources of `candidates` and of a candidate in a case; no existing
table changes.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-22 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept here, not imported: a migration must not change when the application does.
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cadre_files",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("native_place", sa.String(length=100), nullable=False),
        sa.Column("birthplace", sa.String(length=100), nullable=False),
        sa.Column("grown_up_place", sa.String(length=100), nullable=False),
        sa.Column("health", sa.String(length=100), nullable=False),
        sa.Column("professional_title", sa.String(length=100), nullable=False),
        sa.Column("specialties", sa.String(length=200), nullable=False),
        sa.Column("full_time_education", sa.JSON(), nullable=False),
        sa.Column("in_service_education", sa.JSON(), nullable=False),
        sa.Column("rewards_punishments", sa.Text(), nullable=False),
        sa.Column("appraisal_summary", sa.Text(), nullable=True),
        sa.Column("family", sa.JSON(), nullable=False),
        sa.Column("photo", sa.LargeBinary(), nullable=True),
        sa.Column("photo_type", sa.String(length=16), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_cadre_files_candidate_id_candidates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadre_files")),
        sa.UniqueConstraint("candidate_id", name=op.f("uq_cadre_files_candidate_id")),
        sa.UniqueConstraint("id_number", name=op.f("uq_cadre_files_id_number")),
    )
    op.create_table(
        "case_candidate_forms",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("proposed_posts", sa.Text(), nullable=False),
        sa.Column("removed_posts", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reporting_unit", sa.String(length=200), nullable=False),
        sa.Column("filled_by", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["selection_cases.id"],
            name=op.f("fk_case_candidate_forms_case_id_selection_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_case_candidate_forms_candidate_id_candidates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_candidate_forms")),
        sa.UniqueConstraint(
            "case_id", "candidate_id", name=op.f("uq_case_candidate_forms_case_id_candidate_id")
        ),
    )
    op.create_index(
        op.f("ix_case_candidate_forms_candidate_id"),
        "case_candidate_forms",
        ["candidate_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_case_candidate_forms_candidate_id"), table_name="case_candidate_forms")
    op.drop_table("case_candidate_forms")
    op.drop_table("cadre_files")
