"""`make bench`: throughput and latency of a real uvicorn process, as ratios to a baseline.

Starts `uvicorn app.main:app --factory` on a fresh migrated SQLite file (the e2e helper), then
drives it with a pool of httpx clients (one keep-alive connection per thread) and measures, per
endpoint and concurrency, requests/s and p50/p99 latency:

    baseline     GET  /healthz
    read         GET  /api/v1/candidates/{id}
    create       POST /api/v1/candidates
    validate     POST /api/v1/cases/{id}/transitions?validate_only=true   (when the route exists)

Every figure is reported as cost × = req/s(baseline) / req/s(endpoint), against the baseline
measured in the same run at the same concurrency (design/performance-baseline.md: compare
ratios, not absolutes; the machine is noisy). The client runs on the same cores as the server,
so at high concurrency both ratios and absolutes are compressed by client CPU. The server's RSS
is read before and after the load. Writes var/bench.json. Asserts nothing about time; exits 1
only if a request failed (a non-2xx answer or a transport error), since the figures would then
mean nothing.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `python scripts/bench.py` from the repository root

import httpx  # noqa: E402 (after the path set-up above)
from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402

from tests.case_driver import Driver  # noqa: E402
from tests.e2e.server import LiveServer, run_server  # noqa: E402
from tests.factories import candidate_body  # noqa: E402

MIB = 1024 * 1024


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    body: Callable[[], dict[str, Any]] | None = None
    params: dict[str, str] | None = None


@dataclass
class Result:
    endpoint: str
    request: str
    concurrency: int
    seconds: float
    requests: int
    failures: int
    rps: float
    p50_ms: float
    p99_ms: float
    cost_x: float | None = None
    first_failure: str | None = None


def migrate(url: str) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("sqlalchemy.url", url)
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def rss_mib(pid: int) -> dict[str, float | None]:
    """Resident set size of a process now (psutil if present, else /proc) and at its peak
    (/proc VmHWM; None where there is no /proc)."""
    status = Path(f"/proc/{pid}/status")
    proc: dict[str, float] = {}
    if status.exists():
        for line in status.read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                proc[key] = int(value.split()[0]) * 1024 / MIB
    try:
        psutil: Any = importlib.import_module("psutil")
        rss: float | None = psutil.Process(pid).memory_info().rss / MIB
    except ImportError:
        rss = proc.get("VmRSS")
    return {"rss_mib": rss, "peak_mib": proc.get("VmHWM")}


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1)))
    return sorted_values[index]


def measure(
    server: LiveServer, endpoint: Endpoint, concurrency: int, seconds: float, warmup: float
) -> Result:
    """`concurrency` threads, each with its own client, send back to back for `seconds`."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    failures = [0] * concurrency
    first_failure: list[str] = []
    start_line = threading.Barrier(concurrency + 1)
    window: dict[str, float] = {}

    def worker(i: int) -> None:
        with server.client(timeout=60) as http:
            start_line.wait()
            record = False
            while True:
                now = time.perf_counter()
                if now >= window["end"]:
                    return
                if not record and now >= window["start"]:
                    record = True
                body = endpoint.body() if endpoint.body else None
                t0 = time.perf_counter()
                try:
                    r = http.request(
                        endpoint.method, endpoint.path, json=body, params=endpoint.params
                    )
                    ok = 200 <= r.status_code < 300
                    why = f"{r.status_code}: {r.text[:200]}"
                except httpx.HTTPError as exc:
                    ok, why = False, f"{type(exc).__name__}: {exc}"
                elapsed = time.perf_counter() - t0
                if record:
                    latencies[i].append(elapsed)
                    if not ok:
                        failures[i] += 1
                        if not first_failure:
                            first_failure.append(why)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(worker, i) for i in range(concurrency)]
        now = time.perf_counter()
        window["start"] = now + warmup
        window["end"] = now + warmup + seconds
        start_line.wait()
        for f in futures:
            f.result()
    merged = sorted(x for per_thread in latencies for x in per_thread)
    return Result(
        endpoint=endpoint.name,
        request=f"{endpoint.method} {endpoint.path}",
        concurrency=concurrency,
        seconds=seconds,
        requests=len(merged),
        failures=sum(failures),
        rps=len(merged) / seconds,
        p50_ms=percentile(merged, 0.50) * 1000,
        p99_ms=percentile(merged, 0.99) * 1000,
        first_failure=first_failure[0] if first_failure else None,
    )


