"""uvicorn processes for `make bench`: the product and the reference app, started the same way.

Both run `--loop uvloop --http httptools` (what `uvicorn[standard]` deploys; the asyncio loop
with `--workers N` loses TCP_NODELAY, see the baseline §1) without an access log, so that the
reference and the product differ only in the application.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.e2e.server import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 60.0
READY_LINE = "Application startup complete"


class StartError(RuntimeError):
    """A server did not come up; the message carries the tail of its log."""


@dataclass
class Server:
    name: str
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    workers: int

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def rss_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of a process, in KiB, from /proc."""
    out: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def _wait_ready(server: Server, probe: str, timeout: float) -> None:
    """Ready when every worker logged its startup and the port answers `probe` below 500.

    With `--workers N` the first worker to boot answers while the others are still importing,
    so an HTTP answer alone would let the measurement start on a half-started server.
    """
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    with httpx.Client(base_url=server.base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise StartError(
                    f"{server.name} exited with {server.process.returncode}:\n{server.tail()}"
                )
            started = server.tail(10_000).count(READY_LINE)
            if started >= server.workers:
                try:
                    r = client.get(probe)
                    if r.status_code < 500:
                        return
                    last = f"{probe} answered {r.status_code}"
                except httpx.TransportError as exc:
                    last = f"{type(exc).__name__}: {exc}"
            else:
                last = f"{started}/{server.workers} workers started"
            time.sleep(0.05)
    raise StartError(f"{server.name} not ready after {timeout:.0f} s ({last}):\n{server.tail()}")


@contextmanager
def serve(
    name: str,
    app_args: list[str],
    env: Mapping[str, str],
    log_path: Path,
    *,
    probe: str,
    workers: int = 1,
) -> Iterator[Server]:
    """Start uvicorn on a free loopback port; always stop it (SIGTERM, then SIGKILL)."""
    for attempt in range(3):  # a free port can be taken between the probe and the bind
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            *app_args,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            # As tests/e2e/server.py: the product decides who the client is, not uvicorn.
            "--no-proxy-headers",
            # info, not warning: the startup lines tell when every worker is up.
            "--log-level",
            "info",
        ]
        if workers > 1:
            command += ["--workers", str(workers)]
        log_path.write_bytes(b"")
        with log_path.open("ab") as log:
            process = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
                command, cwd=ROOT, env=dict(env), stdout=log, stderr=subprocess.STDOUT
            )
        server = Server(name, f"http://127.0.0.1:{port}", process, log_path, workers)
        try:
            _wait_ready(server, probe, STARTUP_TIMEOUT)
        except StartError:
            stop(process)
            if attempt < 2 and "address already in use" in server.tail().lower():
                continue
            raise
        except BaseException:
            stop(process)
            raise
        break
    try:
        yield server
    finally:
        stop(process)
