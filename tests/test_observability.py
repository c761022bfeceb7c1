"""Request ids, the JSON access log, Prometheus metrics at /metrics, tracing when configured."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.api import observability
from app.main import create_app
from app.services.context import FixedClock
from app.settings import Settings
from tests.case_driver import Driver, ok
from tests.conftest import Principals


@pytest.fixture
def access_log() -> Iterator[io.StringIO]:
    """The access log's lines as the JSON formatter writes them."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(observability.json_formatter())
    observability.ACCESS_LOG.addHandler(handler)
    try:
        yield buffer
    finally:
        observability.ACCESS_LOG.removeHandler(handler)


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def samples(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    r = client.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    found: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            found[(s.name, frozenset(s.labels.items()))] = s.value
    return found


def value(
    found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


# --- X-Request-ID --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("abc-123", True),
        ("x" * 64, True),  # the limit
        ("x" * 65, False),  # one over
        ("!~", True),  # the ends of visible ASCII
        ("has space", False),
        ("tab\there", False),
        ("", False),
    ],
)
def test_request_id_is_echoed_when_valid_else_fresh(
    client: TestClient, tokens: Principals, sent: str, kept: bool
) -> None:
    r = client.get("/api/v1/cases", headers={**tokens["org_department"], "X-Request-ID": sent})
    assert r.status_code == 200
    echoed = r.headers["x-request-id"]
    if kept:
        assert echoed == sent
    else:
        assert echoed != sent
        uuid.UUID(echoed)  # a fresh one


def test_non_ascii_request_id_is_replaced(client: TestClient, tokens: Principals) -> None:
    headers: dict[str, Any] = {**tokens["org_department"], "X-Request-ID": "编号".encode()}
    r = client.get("/api/v1/cases", headers=headers)
    assert r.status_code == 200
    uuid.UUID(r.headers["x-request-id"])


def test_request_id_on_problems_and_open_routes(client: TestClient, tokens: Principals) -> None:
    no_token = client.get("/api/v1/cases", headers={"X-Request-ID": "rid-401"})
    assert no_token.status_code == 401
    assert no_token.headers["x-request-id"] == "rid-401"
    bad_token = client.get(
        "/api/v1/cases", headers={"Authorization": "Bearer cad_nope", "X-Request-ID": "rid-401b"}
    )
    assert bad_token.status_code == 401
    assert bad_token.headers["x-request-id"] == "rid-401b"
    missing = client.get(
        f"/api/v1/cases/{uuid.uuid4()}",
        headers={**tokens["org_department"], "X-Request-ID": "rid-404"},
    )
    assert missing.status_code == 404
    assert missing.headers["x-request-id"] == "rid-404"
    assert client.get("/healthz").headers["x-request-id"]
    assert client.get("/no/such/path").headers["x-request-id"]


def test_request_id_on_a_503_from_admission(settings: Settings) -> None:
    """The database gate sheds load before the use case runs: the answer still carries the id."""
    app = create_app(settings.model_copy(update={"max_inflight": 1, "max_queue": 0}))
    with TestClient(app, raise_server_exceptions=False) as c:
        admission: Any = app.middleware_stack
        while type(admission).__name__ != "Admission":
            admission = admission.app
        # Hold the only slot (on the app's event loop): the next request is shed at once.
        assert c.portal is not None
        c.portal.call(admission.gate._slots.acquire)
        try:
            r = c.get("/api/v1/public/notices", headers={"X-Request-ID": "rid-503"})
        finally:
            admission.gate._slots.release()
        assert c.get("/api/v1/public/notices").status_code == 200
    assert r.status_code == 503
    assert r.headers["x-request-id"] == "rid-503"


def test_request_id_is_written_into_the_record(client: TestClient, tokens: Principals) -> None:
    d = Driver(client, {**tokens["org_department"], "X-Request-ID": "rid-record-1"})
    case = d.create(d.position()["id"], [d.candidate()])
    record = ok(client.get(f"/api/v1/cases/{case['id']}/record", headers=tokens["org_department"]))
    entries = record["entries"]
    assert entries
    assert all(e["request_id"] == "rid-record-1" for e in entries)


