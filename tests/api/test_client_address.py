"""Proxy headers are believed only from CADRE_TRUSTED_PROXIES; with none configured the peer of
the connection is the client. Observed through the per-client limit on public objections."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.orm import sessionmaker

from app.api.proxies import client_host
from app.main import create_app
from app.services.context import FixedClock
from app.settings import Settings, proxy_networks
from tests.case_driver import Driver
from tests.conftest import Principals

ClientAt = Callable[..., AbstractContextManager[TestClient]]


@pytest.fixture
def notice_url(client: TestClient, tokens: Principals) -> str:
    """An open pre-appointment notice's objection URL (the rate limit: 5 per minute)."""
    d = Driver(client, tokens["org_department"])
    pos = d.position()
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b])
    d.to_decision([a, b])
    d.decide([a])
    d.act("approve")
    d.publicise("2026-03-02")
    notice = client.get("/api/v1/public/notices").json()[0]
    return f"/api/v1/public/notices/{notice['notice_id']}/objections"


@pytest.fixture
def client_at(
    settings: Settings, clock: FixedClock, session_factory: sessionmaker[Any]
) -> ClientAt:
    """A fresh app (its own rate limiter) on the test's database, reached from `peer`."""

    @contextmanager
    def make(peer: str, trusted: str = "") -> Iterator[TestClient]:
        configured = Settings(**{**settings.model_dump(), "trusted_proxies": trusted})
        app = create_app(configured, clock=clock)
        app.state.engine.dispose()
        app.state.session_factory = session_factory
        with TestClient(app, raise_server_exceptions=False, client=(peer, 40000)) as c:
            yield c

    return make


def _object(http: TestClient, url: str, forwarded_for: list[str | None]) -> list[int]:
    codes = []
    for i, xff in enumerate(forwarded_for):
        headers = {"X-Forwarded-For": xff} if xff is not None else {}
        r = http.post(url, json={"content": f"第{i}条反映"}, headers=headers)
        codes.append(r.status_code)
    return codes


def _spoofed(n: int) -> list[str | None]:
    return [f"198.51.100.{i + 1}" for i in range(n)]


def test_without_trusted_proxies_the_peer_is_the_client(
    client_at: ClientAt, notice_url: str
) -> None:
    """Behind loopback, with nothing configured, X-Forwarded-For changes nothing."""
    with client_at("127.0.0.1") as http:
        assert _object(http, notice_url, _spoofed(6)) == [202] * 5 + [429]


def test_an_untrusted_peer_cannot_claim_another_address(
    client_at: ClientAt, notice_url: str
) -> None:
    with client_at("203.0.113.9", trusted="127.0.0.1, 10.0.0.0/8") as http:
        assert _object(http, notice_url, _spoofed(6)) == [202] * 5 + [429]


def test_a_trusted_proxy_names_the_client(client_at: ClientAt, notice_url: str) -> None:
    with client_at("127.0.0.1", trusted="127.0.0.1") as http:
        # Six different clients behind the proxy: each has its own allowance.
        assert _object(http, notice_url, _spoofed(6)) == [202] * 6
        # One client varying what it writes left of the proxy's entry: still one client.
        forged = [f"192.0.2.{i}, 203.0.113.50" for i in range(6)]
        assert _object(http, notice_url, list(forged)) == [202] * 5 + [429]


def test_trusted_hops_are_skipped_to_the_rightmost_untrusted(
    client_at: ClientAt, notice_url: str
) -> None:
    with client_at("10.0.0.2", trusted="10.0.0.0/8") as http:
        chain = [f"192.0.2.{i}, 203.0.113.77, 10.9.9.9" for i in range(6)]
        assert _object(http, notice_url, list(chain)) == [202] * 5 + [429]
        # The proxy's own requests without the header count as the proxy's.
        assert _object(http, notice_url, [None]) == [202]


@pytest.mark.parametrize(
    ("peer", "headers", "trusted", "client"),
    [
        ("127.0.0.1", ["203.0.113.1"], "", "127.0.0.1"),
        ("127.0.0.1", ["203.0.113.1"], "10.0.0.0/8", "127.0.0.1"),
        ("127.0.0.1", ["203.0.113.1"], "127.0.0.1", "203.0.113.1"),
        ("127.0.0.1", ["1.1.1.1, 203.0.113.1"], "127.0.0.1", "203.0.113.1"),
        ("127.0.0.1", ["1.1.1.1", "203.0.113.1"], "127.0.0.1", "203.0.113.1"),
        ("127.0.0.1", ["1.1.1.1, 10.0.0.5"], "127.0.0.1,10.0.0.0/8", "1.1.1.1"),
        ("127.0.0.1", ["10.0.0.6, 10.0.0.5"], "127.0.0.1,10.0.0.0/8", "10.0.0.6"),
        ("127.0.0.1", ["203.0.113.1:4711"], "127.0.0.1", "203.0.113.1"),
        ("127.0.0.1", ["[2001:db8::7]:4711"], "127.0.0.1", "2001:db8::7"),
        ("::1", ["2001:db8::7"], "::1", "2001:db8::7"),
        ("::ffff:127.0.0.1", ["203.0.113.1"], "127.0.0.1", "203.0.113.1"),
        ("127.0.0.1", ["1.1.1.1, not-an-ip"], "127.0.0.1", "127.0.0.1"),
        ("127.0.0.1", ["1.1.1.1, not-an-ip, 10.0.0.5"], "127.0.0.1,10.0.0.0/8", "10.0.0.5"),
        ("127.0.0.1", [""], "127.0.0.1", "127.0.0.1"),
        ("127.0.0.1", [], "127.0.0.1", "127.0.0.1"),
        ("testclient", ["203.0.113.1"], "127.0.0.1", "testclient"),
    ],
)
def test_client_host(peer: str, headers: list[str], trusted: str, client: str) -> None:
    assert client_host(peer, headers, proxy_networks(trusted)) == client


@pytest.mark.parametrize("bad", ["localhost", "10.0.0.0/33", "1.2.3", "10.0.0.1,,x"])
def test_a_bad_trusted_proxy_setting_is_refused_at_start(bad: str) -> None:
    with pytest.raises(ValidationError, match="CADRE_TRUSTED_PROXIES"):
        Settings(trusted_proxies=bad)


def test_trusted_proxies_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADRE_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    networks = Settings().trusted_proxy_networks
    assert [str(n) for n in networks] == ["127.0.0.1/32", "10.0.0.0/8"]
    monkeypatch.delenv("CADRE_TRUSTED_PROXIES")
    assert Settings().trusted_proxy_networks == ()
