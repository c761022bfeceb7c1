"""Migrations: empty → head → base → head on both databases, and no drift from the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.db.engine import make_engine
from tests.conftest import ROOT, create_pg_database, drop_pg_database


def _config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("sqlalchemy.url", url)
    cfg.attributes["configure_logger"] = False
    return cfg


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> object:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


def test_upgrade_downgrade_upgrade_and_no_drift(fresh_url: str) -> None:
    cfg = _config(fresh_url)
    command.upgrade(cfg, "head")
    command.check(cfg)  # raises when the models and the migrations disagree
    command.downgrade(cfg, "base")
    engine = make_engine(fresh_url)
    with engine.connect() as conn:
        if fresh_url.startswith("sqlite"):
            names = conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        else:
            names = conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
        assert {n for (n,) in names} <= {"alembic_version"}
    engine.dispose()
    command.upgrade(cfg, "head")


def test_record_is_append_only(fresh_url: str) -> None:
    command.upgrade(_config(fresh_url), "head")
    engine = make_engine(fresh_url)
    with engine.connect() as conn:
        conn.execute(
            text(
                "INSERT INTO record_entries (id, subject_type, subject_id, seq, action, "
                "actor_name, actor_role, at, rules, payload, prev_hash, hash) VALUES "
                "(:id, 'case', :sid, 1, 'x', 'n', 'r', :at, '[]', '{}', :h, :h)"
            ),
            {
                "id": "00000000-0000-4000-8000-000000000001",
                "sid": "00000000-0000-4000-8000-000000000002",
                "at": "2026-03-02T00:00:00+00:00",
                "h": "0" * 64,
            },
        )
        conn.commit()
        for statement in (
            "UPDATE record_entries SET action = 'forged'",
            "DELETE FROM record_entries",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()
    engine.dispose()
