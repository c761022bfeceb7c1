"""POL-FLOORS through the HTTP API: a policy may only tighten the central rules.

Every loosened parameter is refused with a 422 problem that lists the parameter's own rule and
POL-FLOORS; `GET /api/v1/policies/parameters` lists the declaration the check walks.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.domain.policy import (
    CENTRAL,
    PARAMETER_FLOORS,
    FloorDirection,
    ParameterFloor,
    param_to_json,
)
from app.domain.rules import RULES
from tests.conftest import Principals
from tests.domain.test_policy import DIRECTED, one_step

PROBLEM = "application/problem+json"
URL = "/api/v1/policies"
# -1 years of party standing is refused by the request schema (>= 0) before any rule runs.
SCHEMA_REFUSES_LOOSER = {"party_standing_years_township"}


def create(
    client: TestClient, org: dict[str, str], name: str, params: dict[str, Any]
) -> dict[str, Any]:
    r = client.post(URL, json={"name": name, "params": params}, headers=org)
    body: dict[str, Any] = r.json()
    body["_status"] = r.status_code
    if r.status_code == 422:
        assert r.headers["content-type"].startswith(PROBLEM)
    return body


def slug(name: str) -> str:
    return name.replace("_", "-")


# --- GET /api/v1/policies/parameters --------------------------------------------------------


def test_parameters_lists_every_declared_floor(client: TestClient, org: dict[str, str]) -> None:
    r = client.get(f"{URL}/parameters", headers=org)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["name"] for i in items] == list(PARAMETER_FLOORS)
    by_name = {i["name"]: i for i in items}
    for name, floor in PARAMETER_FLOORS.items():
        item = by_name[name]
        assert item["rule"] == floor.rule
        assert item["article"] == RULES[floor.rule].source
        assert item["direction"] == floor.direction.value
        assert item["central_value"] == param_to_json(floor.central)
        assert item["default_value"] == param_to_json(getattr(CENTRAL, name))
        assert item["description"] == floor.description
        assert item["applies_when"] == floor.applies_when
        assert (item["justification"] is not None) is (floor.direction is FloorDirection.NONE)


def test_parameters_values_as_json(client: TestClient, org: dict[str, str]) -> None:
    items = client.get(f"{URL}/parameters", headers=org).json()["items"]
    by_name = {i["name"]: i for i in items}
    assert by_name["publicity_working_days"]["central_value"] == 5
    assert by_name["publicity_working_days"]["direction"] == "higher"
    assert by_name["publicity_calendar_days"]["central_value"] is None
    assert by_name["dissatisfaction_cutoff"]["central_value"] == "0.30"
    assert by_name["dissatisfaction_cutoff"]["direction"] == "lower"
    assert by_name["recommendation_participation"]["central_value"] == "2/3"
    assert by_name["competitive_weights"]["central_value"] == ["0.3", "0.3", "0.4"]
    assert by_name["competitive_weights"]["direction"] == "none"
    # Centrally oral and show-of-hands votes are allowed: off is the floor, the preset is on.
    assert by_name["secret_ballot"]["central_value"] is False
    assert by_name["secret_ballot"]["default_value"] is True
    assert by_name["secret_ballot"]["direction"] == "true"
    assert by_name["previous_unit_years"]["applies_when"] == "previous_unit_inspection"
    assert by_name["tenure_applies_to_township"]["rule"] == "QUAL-TENURE"


def test_parameters_is_not_taken_for_a_policy_id(client: TestClient, tokens: Principals) -> None:
    # /parameters must win over /{policy_id} (a UUID), for every role that may read policies.
    for role in ("auditor", "org_department"):
        assert client.get(f"{URL}/parameters", headers=tokens[role]).status_code == 200
    assert client.get(f"{URL}/not-a-uuid", headers=tokens["org_department"]).status_code == 422


def test_parameters_needs_authentication(client: TestClient) -> None:
    r = client.get(f"{URL}/parameters")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith(PROBLEM)


# --- POST /api/v1/policies at the exact limits ------------------------------------------------


@pytest.mark.parametrize(
    ("param", "central", "looser", "tighter", "rule"),
    [
        ("misconduct_influence_months", 12, 11, 13, "EXCL-DISCIPLINE"),
        ("training_hours_required", 550, 549, 551, "QUAL-TRAINING"),
        ("probation_months", 12, 11, 13, "PROB-TERM"),
        ("recommendation_participation", "2/3", "1997/3000", "2003/3000", "REC-PARTICIPATION"),
        ("publicity_working_days", 5, 4, 6, "PUB-DURATION"),
        ("self_nomination_forward_days", 5, 6, 4, "NOM-SELF-FORWARD"),
        ("party_standing_years_county", 3, 2, 4, "QUAL-PARTY-STANDING"),
        ("party_standing_years_bureau", 5, 4, 6, "QUAL-PARTY-STANDING"),
        ("party_standing_years_provincial", 5, 4, 6, "QUAL-PARTY-STANDING"),
        ("dissatisfaction_cutoff", "0.30", "0.3001", "0.2999", "COMP-DISSATISFACTION"),
    ],
)
def test_named_floor_at_the_exact_limit(
    client: TestClient,
    org: dict[str, str],
    param: str,
    central: object,
    looser: object,
    tighter: object,
    rule: str,
) -> None:
    at = create(client, org, f"{slug(param)}-at", {param: central})
    assert at["_status"] == 201, at
    assert at["params"][param] == central
    up = create(client, org, f"{slug(param)}-tighter", {param: tighter})
    assert up["_status"] == 201, up
    down = create(client, org, f"{slug(param)}-looser", {param: looser})
    assert down["_status"] == 422, down
    assert down["rule"] == rule
    assert down["type"].endswith(f"/rule/{rule}")
    assert [v["rule"] for v in down["violations"]] == [rule, "POL-FLOORS"]
    assert all(param in v["detail"] for v in down["violations"])
    assert down["violations"][1]["article"] == RULES["POL-FLOORS"].source


def test_previous_unit_years_floor_binds_when_enabled(
    client: TestClient, org: dict[str, str]
) -> None:
    on = {"previous_unit_inspection": True}
    assert create(client, org, "prev-3", {**on, "previous_unit_years": 3})["_status"] == 201
    assert create(client, org, "prev-4", {**on, "previous_unit_years": 4})["_status"] == 201
    down = create(client, org, "prev-2", {**on, "previous_unit_years": 2})
    assert down["_status"] == 422
    assert [v["rule"] for v in down["violations"]] == ["INS-PREVIOUS-UNIT", "POL-FLOORS"]
    # Off, the years are not used, so a shorter reading is no loosening.
    assert create(client, org, "prev-off-2", {"previous_unit_years": 2})["_status"] == 201


def test_a_loosened_base_cannot_be_reached_by_overlaying(
    client: TestClient, org: dict[str, str]
) -> None:
    # Starting from a stricter base and stepping below the central value is still refused.
    base = create(client, org, "strict-base", {"probation_months": 24})
    assert base["_status"] == 201
    r = client.post(
        URL,
        json={"name": "from-base", "base": "strict-base", "params": {"probation_months": 11}},
        headers=org,
    )
    assert r.status_code == 422
    assert [v["rule"] for v in r.json()["violations"]] == ["PROB-TERM", "POL-FLOORS"]


def test_every_loosened_parameter_is_listed(client: TestClient, org: dict[str, str]) -> None:
    bad = create(
        client,
        org,
        "many-bad",
        {
            "publicity_working_days": 4,
            "misconduct_influence_months": 6,
            "training_hours_required": 100,
            "dissatisfaction_cutoff": "0.5",
        },
    )
    assert bad["_status"] == 422
    assert [v["rule"] for v in bad["violations"]] == [
        "PUB-DURATION",
        "POL-FLOORS",
        "COMP-DISSATISFACTION",
        "POL-FLOORS",
        "EXCL-DISCIPLINE",
        "POL-FLOORS",
        "QUAL-TRAINING",
        "POL-FLOORS",
    ]
    assert bad["rule"] == "PUB-DURATION"


@pytest.mark.parametrize("floor", DIRECTED, ids=[f.name for f in DIRECTED])
def test_declared_floor_at_the_exact_limit(
    client: TestClient, org: dict[str, str], floor: ParameterFloor
) -> None:
    on = {floor.applies_when: True} if floor.applies_when else {}
    name = slug(floor.name)
    if floor.central is not None:  # an unset value is not sent: the central one applies
        at = create(client, org, f"{name}-at", {**on, floor.name: param_to_json(floor.central)})
        assert at["_status"] == 201, at
    tighter = one_step(floor, looser=False)
    up = create(client, org, f"{name}-up", {**on, floor.name: param_to_json(tighter)})
    assert up["_status"] == 201, up
    assert up["params"][floor.name] == param_to_json(tighter)
    looser = one_step(floor, looser=True)
    if looser is None:
        return  # off / unset is the central value itself
    down = create(client, org, f"{name}-down", {**on, floor.name: param_to_json(looser)})
    assert down["_status"] == 422, down
    if floor.name in SCHEMA_REFUSES_LOOSER:
        assert down["errors"]
        return
    assert [v["rule"] for v in down["violations"]] == [floor.rule, "POL-FLOORS"]
