"""The typed contract around the endpoints: problem-type pages and the OpenAPI additions.

* Every problem `type` is `/problems/<slug>` on this service (a relative URI reference, RFC 9457
  §3.1.1, resolved against the answer's URL), so it resolves on an intranet; a rule refusal's
  type is `/problems/rule/<RULE-ID>`, and `/rules/<RULE-ID>` is the same page. The pages are
  HTML for people; the catalogue below is their text.
* The OpenAPI document declares every header the API reads or sends (the middlewares read and
  write several that no endpoint signature shows), types binary answers, and carries the
  package's version as `info.version`.
"""

from __future__ import annotations

import copy
import html
from importlib import metadata
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, Response

from app.api.problems import PROBLEM_BASE
from app.domain import pictures
from app.domain.rules import RULES

# slug: (status, title, what it means and what to do)
PROBLEM_TYPES: dict[str, tuple[int, str, str]] = {
    "validation": (
        422,
        "The request is not valid",
        "A parameter or a body field is malformed; `errors` lists each with its location.",
    ),
    "invalid-input": (
        422,
        "Invalid input",
        "The input is well formed but not acceptable (e.g. "
        "a cursor that was edited or made for another sort).",
    ),
    "invalid-calendar": (
        422,
        "The schedule is not valid",
        "A working-day calendar year failed its checks; `errors` lists them.",
    ),
    "rule": (
        422,
        "A rule refuses this step",
        "A rule of the rule book refuses the step; `rule` "
        "names it and `violations` lists every failing rule. See /rules/<id>.",
    ),
    "illegal-transition": (
        409,
        "Action not available in the current stage",
        "The action is not offered from `current_state`; `allowed_actions` lists those that are.",
    ),
    "conflict": (
        409,
        "Conflict",
        "The change conflicts with the current state or a concurrent "
        "change; read the resource again and retry.",
    ),
    "not-found": (404, "Not found", "No such resource, or not visible to you."),
    "forbidden": (403, "Your role does not grant this", "Your principal's role may not do this."),
    "unauthenticated": (
        401,
        "Authentication required",
        "Send `Authorization: Bearer <token>` with a valid, unexpired token.",
    ),
    "precondition-failed": (
        412,
        "The resource has changed",
        "`If-Match` does not match the current ETag; read the resource again.",
    ),
    "precondition-required": (
        428,
        "If-Match is required",
        "Changes need `If-Match` with the ETag you read.",
    ),
    "method-not-allowed": (405, "Method not allowed", "`Allow` lists the methods of the path."),
    "too-large": (413, "Request body too large", "The body exceeds the configured limit."),
    "unsupported-media-type": (
        415,
        "Unsupported media type",
        "The attachment's type is not accepted.",
    ),
    "rate-limited": (429, "Too many requests", "Wait for `Retry-After` seconds."),
    "idempotency-key": (
        422,
        "Idempotency-Key conflict",
        "The key is malformed or was used with another request.",
    ),
    "idempotency-in-progress": (
        409,
        "Request in progress",
        "The first request with this key still runs; retry after `Retry-After` seconds.",
    ),
    "idempotency-outcome-unknown": (
        409,
        "Outcome unknown",
        "The first request with this key ended without a stored answer; read the resource.",
    ),
    "busy": (503, "Try again", "The database is busy; retry after `Retry-After` seconds."),
    "overloaded": (503, "Overloaded", "Too many requests in flight; retry after `Retry-After`."),
    "unavailable": (503, "Not ready", "The database does not answer."),
    "http-error": (400, "HTTP error", "An HTTP-level error; see `detail`."),
    "internal": (500, "Internal error", "An unexpected error; it is logged with the request id."),
}

pages = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1>{body}<p><a href="{base}">All problem types</a></p></body></html>
"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    text = _PAGE.format(title=html.escape(title), body=body, base=PROBLEM_BASE)
    return HTMLResponse(text, status_code=status)


