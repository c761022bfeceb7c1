"""`cadre` command line: tokens, the official working-day calendar, development bootstrap."""

from __future__ import annotations

import getpass
import json
import os
import re
import tomllib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.db.engine import make_engine, make_session_factory
from app.db.uow import UnitOfWork
from app.domain.calendar_years import ScheduleInvalid, YearDocument, parse_document
from app.domain.enums import RankLevel, Role
from app.domain.errors import DomainError
from app.services import auth
from app.services import calendar as calendar_svc
from app.services import units as units_svc
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
from app.cli_record import record_cli  # noqa: E402 (its own module; registered here)

cli.add_typer(record_cli, name="record")
from app.cli_backup import register as register_backup  # noqa: E402 (its own module)

register_backup(cli)

DEV_TOKEN_FILE = Path("var/dev-admin-token")


def _factory(settings: Settings):  # type: ignore[no-untyped-def]  # sessionmaker generic noise
    return make_session_factory(make_engine(settings.database_url))


@contextmanager
def _sessions(settings: Settings) -> Iterator[Session]:
    """A session on a short-lived engine, disposed afterwards (no connection left to the GC)."""
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _settings() -> Settings:
    """The settings, or a clean error naming what is wrong (e.g. a placeholder secret)."""
    try:
        return Settings()
    except ValidationError as exc:
        _fail("the settings are not valid", [str(e["msg"]) for e in exc.errors()])


_DURATION = re.compile(r"(\d+)\s*([mhdw])")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
_UNITS["w"] = timedelta(weeks=1)


def parse_expiry(expires_in: str | None, expires_at: str | None, now: datetime) -> datetime | None:
    """`--expires-in 30d` (m, h, d or w) or `--expires-at 2027-01-31[T18:00+08:00]`; a date
    alone ends at its midnight UTC, a time without offset is UTC. Must lie in the future."""
    if expires_in and expires_at:
        _fail("give --expires-in or --expires-at, not both")
    if expires_in:
        match = _DURATION.fullmatch(expires_in.strip().lower())
        if match is None or int(match[1]) == 0:
            _fail(
                f"--expires-in {expires_in!r}: give a positive number and a unit, e.g. 30d, 12h, 2w"
            )
        return now + int(match[1]) * _UNITS[match[2]]
    if expires_at:
        try:
            at = datetime.fromisoformat(expires_at.strip())
        except ValueError:
            _fail(
                f"--expires-at {expires_at!r}: give an ISO date or time, "
                "e.g. 2027-01-31T18:00+08:00"
            )
        at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        if at <= now:
            _fail(f"--expires-at {expires_at!r} is not in the future")
        return at
    return None


@token_cli.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Person or system the token belongs to")],
    role: Annotated[list[Role], typer.Option(help="Role(s); repeat for several")],
    org_unit: Annotated[str, typer.Option(help="Organisation unit")] = "",
    candidate_id: Annotated[
        str | None, typer.Option(help="For the cadre role: the candidate this person is")
    ] = None,
    expires_in: Annotated[
        str | None, typer.Option(help="Expire after this long: 90m, 12h, 30d, 2w")
    ] = None,
    expires_at: Annotated[
        str | None, typer.Option(help="Expire at this ISO date or time (UTC unless an offset)")
    ] = None,
    days: Annotated[int | None, typer.Option(hidden=True, help="Same as --expires-in Nd")] = None,
    label: Annotated[str, typer.Option(help="What the token is for")] = "cli",
    unit: Annotated[
        str, typer.Option(help="Code of the unit whose subtree it manages (干部管理权限)")
    ] = "root",
    level: Annotated[
        list[RankLevel] | None,
        typer.Option(help="Rank level(s) it manages; repeat for several (default: every level)"),
    ] = None,
) -> None:
    """Create a principal with roles and print its token id, then its secret (shown only once)."""
    settings = _settings()
    now = datetime.now(UTC)
    expiry = parse_expiry(f"{days}d" if days is not None else expires_in, expires_at, now)
    try:
        candidate = uuid.UUID(candidate_id) if candidate_id else None
    except ValueError:
        _fail(f"--candidate-id {candidate_id!r} is not a UUID")
    try:
        with _sessions(settings) as session:
            found = units_svc.unit_by_code(session, unit)
            if found is None:
                _fail(f"--unit {unit!r}: no such unit (see GET /api/v1/units)")
            issued = auth.create_principal_with_token(
                session,
                name=name,
                org_unit=org_unit,
                roles=role,
                pepper=settings.token_pepper,
                now=now,
                label=label,
                candidate_id=candidate,
                expires_at=expiry,
                unit_id=found.id,
                scope_levels=None if not level else [lv.value for lv in level],
            )
            session.commit()
    except SQLAlchemyError as exc:
        _fail(f"the database refused the token ({type(exc).__name__}); is it migrated?")
    until = f"expires {expiry:%Y-%m-%d %H:%M} UTC" if expiry else "does not expire"
    typer.echo(f"token {issued.token_id} ({issued.token[: auth.SHOWN_PREFIX]}...), {until}")
    # Last line: the secret alone, so that scripts can take it with `tail -n 1`.
    typer.echo(issued.token)


