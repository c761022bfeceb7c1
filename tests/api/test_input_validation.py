"""Bad input gets a clear 4xx and changes nothing (names, identifiers, free text, dates,
date-times, booleans, cursors), on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import types
import typing
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, Strict, ValidationError
from pydantic.fields import FieldInfo

from app.api.schemas.common import StrictModel, _TextKind
from app.domain.enums import Role
from app.main import create_app
from app.settings import Settings
from tests.case_driver import Driver, meeting
from tests.conftest import Principals
from tests.factories import candidate_body, position_body

PROBLEM = "application/problem+json"
CANDIDATES = "/api/v1/candidates"

# Each refused in every field that takes text; the first three are line breaks and a tab,
# which free text accepts.
LINE_BREAKS = {"lf": "第一行\n第二行", "crlf": "第一行\r\n第二行", "tab": "甲\t乙"}
HOSTILE = {
    "bell": "张\u0007三",
    "esc-sequence": "\x1b[31m张三\x1b[0m",
    "nul": "张\x00三",
    "cr": "张三\r李四",
    "del": "张\x7f三",
    "c1-nel": "张\x85三",
    "c1-csi": "张\x9b31m三",
    "rlo": "张\u202e三李",
    "lri-isolate": "\u2066张三\u2069",
    "lrm": "张\u200e三",
    "line-separator": "张\u2028三",
    "paragraph-separator": "张\u2029三",
    "zero-width-space": "张\u200b三",
    "bom": "\ufeff张三",
    "noncharacter": "张\uffff三",
}


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers["content-type"]
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    return body


def _all(client: TestClient, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Every item of a list, page by page."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 200}
    while True:
        r = client.get(path, params=params, headers=headers)
        assert r.status_code == 200, r.text
        page = r.json()
        items += page["items"]
        if not page.get("next_cursor"):
            return items
        params["cursor"] = page["next_cursor"]


@dataclass
class Target:
    """A field of a request body: where to send it, and the list that would show the result."""

    post: str
    body: dict[str, Any]
    field: list[str | int]  # path to the field inside the body
    listing: str

    def with_value(self, value: str) -> dict[str, Any]:
        body = typing.cast(dict[str, Any], _deep_copy(self.body))
        node: Any = body
        for part in self.field[:-1]:
            node = node[part]
        node[self.field[-1]] = value
        return body


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def _case_body(position_id: str) -> dict[str, Any]:
    return {
        "title": "选拔副主任",
        "position_id": position_id,
        "places": 1,
        "method": "organisational",
        "motion": {
            "proposer_kind": "org_department",
            "proposed_by": "市委组织部",
            "recommendation_scope": 30,
            "conditions": "条件",
        },
        "candidate_ids": [],
    }


LINE_FIELDS = [
    "candidate.name",
    "candidate.external_id",
    "candidate.post.title",
    "position.title",
    "position.external_id",
    "case.title",
    "case.motion.proposed_by",
    "decision_body.name",
    "misconduct.source",
]
FREE_TEXT_FIELDS = ["misconduct.description", "case.motion.conditions"]


@pytest.fixture
def targets(client: TestClient, org: dict[str, str]) -> Callable[[str], Target]:
    made: dict[str, str] = {}

    def position_id() -> str:
        if "position" not in made:
            r = client.post("/api/v1/positions", json=position_body(), headers=org)
            made["position"] = r.json()["id"]
        return made["position"]

    def candidate_id() -> str:
        if "candidate" not in made:
            made["candidate"] = client.post(CANDIDATES, json=candidate_body(), headers=org).json()[
                "id"
            ]
        return made["candidate"]

    def target(name: str) -> Target:
        kind, _, field = name.partition(".")
        if kind == "candidate":
            path: list[str | int] = ["posts", 0, "title"] if field == "post.title" else [field]
            return Target(CANDIDATES, candidate_body(), path, CANDIDATES)
        if kind == "position":
            return Target("/api/v1/positions", position_body(), [field], "/api/v1/positions")
        if kind == "case":
            return Target(
                "/api/v1/cases", _case_body(position_id()), [*field.split(".")], "/api/v1/cases"
            )
        if kind == "decision_body":
            body = {"name": "市委常委会", "kind": "standing_committee", "org_unit": "市委"}
            return Target("/api/v1/decision-bodies", body, [field], "/api/v1/decision-bodies")
        assert kind == "misconduct"
        url = f"{CANDIDATES}/{candidate_id()}/misconduct"
        body = {
            "kind": "interceding",
            "occurred_on": "2025-01-01",
            "description": "群众来信反映",
            "source": "来信",
        }
        return Target(url, body, [field], url)

    return target


def _refused(
    client: TestClient, org: dict[str, str], target: Target, value: str, field: str
) -> None:
    before = _all(client, target.listing, org)
    r = client.post(target.post, json=target.with_value(value), headers=org)
    problem = _problem(r, 422)
    locs = [e["loc"] for e in problem["errors"]]
    assert any(loc[-1] == target.field[-1] for loc in locs), problem
    assert _all(client, target.listing, org) == before


@pytest.mark.parametrize(
    "value",
    list(HOSTILE.values()) + list(LINE_BREAKS.values()),
    ids=list(HOSTILE) + list(LINE_BREAKS),
)
@pytest.mark.parametrize("field", LINE_FIELDS)
def test_names_and_identifiers_refuse_control_characters(
    client: TestClient,
    org: dict[str, str],
    targets: Callable[[str], Target],
    field: str,
    value: str,
) -> None:
    _refused(client, org, targets(field), value, field)


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize("field", FREE_TEXT_FIELDS)
def test_free_text_refuses_control_characters_but_line_breaks(
    client: TestClient,
    org: dict[str, str],
    targets: Callable[[str], Target],
    field: str,
    value: str,
) -> None:
    _refused(client, org, targets(field), value, field)


@pytest.mark.parametrize("value", list(LINE_BREAKS.values()), ids=list(LINE_BREAKS))
def test_free_text_keeps_line_breaks_and_tabs(
    client: TestClient, org: dict[str, str], targets: Callable[[str], Target], value: str
) -> None:
    target = targets("misconduct.description")
    r = client.post(target.post, json=target.with_value(value), headers=org)
    assert r.status_code == 201, r.text
    assert r.json()["description"] == value.replace("\r\n", "\n")
    case = targets("case.motion.conditions")
    r = client.post(case.post, json=case.with_value(value), headers=org)
    assert r.status_code == 201, r.text
    assert r.json()["motion"]["conditions"] == value.replace("\r\n", "\n")


def test_identifier_refuses_look_alike_spaces(client: TestClient, org: dict[str, str]) -> None:
    for spaced in ("HR\u00a0001", "HR\u3000001", "HR\u2009001"):
        r = client.post(CANDIDATES, json=candidate_body(external_id=spaced), headers=org)
        assert _problem(r, 422)["errors"][0]["loc"][-1] == "external_id"
    plain = client.post(CANDIDATES, json=candidate_body(external_id="HR 2026 001"), headers=org)
    assert plain.status_code == 201, plain.text


def test_a_refusal_names_the_character(client: TestClient, org: dict[str, str]) -> None:
    r = client.post(CANDIDATES, json=candidate_body(name="张\u202e三"), headers=org)
    detail = _problem(r, 422)["detail"]
    assert "U+202E" in detail
    assert "name" in detail


# --- dates and date-times ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth_date", "status"),
    [
        ("1900-01-01", 201),
        ("1899-12-31", 422),
        ("0001-01-01", 422),
        ("2101-01-01", 422),
        ("9999-12-31", 422),
        (19800501, 422),
        (0, 422),
        ("1980-05-01T00:00:00", 422),
        ("01/05/1980", 422),
    ],
)
def test_birth_date_bounds(
    client: TestClient, org: dict[str, str], birth_date: Any, status: int
) -> None:
    body = candidate_body(birth_date=birth_date)
    r = client.post(CANDIDATES, json=body, headers=org)
    assert r.status_code == status, r.text
    if status == 422:
        assert _problem(r, 422)["errors"][0]["loc"][-1] == "birth_date"
        assert (
            client.get(CANDIDATES, params={"external_id": body["external_id"]}, headers=org).json()[
                "items"
            ]
            == []
        )


@pytest.mark.parametrize(
    "held_at",
    [
        "9999-12-31T09:00:00+08:00",
        "1899-12-31T09:00:00+08:00",
        "2026-03-25T09:00:00",  # no zone
        "2026-03-25",
        1774400400,
    ],
)
def test_meeting_time_needs_a_zone_and_a_sane_year(
    client: TestClient, org: dict[str, str], held_at: Any
) -> None:
    body = meeting(
        [
            {
                "candidate_id": str(uuid.uuid4()),
                "briefing": {
                    "nomination": "a",
                    "recommendation": "b",
                    "inspection": "c",
                    "reasons": "d",
                },
                "votes_for": 7,
            }
        ],
        str(uuid.uuid4()),
        [str(uuid.uuid4())],
        held_at=held_at,
    )
    r = client.post(f"/api/v1/cases/{uuid.uuid4()}/decision-meetings", json=body, headers=org)
    problem = _problem(r, 422)
    assert [e["loc"][-1] for e in problem["errors"]] == ["held_at"], problem


@pytest.mark.parametrize("path", [CANDIDATES, "/api/v1/positions", "/api/v1/cases"])
def test_updated_after_needs_a_zone(client: TestClient, org: dict[str, str], path: str) -> None:
    for naive in ("2026-11-22", "2026-11-22T10:00:00"):
        problem = _problem(client.get(path, params={"updated_after": naive}, headers=org), 422)
        assert "time zone" in problem["detail"], problem
        assert problem["errors"][0]["loc"][-1] == "updated_after"
    for other in ("0.5", "1700000000", "yesterday", "9999-12-31T00:00:00Z"):
        _problem(client.get(path, params={"updated_after": other}, headers=org), 422)
    for aware in ("2026-11-22T00:00:00Z", "2026-11-22T08:00:00+08:00"):
        r = client.get(path, params={"updated_after": aware}, headers=org)
        assert r.status_code == 200, r.text


def test_query_dates_are_bounded(client: TestClient, org: dict[str, str]) -> None:
    for bad in ("0001-01-01", "2026-13-01", "20260301"):
        r = client.get("/api/v1/training-deadlines", params={"due_before": bad}, headers=org)
        _problem(r, 422)
    ok_r = client.get(
        "/api/v1/training-deadlines", params={"due_before": "2026-03-01"}, headers=org
    )
    assert ok_r.status_code == 200


# --- booleans ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 1, "yes", "true", "on", None])
def test_body_booleans_are_strict(client: TestClient, org: dict[str, str], value: Any) -> None:
    body = candidate_body(on_probation=value)
    r = client.post(CANDIDATES, json=body, headers=org)
    assert _problem(r, 422)["errors"][0]["loc"][-1] == "on_probation"
    position = client.post(
        "/api/v1/positions", json=position_body(is_party_post=value), headers=org
    )
    assert _problem(position, 422)["errors"][0]["loc"][-1] == "is_party_post"
    assert _all(client, CANDIDATES, org) == []


def test_body_booleans_take_true_and_false(client: TestClient, org: dict[str, str]) -> None:
    for value in (True, False):
        r = client.post(CANDIDATES, json=candidate_body(on_probation=value), headers=org)
        assert r.status_code == 201, r.text
        assert r.json()["on_probation"] is value


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (CANDIDATES, "in_reserve_pool"),
        ("/api/v1/positions", "has_vacancy"),
        ("/api/v1/policies", "latest_only"),
    ],
)
def test_query_booleans_are_strict(
    client: TestClient, org: dict[str, str], path: str, name: str
) -> None:
    for bad in ("0", "1", "yes", "on", "True"):
        _problem(client.get(path, params={name: bad}, headers=org), 422)
    for good in ("true", "false"):
        assert client.get(path, params={name: good}, headers=org).status_code == 200


# --- cursors ----------------------------------------------------------------------------------


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


TAMPERED = {
    "not-base64": "!!!not-a-cursor!!!",
    "bad-padding": "a",
    "wrong-shape": _b64("x|y"),
    "no-check": _b64(f"2026-03-02T01:00:00+00:00|{uuid.uuid4()}"),
    "naive-inside": _b64(f"2026-03-02T01:00:00|{uuid.uuid4()}|0123456789abcdef"),
    "year-one": _b64(f"0001-01-01T00:00:00+14:00|{uuid.uuid4()}|0123456789abcdef"),
    "not-utf8": base64.urlsafe_b64encode(b"\xff\xfe|\x00").decode(),
    "non-ascii": "游标",
}


def _list_routes() -> list[str]:
    app = create_app(Settings(environment="test", database_url="sqlite://"))
    return sorted(
        path
        for path, item in app.openapi()["paths"].items()
        if any(p["name"] == "cursor" for p in item.get("get", {}).get("parameters", []))
    )


LIST_ROUTES = _list_routes()


def test_every_list_route_is_enumerated() -> None:
    assert {
        CANDIDATES,
        "/api/v1/positions",
        "/api/v1/cases",
        "/api/v1/nominations",
        "/api/v1/nominations/intercepted",
        "/api/v1/reserve-pool",
        "/api/v1/candidates/{candidate_id}/misconduct",
        "/api/v1/decision-bodies",
        "/api/v1/training-deadlines",
    } <= set(LIST_ROUTES)


@pytest.fixture
def concrete(client: TestClient, org: dict[str, str]) -> Callable[[str], str]:
    """A URL for a list route, with existing resources for its path parameters."""
    d = Driver(client, org)
    candidate = d.candidate()
    case = d.create(d.position()["id"], [candidate])["id"]
    hook = {"url": "https://hr.example/hook", "event_types": ["*"]}
    webhook = client.post("/api/v1/webhooks", json=hook, headers=org).json()["id"]

    def url(path: str) -> str:
        for name, value in (
            ("candidate_id", candidate),
            ("case_id", case),
            ("webhook_id", webhook),
        ):
            path = path.replace("{" + name + "}", value)
        return path

    return url


@pytest.mark.parametrize("cursor", list(TAMPERED.values()), ids=list(TAMPERED))
@pytest.mark.parametrize("path", LIST_ROUTES)
def test_tampered_cursor_is_422_on_every_list(
    client: TestClient,
    tokens: Principals,
    concrete: Callable[[str], str],
    path: str,
    cursor: str,
) -> None:
    url = concrete(path)
    assert "{" not in url, f"no value for a path parameter of {path}"
    # A principal holding every role reaches every list (separation of duties keeps each list
    # to some roles only).
    every, _ = tokens.make("every role", list(Role))
    problem = _problem(client.get(url, params={"cursor": cursor}, headers=every), 422)
    assert "cursor" in problem["detail"]


def test_an_edited_cursor_is_422_and_a_real_one_pages(
    client: TestClient, org: dict[str, str]
) -> None:
    for _ in range(3):
        assert client.post(CANDIDATES, json=candidate_body(), headers=org).status_code == 201
    first = client.get(CANDIDATES, params={"limit": 1}, headers=org).json()
    cursor = first["next_cursor"]
    second = client.get(CANDIDATES, params={"limit": 1, "cursor": cursor}, headers=org)
    assert second.status_code == 200
    assert second.json()["items"][0]["id"] != first["items"][0]["id"]
    # A sorted list's cursor: `[list, sort, [values], id]` as JSON, a line feed, the check.
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    payload, check = raw.rsplit("\n", 1)
    scope, sort, values, rid = json.loads(payload)
    later_id = str(uuid.UUID(int=uuid.UUID(rid).int + 1))
    for edited in (
        [scope, sort, values, later_id],
        [scope, sort, [{"t": "2000-01-01T00:00:00+00:00"}], rid],
    ):
        forged = json.dumps(edited, separators=(",", ":"), ensure_ascii=False) + "\n" + check
        r = client.get(CANDIDATES, params={"cursor": _b64(forged)}, headers=org)
        _problem(r, 422)


# --- every field of every request body has a checked type -------------------------------------


def _request_models() -> Iterator[type[BaseModel]]:
    create_app(Settings(environment="test", database_url="sqlite://"))  # imports every router
    seen: set[type[BaseModel]] = set()
    todo: list[type[BaseModel]] = [StrictModel]
    while todo:
        model = todo.pop()
        for sub in model.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    yield from sorted(seen, key=lambda m: f"{m.__module__}.{m.__qualname__}")


def _loose(annotation: Any, metadata: list[Any]) -> list[str]:
    """What is loosely typed in this annotation: plain str, lax bool, unchecked date/datetime."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *more = typing.get_args(annotation)
        return _loose(inner, [*metadata, *more])
    if origin in (typing.Union, types.UnionType):
        return [x for arg in typing.get_args(annotation) for x in _loose(arg, metadata)]
    if origin in (list, set, tuple):
        return [x for arg in typing.get_args(annotation) for x in _loose(arg, [])]
    if origin is dict:
        _, value = typing.get_args(annotation)  # keys are checked by the service (ids, names)
        return _loose(value, [])
    names = [getattr(getattr(m, "func", None), "__name__", "") for m in metadata]
    if annotation is str and not any(isinstance(m, _TextKind) for m in metadata):
        return ["str without Line/Ident/Text"]
    if annotation is bool and not any(isinstance(m, Strict) for m in metadata):
        return ["bool that is not StrictBool"]
    if annotation is datetime and "_aware_in_range" not in names:
        return ["datetime that is not AwareDateTime"]
    if annotation is date and "_date_in_range" not in names:
        return ["date that is not Date"]
    return []


