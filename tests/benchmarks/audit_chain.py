"""Audit chain benchmark: what chaining costs ``audit.record`` and how long ``audit verify``
takes on a large trail.

    python -m tests.benchmarks.audit_chain [--events 5000] [--verify 100000]

On a demo desk's real SQLite cache (WAL, the store's own settings):

- record_one_txn_*_us: median wall time of one ``store.write_sync(record)`` (a one-event
  transaction, commit included), chained (the desk's ``audit.record``) and plain (the same
  row written the way record() did before the chain: no seq, no hashes, no head). The overhead
  is their difference over the plain time; target < 30 %.
- synced_record_one_txn_*_us: the same on a desk with central configured (sync capture on:
  the head is an ORM object queued for central with the entry), the path of every synced desk.
- record_in_batch_*_us: median time of one record() call among --events in one transaction,
  and the whole transaction (commit included) per event.
- verify_100k_s: --verify chained events (over 4 workstations) walked by ``verify_all``, and
  the ``dispatch-desk audit verify`` command end to end (a process: start-up, open, walk).
The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from dispatch_desk.audit.chain import Link, head_id, seal
from dispatch_desk.audit.verify import verify_all
from dispatch_desk.events import note_change
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.models import AuditChainHead, AuditEvent, new_id
from tests.helpers.core import FakeClock, actor_for, make_core

TARGETS = {"verify_100k_s": 10.0, "record_overhead_pct": 30.0}


def plain_record(session: Session, actor: Actor, at: Any, action: str, **detail: Any) -> None:
    """record() as it was before the chain (commit 65da8aa), for the comparison."""
    event = AuditEvent(
        at=at,
        user_id=actor.user_id,
        username=actor.username,
        workstation=actor.workstation,
        action=action,
        entity_type="camera",
        entity_id=str(detail.get("camera", "")),
        detail=json.dumps(detail, default=str, ensure_ascii=False, sort_keys=True),
        outcome="ok",
    )
    session.add(event)
    note_change(session, "audit", event.id)


def chained_record(session: Session, actor: Actor, at: Any, action: str, **detail: Any) -> None:
    audit.record(
        session,
        actor,
        at,
        action,
        entity_type="camera",
        entity_id=str(detail.get("camera", "")),
        **detail,
    )


def _one_per_txn(core: Any, fn: Any, actor: Actor, clock: FakeClock, n: int) -> list[float]:
    times = []
    for i in range(n):
        at = clock.advance(seconds=1)
        start = time.perf_counter()
        core.store.write_sync(fn, actor, at, "camera.view", camera=f"cam-{i % 40}", purpose="x")
        times.append((time.perf_counter() - start) * 1e6)
    return times


def _batch(core: Any, fn: Any, actor: Actor, clock: FakeClock, n: int) -> tuple[list[float], float]:
    calls: list[float] = []

    def many(session: Session) -> None:
        for i in range(n):
            at = clock.advance(seconds=1)
            start = time.perf_counter()
            fn(session, actor, at, "camera.view", camera=f"cam-{i % 40}", purpose="batch")
            calls.append((time.perf_counter() - start) * 1e6)

    start = time.perf_counter()
    core.store.write_sync(many)
    whole = (time.perf_counter() - start) * 1e6 / n
    return calls, whole


def _synced(root: Path, events: int) -> tuple[list[float], list[float]]:
    """The same one-event transactions on a desk with a central database configured: sync
    capture is on, so record() moves the head as an ORM object that capture queues for central
    (the path every desk with central takes). Central is unreachable here: capture queues to the
    outbox in the write either way; the push runs later, on the sync thread, not measured."""
    clock = FakeClock()
    core = make_core(
        root, clock=clock, workstation__id="bench-synced",
        central__url="postgresql://nobody@127.0.0.1:1/none", central__connect_timeout_s=1,
    )  # fmt: skip
    try:
        assert core.store.capture is not None, "sync capture is on"
        actor = actor_for(core, "dispatcher")
        _one_per_txn(core, plain_record, actor, clock, 50)
        _one_per_txn(core, chained_record, actor, clock, 50)
        plain: list[float] = []
        chained: list[float] = []
        for _ in range(events // 10):
            plain += _one_per_txn(core, plain_record, actor, clock, 10)
            chained += _one_per_txn(core, chained_record, actor, clock, 10)
        return plain, chained
    finally:
        core.close()


def _fill(core: Any, total: int, clock: FakeClock) -> None:
    """``total`` chained events over four workstations, written in bulk (sealed exactly as
    record() seals them), with their heads."""
    names = [f"fill-{i}" for i in range(4)]
    links = {ws: Link() for ws in names}
    at = clock()

    def write(session: Session, rows: list[dict[str, Any]]) -> None:
        session.execute(insert(AuditEvent), rows)

    batch: list[dict[str, Any]] = []
    for i in range(total):
        ws = names[i % 4]
        at += timedelta(milliseconds=250)
        row = {
            "id": new_id(),
            "at": at,
            "user_id": None,  # a foreign key to user_account: no such accounts here
            "username": f"user{i % 12}",
            "workstation": ws,
            "action": ("camera.view", "login", "incident.update", "recording.view")[i % 4],
            "entity_type": "camera",
            "entity_id": f"cam-{i % 300}",
            "detail": json.dumps({"purpose": "benchmark", "n": i}, sort_keys=True),
            "outcome": "ok" if i % 17 else "denied",
        }
        links[ws] = seal(row, links[ws])
        batch.append(row)
        if len(batch) == 10_000:
            core.store.write_sync(write, batch)
            batch = []
    if batch:
        core.store.write_sync(write, batch)

    def heads(session: Session) -> None:
        for ws, link in links.items():
            session.add(
                AuditChainHead(id=head_id(ws), workstation=ws, seq=link.seq, hash=link.hash, at=at)
            )

    core.store.write_sync(heads)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--verify", type=int, default=100_000)
    args = parser.parse_args()
    clock = FakeClock()
    with tempfile.TemporaryDirectory() as tmp:
        core = make_core(Path(tmp), clock=clock, workstation__id="bench-ws")
        try:
            actor = actor_for(core, "dispatcher")
            # Warm up both paths, then interleave so that neither gets a quieter machine.
            _one_per_txn(core, plain_record, actor, clock, 50)
            _one_per_txn(core, chained_record, actor, clock, 50)
            plain_txn: list[float] = []
            chained_txn: list[float] = []
            for _ in range(args.events // 10):  # alternate in small runs: the same machine load
                plain_txn += _one_per_txn(core, plain_record, actor, clock, 10)
                chained_txn += _one_per_txn(core, chained_record, actor, clock, 10)
            synced_plain, synced_chained = _synced(Path(tmp) / "synced", args.events)
            plain_calls, plain_whole = _batch(core, plain_record, actor, clock, args.events)
            chained_calls, chained_whole = _batch(core, chained_record, actor, clock, args.events)
            _fill(core, args.verify, clock)
            start = time.perf_counter()
            reports = core.store.read_sync(verify_all, core.workstation)
            verify_s = time.perf_counter() - start
            bench = [r for r in reports if r.workstation.startswith("fill-")]
            ok = sum(r.entries for r in bench) == args.verify and all(r.ok for r in bench)
            assert ok, [str(r) for r in bench]
            # The record() benchmarks above wrote unchained rows on purpose ("before"): they
            # are reported as such, which is the check working; only the bench chains count.
            home = Path(tmp) / "home"
        finally:
            core.close()
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        start = time.perf_counter()
        cli = subprocess.run(
            [sys.executable, "-m", "ui.main", "--home", str(home), "--set",
             "workstation.id=bench-ws", "audit", "verify"],
            capture_output=True, text=True, env=env, check=False, timeout=600,
        )  # fmt: skip
        cli_s = time.perf_counter() - start
        cli_ok = all(f"  fill-{i}: {args.verify // 4} entries, OK" in cli.stdout for i in range(4))
    plain_med = statistics.median(plain_txn)
    chained_med = statistics.median(chained_txn)
    result = {
        "events": args.events,
        "record_one_txn_plain_us": round(plain_med, 1),
        "record_one_txn_chained_us": round(chained_med, 1),
        "record_overhead_pct": round((chained_med - plain_med) / plain_med * 100, 1),
        "synced_record_one_txn_plain_us": round(statistics.median(synced_plain), 1),
        "synced_record_one_txn_chained_us": round(statistics.median(synced_chained), 1),
        "synced_record_overhead_pct": round(
            (statistics.median(synced_chained) - statistics.median(synced_plain))
            / statistics.median(synced_plain)
            * 100,
            1,
        ),
        "record_in_batch_plain_us": round(statistics.median(plain_calls), 1),
        "record_in_batch_chained_us": round(statistics.median(chained_calls), 1),
        "batch_txn_per_event_plain_us": round(plain_whole, 1),
        "batch_txn_per_event_chained_us": round(chained_whole, 1),
        "verify_events": args.verify,
        "verify_100k_s": round(verify_s, 2),
        "verify_cli_s": round(cli_s, 2),
        "verify_cli_names_all_chains_ok": cli_ok,
        "targets": TARGETS,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
