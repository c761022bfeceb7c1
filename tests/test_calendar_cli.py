"""`cadre calendar load FILE` and `cadre calendar list` on a fresh database: clear output, exit
code 1 (and no traceback) on every refusal.

The 2027 file loaded here is FICTITIOUS_2027 (tests/calendar_fixtures.py), a test fixture with
invented dates, not the official 2027 schedule. The CLI runs on the real clock: the tests hold
from November 2026 (when 2027 became the next year) on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from app.cli import cli
from app.db.calendar_models import CalendarYear
from app.db.engine import make_engine, make_session_factory
from app.domain import calendar
from tests.calendar_fixtures import DOC_2026, fixture_2027
from tests.conftest import alembic_upgrade


@pytest.fixture(autouse=True)
def registry() -> Iterator[None]:
    """Loading installs the year in this process's registry: leave it as found."""
    before = calendar.loaded_years()
    yield
    calendar.install_all(before.values())


@pytest.fixture
def fresh_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    alembic_upgrade(url)
    monkeypatch.setenv("CADRE_DATABASE_URL", url)
    return url


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["calendar", *args])


def refused(result: Result) -> str:
    """Exit code 1, a message on stderr and no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: ")
    return result.stderr


def write(tmp_path: Path, body: dict[str, Any], name: str = "calendar-2027.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


def stored(url: str) -> list[CalendarYear]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return list(session.scalars(select(CalendarYear)))
    finally:
        engine.dispose()


def test_list_shows_the_package_years_and_warns_of_the_missing_one(fresh_db: str) -> None:
    result = run("list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["year", "origin", "holidays", "days", "off", "workdays", "source"]
    assert lines[-1].split()[:5] == ["2026", "package", "7", "33", "6"]
    assert "warning: the official schedule of 2027 is not loaded" in result.stderr


def test_load_a_year_then_list_it(fresh_db: str, tmp_path: Path) -> None:
    result = run("load", str(write(tmp_path, fixture_2027())))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        "loaded 2027 (version 1): 2 holidays, 10 days off, 1 make-up working days; "
        f"source: {fixture_2027()['source']}"
    )
    (row,) = stored(fresh_db)
    assert (row.year, row.version, row.workdays) == (2027, 1, ["2027-02-13"])
    assert row.loaded_by.startswith("cadre CLI (")
    listed = run("list")
    assert listed.exit_code == 0
    assert listed.stdout.splitlines()[-1].startswith("2027  loaded")
    assert "warning" not in listed.stderr


def test_a_loaded_year_is_replaced_only_with_replace_and_a_reason(
    fresh_db: str, tmp_path: Path
) -> None:
    first = write(tmp_path, fixture_2027())
    assert run("load", str(first)).exit_code == 0
    assert "already loaded" in refused(run("load", str(first)))
    corrected = write(tmp_path, fixture_2027(workdays=["2027-02-13", "2027-02-14"]), "fix.json")
    assert "needs a reason" in refused(run("load", str(corrected), "--replace"))
    result = run("load", str(corrected), "--replace", "--reason", "更正")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("replaced 2027 (version 2)")
    (row,) = stored(fresh_db)
    assert (row.version, row.workdays) == (2, ["2027-02-13", "2027-02-14"])


def test_an_invalid_file_lists_every_problem(fresh_db: str, tmp_path: Path) -> None:
    bad = fixture_2027(workdays=["2027-02-15", "2027-01-02", "2028-01-08"])
    message = refused(run("load", str(write(tmp_path, bad))))
    assert message.splitlines() == [
        f"error: {tmp_path / 'calendar-2027.json'} is not a valid schedule",
        "  workdays.0: 2027-02-15 is a Monday; a make-up working day is a Saturday or Sunday",
        "  workdays.1: 2027-01-02 is both a day off (元旦 (test fixture)) and a working day",
        "  workdays.2: 2028-01-08 is not in 2027",
    ]
    assert stored(fresh_db) == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "is not JSON"),
        ('{"year": 2027}', "source: is required"),
        ("[]", "the file must hold one object"),
    ],
)
def test_unreadable_files(fresh_db: str, tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    assert expected in refused(run("load", str(path)))


def test_a_missing_file(fresh_db: str, tmp_path: Path) -> None:
    assert "cannot read" in refused(run("load", str(tmp_path / "nowhere.json")))


def test_toml_is_read_too(fresh_db: str, tmp_path: Path) -> None:
    path = tmp_path / "calendar-2027.toml"
    path.write_text(
        'year = 2027\nsource = "TEST FIXTURE - invented dates"\nworkdays = [2027-02-13]\n'
        '[[holidays]]\nname = "元旦 (test fixture)"\ndates = [2027-01-01, 2027-01-02]\n',
        encoding="utf-8",
    )
    result = run("load", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("loaded 2027 (version 1): 1 holidays, 2 days off")


def test_the_2026_example_overrides_the_package_only_on_purpose(fresh_db: str) -> None:
    assert "--override-package" in refused(run("load", str(DOC_2026)))
    result = run("load", str(DOC_2026), "--override-package")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("loaded 2026 (version 1): 7 holidays, 33 days off, 6 make-up")


def test_export_writes_the_documented_example(fresh_db: str) -> None:
    source = json.loads(DOC_2026.read_text(encoding="utf-8"))["source"]
    result = run("export", "2026", "--source", source)
    assert result.exit_code == 0, result.output
    assert result.stdout == DOC_2026.read_text(encoding="utf-8")
    assert "is not known" in refused(run("export", "2027"))


def test_an_unmigrated_database_is_an_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CADRE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert "migrated" in refused(run("load", str(write(tmp_path, fixture_2027()))))
    assert "migrated" in refused(run("list"))
