"""Status-text rules benchmark: how long one pass holds the store's writer thread.

    python -m tests.benchmarks.status_texts [--open 200]

A demo desk on a real SQLite file gets --open mobile burglary reports, half with a unit on
scene. first_sweep_ms: the pass that queues their confirmations and steps; steady_sweep_ms
(median of 10) is the pass every poll makes when nothing is owed; due_sweep_ms is the pass at
minute 15 that settles every delay timer. The writer thread is the one a dispatcher's save
waits on, so the steady pass must stay short. The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from dispatch_desk.domain.enums import UnitStatus
from tests.helpers.core import FakeClock, actor_for, create_incident, make_core

TARGETS = {"steady_sweep_ms": 100.0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=200)
    args = parser.parse_args()
    clock = FakeClock()
    with tempfile.TemporaryDirectory() as tmp:
        core = make_core(Path(tmp), clock=clock)
        try:
            taker = actor_for(core, "calltaker")
            dispatcher = actor_for(core, "dispatcher")
            core.store.write_sync(core.status_texts.sweep, clock())  # the demo's own
            units = [u.id for u in core.store.read_sync(core.units.list)]
            for i in range(args.open):
                made = create_incident(
                    core,
                    taker,
                    incident_type="BURG",
                    class_of_service="WPH2",
                    callback_number=f"+1617555{i:04d}",
                    address=f"{i + 1} Main Street",
                )
                if i % 2 == 0 and i // 2 < len(units):
                    unit = units[i // 2]
                    try:
                        core.store.write_sync(core.units.assign, dispatcher, unit, made.id, clock())
                        core.store.write_sync(
                            core.units.set_status, dispatcher, unit, UnitStatus.ON_SCENE, clock()
                        )
                    except Exception:  # a demo unit already committed: leave this one waiting
                        pass

            def timed() -> tuple[float, int]:
                started = time.perf_counter()
                queued, _ = core.store.write_sync(core.status_texts.sweep, clock())
                return 1000 * (time.perf_counter() - started), queued

            first_ms, first_queued = timed()
            steady = [timed()[0] for _ in range(10)]
            clock.advance(minutes=15)
            due_ms, due_queued = timed()
        finally:
            core.close()
    result = {
        "open_incidents": args.open,
        "first_sweep_ms": round(first_ms, 1),
        "first_sweep_texts": first_queued,
        "steady_sweep_ms": round(statistics.median(steady), 1),
        "steady_sweep_max_ms": round(max(steady), 1),
        "due_sweep_ms": round(due_ms, 1),
        "due_sweep_texts": due_queued,
        "targets": TARGETS,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
