"""Tokens show a public prefix (`cad_` and 8 characters) so that an operator can name them.

Expiry itself (`expires_at`) exists since the first revision; tokens issued before this one
have no prefix and are named by their id.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-22 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_prefix", sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_api_tokens_token_prefix"), ["token_prefix"])


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_token_prefix"))
        batch_op.drop_column("token_prefix")
