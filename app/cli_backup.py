"""`cadre backup FILE` and `cadre restore FILE`: online backup, restore into a new database, and
the verification of every record chain (纪实) after restoring. See docs/deployment.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from app.services import backup as svc
from app.services.audit import RecordKeyMissing
from app.settings import Settings


def _fail(message: str, details: list[str] | None = None) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    for line in details or []:
        typer.echo(f"  {line}", err=True)
    raise typer.Exit(code=1)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        _fail("the settings are not valid", [str(e["msg"]) for e in exc.errors()])


def _verify(database_url: str) -> None:
    """Print what was verified; exit 1 naming every broken chain."""
    try:
        check = svc.verify_database(database_url)
    except RecordKeyMissing as exc:
        _fail(str(exc))
    except SQLAlchemyError as exc:
        _fail(f"cannot read the record ({type(exc).__name__}); is the database migrated?")
    if check.problems:
        _fail(
            f"{len(check.problems)} record chain problem(s) in the restored database "
            "(is CADRE_RECORD_KEY the production key?)",
            check.problems,
        )
    typer.echo(
        f"verified {check.chains} record chain(s), {check.entries} entries, {check.cases} case(s)"
    )


def backup(
    file: Annotated[Path, typer.Argument(help="The backup file to write (never overwritten)")],
) -> None:
    """Back up the database while the service runs.

    SQLite: an online copy with SQLite's backup API, checked before it takes its name.
    PostgreSQL: `pg_dump --format=custom` (restore with `cadre restore` or pg_restore)."""
    settings = _settings()
    try:
        if svc.sqlite_path(settings.database_url) is not None:
            svc.backup_sqlite(settings.database_url, file)
        else:
            svc.backup_postgres(settings.database_url, file)
    except svc.BackupError as exc:
        _fail(str(exc))
    typer.echo(f"backed up to {file} ({file.stat().st_size} bytes)")


def restore(
    file: Annotated[Path, typer.Argument(help="A file written by `cadre backup`")],
) -> None:
    """Restore a backup into CADRE_DATABASE_URL, which must be new (a SQLite file that does not
    exist, an empty PostgreSQL database), then verify every record chain. Exit 1 on any problem.
    """
    settings = _settings()
    try:
        if svc.sqlite_path(settings.database_url) is not None:
            svc.restore_sqlite(file, settings.database_url)
        else:
            svc.restore_postgres(file, settings.database_url)
    except svc.BackupError as exc:
        _fail(str(exc))
    except SQLAlchemyError as exc:
        _fail(f"cannot reach the target database ({type(exc).__name__})")
    typer.echo(f"restored {file} into the configured database")
    _verify(settings.database_url)


def register(cli: typer.Typer) -> None:
    cli.command("backup")(backup)
    cli.command("restore")(restore)
