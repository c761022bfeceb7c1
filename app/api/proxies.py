"""Who the client is: proxy headers are believed only from the proxies configured.

`CADRE_TRUSTED_PROXIES` lists the proxies (IPs or CIDRs). When the peer of the connection is
one of them, the client is the rightmost address of `X-Forwarded-For` that is not a trusted
proxy (each proxy appends the address it received the request from; what lies left of the
first untrusted hop was written by the client and proves nothing). Otherwise, and always when
none are configured, the client is the peer itself, whatever the headers say.

The address decided here replaces `scope["client"]` for everything downstream (the public
objection rate limit, the record); the peer of the connection stays in `scope["cadre.peer"]`.
The ASGI server must not rewrite the peer on its own: run uvicorn with `--no-proxy-headers`.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv6Address, ip_address

from starlette.types import ASGIApp, Receive, Scope, Send

from app.settings import IPNetwork

PEER_KEY = "cadre.peer"
IPAddress = IPv4Address | IPv6Address


class ClientAddress:
    def __init__(self, app: ASGIApp, trusted: tuple[IPNetwork, ...]) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in {"http", "websocket"}:
            peer = scope.get("client")
            scope[PEER_KEY] = peer
            if peer and self.trusted:
                forwarded = [
                    value.decode("latin-1")
                    for name, value in scope.get("headers") or []
                    if name == b"x-forwarded-for"
                ]
                client = client_host(str(peer[0]), forwarded, self.trusted)
                if client != peer[0]:
                    scope["client"] = (client, 0)
        await self.app(scope, receive, send)


def client_host(peer: str, forwarded_for: Iterable[str], trusted: tuple[IPNetwork, ...]) -> str:
    """The client's address, given the peer and the X-Forwarded-For header values in order."""
    if not _trusted(_parse(peer), trusted):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
    current = peer
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            return current  # a hop we cannot read: nothing left of it can be believed
        if not _trusted(address, trusted):
            return str(address)
        current = str(address)
    return current


def _parse(text: str) -> IPAddress | None:
    """ "203.0.113.7", "203.0.113.7:4711", "2001:db8::1", "[2001:db8::1]:4711" -> the address."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress | None, trusted: tuple[IPNetwork, ...]) -> bool:
    return address is not None and any(address in network for network in trusted)
