"""Backup and restore of the database, and the verification of every record chain after it.

SQLite (the embedded default): an online copy through SQLite's backup API, page by page, so
that the server keeps writing while it runs; the copy is checked (`PRAGMA integrity_check`)
before it takes its final name. PostgreSQL: `pg_dump --format=custom` / `pg_restore`, the
server's own tools (docs/deployment.md).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.db.engine import make_engine, make_session_factory
from app.db.models import RecordEntry, SelectionCase
from app.services import audit

PAGES_PER_STEP = 1024  # copied per step; writers get the database between steps


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass
class ChainCheck:
    chains: int = 0
    entries: int = 0
    cases: int = 0
    problems: list[str] = field(default_factory=list)


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite URL; None for another database."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite"):
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def _check_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        found = conn.execute("PRAGMA integrity_check").fetchone()
    conn.close()
    if found is None or found[0] != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {found}")


def _copy_sqlite(source: Path, target: Path) -> None:
    """Online copy of `source` to `target` (written aside, checked, then renamed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst, pages=PAGES_PER_STEP)
            # A copy in rollback-journal mode: one self-contained file, no -wal beside it.
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
            src.close()
        _check_sqlite(tmp)
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite refused the copy: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def backup_sqlite(database_url: str, target: Path) -> None:
    source = sqlite_path(database_url)
    assert source is not None
    if not source.exists():
        raise BackupError(f"there is no database at {source}")
    if target.exists():
        raise BackupError(f"{target} exists; give a new file name (a backup never overwrites)")
    _copy_sqlite(source, target)


def restore_sqlite(backup: Path, database_url: str) -> None:
    target = sqlite_path(database_url)
    assert target is not None
    if not backup.is_file():
        raise BackupError(f"there is no backup at {backup}")
    if target.exists():
        raise BackupError(
            f"{target} exists; restore into a new file (set CADRE_DATABASE_URL to it), then, "
            "with the service stopped, move it into place"
        )
    _check_sqlite(backup)
    _copy_sqlite(backup, target)


def pg_dump_command(database_url: str, target: Path) -> list[str]:
    return ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq(database_url)]


def pg_restore_command(backup: Path, database_url: str) -> list[str]:
    return [
        "pg_restore",
        "--no-owner",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={_libpq(database_url)}",
        str(backup),
    ]


def _libpq(database_url: str) -> str:
    """The SQLAlchemy URL as libpq takes it (no +psycopg driver suffix)."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (apt install postgresql-client)")
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def backup_postgres(database_url: str, target: Path) -> None:
    if target.exists():
        raise BackupError(f"{target} exists; give a new file name (a backup never overwrites)")
    _run(pg_dump_command(database_url, target))


def restore_postgres(backup: Path, database_url: str) -> None:
    if not backup.is_file():
        raise BackupError(f"there is no backup at {backup}")
    engine = make_engine(database_url)
    try:
        tables = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    if tables:
        raise BackupError(
            "the target database is not empty; restore into a new, empty one (createdb)"
        )
    _run(pg_restore_command(backup, database_url))


def verify_chains(session: Session) -> ChainCheck:
    """Every record chain (纪实, REC-RECORD): each verifies under the record key, each case's
    row names its chain's head, and its stage is where its last transition left it."""
    check = ChainCheck()
    chains: dict[tuple[str, str], list[RecordEntry]] = defaultdict(list)
    for entry in session.scalars(
        select(RecordEntry).order_by(
            RecordEntry.subject_type, RecordEntry.subject_id, RecordEntry.seq
        )
    ):
        chains[(entry.subject_type, str(entry.subject_id))].append(entry)
    cases = {str(c.id): c for c in session.scalars(select(SelectionCase))}
    check.cases = len(cases)
    check.chains = len(chains)
    for (subject_type, subject_id), entries in sorted(chains.items()):
        check.entries += len(entries)
        case = cases.get(subject_id) if subject_type == "case" else None
        if case is not None:
            _, problems = audit.check_case(case, entries)
        else:
            bad = audit.verify(entries)
            problems = [f"the hash chain breaks at entry {bad}"] if bad is not None else []
        check.problems += [f"{subject_type} {subject_id}: {p}" for p in problems]
    for case_id in sorted(cases.keys() - {sid for st, sid in chains if st == "case"}):
        check.problems.append(f"case {case_id}: the case has no record")
    return check


def verify_database(database_url: str) -> ChainCheck:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return verify_chains(session)
    finally:
        engine.dispose()
