"""Unit of work: one session, one transaction per request. Repositories never commit."""

from __future__ import annotations

import weakref
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.db.engine import READ_ONLY

_READ_ONLY_ENGINES: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def _read_only(engine: Engine) -> Engine:
    """The same engine and pool, its connections marked read-only (a deferred BEGIN)."""
    found = _READ_ONLY_ENGINES.get(engine)
    if found is None:
        found = _READ_ONLY_ENGINES[engine] = engine.execution_options(**{READ_ONLY: True})
    return found


class UnitOfWork:
    """Creating one does no I/O: the session connects on its first statement."""

    def __init__(self, factory: sessionmaker[Session], *, read_only: bool = False) -> None:
        self._factory = factory
        bind = factory.kw.get("bind")
        if read_only and isinstance(bind, Engine):
            # SQLite: a deferred BEGIN, so that reads never take the write lock.
            self.session: Session = factory(bind=_read_only(bind))
        else:
            self.session = factory()

    @property
    def is_postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Anything not committed explicitly by the service is rolled back.
        self.session.rollback()
        self.session.close()
