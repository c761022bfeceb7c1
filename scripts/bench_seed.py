"""Data for `make bench`: cases driven through the API, and 10⁵ cases inserted with SQL.

Cases that the benchmark transitions must be real: they reach stage `deliberation` through the
public API exactly as tests/case_driver.py drives them (position, candidate, motion,
recommendation, targets, inspection), so every guard, fact and record entry behind them exists.
Cases that only make the tables large are clones of one API-made case, inserted in one SQLite
transaction: going through the API would take hours for 10⁵ of them.
"""

from __future__ import annotations

import random
import sqlite3
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.case_driver import Driver, china_morning, ok

# The day the seeded cases run on: CASE-TIMELINE wants every fact dated between the day its
# stage was entered and the server's today, and the driver's facts are dated in March 2026.
SEED_DAY = "2026-03-02"
HOLD = "hold_deliberation"
RESUME = "resume_deliberation"


def set_clock(http: httpx.Client, admin: dict[str, str], at: datetime) -> None:
    ok(http.put("/api/v1/_test/clock", json={"now": at.isoformat()}, headers=admin))


def drive_to_deliberation(http: httpx.Client, admin: dict[str, str], count: int) -> list[str]:
    """`count` cases in stage deliberation, each on its own position with one candidate.

    The server's clock is set once to 09:00 China time on SEED_DAY, and each driver is told so,
    so that no driver moves the clock backwards under a case already created.
    """
    start = china_morning(SEED_DAY)
    set_clock(http, admin, start)
    ids = []
    for _ in range(count):
        d = Driver(http, {}, clock_headers=admin, live_now=start)
        cid = d.candidate()
        d.create(d.position()["id"], [cid])
        d.act("start_recommendation")
        d.recommend([cid], held_on=SEED_DAY)
        d.targets([cid], equal_number_reason="意见集中")  # one target for one place
        d.act("start_inspection")
        d.inspect([cid])
        d.act("start_deliberation")
        ids.append(str(d.case["id"]))
    return ids


def create_in_motion(http: httpx.Client) -> str:
    """One case just created (stage motion): the template of the SQL clones."""
    d = Driver(http, {})
    return str(d.create(d.position()["id"], [d.candidate()])["id"])


def case_state(http: httpx.Client, case_id: str) -> tuple[str, str]:
    r = http.get(f"/api/v1/cases/{case_id}")
    body = ok(r)
    return str(body["stage"]), r.headers["etag"]


def toggle(http: httpx.Client, case_id: str, times: int) -> None:
    """`times` transitions on one case, alternating hold and resume, each with the ETag the
    previous answer gave (each one appends one record entry)."""
    stage, tag = case_state(http, case_id)
    for _ in range(times):
        action = RESUME if stage == "deliberation_held" else HOLD
        r = http.post(
            f"/api/v1/cases/{case_id}/transitions",
            json={"action": action, "reason": "bench toggle"},
            headers={"If-Match": tag},
        )
        stage, tag = str(ok(r)["stage"]), r.headers["etag"]


def record_size(http: httpx.Client, case_id: str) -> int:
    return len(ok(http.get(f"/api/v1/cases/{case_id}/record"))["entries"])


