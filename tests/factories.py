"""Builders of valid request bodies; tests override only what they test."""

from __future__ import annotations

import itertools
from typing import Any

_seq = itertools.count(1)


def candidate_body(**overrides: Any) -> dict[str, Any]:
    n = next(_seq)
    body: dict[str, Any] = {
        "external_id": f"HR-{n:06d}",
        "name": f"张{n}",
        "gender": "male",
        "birth_date": "1980-05-01",
        "ethnicity": "汉族",
        "party_membership": "cpc_member",
        "party_join_date": "2002-07-01",
        "work_start_date": "2003-07-01",
        "grassroots_years": 4,
        "education": "bachelor",
        "org_unit": "市发展和改革委员会",
        "current_title": "科长",
        "rank_level": "township_principal",
        "rank_since": "2018-01-15",
        "training_hours_5y": 600,
        "posts": [
            {
                "unit": "某县某乡",
                "title": "副乡长",
                "level": "township_deputy",
                "start": "2010-01-01",
                "end": "2014-01-01",
            },
            {
                "unit": "某县某局",
                "title": "副局长",
                "level": "township_deputy",
                "start": "2014-01-01",
                "end": "2018-01-15",
            },
        ],
        "appraisals": [
            {"year": 2023, "grade": "competent"},
            {"year": 2024, "grade": "excellent"},
            {"year": 2025, "grade": "competent"},
        ],
    }
    body.update(overrides)
    return body


def position_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "org_unit": "市发展和改革委员会",
        "title": "副主任",
        "rank_level": "county_deputy",
        "fill_method": "appointed",
        "headcount": 2,
    }
    body.update(overrides)
    return body
