"""`cadre token create/list/show/revoke`: ids and prefixes, expiry, clean errors (exit 1, no
traceback), and what the API then says to the token. Each test runs on a fresh database."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from typer.testing import CliRunner, Result

from app.cli import cli
from app.db.engine import make_engine, make_session_factory
from app.db.models import ApiToken, Principal
from app.main import create_app
from app.services.context import FixedClock
from app.settings import Settings
from tests.conftest import PEPPER, alembic_upgrade, create_pg_database, drop_pg_database

ID_LINE = re.compile(r"^token ([0-9a-f-]{36}) \((cad_[A-Za-z0-9_-]{8})\.\.\.\), (.+)$")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def migrated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One migrated database per kind for this module (PostgreSQL's take seconds to create)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('tokens') / 'tokens.db'}"
        alembic_upgrade(url)
        yield url
        return
    url = create_pg_database()
    try:
        alembic_upgrade(url)
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
def db(migrated: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The database with no principal or token, the CLI's environment pointing at it."""
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith("CADRE_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("CADRE_DATABASE_URL", migrated)
    monkeypatch.setenv("CADRE_TOKEN_PEPPER", PEPPER)
    monkeypatch.setenv("CADRE_ENVIRONMENT", "test")
    yield migrated
    engine = make_engine(migrated)
    try:
        with engine.begin() as conn:
            conn.execute(delete(ApiToken))
            conn.execute(delete(Principal))
    finally:
        engine.dispose()


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["token", *args])


