"""`make bench`: the product's cost as ratios to references served in the same run, vs targets.

What runs (shared/design/performance-baseline.md explains why ratios and not absolutes):

* wrk (C, epoll; scripts/bench.lua) is the load generator. A Python client saturates near
  600 req/s here; the run proves wrk is not the bottleneck by driving the bare POST at least 3×
  faster than the fastest product endpoint at the same number of clients.
* A reference app (scripts/bench_ref.py, its own port and SQLite file) serves the bare async
  POST /echo and the minimal reference transaction; the product runs as
  `uvicorn app.main:app --factory`, both with uvloop+httptools and one worker.
* Product A: a fresh migrated SQLite file with 10² cases, of which 64 are driven through the API
  to stage deliberation and toggled hold ⇄ resume with their current ETag (real transitions),
  16 more are read, and two carry a record of about 10 and of 2,000 entries. Product B: a copy
  of A grown to 10⁵ cases by SQL, measured in the same rounds for lists and transitions.
* Each round measures every cell (endpoint × clients, 1 and 32) once, interleaved; every ratio
  is taken inside a round, and the report gives the median over rounds.
* Memory: the RSS of product A after its warm-up and again after ≥ 50,000 mixed requests.
* PostgreSQL (when reachable): a temporary database, the transition at 32 clients with 1 and 2
  workers, alternating, then the database is dropped.

Prints one markdown table of ratios beside their targets, then the measurements, and writes the
same to var/bench.json. A missed target is reported, never fatal: the exit status is non-zero
only when a request failed (a transport error or a non-2xx answer; none is expected here) or
the run could not measure at all.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `python scripts/bench.py` from the repository root

import bench_seed as seed  # noqa: E402
import bench_wrk  # noqa: E402
import httpx  # noqa: E402 (after the path set-up above)
from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from bench_servers import Server, StartError, rss_kib, serve  # noqa: E402

from tests.e2e.server import DEFAULT_PEPPER, create_token, server_env  # noqa: E402

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PRODUCT_APP = ["app.main:app", "--factory"]
REF_APP = ["bench_ref:create_app", "--factory", "--app-dir", "scripts"]
TX_CASES = 48  # more than the 32 connections: a case is never in flight twice (bench.lua)
READ_CASES = 16
SMALL = 10**2
LARGE = 10**5


@dataclass(frozen=True)
class Cell:
    key: str
    server: str  # "ref", "A" (10² cases) or "B" (10⁵ cases)
    mode: str  # bench.lua mode
    clients: int
    label: str


@dataclass
class Target:
    name: str
    value: float | None
    op: str  # "<=", ">=", "<"
    limit: float
    unit: str  # "×" or "%" or "s"
    note: str = ""

    @property
    def passed(self) -> bool | None:
        if self.value is None:
            return None
        if self.op == "<=":
            return self.value <= self.limit
        if self.op == ">=":
            return self.value >= self.limit
        return self.value < self.limit

    def shown(self, x: float) -> str:
        if self.unit == "%":
            return f"{x * 100:.1f} %"
        if self.unit == "s":
            return f"{x:.1f} s"
        return f"{x:.2f}×"


@dataclass
class Run:
    """Everything the report needs, filled as the phases go."""

    rounds: list[dict[str, bench_wrk.WrkResult]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    clients: dict[str, int] = field(default_factory=dict)
    extra_runs: list[bench_wrk.WrkResult] = field(default_factory=list)
    memory: dict[str, Any] = field(default_factory=dict)
    seeding: dict[str, Any] = field(default_factory=dict)
    postgres: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def failures(self) -> list[bench_wrk.WrkResult]:
        every = [r for rnd in self.rounds for r in rnd.values()] + self.extra_runs
        every += self.postgres.get("runs_raw", [])
        return [r for r in every if r.failures]


def cells(scale: int, record_sizes: dict[str, int], record_query: str) -> list[Cell]:
    page = "first page" if record_query else "whole record (not paginated)"
    small, large = record_sizes["small"], record_sizes["large"]
    return [
        Cell("echo@32", "ref", "echo", 32, "bare async POST /echo (reference)"),
        Cell("reftx@32", "ref", "reftx", 32, "minimal reference transaction"),
        Cell("tx@32", "A", "tx", 32, "transition hold⇄resume, 10² cases"),
        Cell("get@32", "A", "get", 32, "GET /api/v1/cases/{id}"),
        Cell("echo@1", "ref", "echo", 1, "bare async POST /echo (reference)"),
        Cell("reftx@1", "ref", "reftx", 1, "minimal reference transaction"),
        Cell("tx@1", "A", "tx", 1, "transition hold⇄resume, 10² cases"),
        Cell("tx_large@1", "B", "tx", 1, f"transition hold⇄resume, {scale:,} cases"),
        Cell("list@1", "A", "list", 1, "GET /api/v1/cases?limit=50, 10² cases"),
        Cell("list_large@1", "B", "list", 1, f"GET /api/v1/cases?limit=50, {scale:,} cases"),
        Cell("rec_small@1", "A", "record", 1, f"GET …/record {page}, {small:,} entries"),
        Cell("rec_large@1", "A", "record", 1, f"GET …/record {page}, {large:,} entries"),
    ]


# --- helpers ------------------------------------------------------------------------------------


def migrate(url: str) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("sqlalchemy.url", url)
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


@dataclass
class Product:
    """A running product server with its tokens and the cases the workload uses."""

    server: Server
    org: str  # org_department token: the caller of every product request
    admin: str
    data: Path
    tx: list[str] = field(default_factory=list)
    read: list[str] = field(default_factory=list)
    record: dict[str, str] = field(default_factory=dict)  # "small"/"large" -> case id
    # Requests served since the memory baseline (wrk runs, data-file GETs, record toggles).
    served: int = 0

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.server.base_url,
            headers={"Authorization": f"Bearer {self.org}"},
            timeout=60,
        )

    def refresh(self) -> None:
        """Write bench.lua's data file with every tx case's current stage and ETag.

        The short sleep lets the server finish transitions whose connection wrk closed at the
        end of the previous run, so that the ETags read here are the final ones.
        """
        time.sleep(0.5)
        self.served += len(self.tx)  # one GET per case: requests of the mix too
        with self.client() as http:
            seed.write_datafile(
                http,
                self.data,
                tx=self.tx,
                read=self.read,
                record=self.record.get("small"),
            )


def measure(
    target: Product | Server,
    mode: str,
    clients: int,
    seconds: float,
    warmup: float,
    *,
    extra: str = "",
) -> bench_wrk.WrkResult:
    """A discarded warm-up run, then the measured run, with the same arguments."""
    results = []
    for secs in (warmup, seconds):
        if isinstance(target, Product):
            if mode in ("tx", "mixed") or not target.data.exists():
                target.refresh()  # transitions need every case's current ETag
            result = bench_wrk.run(
                target.server.base_url,
                mode,
                clients=clients,
                seconds=secs,
                token=target.org,
                datafile=target.data,
                extra=extra,
            )
            target.served += result.requests
        else:
            result = bench_wrk.run(target.base_url, mode, clients=clients, seconds=secs)
        results.append(result)
    warm, measured = results
    if warm.failures:
        # A failure in the warm-up is a failed request too: the run must not pass silently.
        measured.failures += warm.failures
        measured.errors = {k: measured.errors.get(k, 0) + v for k, v in warm.errors.items()}
        measured.first_failure = measured.first_failure or warm.first_failure
    return measured


@contextmanager
def product_server(
    name: str, url: str, workdir: Path, *, workers: int = 1, tokens: tuple[str, str] | None = None
) -> Iterator[Product]:
    env = server_env(url, pepper=DEFAULT_PEPPER, attachment_dir=str(workdir / "attachments"))
    if tokens is None:
        tokens = (
            create_token(env, "bench org department", ["org_department"]),
            create_token(env, "bench administrator", ["admin"]),
        )
    with serve(
        name, PRODUCT_APP, env, workdir / f"{name}.log", probe="/readyz", workers=workers
    ) as server:
        yield Product(server, tokens[0], tokens[1], workdir / f"{name}.data")


def record_query(p: Product) -> str:
    """`?limit=50` when the record is paginated (its OpenAPI has a limit), else the whole."""
    with p.client() as http:
        spec = http.get("/openapi.json")
    if spec.status_code != 200:
        return ""
    op = spec.json()["paths"].get("/api/v1/cases/{case_id}/record", {}).get("get", {})
    names = {p["name"] for p in op.get("parameters", [])}
    return "?limit=50" if "limit" in names else ""


def median(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


# --- phases -------------------------------------------------------------------------------------


def seed_product(p: Product, run: Run) -> str:
    """API-driven cases on product A; returns the template case id for the SQL clones."""
    admin = {"Authorization": f"Bearer {p.admin}"}
    started = time.perf_counter()
    with p.client() as http:
        ids = seed.drive_to_deliberation(http, admin, TX_CASES + READ_CASES + 2)
        p.tx, p.read = ids[:TX_CASES], ids[TX_CASES : TX_CASES + READ_CASES]
        p.record = {"small": ids[-2], "large": ids[-1]}
        template = seed.create_in_motion(http)
        # Back to real time, where product B's clock is: both then transition "now".
        seed.set_clock(http, admin, datetime.now(UTC))
    run.seeding["api_cases"] = len(ids) + 1
    run.seeding["api_seconds"] = round(time.perf_counter() - started, 1)
    return template


def grow_record(p: Product, run: Run, entries: int) -> None:
    """Real transitions on the "large" case until its record holds `entries` entries.

    Runs after the memory baseline: these requests count towards the mixed load.
    """
    started = time.perf_counter()
    with p.client() as http:
        have = seed.record_size(http, p.record["large"])
        seed.toggle(http, p.record["large"], max(0, entries - have))
        p.served += max(0, entries - have) + 1
        run.seeding["record_entries"] = {
            size: seed.record_size(http, case_id) for size, case_id in p.record.items()
        }
    run.seeding["record_seconds"] = round(time.perf_counter() - started, 1)


def sqlite_phase(args: argparse.Namespace, run: Run, tmp: Path) -> None:
    url_a = f"sqlite:///{tmp / 'product-a.db'}"
    url_b = f"sqlite:///{tmp / 'product-b.db'}"
    migrate(url_a)
    ref_env = {k: v for k, v in os.environ.items() if not k.startswith("CADRE_")}
    ref_env["BENCH_REF_DB"] = str(tmp / "reference.db")
    with ExitStack() as stack:
        log("starting the reference app and product A")
        ref = stack.enter_context(serve("reference", REF_APP, ref_env, tmp / "ref.log", probe="/"))
        a = stack.enter_context(product_server("product-a", url_a, tmp))
        log(f"driving {TX_CASES + READ_CASES + 3} cases through the API (product A)")
        template = seed_product(a, run)
        query = record_query(a)
        if not query:
            run.notes.append(
                "GET …/record has no limit parameter: the whole record is measured as its "
                "first page"
            )
        # B starts as a copy of A (same cases and tokens), then grows to 10⁵ cases by SQL.
        seed.copy_sqlite(seed.sqlite_file(url_a), seed.sqlite_file(url_b))
        grown = seed.clone_cases(seed.sqlite_file(url_b), template, args.scale)
        run.seeding[f"sql_clone_to_{args.scale}"] = asdict(grown)
        log(f"cloned {grown.cases} cases into product B in {grown.seconds:.1f} s")
        topped = seed.clone_cases(seed.sqlite_file(url_a), template, SMALL)
        run.seeding[f"sql_clone_to_{SMALL}"] = asdict(topped)
        run.seeding["cases"] = {
            "A": count_cases(seed.sqlite_file(url_a)),
            "B": count_cases(seed.sqlite_file(url_b)),
        }
        b = stack.enter_context(product_server("product-b", url_b, tmp, tokens=(a.org, a.admin)))
        b.tx, b.read, b.record = a.tx, a.read, a.record

        log("warming up")
        measure(b, "mixed", 32, 2, 1)
        measure(a, "mixed", 32, 3, 1)
        a.served = 0
        rss_before = rss_kib(a.server.pid)
        log(f"growing one record to {args.record_entries} entries by transitions")
        grow_record(a, run, args.record_entries)

        plan = cells(args.scale, run.seeding["record_entries"], query)
        for c in plan:
            run.labels[c.key] = c.label
            run.clients[c.key] = c.clients
        for n in range(args.rounds):
            log(f"round {n + 1}/{args.rounds}")
            results: dict[str, bench_wrk.WrkResult] = {}
            for c in plan:
                where: Product | Server = ref if c.server == "ref" else a if c.server == "A" else b
                extra = ""
                if c.mode == "record":
                    size = "large" if c.key.startswith("rec_large") else "small"
                    extra = f"{a.record[size]}/record{query}"
                results[c.key] = measure(
                    where, c.mode, c.clients, args.seconds, args.warmup, extra=extra
                )
            run.rounds.append(results)

        log(f"mixed load on product A until {args.mixed_requests} requests since the warm-up")
        # The product serves ~150-300 req/s here, so 50,000 requests are minutes of load; the
        # cap keeps `make bench` bounded on a busy machine and the report says when it bit.
        deadline = time.monotonic() + args.mixed_max_seconds
        while a.served < args.mixed_requests:
            if time.monotonic() >= deadline:
                run.notes.append(
                    f"the mixed load stopped at its {args.mixed_max_seconds:g} s cap after "
                    f"{a.served:,} of {args.mixed_requests:,} requests"
                )
                break
            left = args.mixed_requests - a.served
            # Chunks of at most 20 s, sized from the rate so far, so as not to overshoot much.
            a.refresh()
            r = bench_wrk.run(
                a.server.base_url,
                "mixed",
                clients=32,
                seconds=min(20, max(2, left / 250), max(1, deadline - time.monotonic())),
                token=a.org,
                datafile=a.data,
            )
            a.served += r.requests
            run.extra_runs.append(r)
        rss_after = rss_kib(a.server.pid)
        run.memory = {
            "requests": a.served,
            "rss_before_kib": rss_before["VmRSS"],
            "rss_after_kib": rss_after["VmRSS"],
            "peak_kib": rss_after["VmHWM"],
            "growth": (rss_after["VmRSS"] - rss_before["VmRSS"]) / rss_before["VmRSS"],
        }


def count_cases(db: Path) -> int:
    with sqlite3.connect(db) as con:
        return int(con.execute("SELECT count(*) FROM selection_cases").fetchone()[0])


def postgres_phase(args: argparse.Namespace, run: Run, tmp: Path) -> None:
    try:
        import psycopg
    except ImportError:
        run.postgres = {"skipped": "psycopg is not installed"}
        return
    try:
        admin = psycopg.connect(args.pg_url, connect_timeout=3, autocommit=True)
    except psycopg.Error as exc:
        run.postgres = {"skipped": f"PostgreSQL not reachable at {args.pg_url}: {exc}".strip()}
        return
    name = f"cadre_bench_{os.getpid()}"
    base = args.pg_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    url = f"{base}/{name}"
    runs: dict[int, list[bench_wrk.WrkResult]] = {1: [], 2: []}
    try:
        version = admin.execute("SHOW server_version").fetchone()
        run.postgres["server"] = str(version[0]) if version else "?"
        admin.execute(f'CREATE DATABASE "{name}"')
        migrate(url)
        log("PostgreSQL: driving cases through the API")
        with product_server("pg-seed", url, tmp) as p:
            with p.client() as http:
                tx = seed.drive_to_deliberation(
                    http, {"Authorization": f"Bearer {p.admin}"}, TX_CASES
                )
            tokens = (p.org, p.admin)
        for n in range(args.rounds):
            for workers in (1, 2):
                log(f"PostgreSQL round {n + 1}/{args.rounds}, {workers} worker(s)")
                with product_server(
                    f"pg-w{workers}", url, tmp, workers=workers, tokens=tokens
                ) as p:
                    p.tx = tx
                    runs[workers].append(measure(p, "tx", 32, args.seconds, args.warmup))
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    per_round = [w2.rps / w1.rps for w1, w2 in zip(runs[1], runs[2], strict=True) if w1.rps]
    run.postgres.update(
        {
            "database": "temporary, dropped",
            "rps_1_worker": median([r.rps for r in runs[1]]),
            "rps_2_workers": median([r.rps for r in runs[2]]),
            "p99_ms_1_worker": median([r.p99_ms for r in runs[1]]),
            "p99_ms_2_workers": median([r.p99_ms for r in runs[2]]),
            "speedup": median(per_round),
            "speedup_rounds": per_round,
            "runs": {w: [asdict(r) for r in rs] for w, rs in runs.items()},
            "runs_raw": runs[1] + runs[2],
        }
    )


# --- report -------------------------------------------------------------------------------------


def per_round(run: Run, f: Callable[[dict[str, bench_wrk.WrkResult]], float]) -> float | None:
    values = []
    for rnd in run.rounds:
        try:
            values.append(f(rnd))
        except (KeyError, ZeroDivisionError):
            continue
    return median(values)


def targets(run: Run, scale: int, mixed: int) -> list[Target]:
    def rps(k: str) -> Callable[[dict[str, bench_wrk.WrkResult]], float]:
        return lambda r: r[k].rps

    def p50(k: str) -> Callable[[dict[str, bench_wrk.WrkResult]], float]:
        return lambda r: r[k].p50_ms

    def ratio(
        f: Callable[[dict[str, bench_wrk.WrkResult]], float],
        g: Callable[[dict[str, bench_wrk.WrkResult]], float],
    ) -> float | None:
        return per_round(run, lambda r: f(r) / g(r))

    product32 = ("tx@32", "get@32")
    product1 = ("tx@1", "tx_large@1", "list@1", "list_large@1", "rec_small@1", "rec_large@1")
    headroom = per_round(
        run,
        lambda r: min(
            r["echo@32"].rps / max(r[k].rps for k in product32),
            r["echo@1"].rps / max(r[k].rps for k in product1),
        ),
    )
    sizes = run.seeding.get("record_entries", {})
    out = [
        Target(
            "load generator headroom: bare POST / fastest product endpoint, req/s",
            headroom,
            ">=",
            3,
            "×",
            "validity of the run, not a product target",
        ),
        Target(
            "transition cost × bare async POST, 32 clients",
            ratio(rps("echo@32"), rps("tx@32")),
            "<=",
            10,
            "×",
        ),
        Target(
            "transition throughput / minimal reference transaction, 32 clients",
            ratio(rps("tx@32"), rps("reftx@32")),
            ">=",
            0.6,
            "%",
        ),
        Target(
            "transition median / reference transaction median, 1 client",
            ratio(p50("tx@1"), p50("reftx@1")),
            "<=",
            2,
            "×",
        ),
        Target(
            "GET of one case cost × bare async POST, 32 clients",
            ratio(rps("echo@32"), rps("get@32")),
            "<=",
            4,
            "×",
        ),
        Target(
            f"list first page median, {scale:,} / {SMALL} cases, 1 client",
            ratio(p50("list_large@1"), p50("list@1")),
            "<=",
            1.2,
            "×",
        ),
        Target(
            f"transition median, {scale:,} / {SMALL} cases, 1 client",
            ratio(p50("tx_large@1"), p50("tx@1")),
            "<=",
            1.2,
            "×",
        ),
        Target(
            f"record first page median, {sizes.get('large', '?')} / {sizes.get('small', '?')} "
            "entries, 1 client",
            ratio(p50("rec_large@1"), p50("rec_small@1")),
            "<=",
            1.2,
            "×",
        ),
        Target(
            f"server RSS growth over {run.memory.get('requests', mixed):,} mixed requests",
            run.memory.get("growth"),
            "<",
            0.10,
            "%",
        ),
    ]
    clone = run.seeding.get(f"sql_clone_to_{scale}")
    out.append(
        Target(
            f"seeding {scale:,} cases (SQL, one transaction)",
            clone["seconds"] if clone else None,
            "<",
            60,
            "s",
            "validity of the run",
        )
    )
    pg = run.postgres
    out.append(
        Target(
            "PostgreSQL: transition throughput 2 workers / 1 worker, 32 clients",
            pg.get("speedup"),
            ">=",
            1.5,
            "×",
            f"skipped: {pg['skipped']}"
            if "skipped" in pg
            else f"error: {pg['error'][:200]}"
            if "error" in pg
            else "",
        )
    )
    return out


def target_table(ts: list[Target]) -> str:
    sign = {"<=": "≤", ">=": "≥", "<": "<"}
    lines = ["| measure | measured | target | result |", "|---|---|---|---|"]
    for t in ts:
        value = t.shown(t.value) if t.value is not None else "—"
        result = {True: "pass", False: "**FAIL**", None: "not measured"}[t.passed]
        if t.note and t.value is None:
            result = t.note
        lines.append(f"| {t.name} | {value} | {sign[t.op]} {t.shown(t.limit)} | {result} |")
    return "\n".join(lines)


def cell_summary(run: Run) -> list[dict[str, Any]]:
    def cost(key: str) -> float | None:
        echo = f"echo@{run.clients[key]}"
        return per_round(run, lambda r: r[echo].rps / r[key].rps)

    out = []
    for key, label in run.labels.items():
        rs = [rnd[key] for rnd in run.rounds if key in rnd]
        out.append(
            {
                "key": key,
                "label": label,
                "clients": run.clients[key],
                "rps": median([r.rps for r in rs]),
                "p50_ms": median([r.p50_ms for r in rs]),
                "p99_ms": median([r.p99_ms for r in rs]),
                "cost_x": cost(key),
                "requests": sum(r.requests for r in rs),
                "failures": sum(r.failures for r in rs),
            }
        )
    return out


def cell_table(summary: list[dict[str, Any]], pg: dict[str, Any], rounds: int) -> str:
    lines = [
        f"| endpoint (median of {rounds} rounds) | clients | req/s | p50 ms | p99 ms | "
        "cost × bare POST |",
        "|---|---|---|---|---|---|",
    ]

    def num(x: float | None, fmt: str) -> str:
        return format(x, fmt) if x is not None else "—"

    for s in summary:
        lines.append(
            f"| {s['label']} | {s['clients']} | {num(s['rps'], ',.0f')} | "
            f"{num(s['p50_ms'], '.2f')} | {num(s['p99_ms'], '.1f')} | {num(s['cost_x'], '.2f')} |"
        )
    if "rps_1_worker" in pg:
        for w, key in ((1, "1_worker"), (2, "2_workers")):
            lines.append(
                f"| PostgreSQL transition, {w} worker{'s' if w > 1 else ''} | 32 | "
                f"{num(pg[f'rps_{key}'], ',.0f')} | — | {num(pg[f'p99_ms_{key}'], '.1f')} | — |"
            )
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        mem = f"{kib / 1024 / 1024:.1f} GiB"
    try:
        wrk = (
            subprocess.run(  # noqa: S603
                [bench_wrk.wrk_path(), "--version"], capture_output=True, text=True, check=False
            )
            .stdout.split("[")[0]
            .strip()
        )
    except bench_wrk.WrkError:
        wrk = "missing"
    out: dict[str, Any] = {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory": mem,
        "kernel": platform.release(),
        "os": _os_name(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "wrk": wrk,
    }
    for dist in (
        "fastapi",
        "starlette",
        "uvicorn",
        "uvloop",
        "httptools",
        "pydantic",
        "sqlalchemy",
    ):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "-"
    return out


def _os_name() -> str:
    release = Path("/etc/os-release")
    if release.exists():
        m = re.search(r'^PRETTY_NAME="?([^"\n]*)"?', release.read_text(), re.M)
        if m:
            return m.group(1)
    return platform.system()


def machine_line(m: dict[str, Any], pg: dict[str, Any]) -> str:
    pg_version = f", PostgreSQL {pg['server']}" if "server" in pg else ""
    return (
        f"{m['cpu']}, {m['cores']} cores, {m['memory']} RAM, {m['os']} (kernel {m['kernel']}); "
        f"Python {m['python']}, SQLite {m['sqlite']}{pg_version}, {m['wrk']}, "
        f"uvicorn {m['uvicorn']} (uvloop {m['uvloop']}, httptools {m['httptools']}), "
        f"FastAPI {m['fastapi']}, SQLAlchemy {m['sqlalchemy']}"
    )


def update_readme(text: str) -> None:
    """Replace the text between the bench markers of README.md's Performance section."""
    readme = ROOT / "README.md"
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    content = readme.read_text(encoding="utf-8")
    if start not in content or end not in content:
        raise SystemExit(f"README.md has no {start} … {end} block to update")
    head, rest = content.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{text}\n{end}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured time per cell")
    parser.add_argument("--warmup", type=float, default=1.0, help="discarded run before each")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; ratios are medians")
    parser.add_argument("--scale", type=int, default=LARGE, help="cases in product B")
    parser.add_argument("--record-entries", type=int, default=2000)
    parser.add_argument("--mixed-requests", type=int, default=50_000)
    parser.add_argument(
        "--mixed-max-seconds", type=float, default=360, help="cap of the mixed load phase"
    )
    parser.add_argument("--pg-url", default=PG_ADMIN_URL, help="admin URL; '' skips PostgreSQL")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench.json")
    parser.add_argument(
        "--update-readme", action="store_true", help="write the tables into README.md"
    )
    args = parser.parse_args(argv)

    started = time.monotonic()
    load_before = os.getloadavg()
    run = Run()
    # Seeding asserts every answer (tests/case_driver.py `ok`): an AssertionError there is a
    # failed request of the product, not a bug of the benchmark.
    cannot = (bench_wrk.WrkError, StartError, AssertionError, httpx.HTTPError)
    try:
        bench_wrk.wrk_path()
        with tempfile.TemporaryDirectory(prefix="cadre-bench-") as scratch:
            tmp = Path(scratch)
            sqlite_phase(args, run, tmp)
            if not args.pg_url:
                run.postgres = {"skipped": "--pg-url ''"}
            else:
                try:
                    postgres_phase(args, run, tmp)
                except cannot as exc:
                    # The SQLite figures stand on their own: report them, and fail the run.
                    run.postgres = {"error": f"{type(exc).__name__}: {exc}"[:2000]}
    except cannot as exc:
        print(f"bench could not measure: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2

    ts = targets(run, args.scale, args.mixed_requests)
    if ts[0].passed is False:
        run.notes.append(
            "wrk drove the bare POST less than 3× faster than the fastest product endpoint: "
            "the load generator may have been the bottleneck, and the ratios are compressed"
        )
    summary = cell_summary(run)
    m = machine()
    # Other work on the same two cores skews absolutes (ratios less so): say how busy it was.
    m["load_average_before"] = round(load_before[0], 2)
    m["load_average_after"] = round(os.getloadavg()[0], 2)
    when = datetime.now(UTC).isoformat(timespec="seconds")
    table = target_table(ts)
    cells_md = cell_table(summary, run.postgres, len(run.rounds))
    mem = run.memory
    lines = [
        table,
        "",
        cells_md,
        "",
        f"Machine: {machine_line(m, run.postgres)}. Run {when}, "
        f"{time.monotonic() - started:.0f} s. SQLite, 1 worker unless stated; "
        f"{args.seconds:g} s per cell after a {args.warmup:g} s warm-up; "
        f"wrk -t1 on the same cores; load average {m['load_average_before']} before, "
        f"{m['load_average_after']} after.",
    ]
    if mem:
        lines.append(
            f"Product A RSS {mem['rss_before_kib'] / 1024:.1f} MiB after warm-up, "
            f"{mem['rss_after_kib'] / 1024:.1f} MiB after {mem['requests']:,} requests "
            f"(peak {mem['peak_kib'] / 1024:.1f} MiB)."
        )
    lines += [f"Note: {n}." for n in run.notes]
    report_md = "\n".join(lines)
    print(report_md)

    failed = run.failures()
    report = {
        "when": when,
        "machine": m,
        "settings": {
            "seconds": args.seconds,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "scale": args.scale,
            "record_entries": args.record_entries,
            "mixed_requests": args.mixed_requests,
            "server": "uvicorn --loop uvloop --http httptools --no-access-log, 1 worker",
            "load": "wrk -t1, keep-alive connections, scripts/bench.lua",
        },
        "targets": [{**asdict(t), "passed": t.passed} for t in ts],
        "cells": summary,
        "rounds": [{k: asdict(r) for k, r in rnd.items()} for rnd in run.rounds],
        "memory": run.memory,
        "seeding": run.seeding,
        "postgres": {k: v for k, v in run.postgres.items() if k != "runs_raw"},
        "notes": run.notes,
        "failures": [asdict(r) for r in failed],
        "markdown": report_md,
        "wall_seconds": round(time.monotonic() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    if args.update_readme:
        update_readme(report_md)
        print("updated README.md (Performance)")
    for r in failed:
        print(
            f"FAILED {r.failures}/{r.requests} requests ({r.mode}, {r.clients} clients): "
            f"{r.errors} {r.first_failure or ''}",
            file=sys.stderr,
        )
    if "error" in run.postgres:
        print(f"PostgreSQL phase failed: {run.postgres['error']}", file=sys.stderr)
    return 1 if failed or "error" in run.postgres else 0


if __name__ == "__main__":
    raise SystemExit(main())
