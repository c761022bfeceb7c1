"""Reference endpoints that `make bench` serves beside the product, in the same run.

`uvicorn bench_ref:create_app --factory --app-dir scripts` with BENCH_REF_DB=<sqlite file>:

    POST /echo                          bare async FastAPI POST: a pydantic body validated and
                                        returned as the response model (the cost × unit)
    POST /ref/cases/{id}/transition     the minimal reference transaction of
                                        shared/design/performance-baseline.md §0

The reference transaction is what any transition endpoint must at least do: read the row under
the write lock, check a guard, change stage/version/updated_at, insert one audit row, commit
(BEGIN IMMEDIATE, SELECT, UPDATE, INSERT, COMMIT). It is a `def` endpoint on the SQLAlchemy ORM,
like the product's, and uses the product's own engine factory so that pragmas (WAL,
synchronous=NORMAL, busy_timeout, foreign keys), BEGIN IMMEDIATE and the one-connection pool are
the same: the ratio product / reference then isolates what the product adds on top.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel
from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.db.engine import make_engine, make_session_factory

CASES = 1000
# Six stages in a cycle, so that a run never dead-ends (as in the baseline's reference).
STAGES = ("motion", "recommendation", "inspection", "deliberation", "decision", "publicity")
NEXT = {s: STAGES[(i + 1) % len(STAGES)] for i, s in enumerate(STAGES)}


class Base(DeclarativeBase):
    pass


class RefCase(Base):
    __tablename__ = "ref_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class RefEvent(Base):
    __tablename__ = "ref_case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("ref_cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    from_stage: Mapped[str] = mapped_column(String(40))
    to_stage: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    at: Mapped[datetime]


class EchoIn(BaseModel):
    event: str
    actor: str
    note: str
    payload: dict[str, int]


class RefIn(BaseModel):
    actor: str


class RefOut(BaseModel):
    id: int
    stage: str
    version: int


def create_app() -> FastAPI:
    path = os.environ["BENCH_REF_DB"]
    engine = make_engine(f"sqlite:///{path}")
    # Fresh tables and cases at every start, so every run measures the same data.
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    with sessions.begin() as s:
        s.add_all(
            RefCase(id=i, stage=STAGES[0], version=1, updated_at=now) for i in range(1, CASES + 1)
        )

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.post("/echo")
    async def echo(body: EchoIn) -> EchoIn:
        return body

    @app.post("/ref/cases/{case_id}/transition")
    def transition(case_id: int, body: RefIn) -> RefOut:
        with sessions.begin() as s:
            case = s.get(RefCase, case_id, with_for_update=True)
            if case is None:
                raise HTTPException(404, "no such case")
            to = NEXT.get(case.stage)
            if to is None:  # the guard: an action must be offered from the current stage
                raise HTTPException(409, "no action from this stage")
            s.add(
                RefEvent(
                    case_id=case.id,
                    action=f"to_{to}",
                    from_stage=case.stage,
                    to_stage=to,
                    actor=body.actor,
                    payload={"version": case.version},
                    at=datetime.now(UTC),
                )
            )
            case.stage = to
            case.version += 1
            case.updated_at = datetime.now(UTC)
            out = RefOut(id=case.id, stage=case.stage, version=case.version)
        return out

    return app