def write_datafile(
    http: httpx.Client,
    path: Path,
    *,
    tx: Iterable[str] = (),
    read: Iterable[str] = (),
    record: str | None = None,
) -> None:
    """The data file of bench.lua; tx cases carry their current stage and ETag, read now."""
    lines = []
    for case_id in tx:
        stage, tag = case_state(http, case_id)
        lines.append(f"tx {case_id} {stage} {tag}")
    lines += [f"read {case_id}" for case_id in read]
    if record:
        lines.append(f"record {record}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def sqlite_file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def copy_sqlite(src: Path, dst: Path) -> None:
    """A consistent copy while a server may have the source open (the backup API, not cp)."""
    with sqlite3.connect(src) as s, sqlite3.connect(dst) as d:
        s.backup(d)
    with sqlite3.connect(dst) as d:
        d.execute("PRAGMA journal_mode=WAL")


@dataclass
class Cloned:
    cases: int
    case_candidates: int
    seconds: float


def clone_cases(db: Path, template_id: str, total: int, *, seed: int = 1) -> Cloned:
    """Insert clones of the template case (and its case_candidates rows) until selection_cases
    holds `total` rows, in one transaction.

    Columns are read from the table itself, so the clone follows the schema as it changes; only
    the identity, title and timestamps differ. created_at is spread over the five years before
    the template so that the clones interleave with the real cases in the list order.
    """
    rnd = random.Random(seed)  # noqa: S311 (reproducible test data, not secrets)
    started = time.perf_counter()
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        cols = [r[1] for r in con.execute("PRAGMA table_info(selection_cases)")]
        cc_cols = [r[1] for r in con.execute("PRAGMA table_info(case_candidates)")]
        stored_id = _stored_uuid(con, template_id)
        template = con.execute(
            f"SELECT {', '.join(cols)} FROM selection_cases WHERE id = ?",  # noqa: S608 (names from PRAGMA)
            (stored_id,),
        ).fetchone()
        if template is None:
            raise LookupError(f"template case {template_id} not found")
        cc_template = con.execute(
            f"SELECT {', '.join(cc_cols)} FROM case_candidates WHERE case_id = ?",  # noqa: S608
            (stored_id,),
        ).fetchall()
        have = int(con.execute("SELECT count(*) FROM selection_cases").fetchone()[0])
        need = max(0, total - have)
        row = dict(zip(cols, template, strict=True))
        dashed = len(str(row["id"])) == 36
        base = _parse_stored(str(row["created_at"]))
        case_rows: list[tuple[Any, ...]] = []
        cc_rows: list[tuple[Any, ...]] = []
        for n in range(need):
            new_id = uuid.UUID(int=rnd.getrandbits(128), version=4)
            at = _format_stored(base - timedelta(seconds=rnd.uniform(60, 5 * 365 * 86400)))
            row.update(
                id=str(new_id) if dashed else new_id.hex,
                title=f"bench clone {n}",
                created_at=at,
                updated_at=at,
            )
            case_rows.append(tuple(row[c] for c in cols))
            for cc in cc_template:
                cc_row = dict(zip(cc_cols, cc, strict=True))
                cc_id = uuid.UUID(int=rnd.getrandbits(128), version=4)
                cc_row.update(id=str(cc_id) if dashed else cc_id.hex, case_id=row["id"])
                for stamp in ("added_at", "updated_at"):
                    if stamp in cc_row:
                        cc_row[stamp] = at
                cc_rows.append(tuple(cc_row[c] for c in cc_cols))
        marks = ", ".join("?" for _ in cols)
        cc_marks = ", ".join("?" for _ in cc_cols)
        con.execute("BEGIN IMMEDIATE")
        con.executemany(
            f"INSERT INTO selection_cases ({', '.join(cols)}) VALUES ({marks})",  # noqa: S608
            case_rows,
        )
        con.executemany(
            f"INSERT INTO case_candidates ({', '.join(cc_cols)}) VALUES ({cc_marks})",  # noqa: S608
            cc_rows,
        )
        con.execute("COMMIT")
    finally:
        con.close()
    return Cloned(len(case_rows), len(cc_rows), time.perf_counter() - started)


def _stored_uuid(con: sqlite3.Connection, value: str) -> str:
    """SQLAlchemy's Uuid is CHAR(32) hex on SQLite; accept either spelling."""
    u = uuid.UUID(value)
    for candidate in (u.hex, str(u)):
        if con.execute("SELECT 1 FROM selection_cases WHERE id = ?", (candidate,)).fetchone():
            return candidate
    return u.hex


def _parse_stored(text: str) -> datetime:
    return datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=UTC)


def _format_stored(at: datetime) -> str:
    # SQLAlchemy's SQLite DATETIME storage format (naive UTC, microseconds).
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")
