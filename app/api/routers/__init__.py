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
    if settings.environment == "test":
        from app.api.routers import testing

        found.append(testing.router)
    return found
