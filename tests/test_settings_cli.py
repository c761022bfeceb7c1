"""Settings refuse placeholder secrets in production; the CLI bootstraps development only."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from app.cli import cli
from app.settings import Settings
from tests.conftest import alembic_upgrade


def test_production_refuses_placeholder_pepper() -> None:
    with pytest.raises(ValidationError, match="CADRE_TOKEN_PEPPER"):
        Settings(environment="production", token_pepper="dev")
    assert Settings(environment="production", token_pepper="a-real-secret-value").is_sqlite


@pytest.fixture
def fresh_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    alembic_upgrade(url)
    monkeypatch.setenv("CADRE_DATABASE_URL", url)
    return url


def test_bootstrap_prints_a_token_once_in_development(fresh_db: str) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["bootstrap-dev"])
    assert first.exit_code == 0, first.output
    token = Path("var/dev-admin-token").read_text().strip()
    assert token.startswith("cad_")
    assert token in first.output
    second = runner.invoke(cli, ["bootstrap-dev"])
    assert token not in second.output


def test_bootstrap_does_nothing_in_production(
    fresh_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CADRE_ENVIRONMENT", "production")
    monkeypatch.setenv("CADRE_TOKEN_PEPPER", "a-real-secret-value")
    result = CliRunner().invoke(cli, ["bootstrap-dev"])
    assert result.exit_code == 0
    assert result.output == ""
    assert not Path("var/dev-admin-token").exists()


def test_token_create_prints_a_token(fresh_db: str) -> None:
    result = CliRunner().invoke(
        cli, ["token", "create", "--name", "HR", "--role", "org_department", "--role", "auditor"]
    )
    assert result.exit_code == 0, result.output
    # The id and prefix first, the secret alone on the last line (scripts read that line).
    assert result.output.strip().splitlines()[-1].startswith("cad_")
    assert result.output.startswith("token ")
