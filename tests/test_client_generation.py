"""Clients generated from the exported OpenAPI document: nothing skipped, strict types compile.

* Python: openapi-python-client (a dev dependency) generates the client; any warning (it warns
  and skips an endpoint or a schema it cannot read) fails the test, and the package must compile.
* TypeScript: openapi-typescript turns the document into types that `tsc --strict` compiles
  together with a small program using them. The npm packages are pinned and installed once into
  var/ts-toolchain (npm's own cache under var/ too). Without Node the test is skipped, unless CI
  is set: CI must run it.
"""

from __future__ import annotations

import compileall
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.main import create_app
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
TOOLCHAIN = ROOT / "var" / "ts-toolchain"
# Reads SVG pictures, XML (LRMX) files and XLSX workbooks as bytes (media types the generator
# has no reader for; a new one makes the test fail until it is listed there).
PYTHON_CLIENT_CONFIG = ROOT / "openapi" / "python-client.json"
NPM_PACKAGES = {"openapi-typescript": "7.13.0", "typescript": "5.9.3"}


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    app = create_app(Settings(environment="test", database_url="sqlite:///:memory:"))
    path = tmp_path_factory.mktemp("spec") / "openapi.json"
    path.write_text(json.dumps(app.openapi(), ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _run(cmd: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    # The venv's bin first: the generator formats its output with the venv's ruff.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def test_python_client_generates_every_endpoint_without_a_warning(
    spec_file: Path, tmp_path: Path
) -> None:
    exe = Path(sys.executable).parent / "openapi-python-client"
    assert exe.exists(), "openapi-python-client is a dev dependency: pip install -e '.[dev]'"
    done = _run(
        [
            str(exe),
            "generate",
            "--path",
            str(spec_file),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / "cadre_client"),
            "--config",
            str(PYTHON_CLIENT_CONFIG),
        ],
        cwd=tmp_path,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "warning" not in out.lower(), out
    assert "skip" not in out.lower(), out
    assert "will not be generated" not in out, out
    package = tmp_path / "cadre_client"
    assert compileall.compile_dir(str(package), quiet=1), "the generated client does not compile"
    spec: dict[str, Any] = json.loads(spec_file.read_text(encoding="utf-8"))
    operation_ids = {
        op["operationId"]
        for ops in spec["paths"].values()
        for method, op in ops.items()
        if method in ("get", "post", "put", "patch", "delete")
    }
    generated = {p.stem for p in (package / "api").rglob("*.py") if p.stem != "__init__"}
    expected = {_snake(o) for o in operation_ids}
    assert expected - generated == set(), "endpoints missing from the client"


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if (
            ch.isupper()
            and i
            and (not name[i - 1].isupper() or (i + 1 < len(name) and name[i + 1].islower()))
        ):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def _toolchain() -> Path:
    """The pinned npm packages, installed once (offline after the first time)."""
    bin_dir = TOOLCHAIN / "node_modules" / ".bin"
    package_json = TOOLCHAIN / "package.json"
    wanted = {"name": "cadre-ts-toolchain", "private": True, "dependencies": NPM_PACKAGES}
    if (
        (bin_dir / "tsc").exists()
        and (bin_dir / "openapi-typescript").exists()
        and package_json.exists()
        and json.loads(package_json.read_text()) == wanted
    ):
        return bin_dir
    TOOLCHAIN.mkdir(parents=True, exist_ok=True)
    package_json.write_text(json.dumps(wanted, indent=2))
    done = _run(
        ["npm", "install", "--no-audit", "--no-fund", "--cache", str(TOOLCHAIN / "npm-cache")],
        cwd=TOOLCHAIN,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return bin_dir


USE_TYPES = """\
import type { components, operations, paths } from "./api";

type Case = components["schemas"]["CaseOut"];
type Problem = components["schemas"]["Problem"];
type ListCases = operations["listCases"];
type CasePage = ListCases["responses"][200]["content"]["application/json"];
type Sort = NonNullable<NonNullable<ListCases["parameters"]["query"]>["sort"]>;

export function titles(page: CasePage): string[] {
  return page.items.map((c) => c.title);
}
export function stage(c: Case): string {
  return c.stage;
}
export function explain(p: Problem): string {
  return `${p.status} ${p.title}: ${p.detail ?? ""}`;
}
export const sort: Sort = "-updated_at";
export type Paths = keyof paths;
"""


def test_typescript_types_compile_under_strict(spec_file: Path, tmp_path: Path) -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run this test: install Node 20 and npm")
        pytest.skip("Node is not installed (CI installs it and runs this test)")
    bin_dir = _toolchain()
    made = _run(
        [str(bin_dir / "openapi-typescript"), str(spec_file), "-o", str(tmp_path / "api.d.ts")],
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    (tmp_path / "use.ts").write_text(USE_TYPES, encoding="utf-8")
    checked = _run(
        [
            str(bin_dir / "tsc"),
            "--strict",
            "--noEmit",
            "--skipLibCheck",
            "false",
            "--target",
            "es2022",
            "--module",
            "es2022",
            "--moduleResolution",
            "bundler",
            "api.d.ts",
            "use.ts",
        ],
        cwd=tmp_path,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
