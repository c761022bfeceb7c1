"""The typed contract: headers declared, shapes typed, one convention for instants, problem
types that resolve on the service, the package's version, docs that load nothing from elsewhere.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib import metadata
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from app.api.contract import PROBLEM_TYPES
from app.api.schemas.policies import PolicyParamsOut
from app.domain.policy import CENTRAL, params_to_dict
from app.domain.rules import RULES
from app.main import create_app
from app.settings import Settings
from tests.case_driver import Driver, ok
from tests.conftest import Principals

# What the API itself reads or sends beyond the standard entity headers.
API_HEADERS = {
    "etag",
    "location",
    "retry-after",
    "idempotent-replayed",
    "x-request-id",
    "www-authenticate",
}
INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    app = create_app(Settings(environment="test", database_url="sqlite:///:memory:"))
    document: dict[str, Any] = app.openapi()
    return document


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method in METHODS
    ]


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = spec["components"][kind][name]
    return node


def header_params(spec: dict[str, Any], op: dict[str, Any]) -> set[str]:
    found = set()
    for p in op.get("parameters", []):
        p = resolve(spec, p)
        if p["in"] == "header":
            found.add(p["name"].lower())
    return found


def declared_headers(spec: dict[str, Any], op: dict[str, Any], status: int) -> set[str]:
    resp = op["responses"].get(str(status))
    assert resp is not None, f"{op['operationId']}: {status} not declared"
    return {h.lower() for h in resolve(spec, resp).get("headers", {})}


# --- headers ------------------------------------------------------------------------------------


def test_every_operation_declares_the_headers_it_reads(spec: dict[str, Any]) -> None:
    for path, method, op in operations(spec):
        headers = header_params(spec, op)
        assert "x-request-id" in headers, (path, method)
        if method == "post":
            assert "idempotency-key" in headers, (path, method)
        if method == "get" and "application/json" in op["responses"]["200"].get("content", {}):
            assert "if-none-match" in headers, (path, method)
            assert "etag" in declared_headers(spec, op, 304), (path, method)
            assert "etag" in declared_headers(spec, op, 200), (path, method)
        for status, resp in op["responses"].items():
            sent = {h.lower() for h in resolve(spec, resp).get("headers", {})}
            if status == "201":
                assert "location" in sent, (path, method)
            if status == "401":
                assert "www-authenticate" in sent, (path, method)
            if status == "503":
                assert "retry-after" in sent, (path, method)
    patch = spec["paths"]["/api/v1/candidates/{candidate_id}"]["patch"]
    assert "if-match" in header_params(spec, patch)


def _operation_of(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    for template, ops in spec["paths"].items():
        pattern = re.sub(r"\\\{[^/]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path) and method in ops:
            op: dict[str, Any] = ops[method]
            return op
    raise AssertionError(f"{method} {path} is not documented")


def test_every_header_the_api_sends_is_declared_for_that_answer(
    client: TestClient, tokens: Principals, spec: dict[str, Any]
) -> None:
    org = tokens["org_department"]
    d = Driver(client, org)
    cid = d.candidate()
    seen: list[tuple[str, str, Any]] = []

    def call(method: str, url: str, **kw: Any) -> Any:
        r = client.request(method, url, **kw)
        seen.append((method.lower(), urlsplit(url).path, r))
        return r

    made = call(
        "POST",
        "/api/v1/positions",
        json={
            "org_unit": "市委",
            "title": "副主任",
            "rank_level": "county_deputy",
            "fill_method": "appointed",
            "headcount": 1,
        },
        headers={**org, "Idempotency-Key": "contract-1"},
    )
    call(
        "POST",
        "/api/v1/positions",
        json={
            "org_unit": "市委",
            "title": "副主任",
            "rank_level": "county_deputy",
            "fill_method": "appointed",
            "headcount": 1,
        },
        headers={**org, "Idempotency-Key": "contract-1"},
    )  # replayed
    tag = call("GET", f"/api/v1/candidates/{cid}", headers=org).headers["etag"]
    call("GET", f"/api/v1/candidates/{cid}", headers={**org, "If-None-Match": tag})
    call(
        "PATCH",
        f"/api/v1/candidates/{cid}",
        json={"current_title": "主任"},
        headers={**org, "If-Match": tag},
    )
    call(
        "PATCH",
        f"/api/v1/candidates/{cid}",
        json={"current_title": "主任"},
        headers={**org, "If-Match": tag},
    )  # 412
    call("GET", "/api/v1/candidates", headers=org)
    call("GET", "/api/v1/candidates", headers={"Authorization": "Bearer nope"})  # 401
    call("GET", f"/api/v1/positions/{made.json()['id']}", headers={**org, "X-Request-ID": "r-1"})
    assert {r.status_code for *_, r in seen} >= {200, 201, 304, 401, 412}
    assert any(r.headers.get("idempotent-replayed") == "true" for *_, r in seen)
    for method, path, r in seen:
        op = _operation_of(spec, method, path)
        sent = {h for h in r.headers if h.lower() in API_HEADERS}
        missing = sent - declared_headers(spec, op, r.status_code)
        assert not missing, (method, path, r.status_code, missing)


# --- shapes -------------------------------------------------------------------------------------

# Record payloads differ per action (a transition, each kind of fact); their keys are described,
# not fixed: the only objects left open, on purpose.
OPEN_ON_PURPOSE = {
    "/components/schemas/RecordEntryOut/properties/payload",
    "/components/schemas/NominationRecordEntryOut/properties/payload",
}
BINARY = {"text/", "image/", "application/pdf", "application/vnd.", "video/"}


def _untyped(node: Any, path: str, found: list[str]) -> None:
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" not in node:
            extra = node.get("additionalProperties")
            if extra in (None, True, {}):
                found.append(path)
        if node.get("additionalProperties") is True:
            found.append(path)
        for key, value in node.items():
            if key in ("examples", "example", "default"):
                continue
            if key == "schema" and value == {}:
                found.append(f"{path}/schema")
            if key == "items" and value == {}:
                found.append(f"{path}/items")
            _untyped(value, f"{path}/{key}", found)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _untyped(value, f"{path}/{i}", found)


def test_no_untyped_object_where_the_shape_is_known(spec: dict[str, Any]) -> None:
    found: list[str] = []
    _untyped(spec, "", found)
    assert sorted(set(found) - OPEN_ON_PURPOSE) == []
    for path in OPEN_ON_PURPOSE:  # still described
        node = spec
        for part in path.strip("/").split("/"):
            node = node[part]
        assert node.get("description"), path


def test_policy_params_out_names_every_stored_parameter() -> None:
    assert set(PolicyParamsOut.model_fields) == set(params_to_dict(CENTRAL))


def test_info_version_is_the_package_version(spec: dict[str, Any]) -> None:
    assert spec["info"]["version"] == metadata.version("cadre-selection")


# --- instants -----------------------------------------------------------------------------------


def _instants(node: Any, path: str, found: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _instants(value, f"{path}.{key}", found)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _instants(value, f"{path}[{i}]", found)
    elif isinstance(node, str) and INSTANT.match(node):
        found[path] = node


def test_every_instant_comes_out_in_utc_with_z(client: TestClient, tokens: Principals) -> None:
    """A case driven to publicity with every instant given in China time (+08:00); every
    instant any read of it answers is UTC with `Z`."""
    org = tokens["org_department"]
    d = Driver(client, org)
    pos = d.position()
    a, b = d.candidate(), d.candidate()
    d.create(pos["id"], [a, b])
    d.to_decision([a, b])
    d.decide([a])
    d.act("approve")
    d.publicise("2026-03-02")
    case_id = d.case["id"]
    reads = [
        f"/api/v1/cases/{case_id}",
        f"/api/v1/cases/{case_id}/record",
        f"/api/v1/cases/{case_id}/dossier",
        f"/api/v1/cases/{case_id}/decision-meetings",
        f"/api/v1/cases/{case_id}/publicity-notice",
        "/api/v1/cases",
        f"/api/v1/candidates/{a}",
        "/api/v1/candidates",
        "/api/v1/positions",
        "/api/v1/decision-bodies",
        "/api/v1/policies",
        "/api/v1/public/notices",
    ]
    found: dict[str, str] = {}
    for url in reads:
        r = client.get(url, headers=org)
        if r.status_code == 404:
            continue
        _instants(ok(r) if isinstance(r.json(), dict) else {"items": r.json()}, url, found)
    assert found, "no instant was read at all"
    not_utc = {k: v for k, v in found.items() if not v.endswith("Z")}
    assert not_utc == {}, "\n".join(f"{k}: {v}" for k, v in sorted(not_utc.items()))


# --- problem types ------------------------------------------------------------------------------


def test_every_problem_type_resolves_on_the_service(client: TestClient, tokens: Principals) -> None:
    org = tokens["org_department"]
    d = Driver(client, org)
    pos = d.position()
    d.create(pos["id"], [d.candidate()])
    d.act("start_recommendation")  # then start_inspection needs a target decision (a rule)
    problems = [
        client.get("/api/v1/candidates"),  # 401
        client.get("/api/v1/candidates/00000000-0000-0000-0000-000000000000", headers=org),
        client.get("/api/v1/candidates?limit=0", headers=org),  # validation
        client.get("/api/v1/candidates?cursor=xyz", headers=org),  # invalid-input
        client.post(f"{d.url}/transitions", json={"action": "start_inspection"}, headers=org),
        client.post(
            f"{d.url}/transitions?validate_only=true", json={"action": "approve"}, headers=org
        ),  # illegal transition
        client.post(
            f"{d.url}/transitions",
            json={"action": "start_inspection"},
            headers={**org, "If-Match": d.case["etag"]},
        ),  # a rule refuses
    ]
    kinds = set()
    for r in problems:
        assert r.status_code >= 400, r.text
        kind = r.json()["type"]
        assert kind.startswith("/problems/"), kind
        page = client.get(urljoin(str(r.url), kind))
        assert page.status_code == 200, kind
        assert page.headers["content-type"].startswith("text/html")
        kinds.add(kind.split("/")[2])
    assert kinds == {
        "unauthenticated",
        "not-found",
        "validation",
        "invalid-input",
        "precondition-required",
        "illegal-transition",
        "rule",
    }


def test_each_catalogued_problem_and_rule_has_its_page(client: TestClient) -> None:
    for slug, (_, title, _) in PROBLEM_TYPES.items():
        page = client.get(f"/problems/{slug}")
        assert page.status_code == 200, slug
        assert title.split()[0] in page.text
    for rule_id in RULES:
        for url in (f"/problems/rule/{rule_id}", f"/rules/{rule_id}"):
            page = client.get(url)
            assert page.status_code == 200, url
            assert rule_id in page.text
    assert client.get("/problems/no-such-thing").status_code == 404
    assert client.get("/rules/NO-SUCH-RULE").status_code == 404
    index = client.get("/problems/")
    assert all(f"/problems/{slug}" in index.text for slug in PROBLEM_TYPES)


# --- docs offline -------------------------------------------------------------------------------


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.refs += [v for k, v in attrs if k in ("src", "href", "spec-url") and v]


def _refs(html: str) -> list[str]:
    parser = _Refs()
    parser.feed(html)
    # The pages' inline scripts name their URLs in JavaScript strings too.
    quoted = re.findall(r"""url:\s*['"]([^'"]+)['"]""", html)
    return parser.refs + quoted


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_load_every_asset_from_the_service(client: TestClient, page: str) -> None:
    r = client.get(page)
    assert r.status_code == 200
    base = str(r.url)
    host = urlsplit(base).netloc
    assert not re.search(r"\b(https?:)?//(?!" + re.escape(host) + ")", r.text), r.text
    refs = _refs(r.text)
    assert len(refs) >= 2, refs
    for ref in refs:
        url = urljoin(base, ref)
        assert urlsplit(url).netloc == host, ref
        asset = client.get(url)
        assert asset.status_code == 200, ref
        if asset.headers["content-type"].startswith("text/css"):
            for inner in re.findall(r"url\(([^)]+)\)", asset.text):
                inner = inner.strip("'\"")
                assert inner.startswith("data:") or "//" not in inner, inner
    # Swagger UI's default validator badge would fetch an image from the internet.
    if page == "/docs":
        assert '"validatorUrl": null' in r.text


def test_the_description_shows_the_workflow_as_a_picture(
    client: TestClient, spec: dict[str, Any]
) -> None:
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", spec["info"]["description"])
    assert images, "no image in the description"
    for src in images:
        r = client.get(src)  # docs render without a token: the picture must load without one
        assert r.status_code == 200, src
        assert r.headers["content-type"].startswith("image/svg+xml")
        assert "<svg" in r.text
