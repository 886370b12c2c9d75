"""Sync benchmark: two workstation processes on one central PostgreSQL.

    python -m tests.benchmarks.sync [--samples 100] [--changes 10000] [--set central.k=v ...]

Starts its own throwaway PostgreSQL cluster and central database, and two workstations (A and
B, each a tests.helpers.ws_process with its own SQLite cache) with the default sync settings
unless --set says otherwise.

a_to_b_p50_ms / a_to_b_p95_ms: an incident saved on A until it is committed in B's cache. A
prints the wall-clock time its save committed, B the time the pulled row committed (its change
notice); --samples incidents, spaced 50-150 ms apart.
push_per_s: A makes --changes row changes (outbox entries: incidents, narrative, updates, unit
moves) with its sync stopped, then starts it: changes per second until central's receipt for A
reaches the last one.
catchup_10k_s: B's sync is stopped meanwhile; from starting it again until its pull cursor
reaches central's newest change.
lost / duplicated: both caches compared with central at the end, every synced table, by id
(tests/helpers/sync_check.py); diverged counts rows whose values differ.
The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from tests.helpers.pg import PgCluster, server_bindir, wait_until
from tests.helpers.sync_check import compare
from tests.helpers.workload import percentile
from tests.helpers.ws_process import WsProcess

TARGETS = {"a_to_b_p95_ms": 300.0, "catchup_10k_s": 10.0, "lost": 0, "duplicated": 0}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def scalar(url: str, query: str, *params: object) -> int:
    with psycopg.connect(url, connect_timeout=5) as conn:
        row = conn.execute(query, params).fetchone()  # type: ignore[arg-type]
    return int(row[0]) if row and row[0] is not None else 0


def latencies(a: WsProcess, b: WsProcess, samples: int) -> list[float]:
    b.ask("watch on", "OK")
    rng = random.Random(7)
    found: list[float] = []
    for _ in range(samples):
        row_id, _number, saved = a.ask("create", "CREATED")
        seen = wait_until(lambda r=row_id: b.seen.get(r), 10, 0.002, what="the incident on B")
        found.append((seen - float(saved)) * 1000)
        time.sleep(rng.uniform(0.05, 0.15))
    b.ask("watch off", "OK")
    return found


def run(args: argparse.Namespace, tmp: Path) -> dict[str, object]:
    from dispatch_desk.config.paths import resolve_paths
    from dispatch_desk.sync.admin import upgrade_central

    bindir = server_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL server binaries not found; './desk test' installs them")
    cluster = PgCluster(bindir)
    try:
        cluster.start()
        url = cluster.create_database("central")
        upgrade_central(url, resolve_paths().migrations_dir)
        a = WsProcess(tmp / "a", "ws-a", url, *args.set)
        b = WsProcess(tmp / "b", "ws-b", url, *args.set)
        try:
            a.ask("wait-synced 60", "SYNCED")
            b.ask("wait-synced 60", "SYNCED")
            a.ask("create", "CREATED")  # warm up both paths once
            a.ask("wait-synced 60", "SYNCED")
            b.ask("wait-synced 60", "SYNCED")

            log(f"latency: {args.samples} incidents A -> B")
            lat = latencies(a, b, args.samples)

            log(f"backlog: {args.changes} changes on A, both offline")
            b.ask("sync stop", "OK")
            a.ask("sync stop", "OK")
            start_seq = scalar(url, "SELECT last_seq FROM sync_receipt WHERE origin = 'ws-a'")
            top, writes = start_seq, 0
            while top - start_seq < args.changes:
                made = a.ask("work 250", "WORKED", 300)
                top, writes = int(made[3]), writes + 250
            changes = top - start_seq
            log(f"push: {changes} changes ({writes} writes) from A")
            pushed_from = time.perf_counter()
            a.ask("sync start", "OK")
            wait_until(
                lambda: (
                    scalar(url, "SELECT last_seq FROM sync_receipt WHERE origin = 'ws-a'") >= top
                ),
                300,
                0.01,
                what="A's backlog in central",
            )
            push_s = time.perf_counter() - pushed_from
            head = scalar(url, "SELECT max(seq) FROM sync_change")
            _, _, _, before, _ = b.ask("status", "STATUS")
            log(f"catch-up: B from {before} to {head}")
            catchup_s = float(b.ask(f"catchup {head} 300", "CAUGHTUP", 330)[0])

            a.ask("wait-synced 120", "SYNCED", 150)
            b.ask("wait-synced 120", "SYNCED", 150)
        finally:
            a.quit()
            b.quit()
        report = compare({"ws-a": a.store_file, "ws-b": b.store_file}, url)
        if not report.ok:
            log(report.summary())
    finally:
        cluster.destroy()
    result: dict[str, object] = {
        "a_to_b_p50_ms": round(percentile(lat, 0.50), 1),
        "a_to_b_p95_ms": round(percentile(lat, 0.95), 1),
        "a_to_b_max_ms": round(max(lat), 1),
        "samples": len(lat),
        "push_per_s": round(changes / push_s),
        "push_changes": changes,
        "catchup_10k_s": round(catchup_s, 2),
        "catchup_changes": head - int(before),
        "catchup_writes": writes,
        "lost": len(report.lost),
        "duplicated": len(report.duplicated),
        "diverged": len(report.diverged),
        "pending": sum(report.pending.values()),
        "central_rows": report.rows,
        "settings": list(args.set),
        "targets": TARGETS,
    }
    result["pass"] = (
        result["a_to_b_p95_ms"] <= TARGETS["a_to_b_p95_ms"]  # type: ignore[operator]
        and result["catchup_10k_s"] <= TARGETS["catchup_10k_s"]  # type: ignore[operator]
        and result["lost"] == 0
        and result["duplicated"] == 0
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument(
        "--set", action="append", default=[], help="a setting for both workstations, k=v"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dd-bench-sync-") as tmp:
        result = run(args, Path(tmp))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
