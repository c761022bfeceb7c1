"""`cadre` command line: tokens, the official working-day calendar, development bootstrap."""

from __future__ import annotations

import getpass
import json
import os
import tomllib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from sqlalchemy.exc import SQLAlchemyError

from app.db.engine import make_engine, make_session_factory
from app.db.uow import UnitOfWork
from app.domain.calendar_years import ScheduleInvalid, YearDocument, parse_document
from app.domain.enums import Role
from app.domain.errors import DomainError
from app.services import auth
from app.services import calendar as calendar_svc
from app.services.context import Actor, Clock
from app.settings import Settings

cli = typer.Typer(help="cadre-selection administration", no_args_is_help=True)
token_cli = typer.Typer(help="API tokens", no_args_is_help=True)
cli.add_typer(token_cli, name="token")
calendar_cli = typer.Typer(
    help="The official working-day calendar (国务院节假日安排): load a year's schedule, list years",
    no_args_is_help=True,
)
cli.add_typer(calendar_cli, name="calendar")

DEV_TOKEN_FILE = Path("var/dev-admin-token")


def _factory(settings: Settings):  # type: ignore[no-untyped-def]  # sessionmaker generic noise
    return make_session_factory(make_engine(settings.database_url))


@token_cli.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Person or system the token belongs to")],
    role: Annotated[list[Role], typer.Option(help="Role(s); repeat for several")],
    org_unit: Annotated[str, typer.Option(help="Organisation unit")] = "",
    candidate_id: Annotated[
        str | None, typer.Option(help="For the cadre role: the candidate this person is")
    ] = None,
    days: Annotated[int | None, typer.Option(help="Expire after this many days")] = None,
) -> None:
    """Create a principal with roles and print its new bearer token (shown only once)."""
    settings = Settings()
    now = datetime.now(UTC)
    with _factory(settings)() as session:
        issued = auth.create_principal_with_token(
            session,
            name=name,
            org_unit=org_unit,
            roles=role,
            pepper=settings.token_pepper,
            now=now,
            label="cli",
            candidate_id=uuid.UUID(candidate_id) if candidate_id else None,
            expires_at=now + timedelta(days=days) if days else None,
        )
        session.commit()
    typer.echo(issued.token)


@token_cli.command("revoke")
def token_revoke(token_id: str) -> None:
    """Revoke a token by its id."""
    settings = Settings()
    with _factory(settings)() as session:
        ok = auth.revoke(session, uuid.UUID(token_id), datetime.now(UTC))
        session.commit()
    if not ok:
        raise typer.Exit(code=1)


@cli.command("bootstrap-dev")
def bootstrap_dev() -> None:
    """On a fresh development database, create an admin token and print it once."""
    settings = Settings()
    if settings.environment != "development":
        return  # production settings: nothing is created or printed
    with _factory(settings)() as session:
        if auth.any_principal(session):
            if DEV_TOKEN_FILE.exists():
                typer.echo(f"Development admin token: see {DEV_TOKEN_FILE}")
            return
        issued = auth.create_principal_with_token(
            session,
            name="Development administrator",
            org_unit="dev",
            roles=[Role.ADMIN],
            pepper=settings.token_pepper,
            now=datetime.now(UTC),
            label="bootstrap-dev",
        )
        session.commit()
    DEV_TOKEN_FILE.parent.mkdir(parents=True, exist_ok=True)
    DEV_TOKEN_FILE.write_text(issued.token + "\n")
    os.chmod(DEV_TOKEN_FILE, 0o600)
    typer.echo("=" * 72)
    typer.echo("Development admin token (shown once; also saved to var/dev-admin-token):")
    typer.echo(issued.token)
    typer.echo("=" * 72)


# --- calendar ------------------------------------------------------------------------------------


def _fail(message: str, details: list[str] | None = None) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    for line in details or []:
        typer.echo(f"  {line}", err=True)
    raise typer.Exit(code=1)


