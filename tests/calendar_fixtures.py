"""Calendar files for tests.

FICTITIOUS_2027 IS A TEST FIXTURE, NOT THE OFFICIAL 2027 SCHEDULE. Its dates are invented so
that tests can load a year the chinesecalendar package does not cover; never load it into a
real database. The real schedule of a year comes only from the State Council's notice.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC_2026 = ROOT / "docs" / "calendar-2026.json"

FICTITIOUS_2027: dict[str, Any] = {
    "year": 2027,
    "source": "TEST FIXTURE - invented dates, not the official 2027 schedule",
    "holidays": [
        # Friday 1 January to Sunday 3 January.
        {"name": "元旦 (test fixture)", "dates": ["2027-01-01", "2027-01-02", "2027-01-03"]},
        # Saturday 6 February to Friday 12 February.
        {
            "name": "春节 (test fixture)",
            "dates": [f"2027-02-{d:02d}" for d in range(6, 13)],
        },
    ],
    # Saturday 13 February is worked.
    "workdays": ["2027-02-13"],
}


def doc_2026() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DOC_2026.read_text(encoding="utf-8"))
    return loaded


def fixture_2027(**over: Any) -> dict[str, Any]:
    """A fresh copy of the fictitious 2027 file, with fields replaced."""
    body: dict[str, Any] = json.loads(json.dumps(FICTITIOUS_2027))
    body.update(over)
    return body
