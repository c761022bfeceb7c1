"""`cadre` command line: tokens and development bootstrap."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from app.db.engine import make_engine, make_session_factory
from app.domain.enums import Role
from app.services import auth
from app.settings import Settings

cli = typer.Typer(help="cadre-selection administration", no_args_is_help=True)
token_cli = typer.Typer(help="API tokens", no_args_is_help=True)
cli.add_typer(token_cli, name="token")

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


def main() -> None:
    cli()
