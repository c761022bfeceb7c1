"""The README's first steps work as written: its python and curl snippets run against a live
server exactly as a newcomer runs them (from the checkout, with the token `make run` saved), and
`make run PORT=... HOST=...` and the first install behave as it says."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import alembic_upgrade
from tests.e2e.server import LiveServer, run_server

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DEV_URL = "http://127.0.0.1:8000"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def quick_start_shell() -> str:
    """The shell block that reads the development token and calls the API with curl."""
    (found,) = [b for b in blocks("sh") if "var/dev-admin-token" in b and "curl" in b]
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("readme")
    url = f"sqlite:///{workdir / 'readme.db'}"
    alembic_upgrade(url)
    with run_server(url, workdir=workdir) as live:
        yield live


@pytest.fixture
def checkout(tmp_path: Path, server: LiveServer) -> Path:
    """A directory laid out as the checkout after `make run`: var/dev-admin-token."""
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "dev-admin-token").write_text(server.admin_token + "\n")
    return tmp_path


def on_server(snippet: str, server: LiveServer) -> str:
    assert DEV_URL in snippet  # the snippet addresses the development server...
    return snippet.replace(DEV_URL, server.base_url)  # ...here, the test's


def test_there_is_a_python_snippet_and_it_says_which_python() -> None:
    assert blocks("python")
    assert "`.venv/bin/python`" in README


@pytest.mark.parametrize("snippet", blocks("python"))
def test_python_snippets_run_with_the_venv_python(
    snippet: str, server: LiveServer, checkout: Path
) -> None:
    # sys.executable is .venv/bin/python, the interpreter the README names.
    done = subprocess.run(
        [sys.executable, "-c", on_server(snippet, server)],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "motion" in done.stdout  # the workflow's stages, printed


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_curl_snippet_runs(server: LiveServer, checkout: Path) -> None:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", on_server(quick_start_shell(), server)],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"items"' in done.stdout or done.stdout.startswith("[")


def test_port_and_host_are_documented_and_honoured() -> None:
    assert "make run PORT=8080 HOST=0.0.0.0" in README
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(
        ["make", "-n", "run", "PORT=8080", "HOST=0.0.0.0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    (serve,) = [line for line in done.stdout.splitlines() if "uvicorn app.main:app" in line]
    assert "--host 0.0.0.0 --port 8080" in serve


def test_the_first_install_shows_progress_and_says_what_it_does() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    install = makefile.split("$(STAMP): pyproject.toml", 1)[1].split("\n\n", 1)[0]
    assert "--quiet" not in install
    assert install.count("@echo") >= 3
    assert "pip install --progress-bar on -e '.[dev]'" in install


def test_editable_install_is_a_plain_path_entry() -> None:
    """setuptools' import-finder strategy prints a warning banner on every `pip install -e .`;
    the package root declared as the checkout makes the install a plain .pth entry."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'package-dir = {"" = "."}' in pyproject