def _find(session: Session, reference: str, pepper: str) -> auth.TokenView:
    try:
        return auth.find_token(session, reference, pepper=pepper)
    except auth.TokenReferenceError as exc:
        _fail(str(exc))


def _when(at: datetime | None, none: str = "-") -> str:
    return f"{at:%Y-%m-%d %H:%M}" if at else none


@token_cli.command("list")
def token_list(
    all_: Annotated[bool, typer.Option("--all", help="Also revoked and expired tokens")] = False,
) -> None:
    """Tokens with their id, prefix, principal, roles and expiry (UTC)."""
    settings = _settings()
    now = datetime.now(UTC)
    try:
        with _sessions(settings) as session:
            views = auth.list_tokens(session)
    except SQLAlchemyError as exc:
        _fail(f"cannot read the tokens ({type(exc).__name__}); is the database migrated?")
    shown = [v for v in views if all_ or v.status(now) == "active"]
    typer.echo(f"{'id':<37}{'prefix':<14}{'status':<9}{'expires':<18}principal (roles)")
    for v in shown:
        typer.echo(
            f"{v.id!s:<37}{v.prefix or '-':<14}{v.status(now):<9}{_when(v.expires_at, 'never'):<18}"
            f"{v.principal_name} ({', '.join(v.roles)})"
        )
    hidden = len(views) - len(shown)
    if hidden:
        typer.echo(f"({hidden} revoked or expired not shown; --all shows them)", err=True)


@token_cli.command("show")
def token_show(
    reference: Annotated[str, typer.Argument(help="Token id, id prefix, token prefix or secret")],
) -> None:
    """One token: who it belongs to, its roles, when it was made, expires or was revoked."""
    settings = _settings()
    now = datetime.now(UTC)
    try:
        with _sessions(settings) as session:
            v = _find(session, reference, settings.token_pepper)
    except SQLAlchemyError as exc:
        _fail(f"cannot read the tokens ({type(exc).__name__}); is the database migrated?")
    for key, shown in [
        ("id", str(v.id)),
        ("prefix", v.prefix or "- (issued before prefixes were kept)"),
        ("status", v.status(now)),
        ("principal", f"{v.principal_name} ({v.principal_id})"),
        ("roles", ", ".join(v.roles)),
        ("label", v.label or "-"),
        ("created", _when(v.created_at) + " UTC"),
        ("expires", _when(v.expires_at, "never") + (" UTC" if v.expires_at else "")),
        ("revoked", _when(v.revoked_at) + (" UTC" if v.revoked_at else "")),
    ]:
        typer.echo(f"{key + ':':<11}{shown}")


@token_cli.command("revoke")
def token_revoke(
    reference: Annotated[str, typer.Argument(help="Token id, id prefix, token prefix or secret")],
) -> None:
    """Revoke a token at once: requests with it get 401 from now on."""
    settings = _settings()
    now = datetime.now(UTC)
    try:
        with _sessions(settings) as session:
            v = _find(session, reference, settings.token_pepper)
            if v.revoked_at is not None:
                _fail(f"token {v.id} was revoked already, {_when(v.revoked_at)} UTC")
            auth.revoke(session, v.id, now)
            session.commit()
    except SQLAlchemyError as exc:
        _fail(f"the database refused the revocation ({type(exc).__name__}); is it migrated?")
    typer.echo(f"revoked token {v.id} ({v.prefix or 'no prefix'}) of {v.principal_name}")


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


@cli.command("worker")
def worker(
    once: Annotated[bool, typer.Option(help="Run one round, then exit")] = False,
) -> None:
    """Run the background worker: webhook deliveries and periodic jobs (several may run)."""
    from app.worker_main import run

    run(once=once)


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
