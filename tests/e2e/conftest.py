"""`live_server`: a real uvicorn process on a fresh, migrated database (SQLite file or PostgreSQL).

One server per database kind for the whole session; tests make their own rows, so they do not
depend on each other. Usage:

    @pytest.mark.e2e
    def test_something(live_server: LiveServer) -> None:
        token = live_server.token("org_department")  # cached per server; make_token: a new one
        with live_server.client(token) as http:  # httpx.Client on base_url with that Bearer
            r = http.post("/api/v1/candidates", json=candidate_body())
        driver = Driver(live_server.client(), live_server.headers())  # tests/case_driver.py
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import alembic_upgrade, create_pg_database, drop_pg_database
from tests.e2e.server import LiveServer, run_server


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp(f"live-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{workdir / 'live.db'}"
        alembic_upgrade(url)
        with run_server(url, workdir=workdir) as server:
            yield server
        return
    url = create_pg_database()
    try:
        alembic_upgrade(url)
        with run_server(url, workdir=workdir) as server:
            yield server
    finally:
        drop_pg_database(url)
