"""A webhook receiver for cadre-selection that verifies every delivery's signature.

Deliveries follow the Standard Webhooks specification (https://www.standardwebhooks.com):
headers `webhook-id`, `webhook-timestamp` and `webhook-signature`; the body is
`{"type": ..., "timestamp": ..., "data": {...}}` with ids and links only (read the subject
through the API with your own token). Verify with the `standardwebhooks` library and the
subscription's secret (`whsec_...`, shown when the subscription is created or rotated).
During a rotation's overlap each delivery carries two signatures: either secret verifies.
The same `webhook-id` arrives again when a delivery is retried: process each id once.

Run:  python examples/webhook_receiver.py --port 8900 --secret whsec_...
Stdlib server plus `pip install standardwebhooks`.
"""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    """What the receiver accepted, in arrival order, and what it refused."""

    events: list[dict[str, Any]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def verify(secret: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """The verified payload; raises WebhookVerificationError for a bad or missing signature
    or a timestamp more than five minutes away."""
    payload: dict[str, Any] = Webhook(secret).verify(body, headers)
    return payload


# Decides the answer to a verified delivery: 2xx accepts it; anything else asks for a retry.
Answer = Callable[[dict[str, Any]], int]


def make_server(
    secret: str | Callable[[], str],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    received: Received | None = None,
    answer: Answer | None = None,
    seen: Callable[[bytes, dict[str, str]], None] | None = None,
) -> tuple[ThreadingHTTPServer, Received]:
    """A receiver on (host, port) (0: a free port, see `server.server_address`). `secret` may
    be a function, read at each request (a secret that changes while the server runs); `seen`
    gets every request's body and headers before verification (to log them)."""
    store = received or Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            if seen is not None:
                seen(body, {k.lower(): v for k, v in self.headers.items()})
            try:
                key = secret() if callable(secret) else secret
                payload = verify(key, body, dict(self.headers.items()))
            except WebhookVerificationError:
                with store.lock:
                    store.refused += 1
                self._reply(401)
                return
            status = answer(payload) if answer else 204
            if 200 <= status < 300:
                msg_id = self.headers["webhook-id"]
                with store.lock:
                    if msg_id not in store.ids:  # a retried delivery is processed once
                        store.ids.append(msg_id)
                        store.events.append(payload)
            self._reply(status)

        def _reply(self, status: int) -> None:
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet

    return ThreadingHTTPServer((host, port), Handler), store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--secret", required=True, help="whsec_... of the subscription")
    args = parser.parse_args()

    def show(payload: dict[str, Any]) -> int:
        print(json.dumps(payload, ensure_ascii=False), flush=True)
        return 204

    server, _ = make_server(args.secret, host=args.host, port=args.port, answer=show)
    print(f"listening on http://{args.host}:{server.server_address[1]}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
