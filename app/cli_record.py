"""`cadre record ...`: signed checkpoints of the record (纪实, REC-RECORD) and its verification."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from app.db.engine import make_engine, make_session_factory
from app.services import checkpoints
from app.services.audit import RecordKeyMissing
from app.settings import Settings

record_cli = typer.Typer(
    help="The record (纪实): signed checkpoints of its chains, verification", no_args_is_help=True
)


@record_cli.command("checkpoint")
def checkpoint() -> None:
    """Write a signed checkpoint of every chain's head into CADRE_CHECKPOINT_DIR (default
    var/checkpoints) and print its path. Copy the files off this host as well."""
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        path = checkpoints.write_checkpoint(make_session_factory(engine), settings)
    except RecordKeyMissing as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    except SQLAlchemyError as exc:
        typer.echo(
            f"error: cannot read the record ({type(exc).__name__}); is the database migrated?",
            err=True,
        )
        raise typer.Exit(code=1) from exc
    finally:
        engine.dispose()
    typer.echo(str(path))


@record_cli.command("verify")
def verify(
    quiet: Annotated[bool, typer.Option(help="Print only the chains that fail")] = False,
) -> None:
    """Verify every chain against the record key and the latest checkpoint; exit 1 on a problem."""
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            found = checkpoints.verify_all(session, settings)
    except RecordKeyMissing as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    finally:
        engine.dispose()
    cp = found.checkpoint
    typer.echo(f"checkpoint: {cp.name if cp else 'none'}")
    for problem in found.problems:
        typer.echo(f"problem: {problem}")
    for chain in found.chains:
        if quiet and chain.verified:
            continue
        state = "ok" if chain.verified else "FAILED"
        typer.echo(f"{state} {chain.subject_type} {chain.subject_id} entries={chain.entries}")
        for problem in chain.problems:
            typer.echo(f"    {problem}")
    if not found.verified:
        raise typer.Exit(code=1)
