"""Startup and save benchmark for the call-taker workstation.

    python -m tests.benchmarks.startup [--runs 5] [--incidents 1000]

cold_start_s: process start until the call-taker window accepts input (signed in, lists
loaded, form focused), from spawning `python -m ui.main --startup-probe` to the READY time it
prints; median of --runs starts against an existing local store (the first start, which creates
and seeds the demo store, is reported apart as first_start_s).
incident_save_p95_ms: from the form's submit (Ctrl+S) until the incident's row is committed
(the store's change notice after COMMIT), over --incidents incidents typed into the real form.
The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"cold_start_s": 2.0, "incident_save_p95_ms": 20.0}


def cold_start(home: Path) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    spawned = time.time()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ui.main",
            "--home",
            str(home),
            "--user",
            "calltaker",
            "--password-stdin",
            "--startup-probe",
        ],
        input="calltaker-demo\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    ready = [line for line in result.stdout.splitlines() if line.startswith("READY ")]
    if result.returncode != 0 or not ready:
        raise RuntimeError(f"startup failed: {result.stderr[-2000:]}")
    return float(ready[0].split()[1]) - spawned


async def save_latencies(home: Path, count: int) -> list[float]:
    from dispatch_desk.config.paths import resolve_paths
    from dispatch_desk.config.settings import load_settings
    from dispatch_desk.desk import DeskCore
    from ui.app import DeskApp

    paths = resolve_paths(home)
    paths.ensure()
    core = DeskCore.open(load_settings(paths, environ={}), paths)
    desk = DeskApp(core)
    window = await desk.sign_in("calltaker", "calltaker-demo")
    assert window is not None
    form = window.form
    latencies: list[float] = []
    committed: asyncio.Future[float] | None = None

    def on_changes(changes: list) -> None:  # type: ignore[type-arg]
        if (
            committed is not None
            and not committed.done()
            and any(c.kind == "incident" for c in changes)
        ):
            committed.set_result(time.perf_counter())

    core.bus.subscribe(on_changes)
    loop = asyncio.get_running_loop()
    for i in range(count):
        window.answer_next()
        form.callback.setText(f"(617) 555-{100 + i % 100:04d}")
        form.caller_name.setText("Benchmark Caller")
        form.address.setText(f"{i + 1} BENCHMARK ST")
        form.incident_type.setCurrentText("THEFT")
        form.narrative.setPlainText(f"Benchmark incident {i}: bicycle taken from the porch.")
        committed = loop.create_future()
        saved = loop.create_future()
        window.incident_saved.connect(lambda s, f=saved: f.done() or f.set_result(s))
        started = time.perf_counter()
        form.request_save()
        done_at = await asyncio.wait_for(committed, 10)
        latencies.append((done_at - started) * 1000)
        await asyncio.wait_for(saved, 10)
        window.incident_saved.disconnect()
    await desk.shutdown()
    return latencies


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--incidents", type=int, default=1000)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="dd-bench-") as tmp:
        home = Path(tmp) / "startup"
        first = cold_start(home)
        starts = [cold_start(home) for _ in range(args.runs)]
        print(
            f"cold starts (s): first {first:.3f}, then {', '.join(f'{s:.3f}' for s in starts)}",
            file=sys.stderr,
        )

        import qasync
        from PySide6.QtWidgets import QApplication

        QApplication(sys.argv[:1]).setQuitOnLastWindowClosed(False)
        with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
            saves = runner.run(save_latencies(Path(tmp) / "saves", args.incidents))
    result = {
        "cold_start_s": round(statistics.median(starts), 3),
        "cold_start_runs_s": [round(s, 3) for s in starts],
        "first_start_s": round(first, 3),
        "incident_save_p50_ms": round(p(saves, 0.50), 2),
        "incident_save_p95_ms": round(p(saves, 0.95), 2),
        "incident_save_max_ms": round(max(saves), 2),
        "incidents": len(saves),
        "targets": TARGETS,
    }
    result["pass"] = (
        result["cold_start_s"] <= TARGETS["cold_start_s"]
        and result["incident_save_p95_ms"] <= TARGETS["incident_save_p95_ms"]
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