@pages.get("/problems/")
async def problem_index() -> HTMLResponse:
    items = "".join(
        f'<li><a href="{PROBLEM_BASE}{slug}">{slug}</a> ({status}): {html.escape(title)}</li>'
        for slug, (status, title, _) in PROBLEM_TYPES.items()
    )
    rules = "".join(
        f'<li><a href="{PROBLEM_BASE}rule/{rid}">{rid}</a>: {html.escape(r.source)}</li>'
        for rid, r in RULES.items()
    )
    return _page("Problem types", f"<ul>{items}</ul><h2>Rules</h2><ul>{rules}</ul>")


@pages.get("/problems/rule/{rule_id}")
@pages.get("/rules/{rule_id}")
async def rule_page(rule_id: str) -> HTMLResponse:
    rule = RULES.get(rule_id)
    if rule is None:
        return _page("Unknown rule", f"<p>No rule {html.escape(rule_id)}.</p>", 404)
    kind = "local rule (parameters in a selection policy)" if rule.policy else "central rule"
    return _page(
        f"{rule.id}: a rule refuses this step",
        f"<p>{html.escape(rule.text)}</p><dl><dt>Source</dt><dd>{html.escape(rule.source)}</dd>"
        f"<dt>Stage</dt><dd>{html.escape(rule.stage)}</dd><dt>Kind</dt><dd>{kind}</dd></dl>"
        "<p>Answered as 422 <code>application/problem+json</code> with this id in "
        "<code>rule</code> and every failing rule in <code>violations</code>.</p>",
    )


@pages.get("/problems/{slug}")
async def problem_page(slug: str) -> HTMLResponse:
    known = PROBLEM_TYPES.get(slug)
    if known is None:
        return _page("Unknown problem type", f"<p>No problem type {html.escape(slug)}.</p>", 404)
    status, title, text = known
    return _page(title, f"<p>HTTP {status}. {html.escape(text)}</p>")


@pages.get("/docs/workflow.svg")
async def docs_workflow_svg() -> Response:
    """The workflow diagram of GET /api/v1/workflow.svg, open: /docs and /redoc show it as a
    picture in the description, and an <img> request carries no bearer token. It is the
    rule book's workflow, the same for everyone, with no case data."""
    return Response(pictures.workflow_svg(), media_type="image/svg+xml")


# --- OpenAPI additions --------------------------------------------------------------------------

_STR = {"type": "string"}
HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "Version of the representation; send it back in If-Match (changes) "
        "or If-None-Match (reads)",
        "schema": _STR,
    },
    "Location": {"description": "URL of the created resource", "schema": _STR},
    "Retry-After": {
        "description": "Seconds to wait before retrying",
        "schema": {"type": "integer", "minimum": 0},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer of an earlier "
        "request with the same Idempotency-Key",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "X-Request-ID": {
        "description": "The request's id (yours if you sent one), also in the logs",
        "schema": _STR,
    },
    "WWW-Authenticate": {"description": "The authentication scheme (Bearer)", "schema": _STR},
    "Allow": {"description": "Methods of the path", "schema": _STR},
    "Cache-Control": {"description": "`no-store` on personal data", "schema": _STR},
}
PARAMETERS: dict[str, dict[str, Any]] = {
    "IdempotencyKey": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "Run this POST at most once per principal and key (24 hours); the same "
        "key and request replays the first answer with Idempotent-Replayed: true",
        "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
    },
    "IfNoneMatch": {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "ETags you hold; 304 Not Modified when the current one is among them",
        "schema": {"type": "string", "maxLength": 2000},
    },
    "XRequestID": {
        "name": "X-Request-ID",
        "in": "header",
        "required": False,
        "description": "Your id for this request, echoed in X-Request-ID and logged",
        "schema": {"type": "string", "maxLength": 64},
    },
}
_BINARY = {"type": "string", "format": "binary"}


def package_version() -> str:
    return metadata.version("cadre-selection")


