"""Engine and session factory. SQLite gets WAL, foreign keys, busy_timeout and BEGIN IMMEDIATE."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

# Execution option a read-only unit of work sets on its connection.
READ_ONLY = "cadre_read_only"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite") and (url in {"sqlite://", "sqlite:///:memory:"}):
        # In-memory: one shared connection, or every checkout would see an empty database.
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False}, poolclass=StaticPool
        )
        _configure_sqlite(engine)
        return engine
    if url.startswith("sqlite"):
        # One connection per process: SQLite has one writer anyway, and a single connection
        # avoids "database is locked" between our own pooled connections.
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=1,
            max_overflow=0,
            pool_timeout=10,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url,
        echo=echo,
        pool_size=10,
        max_overflow=10,
        pool_timeout=10,
        pool_pre_ping=True,
        connect_args={"options": "-c lock_timeout=10000 -c statement_timeout=30000"},
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: ConnectionPoolEntry) -> None:
        # Take over transaction control from pysqlite so that BEGIN is ours (see "begin").
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A deferred transaction that reads then writes fails at once with "database is
        # locked"; IMMEDIATE takes the write lock up front and waits on busy_timeout instead.
        # Reads (READ_ONLY) take a plain deferred BEGIN: in WAL they never block a writer.
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
