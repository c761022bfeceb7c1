"""REC-RECORD on PostgreSQL: the application's role (`cadre_app`, migration 0015) owns nothing and
may not rewrite the append-only tables, while the API's normal work succeeds under it.

Every session of these tests runs `SET LOCAL ROLE cadre_app` inside the test's outer
transaction, so the application (and the fixtures' principals) act exactly as that role.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import sessionmaker

from tests.case_driver import Driver, ok
from tests.conftest import Principals

APP_ROLE = "cadre_app"
APPEND_ONLY = ("record_entries", "case_facts", "misconduct_records", "events")
WRITES = (
    "UPDATE {t} SET id = id",
    "DELETE FROM {t}",
    "TRUNCATE {t}",
    "ALTER TABLE {t} DISABLE TRIGGER USER",
    "ALTER TABLE {t} DISABLE TRIGGER ALL",
    "DROP TRIGGER IF EXISTS {t}_no_change ON {t}",
    "ALTER TABLE {t} OWNER TO cadre_app",
    "SET session_replication_role = replica",
)


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    if engine.dialect.name != "postgresql":
        pytest.skip("database roles exist on PostgreSQL only (SQLite has none)")
    conn = engine.connect()
    outer = conn.begin()
    conn.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Any]:
    """The conftest's factory, but every session acts as cadre_app."""
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


def _refused(conn: Connection, sql: str) -> str:
    """Run `sql` in a savepoint; return PostgreSQL's refusal (fails the test if it ran)."""
    savepoint = conn.begin_nested()
    try:
        conn.execute(text(sql))
    except ProgrammingError as exc:
        savepoint.rollback()
        return str(exc.orig)
    savepoint.rollback()
    pytest.fail(f"{sql!r} ran as {APP_ROLE}")


def test_the_app_role_is_not_the_owner(connection: Connection) -> None:
    assert connection.scalar(text("SELECT current_user")) == APP_ROLE
    owners = connection.execute(
        text("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = current_schema()")
    ).all()
    assert owners, "no tables"
    assert all(owner != APP_ROLE for _, owner in owners), owners
    assert (
        connection.scalar(
            text(
                "SELECT rolsuper OR rolcreaterole OR rolbypassrls FROM pg_roles WHERE rolname = :r"
            ),
            {"r": APP_ROLE},
        )
        is False
    )


@pytest.mark.parametrize("table", APPEND_ONLY)
@pytest.mark.parametrize("statement", WRITES)
def test_the_app_role_cannot_rewrite_append_only_tables(
    connection: Connection, table: str, statement: str
) -> None:
    refusal = _refused(connection, statement.format(t=table))
    assert "permission denied" in refusal or "must be owner" in refusal, refusal


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_the_app_role_reads_and_appends(connection: Connection, table: str) -> None:
    assert connection.scalar(
        text("SELECT has_table_privilege(current_user, :t, 'SELECT')"), {"t": table}
    )
    assert connection.scalar(
        text("SELECT has_table_privilege(current_user, :t, 'INSERT')"), {"t": table}
    )
    for privilege in ("UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"):
        assert not connection.scalar(
            text("SELECT has_table_privilege(current_user, :t, :p)"),
            {"t": table, "p": privilege},
        ), privilege


def test_the_app_role_does_not_move_the_schema_version(connection: Connection) -> None:
    assert "permission denied" in _refused(
        connection, "UPDATE alembic_version SET version_num = 'x'"
    )
    assert connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1


def test_normal_api_work_succeeds_as_the_app_role(
    client: TestClient, tokens: Principals, connection: Connection
) -> None:
    org = tokens["org_department"]
    d = Driver(client, org)
    a, b = d.candidate(), d.candidate()
    d.create(d.position()["id"], [a, b])
    d.to_decision([a, b])
    ok(client.get(d.url, headers=org))
    rec = ok(client.get(f"{d.url}/record", headers=tokens["auditor"]))
    assert rec["verified"] is True
    assert ok(client.get("/api/v1/record/verification", headers=tokens["auditor"]))["verified"]
    # Still the app role at the end: nothing above escaped it.
    assert connection.scalar(text("SELECT current_user")) == APP_ROLE
    assert connection.scalar(
        text("SELECT count(*) FROM record_entries WHERE subject_id = CAST(:id AS uuid)"),
        {"id": d.case["id"]},
    ) == len(rec["entries"])
