"""A9 inventory and the OpenAPI contract (D2): the committed openapi/openapi.json is the app's.

No database is needed: the app is built on a file URL that is never opened and its lifespan never
runs, exactly as `make openapi` does. The route inventory is taken from an app with production
settings (what production serves); test-only routes exist only under CADRE_ENVIRONMENT=test.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Route

from app.main import create_app
from app.openapi_export import build_schema, render
from app.settings import Settings
from tests.routes import all_routes

ROOT = Path(__file__).resolve().parent.parent
EXPORTED = ROOT / "openapi" / "openapi.json"
PROBLEM = "application/problem+json"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# Anonymous routes: liveness/readiness and the public announcement API. Nothing else.
PUBLIC = re.compile(r"^/(healthz|readyz)$|^/api/v1/public(/|$)")
# Test-only routes (e.g. moving the server clock): CADRE_ENVIRONMENT=test only, never documented.
TEST_ONLY_PREFIX = "/api/v1/_test/"


def is_public_path(path: str) -> bool:
    return PUBLIC.match(path) is not None


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method.upper(), path, operation


def _app(
    environment: Literal["production", "test"], tmp_path_factory: pytest.TempPathFactory
) -> FastAPI:
    url = f"sqlite:///{tmp_path_factory.mktemp('openapi') / 'unused.db'}"
    settings = Settings(
        environment=environment,
        database_url=url,
        token_pepper="openapi-inventory-pepper",  # production refuses placeholder secrets
    )
    return create_app(settings)


@pytest.fixture(scope="module")
def production_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The routes production serves: the inventory (A9) is about these."""
    app = _app("production", tmp_path_factory)
    yield app
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def app_under_test_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    app = _app("test", tmp_path_factory)
    yield app
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return DOCUMENT


DOCUMENT = build_schema()
# Error responses known not to be declared as problem+json (app code; reported, not yet fixed).
# Each is an xfail(strict=True): when it is fixed the XPASS fails, so remove it from here.
KNOWN_NON_PROBLEM: dict[tuple[str, str], str] = {}
OPERATIONS = [
    pytest.param(
        method,
        path,
        id=f"{method} {path}",
        marks=[pytest.mark.xfail(strict=True, reason=KNOWN_NON_PROBLEM[(method, path)])]
        if (method, path) in KNOWN_NON_PROBLEM
        else [],
    )
    for method, path in sorted((m, p) for m, p, _ in _operations(DOCUMENT))
]


def _op(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"][path][method.lower()]
    return operation


def test_exported_document_is_current(document: dict[str, Any]) -> None:
    current = render(document)
    committed = EXPORTED.read_text(encoding="utf-8") if EXPORTED.exists() else ""
    if committed != current:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    current.splitlines(keepends=True),
                    "openapi/openapi.json (committed)",
                    "app.openapi() (running app)",
                    n=2,
                )
            )[:80]
        )
        pytest.fail(
            "openapi/openapi.json differs from the app: run `make openapi` and review the diff "
            f"in the commit.\n{diff}",
            pytrace=False,
        )


def test_operation_ids_are_unique_and_every_operation_is_tagged(document: dict[str, Any]) -> None:
    seen: dict[str, str] = {}
    problems: list[str] = []
    for method, path, op in _operations(document):
        label = f"{method} {path}"
        op_id = op.get("operationId")
        if not op_id:
            problems.append(f"{label}: no operationId")
        elif op_id in seen:
            problems.append(f"{label}: operationId {op_id!r} also used by {seen[op_id]}")
        else:
            seen[op_id] = label
        if not op.get("tags"):
            problems.append(f"{label}: no tag")
    assert not problems, "\n".join(problems)


