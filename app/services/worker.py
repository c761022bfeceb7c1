"""The background worker: webhook deliveries and periodic jobs.

Embedded in the `make run` server (a daemon thread started in the app's lifespan when
`Settings.worker_enabled`: by default on SQLite outside tests), or run as `cadre worker` in
production, several of them at once:

* deliveries: every worker claims due deliveries (FOR UPDATE SKIP LOCKED on PostgreSQL, so no
  two claim the same one; SQLite has one writer). A claim is a lease: a worker killed mid-run
  leaves its deliveries due again when the lease passes, and another worker (or the restarted
  one) delivers them.
* periodic jobs (`JOBS`, add yours with `register`): each tick runs once across all workers.
  The worker whose UPDATE moves the job's `next_run_at` row forward runs that tick; the others'
  UPDATE matches no row (PostgreSQL re-checks the WHERE after waiting for the row lock).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.db.event_models import WorkerJob
from app.db.uow import UnitOfWork
from app.domain.enums import Role
from app.services import calendar, checkpoints, webhooks, work_queue
from app.services.context import Actor, Clock
from app.settings import Settings

log = logging.getLogger("cadre.worker")

JobFn = Callable[[sessionmaker[Session], Clock], None]


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: JobFn


JOBS: dict[str, Job] = {}


def register(job: Job) -> Job:
    """Add a periodic job (e.g. due-case reminders); the name is its lease row's key."""
    JOBS[job.name] = job
    return job


register(Job("webhooks.sweep", timedelta(seconds=30), webhooks.sweep))


# Signed checkpoints of every record chain, outside the database (REC-RECORD): once an hour.
def _checkpoint(factory: sessionmaker[Session], _clock: Clock) -> None:
    checkpoints.write_checkpoint(factory, Settings())


register(Job("record.checkpoint", timedelta(hours=1), _checkpoint))

# The work queue as the organisation department would see it, unrestricted by unit.
_OVERSEER = Actor(
    principal_id=None, name="worker", org_unit="", roles=frozenset({Role.ORG_DEPARTMENT})
)


def digest(factory: sessionmaker[Session], clock: Clock) -> dict[str, int]:
    """Daily: overdue work (publicity windows, probation terms, training and forwarding
    deadlines) and missing calendar years, each a WARNING line for the operator's alerting.
    Returns the overdue counts by kind."""
    with UnitOfWork(factory, read_only=True) as uow:
        items = work_queue.queue(uow, _OVERSEER, clock, within_days=0)
        missing = calendar.warnings(uow.session, clock.today())
    overdue: dict[str, int] = {}
    for item in items:
        if item.overdue:
            overdue[item.kind] = overdue.get(item.kind, 0) + 1
    for kind, n in sorted(overdue.items()):
        log.warning("overdue work: %d %s item(s); see GET /api/v1/work-queue", n, kind)
    for line in missing:
        log.warning("calendar: %s", line)
    return overdue


def _digest(factory: sessionmaker[Session], clock: Clock) -> None:
    digest(factory, clock)


register(Job("oversight.digest", timedelta(days=1), _digest))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def policy_of(settings: Settings) -> webhooks.DeliveryPolicy:
    return webhooks.DeliveryPolicy(
        retry_seconds=settings.webhook_retry_seconds,
        lease_seconds=settings.webhook_lease_seconds,
        timeout_seconds=settings.webhook_timeout_seconds,
    )


def acquire_tick(factory: sessionmaker[Session], clock: Clock, job: Job, worker: str) -> bool:
    """Whether this worker runs the job's current tick (then the next is `every` later)."""
    with UnitOfWork(factory) as uow:
        now = clock.now()
        if uow.session.scalar(select(WorkerJob.name).where(WorkerJob.name == job.name)) is None:
            try:
                with uow.session.begin_nested():
                    uow.session.execute(insert(WorkerJob).values(name=job.name, next_run_at=now))
            except IntegrityError:
                pass  # another worker made the row first
        result = uow.session.execute(
            update(WorkerJob)
            .where(WorkerJob.name == job.name, WorkerJob.next_run_at <= now)
            .values(next_run_at=now + job.every, last_run_at=now, last_run_by=worker)
            .execution_options(synchronize_session=False)
        )
        won = int(getattr(result, "rowcount", 0) or 0) == 1
        uow.commit()
    return won


class Worker:
    def __init__(
        self,
        factory: sessionmaker[Session],
        clock: Clock,
        settings: Settings,
        *,
        name: str | None = None,
        send: webhooks.Sender = webhooks.http_send,
    ) -> None:
        self.factory = factory
        self.clock = clock
        self.settings = settings
        self.name = name or worker_name()
        self.policy = policy_of(settings)
        self.send = send
        self.stopping = threading.Event()

    def run_once(self) -> int:
        """One round: the periodic jobs whose tick this worker wins, then due deliveries.
        Returns how many deliveries were attempted."""
        for job in list(JOBS.values()):
            if acquire_tick(self.factory, self.clock, job, self.name):
                job.run(self.factory, self.clock)
        return webhooks.deliver_due(self.factory, self.clock, self.name, self.policy, self.send)

    def run_forever(self) -> None:
        log.info("worker %s started", self.name)
        while not self.stopping.is_set():
            try:
                busy = self.run_once()
            except Exception:  # a bad round (database away) must not end the worker
                log.exception("worker round failed")
                busy = 0
            if not busy:
                self.stopping.wait(self.settings.worker_poll_seconds)
        log.info("worker %s stopped", self.name)


class EmbeddedWorker:
    """The worker in a daemon thread of the API process (the embedded default)."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.thread = threading.Thread(target=worker.run_forever, name="cadre-worker", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self.worker.stopping.set()
        self.thread.join(timeout)
