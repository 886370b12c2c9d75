"""Texts-panel benchmark: a burst of inbound texts against a signed-in call-taker window.

    python -m tests.benchmarks.texts_panel [--texts 1000] [--numbers 100]

--texts texts from --numbers numbers are handed to the store's writer at once, each its own
transaction, their change notices published on the GUI loop as the desk link does; the window
holds one of the conversations open. Reported: stored_s (until the last is stored),
settled_s (until the panel shows the final state), panel_reads (full reads the panel made:
coalesced, not one per text), gui_pause_max_ms / _p99_ms (gaps beyond 5 ms between ticks of a
5 ms QTimer during the burst), baseline_pause_max_ms (the same, idle, for a busy machine).
The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

TARGETS = {"gui_pause_max_ms": 250.0}


async def _pauses(run: Any) -> list[float]:
    from PySide6.QtCore import QTimer

    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append(max(0.0, 1000 * (now - last[0]) - 5))
        last[0] = now

    timer = QTimer(interval=5)
    timer.timeout.connect(beat)
    timer.start()
    try:
        await run
    finally:
        timer.stop()
    return gaps


async def _until(test: Any, timeout_s: float) -> None:
    deadline = time.perf_counter() + timeout_s
    while not test():
        if time.perf_counter() > deadline:
            raise SystemExit("texts_panel: timed out")
        await asyncio.sleep(0.01)


async def bench(texts: int, numbers: int) -> dict[str, Any]:
    from dispatch_desk.messaging import inbound
    from dispatch_desk.messaging.inbound import InboundText
    from tests.helpers.core import make_core
    from ui.app import DeskApp

    core = make_core(Path(tempfile.mkdtemp(prefix="dd-bench-")))
    desk = DeskApp(core)
    ready = asyncio.get_running_loop().create_future()
    desk.main_window_ready.connect(lambda w: ready.done() or ready.set_result(w))
    await desk.sign_in("calltaker", "calltaker-demo")
    window = await ready
    panel = window.texting.panel
    texting = core.settings.texting
    phones = [f"+161755{n:05d}" for n in range(numbers)]
    loop = asyncio.get_running_loop()
    published = [0]

    def publish(changes: list[Any]) -> None:
        published[0] += 1
        core.bus.publish(changes)

    def deliver(phone: str, body: str) -> None:
        future = core.store.submit_write(
            inbound.receive,
            InboundText(f"SM{uuid.uuid4().hex}", phone, texting.text911_number, body),
            now=core.clock(),
            text911_number=texting.text911_number,
            status_number=texting.status_number,
            conversations=core.conversations,
        )
        future.add_done_callback(lambda f: loop.call_soon_threadsafe(publish, f.result()[1]))

    deliver(phones[0], "first")
    await _until(lambda: bool(panel.waiting), 10)
    await panel.take(panel.waiting[0].id)
    baseline = await _pauses(asyncio.sleep(1.0))
    reads_before, published[0] = panel.reads, 0
    marks: dict[str, float] = {}

    async def burst() -> None:
        started = time.perf_counter()
        for n in range(texts):
            deliver(phones[n % numbers], f"t{n}")
        await _until(lambda: published[0] == texts, 300)
        marks["stored_s"] = time.perf_counter() - started
        mine = 1 + len(range(0, texts, numbers))
        await _until(
            lambda: (
                len(panel.waiting) == numbers - 1 and len(panel.thread_model.messages()) == mine
            ),
            120,
        )
        marks["settled_s"] = time.perf_counter() - started

    pauses = await _pauses(burst())
    reads = panel.reads - reads_before
    await desk.shutdown()
    ordered = sorted(pauses)
    return {
        "texts": texts,
        "numbers": numbers,
        "stored_s": round(marks["stored_s"], 2),
        "settled_s": round(marks["settled_s"], 2),
        "panel_reads": reads,
        "gui_pause_max_ms": round(ordered[-1], 1) if ordered else 0.0,
        "gui_pause_p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 1) if ordered else 0.0,
        "gui_pause_median_ms": round(statistics.median(ordered), 1) if ordered else 0.0,
        "baseline_pause_max_ms": round(max(baseline), 1) if baseline else 0.0,
        "targets": TARGETS,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--numbers", type=int, default=100)
    args = parser.parse_args()
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    QApplication(sys.argv[:1]).setQuitOnLastWindowClosed(False)
    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        result = runner.run(bench(args.texts, args.numbers))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
