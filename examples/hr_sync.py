"""Keep an HR system's copy of the selection cases in step with cadre-selection, through the
change feed (GET /api/v1/events).

The feed lists every change in commit order; its cursors are opaque and stable across restarts
of the service. This script reads the case-related events after its saved cursor, fetches each
case they name once per page, and saves the cursor after each page together with the copy
(atomically). Stopped at any point, it resumes from the last saved page: at worst a page is
read again, which changes nothing (fetching a case is idempotent).

Run:  CADRE_TOKEN=cad_... python examples/hr_sync.py --base-url http://127.0.0.1:8000 \
          --state var/hr-sync.json
Needs `pip install httpx`; the token needs a role that reads cases (e.g. org_department).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Protocol

CASE_EVENTS = (
    "case.created",
    "case.updated",
    "case.transitioned",
    "case.candidate_changed",
    "fact.recorded",
    "fact.superseded",
)
# What the HR system keeps of a case (no personal data).
KEPT = ("id", "external_id", "title", "stage", "places", "position_id", "version", "updated_at")


class Response(Protocol):
    status_code: int

    def json(self) -> Any: ...

    def raise_for_status(self) -> Any: ...


class Http(Protocol):
    """An httpx.Client (or anything with the same `get`)."""

    def get(self, url: str, *, params: Any = ..., headers: Any = ...) -> Any: ...


def load_state(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"cursor": None, "cases": {}}
    state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return state


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Write-then-rename: a crash leaves the previous state or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def sync(
    http: Http,
    state_path: Path,
    *,
    headers: dict[str, str] | None = None,
    page_size: int = 100,
    max_pages: int | None = None,
) -> int:
    """Apply the events after the saved cursor; returns how many events were read."""
    state = load_state(state_path)
    read = pages = 0
    while max_pages is None or pages < max_pages:
        params: dict[str, Any] = {"limit": page_size, "type": list(CASE_EVENTS)}
        if state["cursor"]:
            params["after"] = state["cursor"]
        r = http.get("/api/v1/events", params=params, headers=headers or {})
        r.raise_for_status()
        page = r.json()
        for case_id in dict.fromkeys(e["case_id"] for e in page["items"] if e["case_id"]):
            c = http.get(f"/api/v1/cases/{case_id}", headers=headers or {})
            if c.status_code == 404:
                state["cases"].pop(case_id, None)  # no longer visible to this token
                continue
            c.raise_for_status()
            body = c.json()
            state["cases"][case_id] = {k: body.get(k) for k in KEPT}
        read += len(page["items"])
        pages += 1
        state["cursor"] = page["next_cursor"]
        save_state(state_path, state)
        if not page["has_more"]:
            break
    return read


def main() -> int:
    import httpx

    parser = argparse.ArgumentParser(description="Sync the selection cases through the feed")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--state", type=Path, default=Path("var/hr-sync.json"))
    parser.add_argument("--token", default=os.environ.get("CADRE_TOKEN"))
    args = parser.parse_args()
    if not args.token:
        print("set CADRE_TOKEN or pass --token", file=sys.stderr)
        return 2
    auth = {"Authorization": f"Bearer {args.token}"}
    with httpx.Client(base_url=args.base_url, headers=auth, timeout=30) as http:
        n = sync(http, args.state)
    print(f"{n} events applied; {len(load_state(args.state)['cases'])} cases in {args.state}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
