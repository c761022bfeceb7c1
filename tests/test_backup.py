"""The restore drill: cases are made through the API, `cadre backup` copies the database while
the app is open, `cadre restore` puts it into a new database and verifies every record chain;
a tampered record makes the restore fail, naming the chain. On SQLite (backup API) and on
PostgreSQL (pg_dump / pg_restore)."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner, Result

from app.cli import cli
from app.db.engine import make_engine
from app.domain.enums import Role
from app.main import create_app
from app.services import auth
from app.services.context import FixedClock
from app.settings import Settings
from tests.case_driver import Driver, ok
from tests.conftest import PEPPER, START, alembic_upgrade, create_pg_database, drop_pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[], str]]:
    """Makes empty databases of the parametrised kind (dropped afterwards)."""
    if request.param == "postgresql" and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith("CADRE_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("CADRE_ENVIRONMENT", "test")
    monkeypatch.setenv("CADRE_TOKEN_PEPPER", PEPPER)
    made: list[str] = []

    def make() -> str:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / f'db-{len(made)}.db'}"
        else:
            url = create_pg_database()
        made.append(url)
        return url

    yield make
    for url in made:
        if url.startswith("postgresql"):
            drop_pg_database(url)


def cadre(url: str, *args: str) -> Result:
    os.environ["CADRE_DATABASE_URL"] = url
    try:
        return CliRunner().invoke(cli, list(args))
    finally:
        del os.environ["CADRE_DATABASE_URL"]


def refused(result: Result, fragment: str) -> str:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: ")
    assert fragment in result.stderr, result.stderr
    return result.stderr


def app_on(url: str) -> TestClient:
    settings = Settings(
        environment="test", database_url=url, token_pepper=PEPPER, attachment_dir="attachments"
    )
    return TestClient(create_app(settings, clock=FixedClock(START)), raise_server_exceptions=False)


def org_headers(client: TestClient) -> dict[str, str]:
    factory: Any = client.app.state.session_factory  # type: ignore[attr-defined]
    with factory() as session:
        issued = auth.create_principal_with_token(
            session,
            name="组织部",
            org_unit="市委组织部",
            roles=[Role.ORG_DEPARTMENT, Role.AUDITOR],
            pepper=PEPPER,
            now=START,
        )
        session.commit()
    return {"Authorization": f"Bearer {issued.token}"}


def states(client: TestClient, headers: dict[str, str], ids: list[str]) -> dict[str, Any]:
    found = {}
    for case_id in ids:
        case = ok(client.get(f"/api/v1/cases/{case_id}", headers=headers))
        record = ok(client.get(f"/api/v1/cases/{case_id}/record", headers=headers))
        assert record["verified"] is True
        found[case_id] = (case["stage"], [e["hash"] for e in record["entries"]])
    return found


def test_restore_drill(new_database: Callable[[], str], tmp_path: Path) -> None:
    source = new_database()
    alembic_upgrade(source)
    backup_file = tmp_path / "cadre.backup"
    with app_on(source) as client:
        headers = org_headers(client)
        cases = []
        for stage in range(3):
            d = Driver(client, headers)
            a, b = d.candidate(), d.candidate()
            d.create(d.position()["id"], [a, b])
            if stage >= 1:
                d.act("start_recommendation")
            if stage >= 2:
                d.recommend([a, b])
            cases.append(d.case["id"])
        before = states(client, headers, cases)
        # Online: the app is open (its pool holds connections) while the copy is taken.
        done = cadre(source, "backup", str(backup_file))
        assert done.exit_code == 0, done.output
        assert f"backed up to {backup_file}" in done.stdout
        refused(cadre(source, "backup", str(backup_file)), "exists")
        # A change after the backup is not in it.
        Driver(client, headers).candidate()

    target = new_database()
    done = cadre(target, "restore", str(backup_file))
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert lines[0] == f"restored {backup_file} into the configured database"
    assert lines[1].startswith("verified ")
    assert re.fullmatch(r"verified \d+ record chain\(s\), \d+ entries, 3 case\(s\)", lines[1])
    with app_on(target) as restored:
        assert states(restored, headers, cases) == before  # the same token works: same rows

    # Restoring never overwrites a database in use.
    refused(cadre(source, "restore", str(backup_file)), "restore into a new")

    # A record edited after the fact (by someone who could lift the append-only triggers):
    # the drill fails and names the chain.
    pg = target.startswith("postgresql")
    engine = make_engine(target)
    try:
        with engine.begin() as conn:
            if pg:
                conn.execute(text("ALTER TABLE record_entries DISABLE TRIGGER USER"))
            else:
                conn.execute(text("DROP TRIGGER record_entries_no_update"))
            conn.execute(
                text("UPDATE record_entries SET actor_name = 'x' WHERE case_id = :c AND seq = 1"),
                {"c": uuid.UUID(cases[1]) if pg else uuid.UUID(cases[1]).hex},
            )
    finally:
        engine.dispose()
    tampered = tmp_path / "tampered.backup"
    assert cadre(target, "backup", str(tampered)).exit_code == 0
    problems = refused(cadre(new_database(), "restore", str(tampered)), "record chain problem")
    assert f"case {cases[1]}: the hash chain breaks at entry 1" in problems
    assert cases[0] not in problems
    assert cases[2] not in problems


def test_backup_of_a_missing_sqlite_database_is_a_clean_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'absent.db'}"
    refused(cadre(url, "backup", str(tmp_path / "b.db")), "there is no database")
    refused(
        cadre(f"sqlite:///{tmp_path / 'new.db'}", "restore", str(tmp_path / "none")), "no backup"
    )