def _ref(kind: str, name: str) -> dict[str, Any]:
    """Inline copies, not `$ref`s: every reader of the document (and our own tests that walk
    parameters by name) sees the header where it is used."""
    found = (PARAMETERS if kind == "parameters" else HEADERS)[name]
    return copy.deepcopy(found)


def _add_param(op: dict[str, Any], name: str) -> None:
    header = PARAMETERS[name]["name"].lower()
    params = op.setdefault("parameters", [])
    if not any(p.get("in") == "header" and p.get("name", "").lower() == header for p in params):
        params.append(_ref("parameters", name))


def _complete(method: str, op: dict[str, Any]) -> None:
    _add_param(op, "XRequestID")
    if method == "post":
        _add_param(op, "IdempotencyKey")
    responses: dict[str, Any] = op.setdefault("responses", {})
    json_get = method == "get" and "application/json" in responses.get("200", {}).get("content", {})
    if json_get:
        _add_param(op, "IfNoneMatch")
        responses.setdefault(
            "304",
            {
                "description": "Not modified: If-None-Match holds the current ETag",
                "headers": {"ETag": _ref("headers", "ETag")},
            },
        )
    for code, resp in responses.items():
        headers = resp.setdefault("headers", {})
        headers.setdefault("X-Request-ID", _ref("headers", "X-Request-ID"))
        for media, content in resp.get("content", {}).items():
            if content.get("schema") in (None, {}):
                text = media.startswith("text/") or media == "image/svg+xml"
                content["schema"] = dict(_STR if text else _BINARY)
        if code.startswith("2") and "application/json" in resp.get("content", {}):
            headers.setdefault("ETag", _ref("headers", "ETag"))
        if code == "201":
            headers["Location"] = _ref("headers", "Location")
        if method == "post" and code.startswith("2"):
            headers.setdefault("Idempotent-Replayed", _ref("headers", "Idempotent-Replayed"))
        if code in ("409", "429", "503"):
            headers.setdefault("Retry-After", _ref("headers", "Retry-After"))
        if code == "401":
            headers.setdefault("WWW-Authenticate", _ref("headers", "WWW-Authenticate"))


def _rename_refs(node: Any, renamed: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {k: _rename_refs(v, renamed) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            out["$ref"] = "#/components/schemas/" + renamed.get(ref.rsplit("/", 1)[1], ref[21:])
        return out
    if isinstance(node, list):
        return [_rename_refs(v, renamed) for v in node]
    return node


def _plain_schema_names(schema: dict[str, Any]) -> None:
    """`X-Input` / `X-Output` (FastAPI's two modes of one model) become `XInput` / `XOutput`,
    titles too: generators name both `X` and then drop both, and every schema using them."""
    schemas: dict[str, Any] = schema.get("components", {}).get("schemas", {})
    renamed = {
        name: name.replace("-Input", "Input").replace("-Output", "Output")
        for name in schemas
        if name.endswith(("-Input", "-Output"))
    }
    if not renamed:
        return
    clash = set(renamed.values()) & set(schemas)
    if clash:  # pragma: no cover (a model named e.g. BriefingOutput next to Briefing-Output)
        raise RuntimeError(f"schema names would clash: {sorted(clash)}")
    for old, new in renamed.items():
        schemas[new] = schemas.pop(old)
        schemas[new]["title"] = new  # generators name classes by title: both were `X`
    for key in ("paths", "components"):
        schema[key] = _rename_refs(schema.get(key, {}), renamed)


def complete_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare the headers, type the binary answers, version the document (in place)."""
    schema.setdefault("info", {})["version"] = package_version()
    _plain_schema_names(schema)
    for operations in schema.get("paths", {}).values():
        for method, op in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                _complete(method, op)
    return schema


def install(app: FastAPI) -> None:
    """Serve the problem pages and complete the OpenAPI document once, when first built."""
    app.include_router(pages)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete_openapi(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
