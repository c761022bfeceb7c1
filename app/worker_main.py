"""`cadre worker`: the background worker as its own process (production; several may run).

Stops cleanly on SIGTERM or SIGINT after the round in progress; a worker killed outright loses
nothing (claims are leases, see app/services/worker.py).
"""

from __future__ import annotations

import logging
import signal
from types import FrameType

from app.db.engine import make_engine, make_session_factory
from app.services.context import Clock
from app.services.worker import Worker
from app.settings import Settings


def run(*, once: bool = False) -> int:
    """Run until stopped (or one round with `once`); returns the deliveries of that round."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings()
    engine = make_engine(settings.database_url)
    worker = Worker(make_session_factory(engine), Clock(), settings)
    try:
        if once:
            return worker.run_once()

        def stop(signum: int, frame: FrameType | None) -> None:
            worker.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        worker.run_forever()
        return 0
    finally:
        engine.dispose()
