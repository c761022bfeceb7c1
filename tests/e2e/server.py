"""A real uvicorn process for end-to-end tests and the benchmark.

`run_server(database_url)` starts `uvicorn app.main:app --factory` on a free loopback port with the
given database (already migrated by the caller), waits for /readyz, yields a LiveServer and always
stops the process, even when the body of the `with` raises. Tokens come from the `cadre token
create` console script run with the same environment, exactly as an operator would make them.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEFAULT_PEPPER = "e2e-pepper-not-a-secret"
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class ServerError(RuntimeError):
    """The server did not come up (the message carries the tail of its log)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(
    database_url: str,
    *,
    pepper: str = DEFAULT_PEPPER,
    attachment_dir: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The process environment: the caller's, minus any CADRE_* of theirs, plus ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADRE_")}
    env.update(
        {
            "CADRE_DATABASE_URL": database_url,
            "CADRE_ENVIRONMENT": "test",
            "CADRE_TOKEN_PEPPER": pepper,
            "PYTHONUNBUFFERED": "1",
        }
    )
    if attachment_dir is not None:
        env["CADRE_ATTACHMENT_DIR"] = attachment_dir
    env.update(extra or {})
    return env


def _console_script(name: str) -> str:
    local = BIN / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found is None:
        raise ServerError(f"console script {name!r} not found next to {sys.executable} or on PATH")
    return found


def create_token(
    env: Mapping[str, str], name: str, roles: list[str], *, org_unit: str = "市委组织部"
) -> str:
    """`cadre token create --name ... --role ...`; returns the token it prints."""
    command = [_console_script("cadre"), "token", "create", "--name", name, "--org-unit", org_unit]
    for role in roles:
        command += ["--role", role]
    done = subprocess.run(
        command, env=dict(env), cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode != 0:
        raise ServerError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr[-2000:]}")
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    if not lines or not lines[-1].startswith("cad_"):
        raise ServerError(f"`cadre token create` printed no token: {done.stdout!r}")
    return lines[-1]


@dataclass
class LiveServer:
    """A running server: where it listens, an admin token and a way to make more tokens."""

    base_url: str
    admin_token: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path
    tokens: dict[str, str] = field(default_factory=dict)
    _by_roles: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def make_token(self, *roles: str, name: str | None = None, org_unit: str = "市委组织部") -> str:
        """A new principal with these roles (Role values, e.g. "org_department")."""
        who = name or f"e2e {'+'.join(roles)} {len(self.tokens) + 1}"
        token = create_token(self.env, who, list(roles), org_unit=org_unit)
        self.tokens[who] = token
        return token

    def token(self, *roles: str) -> str:
        """A token with exactly these roles, made once per server and then reused."""
        key = "+".join(sorted(roles))
        if key not in self._by_roles:
            self._by_roles[key] = self.make_token(*roles)
        return self._by_roles[key]

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.admin_token}"}

    def client(self, token: str | None = None, *, timeout: float = 30.0) -> httpx.Client:
        """An httpx client on this server, authenticated (admin unless another token is given)."""
        return httpx.Client(base_url=self.base_url, headers=self.headers(token), timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def _wait_ready(
    base_url: str, process: subprocess.Popen[bytes], log_path: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    with httpx.Client(base_url=base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServerError(
                    f"uvicorn exited with {process.returncode} before it was ready:\n"
                    + _tail(log_path)
                )
            try:
                r = client.get("/readyz")
                if r.status_code == 200:
                    return
                last = f"/readyz answered {r.status_code}"
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
            time.sleep(0.05)
    raise ServerError(f"not ready after {timeout:.0f} s ({last}):\n" + _tail(log_path))


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM (uvicorn shuts down gracefully), then SIGKILL if it does not exit in time."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


@contextmanager
def run_server(
    database_url: str,
    *,
    pepper: str = DEFAULT_PEPPER,
    workdir: Path | None = None,
    extra_env: Mapping[str, str] | None = None,
    startup_timeout: float = STARTUP_TIMEOUT,
    admin_name: str = "e2e administrator",
) -> Iterator[LiveServer]:
    """Start uvicorn on `database_url` (migrated by the caller); always stop it afterwards."""
    with tempfile.TemporaryDirectory(prefix="cadre-live-") as scratch:
        where = workdir or Path(scratch)
        env = server_env(
            database_url, pepper=pepper, attachment_dir=str(where / "attachments"), extra=extra_env
        )
        # 三员分立: the system administrator reads no personnel data; the driving token also
        # holds the organisation department's role (cases) and keeps the admin's (test clock).
        admin_token = create_token(env, admin_name, ["admin", "org_department"])
        log_path = where / "uvicorn.log"
        for attempt in range(3):  # a free port can be taken between probe and bind
            port = free_port()
            command = [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
                # The app decides who the client is (CADRE_TRUSTED_PROXIES), not uvicorn.
                "--no-proxy-headers",
                "--log-level",
                "warning",
            ]
            with log_path.open("ab") as log:
                process = subprocess.Popen(
                    command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
                )
            base_url = f"http://127.0.0.1:{port}"
            try:
                _wait_ready(base_url, process, log_path, startup_timeout)
            except ServerError:
                stop(process)
                if attempt < 2 and "address already in use" in _tail(log_path).lower():
                    continue
                raise
            except BaseException:
                stop(process)
                raise
            break
        try:
            yield LiveServer(
                base_url=base_url,
                admin_token=admin_token,
                env=env,
                process=process,
                log_path=log_path,
            )
        finally:
            stop(process)
