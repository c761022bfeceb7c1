"""All API routers, in the order they appear in the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter

from app.settings import Settings


def routers(settings: Settings) -> list[APIRouter]:
    from app.api.routers import (
        bodies,
        calendar,
        candidates,
        cases,
        misconduct,
        nominations,
        policies,
        positions,
        public,
        reserve_pool,
        training,
        workflow,
    )

    found: list[APIRouter] = [candidates.router, positions.router, policies.router]
    found += [cases.router, workflow.router, public.router]
    found += [nominations.router, reserve_pool.router, misconduct.router]
    found.append(bodies.router)
    found.append(training.router)
    found.append(calendar.router)
    from app.api.routers import oversight

    found.append(oversight.router)
    from app.api.routers import events, webhooks

    found += [events.router, webhooks.router]
    from app.api.routers import units

    found.append(units.router)
    from app.api.routers import record

    found.append(record.router)
    from app.api.routers import cadre_file

    found.append(cadre_file.router)
    if settings.environment == "test":
        from app.api.routers import testing

        found.append(testing.router)
    return found