@pytest.mark.parametrize("model", list(_request_models()), ids=lambda m: m.__qualname__)
def test_every_request_field_is_typed_strictly(model: type[BaseModel]) -> None:
    loose = {
        name: problems
        for name, info in model.model_fields.items()
        if (problems := _loose(info.annotation, list(_field_metadata(info))))
    }
    assert not loose, f"{model.__module__}.{model.__qualname__}: {loose}"


def _field_metadata(info: FieldInfo) -> list[Any]:
    return list(info.metadata)


# --- integers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False, "1", "2", " 3", "1.0", 1.5, None])
def test_body_integers_are_strict(client: TestClient, org: dict[str, str], value: Any) -> None:
    r = client.post(CANDIDATES, json=candidate_body(training_hours_5y=value), headers=org)
    assert _problem(r, 422)["errors"][0]["loc"][-1] == "training_hours_5y"
    position = client.post("/api/v1/positions", json=position_body(headcount=value), headers=org)
    assert _problem(position, 422)["errors"][0]["loc"][-1] == "headcount"
    assert _all(client, CANDIDATES, org) == []
    assert _all(client, "/api/v1/positions", org) == []


def test_body_integers_take_json_numbers(client: TestClient, org: dict[str, str]) -> None:
    r = client.post(CANDIDATES, json=candidate_body(training_hours_5y=0), headers=org)
    assert r.status_code == 201, r.text
    assert r.json()["training_hours_5y"] == 0
    # JSON Schema's `integer` admits 2.0; so does the server (the document and server agree).
    position = client.post("/api/v1/positions", json=position_body(headcount=2.0), headers=org)
    assert position.status_code == 201, position.text
    assert position.json()["headcount"] == 2


