"""Application factory: routers, problem handlers, lifespan. No business logic here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI

from app.api import contract, observability
from app.api import docs as api_docs
from app.api.admission import Admission, Gate, Overloaded, overloaded_problem
from app.api.auth_first import RequireBearer
from app.api.conditional import ConditionalGet
from app.api.idempotency import Idempotency
from app.api.limits import BodySizeLimit
from app.api.listing import refuse_repeated_filters
from app.api.problems import Problem, install_problem_handlers
from app.api.proxies import ClientAddress
from app.api.routers import health
from app.api.routers import routers as api_routers
from app.db.engine import make_engine, make_session_factory
from app.services import calendar, worker
from app.services.context import Clock
from app.services.ops_metrics import DueCases
from app.services.policies import sync_presets
from app.settings import Settings

DESCRIPTION = """
Selection and appointment of party and government leading cadres (干部选拔任用) as a persisted,
rule-checked workflow: candidates (干部), positions (职位, 核定职数), selection policies (local
rules), nominations (推荐/自荐) and selection cases (选拔任用工作) that move from analysis & motion
(分析研判和动议) to confirmed appointment (正式任职).

* Authenticate with `Authorization: Bearer <token>` (tokens from `cadre token create`).
* Every error is an RFC 9457 `application/problem+json` document; a refused step names the rule
  (`rule`, `article`) and lists every failing rule in `violations`.
* Changes to versioned resources need `If-Match` with the `ETag` you read (412 stale, 428 missing).
* POSTs accept `Idempotency-Key` (1 to 200 visible ASCII characters): a request runs at most
  once per principal and key. The same key and request replays the first answer
  (`Idempotent-Replayed: true`) once the token is verified; while the first still runs, a
  duplicate is a 409 `idempotency-in-progress` with Retry-After; the same key with another
  request is a 422; a first attempt that failed without changing anything releases the key.
  Keys are kept 24 hours per principal.
* Lists: `sort` (e.g. `sort=-updated_at`, `sort=name`) with a keyset `cursor` made for that sort
  (another sort or an edited cursor is a 422); `updated_after` takes an instant with a zone. A
  filter given twice is a 422 unless documented as a list ("any of", e.g. `stage`). Incremental
  sync: `sort=updated_at&updated_after=<last updated_at you hold>`, page by `next_cursor`.
* GETs answer `ETag` (a version, or a hash of a list page); send it back in `If-None-Match` for
  a `304 Not Modified`.
* Instants are answered in UTC with `Z`. Problem `type`s are pages of this service
  (`/problems/<slug>`, `/rules/<RULE-ID>`).

![The workflow: stages and the actions between them](/docs/workflow.svg)

(The same picture as `GET /api/v1/workflow.svg`; `GET /api/v1/workflow` gives it as data.)
"""


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = make_engine(settings.database_url, echo=settings.log_sql)
    session_factory = make_session_factory(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sync_presets(app.state.session_factory, app.state.clock)
        calendar.sync(app.state.session_factory, app.state.clock)
        # The embedded worker (webhook deliveries, periodic jobs) when enabled: `make run`.
        embedded = None
        if app.state.settings.worker_enabled:
            embedded = worker.EmbeddedWorker(
                worker.Worker(app.state.session_factory, app.state.clock, app.state.settings)
            )
            embedded.start()
        yield
        if embedded is not None:
            embedded.stop()
        calendar.forget_loaded_years()
        engine.dispose()

    docs = settings.docs_enabled
    app = FastAPI(
        title="cadre-selection",
        version=contract.package_version(),
        description=DESCRIPTION,
        # A filter given twice is refused unless declared as a list (app/api/listing.py).
        dependencies=[Depends(refuse_repeated_filters)],
        lifespan=lifespan,
        # Served by app/api/docs.py with local assets (no CDN).
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.clock = clock or Clock()
    install_problem_handlers(app)
    app.add_exception_handler(Overloaded, overloaded_problem)
    # Innermost: If-None-Match against the ETag the endpoint (or a hash of its page) gives.
    app.add_middleware(ConditionalGet)
    # Added first, runs inside the body limit: an oversized body never reaches the key store.
    app.add_middleware(Idempotency)
    app.add_middleware(RequireBearer)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        # A multipart upload carries one attachment plus its form envelope.
        upload_max_bytes=settings.attachment_max_bytes + 64 * 1024,
    )
    # A request that cannot be admitted costs nothing further; one admitted passes the gate
    # (sized for the database) just before its use case runs (app/api/routing.py).
    app.add_middleware(
        Admission,
        limit=settings.max_requests,
        queue=settings.max_queue,
        wait_seconds=settings.queue_wait_seconds,
        gate=Gate(
            limit=settings.inflight_limit,
            queue=settings.max_queue,
            wait_seconds=settings.queue_wait_seconds,
        ),
    )
    # Outermost: who the client is (X-Forwarded-For only from CADRE_TRUSTED_PROXIES).
    app.add_middleware(ClientAddress, trusted=settings.trusted_proxy_networks)
    # Outside even that: every answer carries X-Request-ID and is logged and counted.
    observability.configure_access_log()
    app.add_middleware(
        observability.Observability,
        due_cases=DueCases(lambda: (app.state.session_factory, app.state.clock)),
    )
    observability.install_tracing(app, engine)
    if docs:
        api_docs.install(app, "/openapi.json")
    app.include_router(health.router)
    for router in api_routers(settings):
        app.include_router(router)
    _declare_problem_schema(app)
    contract.install(app)  # after the Problem schema: it completes the final document
    return app


def _declare_problem_schema(app: FastAPI) -> None:
    """Errors are declared as `application/problem+json` referring to one Problem schema."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in problem.pop("$defs", {}).items():
            schemas.setdefault(name, sub)
        schemas["Problem"] = problem
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def app() -> FastAPI:
    """Entry point for `uvicorn app.main:app --factory`."""
    return create_app()
