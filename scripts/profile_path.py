"""Profile the request path: serve the reference app and the product, load them with wrk,
sample the product with py-spy (all threads), and print the ratios of one quick round.

    .venv/bin/python scripts/profile_path.py [--modes tx,get,list] [--seconds 8] [--spy]

Not part of `make test` or `make bench`: a tool for finding where a request's time goes
before optimising (py-spy writes a speedscope/flamegraph file under var/profile/).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

import bench  # noqa: E402
from bench_servers import serve  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modes", default="tx,get,list")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--spy", action="store_true", help="py-spy the product during tx")
    parser.add_argument("--env", action="append", default=[], help="K=V for the product")
    args = parser.parse_args()
    extra = dict(kv.split("=", 1) for kv in args.env)
    plain_env = bench.server_env

    def with_extra(*a: Any, **kw: Any) -> dict[str, str]:
        return {**plain_env(*a, **kw), **extra}

    bench.server_env = with_extra
    out = ROOT / "var" / "profile"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmpdir, ExitStack() as stack:
        tmp = Path(tmpdir)
        url = f"sqlite:///{tmp / 'p.db'}"
        bench.migrate(url)
        ref_env = {k: v for k, v in os.environ.items() if not k.startswith("CADRE_")}
        ref_env["BENCH_REF_DB"] = str(tmp / "ref.db")
        ref = stack.enter_context(serve("ref", bench.REF_APP, ref_env, tmp / "ref.log", probe="/"))
        p = stack.enter_context(bench.product_server("A", url, tmp))
        bench.seed_product(p, bench.Run())
        base = {}
        for mode in ("echo", "reftx"):
            r = bench.measure(ref, mode, args.clients, args.seconds, 1.0, extra="1000")
            base[mode] = r
            print(f"{mode:8} {r.rps:8.0f} rps  p50 {r.p50_ms:6.2f} ms  fail {r.failures}")
        for mode in args.modes.split(","):
            spy = None
            if args.spy:
                spy = subprocess.Popen(  # noqa: S603 (our own venv binary)
                    [
                        str(ROOT / ".venv/bin/py-spy"),
                        "record",
                        "-p",
                        str(p.server.pid),
                        "-d",
                        str(int(args.seconds) + 1),
                        "-r",
                        "200",
                        "--gil",
                        "-f",
                        "speedscope",
                        "-o",
                        str(out / f"{mode}.speedscope.json"),
                        "--nonblocking",
                    ]
                )
            r = bench.measure(p, mode, args.clients, args.seconds, 1.0)
            if spy:
                spy.wait()
            print(
                f"{mode:8} {r.rps:8.0f} rps  p50 {r.p50_ms:6.2f} ms  fail {r.failures}  "
                f"x echo {base['echo'].rps / max(r.rps, 1):5.1f}  "
                f"vs reftx {r.rps / max(base['reftx'].rps, 1):5.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
