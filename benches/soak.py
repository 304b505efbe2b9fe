#!/usr/bin/env python3
"""The soak: a mixed load (benches/wrk/mixed.lua: GetUser, refresh, JWKS, password sign-in,
SignUp) at about 70% of the capacity measured just before, for a long time, on one database.

  target/bench-venv/bin/python benches/soak.py --binary target/release/tessera \
      --work target/soak --database sqlite --minutes 30 [--postgres-url URL] [--share 0.7]

Steps: start the release server, seed a pool (benches/harness.py's seed), measure the mix's
capacity (wrk, 16 connections, no pause, 20 s), set each connection's pause so the rate is
`share` of it, then run the load in one-minute wrk runs for `minutes`. After each minute:
requests, rate, p50/p99, non-2xx answers and socket errors (wrk), the server's RSS
(/proc/PID/status VmRSS) and CPU, and its database connections (tessera_db_connections from
/metrics; PostgreSQL also from pg_stat_activity). Writes {work}/soak-{database}.json and a plot
{work}/soak-{database}.png; benches/soak_report.py turns both databases' files into docs/soak.md.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

CONNECTIONS = 16


def wrk(server, data_path, seconds, delay_ms):
    env = dict(os.environ, BENCH_DATA=data_path, BENCH_WRK_DIR=harness.WRK_DIR,
               BENCH_NONCE=os.urandom(4).hex(), BENCH_DELAY_MS=str(delay_ms))
    out = subprocess.run(
        ["wrk", "--latency", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s",
         "--timeout", "10s", "-s", os.path.join(harness.WRK_DIR, "mixed.lua"), server.url],
        env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed: {out.stderr}")
    return harness.parse_wrk(out.stdout)


def db_connections(server):
    """(idle, in use) from the server's /metrics."""
    text = urllib.request.urlopen(f"{server.url}/metrics", timeout=5).read().decode()
    found = dict(re.findall(r'tessera_db_connections\{state="(\w+)"\} (\d+)', text))
    return int(found.get("idle", 0)), int(found.get("in_use", found.get("used", 0)))


def pg_backends(postgres_url, database):
    out = subprocess.run(
        ["psql", "-At", postgres_url, "-c",
         f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}'"],
        capture_output=True, text=True, check=False)
    return int(out.stdout.strip() or 0)


def plot(minutes, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    xs = [m["minute"] for m in minutes]
    fig, axes = plt.subplots(3, 1, figsize=(8, 8), sharex=True)
    axes[0].plot(xs, [m["rss_kb"] / 1024 for m in minutes], marker=".")
    axes[0].set_ylabel("RSS (MiB)")
    axes[0].set_ylim(bottom=0)
    axes[1].plot(xs, [m["p50_ms"] for m in minutes], marker=".", label="p50")
    axes[1].plot(xs, [m["p99_ms"] for m in minutes], marker=".", label="p99")
    axes[1].set_ylabel("latency (ms)")
    axes[1].set_ylim(bottom=0)
    axes[1].legend()
    axes[2].plot(xs, [m["rps"] for m in minutes], marker=".", label="requests/s")
    axes[2].plot(xs, [m["db_connections"] for m in minutes], marker=".",
                 label="database connections")
    axes[2].set_ylim(bottom=0)
    axes[2].legend()
    axes[2].set_xlabel("minute")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--postgres-url", default="")
    ap.add_argument("--minutes", type=int, default=30)
    ap.add_argument("--share", type=float, default=0.7, help="share of measured capacity")
    ap.add_argument("--users", type=int, default=2000)
    ap.add_argument("--tokens", type=int, default=64)
    args = ap.parse_args()
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    data_dir = os.path.join(work, args.database)
    os.makedirs(data_dir, exist_ok=True)
    pg_db = None
    if args.database == "sqlite":
        database_url = f"sqlite://{data_dir}/tessera.db"
    else:
        if not args.postgres_url:
            sys.exit("--postgres-url is needed for --database postgres")
        pg_db = f"tessera_soak_{os.getpid()}"
        subprocess.run(["psql", "-q", args.postgres_url, "-c", f"DROP DATABASE IF EXISTS {pg_db}",
                        "-c", f"CREATE DATABASE {pg_db}"], check=True, stdout=subprocess.DEVNULL)
        database_url = args.postgres_url.rsplit("/", 1)[0] + "/" + pg_db
    server = harness.Server(args.binary, data_dir, database_url,
                            os.path.join(work, f"soak-{args.database}.log"))
    result = {"database": args.database, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                  time.gmtime()),
              "connections": CONNECTIONS, "share": args.share, "minutes": []}
    try:
        data_path = os.path.join(work, f"soak-{args.database}-data.lua")
        harness.seed(server.url, args.users, args.tokens, data_path)
        capacity = wrk(server, data_path, 20, 0)
        target = capacity["rps"] * args.share
        harness.log(f"capacity {capacity['rps']:.0f}/s (p99 {capacity['p99_ms']} ms); "
                    f"target {target:.0f}/s")
        # Each connection sends one request per (pause + mean latency): the pause is corrected
        # by the difference between the cycle wanted and the cycle seen, until the rate is
        # within 5% of the target.
        delay = max(1, round(CONNECTIONS * 1000 / target - CONNECTIONS * 1000 / capacity["rps"]))
        for _ in range(8):
            probe = wrk(server, data_path, 15, delay)
            harness.log(f"pause {delay} ms: {probe['rps']:.0f}/s")
            if abs(probe["rps"] - target) <= 0.05 * target:
                break
            delay = max(1, round(delay + CONNECTIONS * 1000 * (1 / target - 1 / probe["rps"])))
        result.update({"capacity_rps": capacity["rps"], "capacity_p99_ms": capacity["p99_ms"],
                       "target_rps": round(target, 1), "pause_ms": delay,
                       "rss_start_kb": server.status_kb("VmRSS")})
        cpu0 = server.cpu_seconds()
        for minute in range(1, args.minutes + 1):
            r = wrk(server, data_path, 60, delay)
            cpu = server.cpu_seconds()
            idle, used = db_connections(server)
            m = {"minute": minute, "requests": r["requests"], "rps": r["rps"],
                 "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"], "non_2xx": r["non_2xx"],
                 "socket_errors": r["socket_errors"], "rss_kb": server.status_kb("VmRSS"),
                 "server_cores": round((cpu - cpu0) / 60, 2), "db_connections": idle + used,
                 "loadavg": open("/proc/loadavg").read().split()[0]}
            cpu0 = cpu
            if pg_db:
                m["pg_backends"] = pg_backends(args.postgres_url, pg_db)
            result["minutes"].append(m)
            harness.log(f"{args.database} minute {minute}: {m['rps']:.0f}/s p50={m['p50_ms']} "
                        f"p99={m['p99_ms']} ms non2xx={m['non_2xx']} "
                        f"socket_errors={m['socket_errors']} rss={m['rss_kb'] // 1024} MiB "
                        f"db_connections={m['db_connections']} load={m['loadavg']}")
            with open(os.path.join(work, f"soak-{args.database}.json"), "w") as f:
                json.dump(result, f, indent=1)
        plot(result["minutes"], os.path.join(work, f"soak-{args.database}.png"),
             f"Tessera soak on {args.database}: {result['target_rps']:.0f} requests/s "
             f"({args.share:.0%} of capacity), {CONNECTIONS} connections")
    finally:
        server.stop()
        if pg_db:
            subprocess.run(["psql", "-q", args.postgres_url, "-c",
                            f"DROP DATABASE IF EXISTS {pg_db}"],
                           check=False, stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
