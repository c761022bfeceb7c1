"""Unit of work: one session, one transaction per request. Repositories never commit."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from app.db.engine import READ_ONLY


class UnitOfWork:
    def __init__(self, factory: sessionmaker[Session], *, read_only: bool = False) -> None:
        self._factory = factory
        self.session: Session = factory()
        if read_only:
            # SQLite: a deferred BEGIN, so that reads never take the write lock.
            self.session.connection(execution_options={READ_ONLY: True})

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