def _cli_actor() -> Actor:
    """The operator at the command line: the database's owner, recorded as an administrator."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in some containers
        user = "unknown user"
    return Actor(
        principal_id=None, name=f"cadre CLI ({user})", org_unit="", roles=frozenset({Role.ADMIN})
    )


def _read_schedule(path: Path) -> YearDocument:
    """The file as a YearDocument: JSON, or TOML when it ends in .toml."""
    try:
        raw_text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {path}: {exc}")
    try:
        raw: object = (
            tomllib.loads(raw_text) if path.suffix.lower() == ".toml" else json.loads(raw_text)
        )
    except json.JSONDecodeError as exc:
        _fail(f"{path} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
    except tomllib.TOMLDecodeError as exc:
        _fail(f"{path} is not TOML: {exc}")
    try:
        return parse_document(raw)
    except ScheduleInvalid as exc:
        _fail(f"{path} is not a valid schedule", _problem_lines(exc))


def _problem_lines(exc: ScheduleInvalid) -> list[str]:
    return [f"{'.'.join(str(p) for p in x.loc) or 'file'}: {x.msg}" for x in exc.problems]


@calendar_cli.command("load")
def calendar_load(
    file: Annotated[Path, typer.Argument(help="The schedule: JSON (see docs/calendar-2026.json)")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace the year if it is loaded already")
    ] = False,
    reason: Annotated[
        str | None, typer.Option(help="Why a loaded year is replaced (required with --replace)")
    ] = None,
    override_package: Annotated[
        bool,
        typer.Option("--override-package", help="Load a year the chinesecalendar package covers"),
    ] = False,
) -> None:
    """Load a year's official schedule from the State Council's notice (validated, recorded).

    Exits 1, printing every problem, when the file or the load is refused."""
    doc = _read_schedule(file)
    settings = Settings()
    try:
        with UnitOfWork(_factory(settings)) as uow:
            result = calendar_svc.load(
                uow,
                _cli_actor(),
                Clock(),
                doc,
                if_match="*" if replace else None,
                allow_replace=replace,
                reason=reason,
                override_package=override_package,
            )
    except ScheduleInvalid as exc:
        _fail(f"{file} is not a valid schedule", _problem_lines(exc))
    except DomainError as exc:
        _fail(exc.detail)
    except SQLAlchemyError as exc:
        _fail(f"the database refused the load ({type(exc).__name__}); is it migrated?")
    v = result.view
    verb = "loaded" if result.created else "replaced"
    typer.echo(
        f"{verb} {v.year} (version {v.version}): {len(v.holidays)} holidays, {v.days_off} days "
        f"off, {len(v.workdays)} make-up working days; source: {v.source}"
    )
    if result.deadlines_filled:
        typer.echo(f"{result.deadlines_filled} pending forward deadline(s) filled in")
    typer.echo("running servers pick the year up at their next lookup of it")


@calendar_cli.command("list")
def calendar_list() -> None:
    """The years whose official schedule is known, where from, and what is missing."""
    settings = Settings()
    try:
        with UnitOfWork(_factory(settings), read_only=True) as uow:
            views = calendar_svc.listing(uow, _cli_actor())
            warnings = calendar_svc.warnings(uow.session, Clock().today())
    except SQLAlchemyError as exc:
        _fail(f"cannot read the calendar years ({type(exc).__name__}); is the database migrated?")
    typer.echo(f"{'year':<6}{'origin':<9}{'holidays':>9}{'days off':>10}{'workdays':>10}  source")
    for v in views:
        loaded = f" (v{v.version}, {v.loaded_at:%Y-%m-%d} by {v.loaded_by})" if v.loaded_at else ""
        typer.echo(
            f"{v.year:<6}{v.origin.value:<9}{len(v.holidays):>9}{v.days_off:>10}"
            f"{len(v.workdays):>10}  {v.source}{loaded}"
        )
    for w in warnings:
        typer.echo(f"warning: {w}", err=True)


@calendar_cli.command("export")
def calendar_export(
    year: Annotated[int, typer.Argument(help="A covered year")],
    source: Annotated[
        str | None, typer.Option(help="Write this as the source (e.g. the notice's title)")
    ] = None,
) -> None:
    """Print a covered year in the file format (JSON), e.g. to check it or as a template."""
    settings = Settings()
    try:
        with UnitOfWork(_factory(settings), read_only=True) as uow:
            view = calendar_svc.read(uow, _cli_actor(), year)
    except DomainError as exc:
        _fail(exc.detail)
    except SQLAlchemyError as exc:
        _fail(f"cannot read the calendar years ({type(exc).__name__}); is the database migrated?")
    document = view.document().to_document()
    if source:
        document["source"] = source
    typer.echo(render_schedule(document))


def render_schedule(document: dict[str, object]) -> str:
    """The file format as JSON, one holiday per line (as docs/calendar-2026.json)."""

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    holidays = document["holidays"]
    assert isinstance(holidays, list)
    lines = ",\n".join(f"    {dump(h)}" for h in holidays)
    return (
        "{\n"
        f'  "year": {dump(document["year"])},\n'
        f'  "source": {dump(document["source"])},\n'
        f'  "holidays": [\n{lines}\n  ],\n'
        f'  "workdays": {dump(document["workdays"])}\n'
        "}"
    )


def main() -> None:
    cli()