def endpoints(server: LiveServer) -> list[Endpoint]:
    with server.client() as http:
        paths = set(http.get("/openapi.json").json()["paths"])
        driver = Driver(http, server.headers())
        candidate_id = driver.candidate()
        found = [
            Endpoint("baseline", "GET", "/healthz"),
            Endpoint("read candidate", "GET", f"/api/v1/candidates/{candidate_id}"),
            Endpoint(
                "create candidate",
                "POST",
                "/api/v1/candidates",
                body=lambda: candidate_body(external_id=f"BENCH-{uuid.uuid4().hex[:20]}"),
            ),
        ]
        if "/api/v1/cases/{case_id}/transitions" in paths and "/api/v1/cases" in paths:
            position_id = driver.position(headcount=2)["id"]
            case_id = driver.create(position_id, [candidate_id])["id"]
            found.append(
                Endpoint(
                    "validate transition",
                    "POST",
                    f"/api/v1/cases/{case_id}/transitions",
                    body=lambda: {"action": "start_recommendation"},
                    params={"validate_only": "true"},
                )
            )
        else:
            print("(POST /api/v1/cases/{case_id}/transitions not served: skipped)")
    return found


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("fastapi", "starlette", "uvicorn", "sqlalchemy", "pydantic", "uvloop"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "-"
    return out


def print_table(results: list[Result], rss: dict[str, dict[str, float | None]]) -> None:
    header = (
        f"{'endpoint':<22}{'conc':>5}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'cost ×':>9}{'failed':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        cost = f"{r.cost_x:.2f}" if r.cost_x is not None else "-"
        print(
            f"{r.endpoint:<22}{r.concurrency:>5}{r.rps:>10.0f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}"
            f"{cost:>9}{r.failures:>8}"
        )
    before, after, peak = (
        rss["before"]["rss_mib"],
        rss["after"]["rss_mib"],
        rss["after"]["peak_mib"],
    )
    if before is not None and after is not None:
        print(
            f"\nserver RSS: {before:.1f} MiB before the load, {after:.1f} MiB after "
            f"({after - before:+.1f})" + (f", peak {peak:.1f} MiB" if peak is not None else "")
        )
    print("cost × = req/s of the baseline (GET /healthz) / req/s of the endpoint, same run")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=3.0, help="measured time per cell")
    parser.add_argument("--warmup", type=float, default=0.5, help="discarded time per cell")
    parser.add_argument("--concurrency", default="1,16", help="comma-separated client counts")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench.json")
    args = parser.parse_args(argv)
    levels = [int(c) for c in args.concurrency.split(",") if c.strip()]

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cadre-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate(url)
        with run_server(url, workdir=Path(tmp)) as server:
            targets = endpoints(server)
            rss = {"before": rss_mib(server.pid)}
            results: list[Result] = []
            for level in levels:
                row = [measure(server, e, level, args.seconds, args.warmup) for e in targets]
                base = row[0].rps
                for r in row:
                    r.cost_x = base / r.rps if r.rps else None
                results += row
            rss["after"] = rss_mib(server.pid)

    print_table(results, rss)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "versions": versions(),
        "settings": {
            "database": "sqlite (file, WAL)",
            "server": "uvicorn app.main:app --factory, 1 worker",
            "client": "httpx, one keep-alive connection per thread, same machine",
            "seconds": args.seconds,
            "warmup": args.warmup,
            "concurrency": levels,
        },
        "baseline": "GET /healthz",
        "results": [asdict(r) for r in results],
        "server_rss_mib": rss,
        "wall_seconds": round(time.monotonic() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    failed = [r for r in results if r.failures]
    for r in failed:
        print(f"FAILED {r.failures}/{r.requests} {r.request} c={r.concurrency}: {r.first_failure}")
    if not any(r.requests for r in results):
        print("no request completed")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
