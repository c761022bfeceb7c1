"""Request ids, one JSON log line per request, Prometheus metrics at /metrics, optional tracing.

A pure ASGI middleware, outermost, so that every answer carries `X-Request-ID` (problems, 401s
from RequireBearer and 503s from admission included) and is counted. It stays cheap: no body is
read except that of a 409/422 problem (to count refusals by rule id), and /metrics is answered
here, before admission, so that a scrape still works when the service sheds load.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import uuid
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.services import observed, ops_metrics

ACCESS_LOG = logging.getLogger("cadre.access")
log = logging.getLogger(__name__)
HEADER = b"x-request-id"
MAX_REQUEST_ID = 64
METRICS_PATH = "/metrics"
UNMATCHED = "unmatched"  # one label for every path no route serves: no unbounded label values
PROBLEM_TYPE = b"application/problem+json"


def accepted_request_id(value: bytes | None) -> str:
    """The client's id when it is 1 to 64 visible ASCII characters, else a fresh UUID."""
    if value and len(value) <= MAX_REQUEST_ID and all(0x21 <= c <= 0x7E for c in value):
        return value.decode("ascii")
    return str(uuid.uuid4())


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "{levelname}{name}{process}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger", "process": "pid"},
        timestamp="time",  # ISO 8601, UTC
        json_ensure_ascii=False,
    )


def configure_access_log() -> None:
    """The access log writes JSON lines to stderr (journald/container logs), once per process."""
    if any(getattr(h, "_cadre_access", False) for h in ACCESS_LOG.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter())
    handler._cadre_access = True  # type: ignore[attr-defined]  # marks ours: configure once
    ACCESS_LOG.addHandler(handler)
    ACCESS_LOG.setLevel(logging.INFO)
    ACCESS_LOG.propagate = False


class Observability:
    def __init__(self, app: ASGIApp, *, due_cases: ops_metrics.DueCases | None = None) -> None:
        self.app = app
        self._due = due_cases
        self._due_registry: CollectorRegistry | None = None
        if due_cases is not None:
            self._due_registry = CollectorRegistry(auto_describe=False)
            self._due_registry.register(due_cases)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accepted_request_id(_header(scope, HEADER))
        # Read by app/api/deps.py as request.state.request_id (it goes into the record).
        scope.setdefault("state", {})["request_id"] = request_id
        if scope["path"] == METRICS_PATH and scope["method"] in {"GET", "HEAD"}:
            await self._metrics(scope, send, request_id)
            return
        seen = observed.Observed(request_id)
        reset = observed.current.set(seen)
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before answering
        problem: list[bytes] | None = None
        rid = request_id.encode("ascii")

        async def send_observed(message: Message) -> None:
            nonlocal status, problem
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((HEADER, rid))
                message["headers"] = headers
                if status in {409, 422} and _content_type(headers).startswith(PROBLEM_TYPE):
                    problem = []
            elif message["type"] == "http.response.body" and problem is not None:
                problem.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            observed.current.reset(reset)
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            method: str = scope["method"]
            ops_metrics.REQUESTS.labels(route=route, method=method, status=str(status)).inc()
            ops_metrics.LATENCY.labels(route=route, method=method).observe(elapsed)
            if problem:
                _count_refusals(b"".join(problem))
            if ACCESS_LOG.isEnabledFor(logging.INFO):
                ACCESS_LOG.info(
                    "request",
                    extra={
                        "request_id": request_id,
                        "principal_id": str(seen.principal_id) if seen.principal_id else None,
                        "route": route,
                        "method": method,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )

    async def _metrics(self, scope: Scope, send: Send, request_id: str) -> None:
        body = self._exposition()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", CONTENT_TYPE_LATEST.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-store"),
                    (HEADER, request_id.encode("ascii")),
                ],
            }
        )
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )

    def _exposition(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # Several worker processes: add up what each wrote to the shared directory.
            registry = CollectorRegistry(auto_describe=False)
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            if self._due is not None:
                registry.register(self._due)
            return generate_latest(registry)
        body = generate_latest(REGISTRY)
        if self._due_registry is not None:
            body += generate_latest(self._due_registry)
        return body


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value)
    return None


def _content_type(headers: list[tuple[bytes, bytes]]) -> bytes:
    for key, value in headers:
        if key.lower() == b"content-type":
            return bytes(value)
    return b""


def _count_refusals(body: bytes) -> None:
    """One count per violated rule of a refusal (the `violations` list, else the `rule`)."""
    try:
        doc: Any = json.loads(body)
    except ValueError:
        return
    if not isinstance(doc, dict):
        return
    rules = [v.get("rule") for v in doc.get("violations") or () if isinstance(v, dict)]
    if not rules and doc.get("rule"):
        rules = [doc["rule"]]
    for rule in rules:
        if isinstance(rule, str) and rule:
            ops_metrics.count_refusal(rule[:64])


def install_tracing(app: Any, engine: Engine) -> bool:
    """OpenTelemetry spans for requests and SQL, only when OTEL_EXPORTER_OTLP_ENDPOINT is set and
    the `otel` extra is installed (`pip install 'cadre-selection[otel]'`). The exporter reads the
    standard OTEL_* variables (service name, headers, sampling)."""
    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return False
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set but the otel extra is not installed "
            "(pip install 'cadre-selection[otel]'): no traces are exported"
        )
        return False
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider(
            resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "cadre")})
        )
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
    # Its declared range stops below SQLAlchemy 2.1, whose engine events it uses unchanged.
    SQLAlchemyInstrumentor().instrument(engine=engine, skip_dep_check=True)
    return True
