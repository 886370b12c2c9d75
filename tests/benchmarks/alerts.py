"""Spoken-alerts benchmark: how long the GUI event loop stalls while announcements run, and what
a rendered phrase sounds like.

    python -m tests.benchmarks.alerts [--announcements 20] [--pace 0.15]

stall_*_ms: the longest and median gap beyond 5 ms between ticks of a 5 ms QTimer on the qasync
loop while --announcements alerts are raised at once and spoken through the real pyttsx3 helper
(espeak-ng), the "player" keeping each WAV and taking --pace seconds as playback would;
baseline_stall_max_ms is the same measure with nothing spoken, for comparison on a busy machine.
wav_*: "P one medical, four hundred North Main Street" rendered by `dispatch-desk say --to-file`.
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

TARGETS = {"stall_max_ms": 50.0}


async def _measure(seconds: float | None, run: object = None) -> list[float]:
    from PySide6.QtCore import QTimer

    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append(1000 * (now - last[0]) - 5)
        last[0] = now

    timer = QTimer(interval=5)
    timer.timeout.connect(beat)
    timer.start()
    try:
        if run is None:
            await asyncio.sleep(seconds or 1.0)
        else:
            await run  # type: ignore[misc]
    finally:
        timer.stop()
    return gaps


async def stalls(count: int, pace_s: float, folder: Path) -> dict[str, float]:
    from dispatch_desk.alerts.centre import AlertCentre
    from dispatch_desk.alerts.model import Phrase
    from dispatch_desk.alerts.rules import SpeechRules
    from dispatch_desk.alerts.speaker import AlertSpeaker
    from dispatch_desk.config.settings import SpeechSettings
    from dispatch_desk.domain.enums import Role
    from dispatch_desk.speech.announcer import Announcer, AnnouncerEvent
    from dispatch_desk.speech.pyttsx3_engine import Pyttsx3Engine
    from dispatch_desk.speech.voice import Voice
    from tests.helpers.core import FakeClock

    loop = asyncio.get_running_loop()
    player = ["sh", "-c", f'cp "$0" "{folder}/$(date +%s%N).wav"; sleep {pace_s}']
    engine = Pyttsx3Engine(player=player, timeout_s=10)
    announcer = Announcer(engine, Voice(), loop=loop, stale_after_s=600)
    centre = AlertCentre(FakeClock())
    rules = SpeechRules.from_settings(SpeechSettings(max_priority=5))
    speaker = AlertSpeaker(centre, announcer, rules, Role.SUPERVISOR)
    done = loop.create_future()
    finished: list[AnnouncerEvent] = []

    def on_event(event: AnnouncerEvent) -> None:
        if event.kind in ("spoken", "failed", "dropped"):
            finished.append(event)
            if len(finished) == count and not done.done():
                done.set_result(None)

    announcer.subscribe(on_event)
    announcer.start()
    while engine._helper is None:
        await asyncio.sleep(0.05)
    baseline = await _measure(1.0)

    async def speak_all() -> None:
        for n in range(count):
            centre.raise_alert(
                "incident.new",
                f"alert {n}",
                phrase=Phrase(
                    "incident.new",
                    {"priority": 1 + n % 3, "discipline": "ems", "address": f"{100 + n} N Main St"},
                ),
                priority=1 + n % 3,
            )
        await done

    started = time.perf_counter()
    gaps = await _measure(None, speak_all())
    elapsed = time.perf_counter() - started
    speaker.close()
    announcer.close()
    spoken = sum(e.kind == "spoken" for e in finished)
    return {
        "announcements": count,
        "spoken": spoken,
        "speaking_s": round(elapsed, 2),
        "stall_median_ms": round(statistics.median(gaps), 2),
        "stall_max_ms": round(max(gaps), 2),
        "baseline_stall_max_ms": round(max(baseline), 2),
    }


def wav(home: Path) -> dict[str, float]:
    from dispatch_desk.speech.wav import wav_stats

    target = home / "p1.wav"
    subprocess.run(
        [sys.executable, "-m", "ui.main", "--home", str(home), "say", "--to-file", str(target),
         "--phrase", "incident.new", "priority=1", "discipline=ems", "address=400 N Main St"],
        check=True,
        capture_output=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    stats = wav_stats(target)
    return {
        "wav_duration_s": round(stats.duration_s, 2),
        "wav_rms": round(stats.rms),
        "wav_voiced_fraction": round(stats.voiced_fraction, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--announcements", type=int, default=20)
    parser.add_argument("--pace", type=float, default=0.15)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="dd-bench-alerts-") as scratch:
        folder = Path(scratch)
        with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
            result = runner.run(stalls(args.announcements, args.pace, folder))
        result.update(wav(folder))
    del app
    result["targets"] = TARGETS
    result["ok"] = result["stall_max_ms"] <= TARGETS["stall_max_ms"] and result["spoken"] == (
        args.announcements
    )
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