def test_generated_request_id_is_the_one_in_the_record(
    client: TestClient, tokens: Principals
) -> None:
    d = Driver(client, {**tokens["org_department"], "X-Request-ID": "bad id with spaces"})
    pos = d.position()
    r = client.post(
        "/api/v1/cases",
        json={
            "title": "选拔副主任",
            "position_id": pos["id"],
            "places": 1,
            "method": "organisational",
            "motion": {
                "proposer_kind": "org_department",
                "proposed_by": "市委组织部",
                "recommendation_scope": 30,
            },
            "candidate_ids": [d.candidate()],
        },
        headers={**tokens["org_department"], "X-Request-ID": "bad id with spaces"},
    )
    case = ok(r, 201)
    record = ok(client.get(f"/api/v1/cases/{case['id']}/record", headers=tokens["org_department"]))
    assert record["entries"][0]["request_id"] == r.headers["x-request-id"]


# --- the access log ------------------------------------------------------------------------------


def test_one_json_line_per_request(
    client: TestClient, tokens: Principals, access_log: io.StringIO
) -> None:
    case_id = uuid.uuid4()
    client.get(
        f"/api/v1/cases/{case_id}", headers={**tokens["org_department"], "X-Request-ID": "rid-log"}
    )
    client.get("/api/v1/cases", headers={"X-Request-ID": "rid-anon"})
    found = lines(access_log)
    assert len(found) == 2
    first, second = found
    assert first["request_id"] == "rid-log"
    assert first["principal_id"] == str(tokens.ids["org_department"])
    assert first["route"] == "/api/v1/cases/{case_id}"  # the template, not the path
    assert first["method"] == "GET"
    assert first["status"] == 404
    assert isinstance(first["duration_ms"], float)
    assert first["duration_ms"] >= 0
    assert first["logger"] == "cadre.access"
    assert first["level"] == "INFO"
    assert second["request_id"] == "rid-anon"
    assert second["principal_id"] is None
    assert second["status"] == 401


def test_unrouted_paths_share_one_label(client: TestClient, access_log: io.StringIO) -> None:
    client.get(f"/nothing/{uuid.uuid4()}")
    (line,) = lines(access_log)
    assert line["route"] == observability.UNMATCHED
    assert line["status"] == 404


# --- metrics -------------------------------------------------------------------------------------


def test_requests_and_latency_by_route_template(client: TestClient, tokens: Principals) -> None:
    before = samples(client)
    for _ in range(3):
        client.get(f"/api/v1/cases/{uuid.uuid4()}", headers=tokens["org_department"])
    after = samples(client)
    route = "/api/v1/cases/{case_id}"
    labels = {"route": route, "method": "GET"}
    assert (
        value(after, "cadre_http_requests_total", **labels, status="404")
        - value(before, "cadre_http_requests_total", **labels, status="404")
        == 3
    )
    assert (
        value(after, "cadre_http_request_duration_seconds_count", **labels)
        - value(before, "cadre_http_request_duration_seconds_count", **labels)
        == 3
    )
    # /metrics itself is not counted: scrapes do not inflate the request rate.
    assert not any(
        k[0] == "cadre_http_requests_total" and ("route", "/metrics") in k[1] for k in after
    )