def _int_fields(model: type[BaseModel]) -> list[str]:
    def is_int(annotation: Any) -> bool:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            return is_int(typing.get_args(annotation)[0])
        if origin in (typing.Union, types.UnionType):
            return any(is_int(a) for a in typing.get_args(annotation))
        return annotation is int

    return [name for name, info in model.model_fields.items() if is_int(info.annotation)]


INT_FIELDS = [(m, f) for m in _request_models() for f in _int_fields(m)]


def test_int_fields_are_found() -> None:
    names = {f"{m.__name__}.{f}" for m, f in INT_FIELDS}
    assert {"PositionCreate.headcount", "CaseCreate.places", "VoteResult.votes_for"} <= names


@pytest.mark.parametrize(
    ("model", "name"), INT_FIELDS, ids=[f"{m.__name__}.{f}" for m, f in INT_FIELDS]
)
@pytest.mark.parametrize("value", [True, "1"])
def test_every_integer_field_refuses_booleans_and_strings(
    model: type[BaseModel], name: str, value: Any
) -> None:
    with pytest.raises(ValidationError) as raised:
        model.model_validate({name: value})
    mine = [e for e in raised.value.errors() if e["loc"] == (name,)]
    assert [e["type"] for e in mine] == ["int_type"], raised.value.errors()
