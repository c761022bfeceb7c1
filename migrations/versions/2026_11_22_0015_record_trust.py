"""Record checkpoints and database roles.

PostgreSQL: the application runs as its own role, `cadre_app` (created here if absent, LOGIN,
no password: an operator sets one), which owns nothing. It may read and write the working
tables but only SELECT and INSERT the append-only ones (the record, case facts, misconduct, the
change feed): no UPDATE, DELETE or TRUNCATE, and, not being their owner, it cannot disable or
drop their triggers nor ALTER them. Migrations keep running as the owner; tables they create
later are granted to `cadre_app` by default privileges (an append-only one must revoke
UPDATE/DELETE itself, as here). Signed checkpoints (app/services/checkpoints.py) are files and
need no schema. SQLite has no roles: a no-op there.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-22 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "cadre_app"
APPEND_ONLY = ("record_entries", "case_facts", "misconduct_records", "events")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgres():
        return
    # Roles are cluster-wide: another database of the cluster (or a concurrent migration) may
    # have created it already.
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} LOGIN;
            END IF;
        EXCEPTION WHEN duplicate_object THEN NULL;
        END
        $$
        """
    )
    op.execute(
        f"""
        DO $$
        BEGIN
            EXECUTE format('GRANT CONNECT ON DATABASE %I TO {APP_ROLE}', current_database());
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO {APP_ROLE}', current_schema());
            EXECUTE format(
                'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO {APP_ROLE}',
                current_schema());
            EXECUTE format(
                'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO {APP_ROLE}',
                current_schema());
            EXECUTE format(
                'ALTER DEFAULT PRIVILEGES IN SCHEMA %I '
                'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}', current_schema());
            EXECUTE format(
                'ALTER DEFAULT PRIVILEGES IN SCHEMA %I '
                'GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}', current_schema());
        END
        $$
        """
    )
    for table in APPEND_ONLY:
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {APP_ROLE}")
    # The schema's version is the migrations' business.
    op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {APP_ROLE}")


def downgrade() -> None:
    if not _postgres():
        return
    # The role stays (other databases of the cluster may use it); this database no longer
    # grants it anything.
    op.execute(
        f"""
        DO $$
        BEGIN
            IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                EXECUTE format(
                    'ALTER DEFAULT PRIVILEGES IN SCHEMA %I '
                    'REVOKE ALL ON TABLES FROM {APP_ROLE}', current_schema());
                EXECUTE format(
                    'ALTER DEFAULT PRIVILEGES IN SCHEMA %I '
                    'REVOKE ALL ON SEQUENCES FROM {APP_ROLE}', current_schema());
                EXECUTE format(
                    'REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM {APP_ROLE}', current_schema());
                EXECUTE format(
                    'REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM {APP_ROLE}', current_schema());
                EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM {APP_ROLE}', current_schema());
                EXECUTE format(
                    'REVOKE CONNECT ON DATABASE %I FROM {APP_ROLE}', current_database());
            END IF;
        END
        $$
        """  # noqa: S608 (constant role name)
    )
