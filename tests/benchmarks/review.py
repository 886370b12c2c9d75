"""Review benchmark: the search on many incidents, the timeline of a busy incident, scrubbing.

    python -m tests.benchmarks.review [--incidents 100000] [--queries 30] [--marks 2000]

1. Search: --incidents incidents over a year (30 types, 5 dispositions, 4 dispatchers, one call
   each with its own number) written in bulk to a demo store; each filter of the review search
   (date range only, type, disposition, dispatcher, caller number, all together) run --queries
   times with varied values through the store's reader, as the window runs it (first page of
   100, then the rows). Median and p95 in ms, per filter and overall; and SQLite's query plan
   of each, with whether it reads an index (never a full scan of the incidents).
2. Timeline: an incident with --marks marks (chat, texts, narrative, status, units, bookmarks)
   and 500 GPS fixes; median of 10 builds (``timeline.collect``) in ms.
3. Scrub to frame: a 60 s recording made by the desk's own recorder, opened in the review's
   player (offscreen Qt, real libvlc and PyAV); 40 seeks to random instants while paused, ms
   from the seek to the exact picture painted (median, p95).
The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

TARGETS = {"search_p95_ms": 250.0, "timeline_median_ms": 500.0, "scrub_p95_ms": 150.0}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bulk(core, count: int, rng: random.Random, users: list[uuid.UUID]) -> list[str]:  # type: ignore[no-untyped-def]
    from sqlalchemy import insert

    from dispatch_desk.domain.enums import CallKind, IncidentStatus
    from dispatch_desk.storage.models import Call, Incident, new_id

    types = [t.code for t in core.catalog.all()][:30]
    dispositions = list(core.profile.dispositions)[:5]
    start = core.clock() - timedelta(days=365)

    def write(session) -> None:  # type: ignore[no-untyped-def]
        incidents, calls = [], []
        for n in range(count):
            created = start + timedelta(seconds=rng.uniform(0, 365 * 86400))
            incident_id = new_id()
            number = f"+1617{rng.randrange(10**7):07d}"
            incidents.append(
                {
                    "id": incident_id,
                    "number": f"BR-{n:07d}",
                    "type_code": rng.choice(types),
                    "apco_code": "X",
                    "priority": 2,
                    "status": IncidentStatus.CLOSED,
                    "address": f"{n} Bench St",
                    "address_key": f"{n} BENCH ST",
                    "disposition": rng.choice(dispositions),
                    "created_at": created,
                    "updated_at": created,
                    "closed_at": created + timedelta(minutes=30),
                    "created_by": rng.choice(users),
                    "workstation": "bench",
                }
            )
            calls.append(
                {
                    "id": new_id(),
                    "incident_id": incident_id,
                    "kind": CallKind.PHONE,
                    "ani_e164": number,
                    "callback_e164": number,
                    "ali_text": "",
                    "received_at": created,
                    "answered_at": created,
                    "taken_by": rng.choice(users),
                    "workstation": "bench",
                    "created_at": created,
                    "class_of_service": "WPH2",
                }
            )
            if len(incidents) == 5000:
                session.execute(insert(Incident), incidents)
                session.execute(insert(Call), calls)
                incidents, calls = [], []
        if incidents:
            session.execute(insert(Incident), incidents)
            session.execute(insert(Call), calls)

    core.store.write_sync(write)
    return types


def bench_search(core, args, rng: random.Random) -> dict:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from dispatch_desk.review.search import ReviewFilter, id_query, search_sync
    from dispatch_desk.storage.models import Call
    from tests.helpers.core import actor_for

    users = [u.username for u in core.profile.users]
    ids = core.store.read_sync(
        lambda s: [u.id for u in s.query(__import__("dispatch_desk").storage.models.User)]
    )
    started = time.perf_counter()
    types = bulk(core, args.incidents, rng, ids)
    made_s = time.perf_counter() - started
    numbers = core.store.read_sync(
        lambda s: [n for (n,) in s.query(Call.callback_e164).limit(2000)]
    )
    now = core.clock()
    reviewer = actor_for(core, "supervisor")
    dispositions = list(core.profile.dispositions)[:5]

    def window() -> tuple:  # type: ignore[type-arg]
        end = now - timedelta(days=rng.uniform(0, 300))
        return end - timedelta(days=30), end

    makers = {
        "range_30d": lambda: ReviewFilter(*window()),
        "type_year": lambda: ReviewFilter(
            now - timedelta(days=366), now, type_code=rng.choice(types)
        ),
        "disposition_30d": lambda: ReviewFilter(*window(), disposition=rng.choice(dispositions)),
        "dispatcher_30d": lambda: ReviewFilter(*window(), dispatcher=rng.choice(users)),
        "caller_year": lambda: ReviewFilter(
            now - timedelta(days=366), now, caller_number=rng.choice(numbers)[-7:]
        ),
        "caller_partial_year": lambda: ReviewFilter(
            now - timedelta(days=366), now, caller_number=rng.choice(numbers)[-4:]
        ),
        "all_30d": lambda: ReviewFilter(
            *window(),
            type_code=rng.choice(types),
            disposition=rng.choice(dispositions),
            dispatcher=rng.choice(users),
            caller_number="617",
        ),
    }
    per: dict[str, dict] = {}
    every: list[float] = []
    for name, make in makers.items():
        times = []
        for _ in range(args.queries):
            f = make()
            f = ReviewFilter(**{**f.__dict__, "page_size": 100})
            t0 = time.perf_counter()
            page = search_sync(core.store, reviewer, now, f)  # the read and its audit row
            times.append((time.perf_counter() - t0) * 1000)
        every += times
        plan = core.store.read_sync(
            lambda s, f=f: [
                row[-1]
                for row in s.execute(
                    text("EXPLAIN QUERY PLAN " + str(_compiled(s, id_query(s, f))))
                )
            ]
        )
        per[name] = {
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(pct(times, 0.95), 1),
            "last_rows": len(page.rows),
            "plan": plan,
            "full_scan_of_incidents": any(
                p.startswith("SCAN incident") and "INDEX" not in p for p in plan
            ),
        }
    return {
        "incidents": args.incidents,
        "bulk_insert_s": round(made_s, 1),
        "median_ms": round(statistics.median(every), 1),
        "p95_ms": round(pct(every, 0.95), 1),
        "filters": per,
    }


def _compiled(session, query) -> str:  # type: ignore[no-untyped-def]
    return str(query.compile(dialect=session.bind.dialect, compile_kwargs={"literal_binds": True}))


def bench_timeline(core, args, rng: random.Random) -> dict:  # type: ignore[no-untyped-def]
    from dispatch_desk.domain.citizen import Direction, InviteKind, SessionState
    from dispatch_desk.domain.enums import LocationSource, UnitStatus
    from dispatch_desk.domain.texting import Purpose, SmsDirection, SmsStatus
    from dispatch_desk.review import timeline
    from dispatch_desk.storage.models import (
        AuditEvent,
        CitizenMessage,
        CitizenSession,
        Location,
        NarrativeEntry,
        ReviewBookmark,
        SmsMessage,
        Unit,
        UnitStatusEvent,
    )
    from tests.helpers.core import actor_for, create_incident

    dispatcher = actor_for(core, "dispatcher")
    incident = create_incident(core, dispatcher, address="1 Bench Street")
    t0 = core.clock()
    per_kind = args.marks // 6

    def write(session) -> None:  # type: ignore[no-untyped-def]
        live = CitizenSession(
            incident_id=incident.id,
            kind=InviteKind.VIDEO,
            state=SessionState.ENDED,
            phone_e164="+16175550101",
            token_hash=uuid.uuid4().hex * 2,
            created_at=t0,
            expires_at=t0 + timedelta(hours=1),
            workstation="bench",
            updated_at=t0,
        )
        session.add(live)
        session.flush()
        unit_id = session.query(Unit.id).first()[0]
        at = lambda: t0 + timedelta(seconds=rng.uniform(0, 3600))  # noqa: E731
        for n in range(per_kind):
            session.add(
                CitizenMessage(
                    session_id=live.id,
                    incident_id=incident.id,
                    direction=Direction.FROM_CALLER,
                    text=f"message {n}",
                    at=at(),
                )
            )
            session.add(
                NarrativeEntry(incident_id=incident.id, at=at(), author_name="B", text=f"n {n}")
            )
            session.add(
                SmsMessage(
                    direction=SmsDirection.IN,
                    purpose=Purpose.CONVERSATION,
                    to_e164="+16175550100",
                    body=f"text {n}",
                    status=SmsStatus.RECEIVED,
                    idempotency_key=f"bench-{n}-{uuid.uuid4()}",
                    incident_id=incident.id,
                    created_at=at(),
                    updated_at=t0,
                )
            )
            session.add(
                AuditEvent(
                    at=at(),
                    username="b",
                    workstation="bench",
                    action="incident.update",
                    entity_type="incident",
                    entity_id=str(incident.id),
                )
            )
            session.add(
                UnitStatusEvent(
                    unit_id=unit_id,
                    incident_id=incident.id,
                    status=UnitStatus.EN_ROUTE,
                    at=at(),
                    workstation="bench",
                )
            )
            session.add(
                ReviewBookmark(
                    incident_id=incident.id,
                    at=at(),
                    note=f"b {n}",
                    author_name="B",
                    workstation="bench",
                    created_at=t0,
                )
            )
        for n in range(500):
            session.add(
                Location(
                    incident_id=incident.id,
                    source=LocationSource.DEVICE,
                    latitude=42.36 + n * 1e-5,
                    longitude=-71.06,
                    uncertainty_m=5.0,
                    recorded_at=t0 + timedelta(seconds=n * 7),
                )
            )

    core.store.write_sync(write)
    times, marks = [], 0
    for _ in range(10):
        t = time.perf_counter()
        line = core.store.read_sync(timeline._collect, incident.id)  # the read, not the audit
        times.append((time.perf_counter() - t) * 1000)
        marks = len(line.marks)
    return {
        "marks": marks,
        "fixes": len(line.trail),
        "median_ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
    }


def bench_scrub(tmp: Path, rng: random.Random) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from tests.ui.review.recorded import write_video
    from ui.review.video import RecordingPlayer

    app = QApplication.instance() or QApplication([])
    path = tmp / "video-01.mp4"
    length = write_video(path, 60.0)

    def spin(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.001)

    player = RecordingPlayer()
    player.resize(640, 480)
    player.show()
    player.open(path, paused=True)
    spin(1.5)
    times, misses = [], 0
    for _ in range(40):
        target = rng.uniform(0, length)
        painted = player.painted_frames
        t0 = time.perf_counter()
        player.seek(target)
        while time.perf_counter() - t0 < 3.0:
            app.processEvents()
            shown = player.shown_s
            if (
                player.painted_frames > painted
                and shown is not None
                and abs(shown - target) < 0.045
            ):
                break
            time.sleep(0.0005)
        else:
            misses += 1
            continue
        times.append((time.perf_counter() - t0) * 1000)
        spin(0.05)
    player.shutdown()
    spin(0.3)
    return {
        "recording_s": round(length, 1),
        "seeks": 40,
        "missed": misses,
        "median_ms": round(statistics.median(times), 1) if times else None,
        "p95_ms": round(pct(times, 0.95), 1) if times else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--marks", type=int, default=2000)
    args = parser.parse_args(argv)
    from tests.helpers.core import FakeClock, make_core

    rng = random.Random(8)
    with tempfile.TemporaryDirectory(prefix="dd-bench-review-") as folder:
        tmp = Path(folder)
        core = make_core(tmp, clock=FakeClock())
        try:
            search_result = bench_search(core, args, rng)
            print(json.dumps({"search": search_result}, indent=1), file=sys.stderr)
            timeline_result = bench_timeline(core, args, rng)
        finally:
            core.close()
        scrub_result = bench_scrub(tmp, rng)
    result = {
        "benchmark": "review",
        "search": {k: v for k, v in search_result.items() if k != "filters"}
        | {
            "per_filter": {
                k: {kk: vv for kk, vv in v.items() if kk != "plan"}
                for k, v in search_result["filters"].items()
            }
        },
        "timeline": timeline_result,
        "scrub_to_frame": scrub_result,
        "targets": TARGETS,
        "met": {
            "search_p95_ms": search_result["p95_ms"] <= TARGETS["search_p95_ms"],
            "timeline_median_ms": timeline_result["median_ms"] <= TARGETS["timeline_median_ms"],
            "scrub_p95_ms": (scrub_result["p95_ms"] or 1e9) <= TARGETS["scrub_p95_ms"],
        },
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
