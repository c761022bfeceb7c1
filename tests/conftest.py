"""Test harness: the same suite on SQLite and PostgreSQL, each test in a rolled-back transaction.

The schema is built by the Alembic migrations, never by create_all. Under CI=true the
PostgreSQL run is mandatory; locally it is skipped, with the reason shown, when no server answers.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from app.db.engine import make_engine
from app.db.unit_models import ROOT_UNIT_ID
from app.domain.enums import Role
from app.main import create_app
from app.services import auth
from app.services.context import FixedClock
from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get(
    "CADRE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PEPPER = "test-pepper"
# A Monday in a year the official working-day calendar covers.
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def alembic_upgrade(url: str) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("sqlalchemy.url", url)
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def _pg_conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def create_pg_database() -> str:
    """A fresh database for this run; returns its SQLAlchemy URL. Skips or fails if no server."""
    try:
        admin = psycopg.connect(_pg_conninfo(PG_ADMIN_URL), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"CI=true needs PostgreSQL at {PG_ADMIN_URL}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} (set CADRE_TEST_POSTGRES_URL)")
    name = f"cadre_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = _pg_conninfo(PG_ADMIN_URL).rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+psycopg://')}/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_pg_conninfo(PG_ADMIN_URL), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        alembic_upgrade(url)
        yield url
        return
    url = create_pg_database()
    try:
        alembic_upgrade(url)
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        token_pepper=PEPPER,
        attachment_dir=str(tmp_path / "attachments"),
        attachment_max_bytes=64 * 1024,
        public_objection_rate="5/minute",
    )


@pytest.fixture
def session_factory(engine: Engine) -> Iterator[sessionmaker[Any]]:
    """Every session of the test joins one outer transaction that is rolled back at the end."""
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    yield factory
    outer.rollback()
    connection.close()


@pytest.fixture
def client(
    settings: Settings, clock: FixedClock, session_factory: sessionmaker[Any]
) -> Iterator[TestClient]:
    app = create_app(settings, clock=clock)
    app.state.engine.dispose()
    app.state.session_factory = session_factory
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@dataclass
class Principals:
    """Bearer headers per role, plus helpers to make more principals."""

    factory: sessionmaker[Any]
    headers: dict[str, dict[str, str]]
    ids: dict[str, uuid.UUID]

    def __getitem__(self, role: str) -> dict[str, str]:
        return self.headers[role]

    def make(
        self,
        name: str,
        roles: list[Role],
        *,
        org_unit: str = "市委组织部",
        candidate_id: uuid.UUID | None = None,
        unit_id: uuid.UUID = ROOT_UNIT_ID,
        levels: list[str] | None = None,
    ) -> tuple[dict[str, str], uuid.UUID]:
        """A principal bound to `unit_id`'s subtree at `levels` (None: all; default: root)."""
        with self.factory() as session:
            issued = auth.create_principal_with_token(
                session,
                name=name,
                org_unit=org_unit,
                roles=roles,
                pepper=PEPPER,
                now=START,
                candidate_id=candidate_id,
                unit_id=unit_id,
                scope_levels=levels,
            )
            session.commit()
        return {"Authorization": f"Bearer {issued.token}"}, issued.principal_id


@pytest.fixture
def tokens(client: TestClient, session_factory: sessionmaker[Any]) -> Principals:
    p = Principals(factory=session_factory, headers={}, ids={})
    for role in Role:
        headers, pid = p.make(f"{role.value} user", [role])
        p.headers[role.value] = headers
        p.ids[role.value] = pid
    return p


@pytest.fixture
def org(tokens: Principals) -> dict[str, str]:
    return tokens["org_department"]