def test_transitions_refusals_and_due_cases(client: TestClient, tokens: Principals) -> None:
    d = Driver(client, tokens["org_department"])
    before = samples(client)
    assert value(before, "cadre_cases_due") == 0
    d.create(d.position()["id"], [d.candidate()])
    d.act("start_recommendation")
    # No recommendation round yet: inspection is refused, naming the rule.
    refused = d.act("start_inspection", status=422)
    assert {v["rule"] for v in refused["violations"]} == {"REC-NOT-VOTES"}
    d.act("start_inspection", status=422)
    after = samples(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("cadre_case_transitions_total", action="start_recommendation") == 1
    assert delta("cadre_case_transitions_total", action="start_inspection") == 0
    assert delta("cadre_refusals_total", rule="REC-NOT-VOTES") == 2
    assert value(after, "cadre_cases_due") == 0  # neither in publicity nor probation


def test_due_cases_gauge_is_counted_on_scrape(
    client: TestClient, tokens: Principals, clock: FixedClock
) -> None:
    d = Driver(client, tokens["org_department"])
    a, b = d.candidate(), d.candidate()
    d.create(d.position()["id"], [a, b])
    d.to_decision([a, b])
    d.decide([a])
    d.act("approve")
    d.publicise("2026-03-02")
    # The five-working-day window closes at 00:00 China time on 7 March (16:00 UTC on the 6th).
    clock.set(datetime(2026, 3, 6, 15, 59, 59, tzinfo=UTC))
    assert value(samples(client), "cadre_cases_due") == 0
    clock.set(datetime(2026, 3, 6, 16, 0, tzinfo=UTC))
    assert value(samples(client), "cadre_cases_due") == 1


def test_webhook_lag_gauge_is_settable(client: TestClient) -> None:
    from app.services import ops_metrics

    ops_metrics.set_webhook_delivery_lag(12.5)
    assert value(samples(client), "cadre_webhook_delivery_lag_seconds") == 12.5
    ops_metrics.set_webhook_delivery_lag(-3)  # a clock step never shows a negative lag
    assert value(samples(client), "cadre_webhook_delivery_lag_seconds") == 0


def test_metrics_need_no_token_and_bypass_admission(client: TestClient) -> None:
    r = client.get("/metrics", headers={"X-Request-ID": "scrape-1"})
    assert r.status_code == 200
    assert r.headers["x-request-id"] == "scrape-1"
    assert "cadre_cases_due" in r.text
    assert client.post("/metrics").status_code in {404, 405}


# --- tracing -------------------------------------------------------------------------------------


def test_tracing_off_unless_configured(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    app = create_app(settings)
    assert observability.install_tracing(app, app.state.engine) is False
    app.state.engine.dispose()


def test_tracing_exports_request_and_sql_spans_when_configured(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("opentelemetry.sdk", reason="the otel extra is not installed")
    from opentelemetry import trace
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))  # beside the OTLP one, if any
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")  # nothing listens
    app = create_app(settings)
    try:
        with TestClient(app) as c:
            r = c.get("/api/v1/public/notices", headers={"X-Request-ID": "traced-1"})
        assert r.status_code == 200
        assert r.headers["x-request-id"] == "traced-1"
        names = [s.name for s in exporter.get_finished_spans()]
        assert any(n.startswith("GET /api/v1/public/notices") for n in names), names
        assert any(n.split()[0] in {"SELECT", "connect"} for n in names), names
    finally:
        FastAPIInstrumentor.uninstrument_app(app)
        SQLAlchemyInstrumentor().uninstrument()
        app.state.engine.dispose()
        exporter.clear()


# --- the rate-limit store (CADRE_RATE_LIMIT_STORAGE) ---------------------------------------------


def test_an_unknown_rate_limit_store_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="CADRE_RATE_LIMIT_STORAGE"):
        Settings(rate_limit_storage="mysql://localhost")
    with pytest.raises(ValueError, match="CADRE_RATE_LIMIT_STORAGE"):
        Settings(rate_limit_storage="redis")
    assert Settings(rate_limit_storage="redis://127.0.0.1:6379/0").rate_limit_storage


def test_objections_are_taken_when_the_store_does_not_answer(
    settings: Settings,
    clock: FixedClock,
    session_factory: Any,
    tokens: Principals,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Nothing listens on port 1: every hit fails at once; the public channel stays open."""
    down = settings.model_copy(
        update={"rate_limit_storage": "redis://127.0.0.1:1/0?socket_connect_timeout=1"}
    )
    app = create_app(down, clock=clock)
    app.state.engine.dispose()
    app.state.session_factory = session_factory
    with TestClient(app, raise_server_exceptions=False) as c:
        d = Driver(c, tokens["org_department"])
        a, b = d.candidate(), d.candidate()
        d.create(d.position()["id"], [a, b])
        d.to_decision([a, b])
        d.decide([a])
        d.act("approve")
        d.publicise("2026-03-02")
        (notice,) = c.get("/api/v1/public/notices").json()
        url = f"/api/v1/public/notices/{notice['notice_id']}/objections"
        answers = [c.post(url, json={"content": f"反映 {i}"}).status_code for i in range(6)]
    assert answers == [202] * 6  # over the 5/minute limit, because no counter could be kept
    assert "rate-limit storage unavailable" in caplog.text
