"""Prometheus metrics the services and workers update (served at /metrics, app/api/observability).

Under several worker processes set PROMETHEUS_MULTIPROC_DIR (an empty directory, wiped when the
service starts) before the processes start: every process then writes its samples there and
/metrics adds them up. Gauges name how values from several processes combine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.db import cases_repo as repo
from app.db.uow import UnitOfWork
from app.services.cases.read import _DUE_STAGES as DUE_STAGES  # the same stages as ?due=true
from app.services.context import Clock

REQUESTS = Counter(
    "cadre_http_requests_total",
    "HTTP requests by route template, method and status",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "cadre_http_request_duration_seconds",
    "Time from request to the end of the answer, by route template and method",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
TRANSITIONS = Counter(
    "cadre_case_transitions_total", "Workflow transitions executed, by action", ["action"]
)
REFUSALS = Counter(
    "cadre_refusals_total",
    "Refused steps (422/409 problems naming a rule), by rule id; one per violated rule",
    ["rule"],
)
# Set by the webhook worker after each delivery round: how far behind the oldest undelivered
# event is. The newest value of any live process is the one shown.
WEBHOOK_DELIVERY_LAG = Gauge(
    "cadre_webhook_delivery_lag_seconds",
    "Age of the oldest event not yet delivered to its webhooks (0 when none is waiting)",
    multiprocess_mode="livemostrecent",
)


def count_transition(action: str) -> None:
    TRANSITIONS.labels(action=action).inc()


def count_refusal(rule: str) -> None:
    REFUSALS.labels(rule=rule).inc()


def set_webhook_delivery_lag(seconds: float) -> None:
    """The hook for the webhook worker: call it after each delivery round."""
    WEBHOOK_DELIVERY_LAG.set(max(0.0, seconds))


class DueCases(Collector):
    """`cadre_cases_due`: cases whose publicity window or probation term has run out and that
    wait for an action, counted from the database on each scrape (so every worker agrees)."""

    def __init__(self, source: Callable[[], tuple[sessionmaker[Session], Clock]]) -> None:
        # Asked on each scrape: the application's session factory and clock as they are then.
        self._source = source

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily(
            "cadre_cases_due", "Cases waiting for an action (publicity closed, probation over)"
        )
        factory, clock = self._source()
        stmt = repo.list_stmt(
            stage=None,
            external_id=None,
            position_id=None,
            candidate_id=None,
            method=None,
            updated_after=None,
            due_at=clock.now(),
            due_stages=DUE_STAGES,
        )
        try:
            with UnitOfWork(factory, read_only=True) as uow:
                due = uow.session.scalar(select(func.count()).select_from(stmt.subquery()))
        except SQLAlchemyError:
            return  # no sample rather than a failed scrape; readiness reports the database
        gauge.add_metric([], float(due or 0))
        yield gauge
