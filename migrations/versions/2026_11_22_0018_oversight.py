"""Oversight: the index the statistics and promotions read appointees by.

Every candidate attribute the statistics count already exists (gender, birth_date, ethnicity,
party_membership, education, grassroots_years; exceptional on the case's candidate), so no
column is added. Facts gain `organised_by` on recommendation rounds in schema 3 of the fact
documents (app/domain/facts.py); schema 2 documents read as they are, so none is rewritten.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-22 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_case_candidates_appointed_on", "case_candidates", ["appointed_on"])


def downgrade() -> None:
    op.drop_index("ix_case_candidates_appointed_on", table_name="case_candidates")