def refused(result: Result, fragment: str) -> None:
    """Exit code 1, one `error:` message on stderr naming the problem, no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: "), result.stderr
    assert fragment in result.stderr, result.stderr


def create(*extra: str, name: str = "张三", role: str = "org_department") -> tuple[str, str, str]:
    """(token id, shown prefix, secret)."""
    result = run("create", "--name", name, "--role", role, *extra)
    assert result.exit_code == 0, result.output
    first, secret = result.stdout.strip().splitlines()
    match = ID_LINE.match(first)
    assert match is not None, first
    assert secret.startswith(match[2])
    return match[1], match[2], secret


def api_status(url: str, secret: str, at: datetime | None = None) -> int:
    settings = Settings(environment="test", database_url=url, token_pepper=PEPPER)
    app = create_app(settings, clock=FixedClock(at or datetime.now(UTC)))
    try:
        with TestClient(app) as c:
            return c.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}).status_code
    finally:
        app.state.engine.dispose()


def stored(url: str, token_id: str) -> ApiToken:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            row = session.get(ApiToken, uuid.UUID(token_id))
            assert row is not None
            session.expunge(row)
            return row
    finally:
        engine.dispose()


def aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


# --- create, show, list --------------------------------------------------------------------------


def test_create_prints_the_id_then_the_secret(db: str) -> None:
    token_id, prefix, secret = create()
    assert "expires:   never" in run("show", token_id).stdout
    assert len(prefix) == 12
    assert api_status(db, secret) == 200
    row = stored(db, token_id)
    assert row.token_prefix == prefix
    assert secret not in (row.token_hash, row.label)  # only the keyed hash is kept

    shown = run("show", token_id)
    assert shown.exit_code == 0, shown.output
    assert f"id:        {token_id}" in shown.stdout
    assert f"prefix:    {prefix}" in shown.stdout
    assert "principal: 张三" in shown.stdout
    assert "roles:     org_department" in shown.stdout
    assert "status:    active" in shown.stdout
    assert secret not in shown.stdout


def test_list_shows_active_tokens_and_all_with_the_flag(db: str) -> None:
    kept, kept_prefix, _ = create(name="kept")
    gone, gone_prefix, _ = create(name="gone")
    assert run("revoke", gone).exit_code == 0
    listed = run("list")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines()[0].split()[:4] == ["id", "prefix", "status", "expires"]
    assert kept in listed.stdout
    assert kept_prefix in listed.stdout
    assert gone not in listed.stdout
    assert "1 revoked or expired not shown" in listed.stderr
    everything = run("list", "--all")
    line = next(x for x in everything.stdout.splitlines() if x.startswith(gone))
    assert line.split()[1:3] == [gone_prefix, "revoked"]


# --- references: id, id prefix, token prefix, secret ---------------------------------------------


@pytest.mark.parametrize(
    "how", ["id", "id-prefix-6", "id-prefix-dashed", "prefix", "prefix-6", "secret"]
)
def test_revoke_by_each_kind_of_reference(db: str, how: str) -> None:
    token_id, prefix, secret = create()
    reference = {
        "id": token_id,
        "id-prefix-6": token_id[:6],
        "id-prefix-dashed": token_id[:13].upper(),
        "prefix": prefix,
        "prefix-6": prefix[:10],
        "secret": secret,
    }[how]
    assert api_status(db, secret) == 200
    result = run("revoke", reference)
    assert result.exit_code == 0, result.output
    assert f"revoked token {token_id}" in result.stdout
    assert api_status(db, secret) == 401
    refused(run("revoke", token_id), "revoked already")


@pytest.mark.parametrize(
    ("reference", "fragment"),
    [
        ("", "give a token id"),
        ("abcde", "is not a token id"),  # 5 hex digits: one short of the minimum
        ("zzzzzzzz", "is not a token id"),
        ("cad_abcde", "too short"),  # 5 characters after cad_
        ("cad_Zzzzzz", "no token matches"),
        (str(uuid.UUID(int=1)), "no token matches"),
        ("cad_" + "x" * 43, "no token matches"),  # a secret that is no token
    ],
)
def test_a_reference_naming_nothing_is_refused_cleanly(
    db: str, reference: str, fragment: str
) -> None:
    token_id, _, secret = create()
    refused(run("revoke", reference), fragment)
    refused(run("show", reference), fragment)
    assert stored(db, token_id).revoked_at is None
    assert api_status(db, secret) == 200


def test_an_ambiguous_prefix_is_refused_and_revokes_nothing(db: str) -> None:
    engine = make_engine(db)
    first, second = (
        uuid.UUID("abcdef00-0000-4000-8000-000000000001"),
        uuid.UUID("abcdef00-0000-4000-8000-000000000002"),
    )
    _, _, secret = create()
    owner = stored(db, create(name="owner")[0]).principal_id
    try:
        with make_session_factory(engine)() as session:
            for n, token_id in enumerate([first, second]):
                session.add(
                    ApiToken(
                        id=token_id,
                        principal_id=owner,
                        token_hash=f"{n:064d}",
                        token_prefix=f"cad_same000{n}",
                        created_at=datetime.now(UTC),
                    )
                )
            session.commit()
    finally:
        engine.dispose()
    refused(run("revoke", "abcdef"), "matches 2 tokens")
    refused(run("revoke", "cad_same00"), "matches 2 tokens")
    assert stored(db, str(first)).revoked_at is None
    assert stored(db, str(second)).revoked_at is None
    assert run("revoke", str(second)).exit_code == 0  # the full id is never ambiguous
    assert stored(db, str(first)).revoked_at is None
    assert api_status(db, secret) == 200


# --- expiry --------------------------------------------------------------------------------------


def test_expires_in_and_the_exact_boundary(db: str) -> None:
    before = datetime.now(UTC)
    token_id, _, secret = create("--expires-in", "30d")
    expires = aware(stored(db, token_id).expires_at or before)
    assert before + timedelta(days=30) <= expires <= datetime.now(UTC) + timedelta(days=30)
    assert api_status(db, secret, at=expires - timedelta(microseconds=1)) == 200
    assert api_status(db, secret, at=expires) == 401
    shown = run("show", token_id).stdout
    assert f"expires:   {expires:%Y-%m-%d %H:%M} UTC" in shown


@pytest.mark.parametrize(
    ("given", "delta"),
    [("90m", timedelta(minutes=90)), ("12h", timedelta(hours=12)), ("2w", timedelta(weeks=2))],
)
def test_expires_in_units(db: str, given: str, delta: timedelta) -> None:
    before = datetime.now(UTC)
    token_id, _, _ = create("--expires-in", given)
    expires = aware(stored(db, token_id).expires_at or before)
    assert before + delta <= expires <= datetime.now(UTC) + delta


def test_expires_at_with_an_offset_and_an_expired_token_in_the_list(db: str) -> None:
    token_id, _, secret = create("--expires-at", "2099-01-31T18:00+08:00")
    assert aware(stored(db, token_id).expires_at or datetime.min) == datetime(
        2099, 1, 31, 10, 0, tzinfo=UTC
    )
    assert api_status(db, secret) == 200
    assert api_status(db, secret, at=datetime(2099, 1, 31, 10, 0, tzinfo=UTC)) == 401
    date_only, _, _ = create("--expires-at", "2099-02-01")
    assert aware(stored(db, date_only).expires_at or datetime.min) == datetime(
        2099, 2, 1, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--expires-in", "30x"], "give a positive number and a unit"),
        (["--expires-in", "0d"], "give a positive number and a unit"),
        (["--expires-in", "-1d"], "give a positive number and a unit"),
        (["--expires-at", "tomorrow"], "give an ISO date or time"),
        (["--expires-at", "2020-01-01"], "is not in the future"),
        (["--expires-in", "1d", "--expires-at", "2099-01-01"], "not both"),
        (["--candidate-id", "not-a-uuid"], "is not a UUID"),
    ],
)
def test_bad_create_options_are_refused_and_create_nothing(
    db: str, args: list[str], fragment: str
) -> None:
    refused(run("create", "--name", "x", "--role", "admin", *args), fragment)
    listed = run("list", "--all")
    assert listed.stdout.splitlines()[1:] == []


# --- environment problems ------------------------------------------------------------------------


def test_placeholder_pepper_in_production_is_a_clean_error(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CADRE_ENVIRONMENT", "production")
    monkeypatch.setenv("CADRE_TOKEN_PEPPER", "dev")
    refused(run("list"), "CADRE_TOKEN_PEPPER")
    refused(run("create", "--name", "x", "--role", "admin"), "CADRE_TOKEN_PEPPER")


def test_unmigrated_database_is_a_clean_error(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CADRE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    refused(run("list"), "is the database migrated?")
    refused(run("create", "--name", "x", "--role", "admin"), "is it migrated?")
    refused(run("revoke", "abcdef"), "is it migrated?")
