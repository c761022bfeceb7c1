"""Runs wrk with scripts/bench.lua and parses the one BENCH line its done() prints.

wrk (C, epoll) is the load generator because a Python client saturates near 600 req/s on this
box and compresses every ratio; bench.py checks in every run that wrk is not the bottleneck.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

LUA = Path(__file__).resolve().parent / "bench.lua"


class WrkError(RuntimeError):
    """wrk is missing or printed no result."""


@dataclass
class WrkResult:
    mode: str
    clients: int
    seconds: float
    requests: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    # Transport errors (connect/read/write/timeout) plus non-2xx answers: any of them makes the
    # figures meaningless, and bench.py exits non-zero.
    failures: int
    errors: dict[str, int] = field(default_factory=dict)
    first_failure: str | None = None


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise WrkError(
            "wrk is not installed (Debian: apt-get install -y wrk; `make bench` does it)"
        )
    return found


def run(
    base_url: str,
    mode: str,
    *,
    clients: int,
    seconds: float,
    token: str | None = None,
    datafile: Path | None = None,
    extra: str = "",
    threads: int = 1,
) -> WrkResult:
    """One wrk run of `seconds` with `clients` keep-alive connections on `threads` threads.

    One thread by default, as in the baseline: wrk shares the two cores with the server, and
    one epoll thread drives ~20k req/s here, far above any endpoint measured.
    """
    threads = max(1, min(threads, clients))
    command = [
        wrk_path(),
        f"-t{threads}",
        f"-c{clients}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        base_url,
        "--",
        mode,
        token or "-",
        str(datafile) if datafile else "-",
        extra,
        str(threads),
    ]
    done = subprocess.run(  # noqa: S603 (fixed argv, no shell)
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise WrkError(
            f"wrk {mode} c={clients} failed ({done.returncode}): "
            f"{done.stderr.strip()[-1000:] or done.stdout.strip()[-1000:]}"
        )
    data = json.loads(line.removeprefix("BENCH "))
    bad_line = next((x for x in done.stdout.splitlines() if x.startswith("BENCHBAD ")), None)
    errors = {k: int(data[k]) for k in ("connect", "read", "write", "timeout", "status", "lost")}
    # wrk's own "status" counts answers >= 400 only; the Lua "bad" counts every non-2xx where
    # it sees bodies (transitions), so take the larger.
    errors["status"] = max(errors["status"], int(data["bad"]))
    duration = data["duration_us"] / 1e6
    requests = int(data["requests"])
    return WrkResult(
        mode=mode,
        clients=clients,
        seconds=round(duration, 3),
        requests=requests,
        rps=requests / duration if duration else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        mean_ms=data["mean_us"] / 1000,
        # "lost" always comes with a non-2xx already counted in "status".
        failures=sum(v for k, v in errors.items() if k != "lost"),
        errors={k: v for k, v in errors.items() if v},
        first_failure=bad_line.removeprefix("BENCHBAD ") if bad_line else None,
    )