def test_every_non_public_operation_requires_the_bearer_token(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    bearer = {
        n for n, s in schemes.items() if s.get("type") == "http" and s.get("scheme") == "bearer"
    }
    assert bearer, "no HTTP bearer security scheme is declared"
    missing = [
        f"{method} {path}"
        for method, path, op in _operations(document)
        if not is_public_path(path)
        and not any(bearer & set(requirement) for requirement in op.get("security", []))
    ]
    assert not missing, f"operations without the bearer security requirement: {missing}"


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_error_responses_are_problem_json(document: dict[str, Any], method: str, path: str) -> None:
    wrong = {
        status: sorted(response.get("content", {}))
        for status, response in _op(document, method, path)["responses"].items()
        # 2xx answers and 304 Not Modified (no body) are not errors.
        if not status.startswith(("2", "3")) and PROBLEM not in response.get("content", {})
    }
    assert not wrong, f"{method} {path}: error responses without {PROBLEM}: {wrong}"


def test_problem_json_carries_the_problem_schema(document: dict[str, Any]) -> None:
    wrong: list[str] = []
    for method, path, op in _operations(document):
        for status, response in op["responses"].items():
            content = response.get("content", {})
            if status.startswith("2") or PROBLEM not in content:
                continue
            if content[PROBLEM].get("schema") != {"$ref": "#/components/schemas/Problem"}:
                wrong.append(f"{method} {path} {status}: {PROBLEM} has no Problem schema")
            if set(content) != {PROBLEM}:
                wrong.append(
                    f"{method} {path} {status}: also declares {sorted(set(content) - {PROBLEM})}"
                )
    assert not wrong, "\n".join(wrong[:20])


def test_every_limit_parameter_is_bounded(document: dict[str, Any]) -> None:
    limits = [
        (f"{method} {path}", p["schema"])
        for method, path, op in _operations(document)
        for p in op.get("parameters", [])
        if p["name"] == "limit" and p["in"] == "query"
    ]
    assert limits, "no operation declares a `limit` parameter"
    unbounded = [
        label
        for label, schema in limits
        if schema.get("maximum") != 200 or schema.get("minimum", 0) < 1
    ]
    assert not unbounded, f"`limit` must declare minimum >= 1 and maximum 200: {unbounded}"


def _undocumented(app: FastAPI) -> list[str]:
    document = app.openapi()
    # The documentation pages themselves (served with local assets by app/api/docs.py).
    docs = {"/docs", "/redoc", app.openapi_url, app.swagger_ui_oauth2_redirect_url}
    # The problem-type and rule pages and the docs' picture (app/api/contract.py).
    docs |= {"/problems/", "/problems/{slug}", "/problems/rule/{rule_id}", "/rules/{rule_id}"}
    docs |= {"/docs/workflow.svg"}
    missing: list[str] = []
    for route in all_routes(app):
        if not isinstance(route, Route) or route.path in docs:
            continue
        if isinstance(route, APIRoute) and not route.include_in_schema:
            missing.append(f"{route.path} (include_in_schema=False)")
            continue
        declared = {m.upper() for m in document["paths"].get(route.path, {})}
        missing += [
            f"{m} {route.path}" for m in sorted((route.methods or set()) - declared - {"HEAD"})
        ]
    return missing


def test_every_route_is_documented(production_app: FastAPI) -> None:
    undocumented = _undocumented(production_app)
    assert not undocumented, f"routes missing from the OpenAPI document: {undocumented}"


def test_the_exported_document_is_what_production_serves(production_app: FastAPI) -> None:
    assert production_app.openapi() == DOCUMENT, (
        "the exported document (built with test settings) differs from production's"
    )


def test_test_only_routes_exist_only_in_the_test_environment(
    production_app: FastAPI, app_under_test_settings: FastAPI
) -> None:
    prefix = TEST_ONLY_PREFIX
    in_production = [
        r.path
        for r in all_routes(production_app)
        if isinstance(r, Route) and r.path.startswith(prefix)
    ]
    assert not in_production, f"test-only routes mounted in production: {in_production}"
    stray = [r for r in _undocumented(app_under_test_settings) if not r.startswith(prefix)]
    assert not stray, f"undocumented routes outside {prefix}: {stray}"


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    target: dict[str, Any] = document
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return target


def _unbounded_integers(
    document: dict[str, Any], schema: dict[str, Any], where: str, seen: set[str]
) -> Iterator[str]:
    ref = schema.get("$ref")
    if ref is not None:
        if ref in seen:
            return
        seen = seen | {ref}
    schema = _resolve(document, schema)
    if schema.get("type") == "integer":
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        if low is None or high is None:
            yield where
    for name, sub in schema.get("properties", {}).items():
        yield from _unbounded_integers(document, sub, f"{where}.{name}", seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from _unbounded_integers(document, schema[key], f"{where}[]", seen)
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            yield from _unbounded_integers(document, sub, where, seen)


def test_every_integer_a_client_sends_is_bounded(document: dict[str, Any]) -> None:
    """D4: a Python int beyond 64 bits must be a 422, never a database overflow (500)."""
    unbounded: list[str] = []
    for method, path, op in _operations(document):
        label = f"{method} {path}"
        for p in op.get("parameters", []):
            where = f"{label} {p['in']} {p['name']}"
            unbounded += _unbounded_integers(document, p.get("schema", {}), where, set())
        for media, content in op.get("requestBody", {}).get("content", {}).items():
            where = f"{label} body ({media})"
            unbounded += _unbounded_integers(document, content.get("schema", {}), where, set())
    assert not unbounded, "integers without minimum and maximum:\n" + "\n".join(unbounded)


@pytest.mark.parametrize(
    ("page", "asset"), [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")]
)
def test_docs_render_without_internet(client: TestClient, page: str, asset: str) -> None:
    """The pages load their scripts from this server, never from a CDN (intranet use)."""
    html = client.get(page)
    assert html.status_code == 200
    assert f"/docs-assets/{asset}" in html.text
    assert "cdn." not in html.text
    assert "fonts.googleapis" not in html.text
    script = client.get(f"/docs-assets/{asset}")
    assert script.status_code == 200
    assert len(script.content) > 100_000


def test_schema_names_are_unique_and_plain() -> None:
    """Two models of one name get module-qualified names that generated clients trip over."""
    document = json.loads(EXPORTED.read_text(encoding="utf-8"))
    qualified = [n for n in document["components"]["schemas"] if n.startswith("app__")]
    assert not qualified, qualified
