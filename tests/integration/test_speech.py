"""Real speech: pyttsx3 and espeak-ng in the helper process, WAV files checked sample by sample,
and the event loop measured while announcements run."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from dispatch_desk.alerts.centre import AlertCentre
from dispatch_desk.alerts.model import Phrase
from dispatch_desk.alerts.rules import SpeechRules
from dispatch_desk.alerts.speaker import AlertSpeaker
from dispatch_desk.config.settings import SpeechSettings
from dispatch_desk.domain.enums import Role
from dispatch_desk.speech.announcer import Announcer, AnnouncerEvent
from dispatch_desk.speech.check import check_speech
from dispatch_desk.speech.output import sound_output
from dispatch_desk.speech.pyttsx3_engine import Pyttsx3Engine
from dispatch_desk.speech.voice import Voice
from dispatch_desk.speech.wav import wav_stats
from tests.helpers.core import FakeClock

ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def recorder(folder: Path, pace_s: float = 0.0) -> list[str]:
    """A player that keeps each sentence's audio in ``folder`` instead of a loudspeaker
    (this machine has none): a real process given the real WAV, as aplay would be. With
    ``pace_s`` it takes that long, as playing the sentence would."""
    return ["sh", "-c", f'cp "$0" "{folder}/$(date +%s%N).wav"; sleep {pace_s}']


def say(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ui.main", "--home", str(home), "say", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=ENV,
        check=False,
    )


def test_say_to_file_renders_plausible_non_silent_speech(tmp_path: Path) -> None:
    target = tmp_path / "p1.wav"
    done = say(
        "--to-file",
        str(target),
        "--phrase",
        "incident.new",
        "priority=1",
        "discipline=ems",
        "address=400 N Main St",
        home=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "says: P one medical, four hundred North Main Street" in done.stdout
    stats = wav_stats(target)
    print(f"WAV: {stats.duration_s:.2f} s, RMS {stats.rms:.0f}, voiced {stats.voiced_fraction:.0%}")
    # 7 words at 170 words a minute is about 2.5 s of speech, plus pauses.
    assert 1.5 < stats.duration_s < 6.0
    assert stats.rms > 1000 and stats.peak > 8000
    assert stats.voiced_fraction > 0.5

    short, slow, fast = tmp_path / "short.wav", tmp_path / "slow.wav", tmp_path / "fast.wav"
    assert say("--to-file", str(short), "Engine one", home=tmp_path).returncode == 0
    text = "Caller video is live, twelve thirty-four Elm Boulevard"
    assert say("--to-file", str(slow), "--rate", "120", text, home=tmp_path).returncode == 0
    assert say("--to-file", str(fast), "--rate", "300", text, home=tmp_path).returncode == 0
    assert wav_stats(short).duration_s < stats.duration_s
    assert wav_stats(slow).duration_s > 1.8 * wav_stats(fast).duration_s


def test_spanish_is_rendered_with_a_spanish_voice(tmp_path: Path) -> None:
    engine = Pyttsx3Engine(timeout_s=10)
    try:
        english, spanish = tmp_path / "en.wav", tmp_path / "es.wav"
        engine.render("cuatrocientos", Voice("en"), english)
        engine.render("cuatrocientos", Voice("es"), spanish)
    finally:
        engine.close()
    assert not wav_stats(spanish).silent
    # Different voices, different sound: the same word is not the same audio.
    assert english.read_bytes() != spanish.read_bytes()


def test_a_stuck_engine_is_detected_and_replaced(tmp_path: Path) -> None:
    engine = Pyttsx3Engine(player=["sh", "-c", "sleep 60"], timeout_s=1.0)
    announcer = Announcer(engine, Voice(), gather_s=0)
    events: list[AnnouncerEvent] = []
    announcer.subscribe(events.append)
    announcer.start()
    try:
        started = time.monotonic()
        announcer.announce("Engine one", 1)
        deadline = started + 10
        while not any(e.kind == "failed" for e in events) and time.monotonic() < deadline:
            time.sleep(0.02)
        failed = [e for e in events if e.kind == "failed"]
        assert failed and "engine replaced" in failed[0].detail
        assert time.monotonic() - started < 4  # 1 s + 0.1 s a character, not 60 s
        assert engine.restarts == 1
        engine.player = recorder(tmp_path)  # a working player from now on
        announcer.announce("Medic seven", 1)
        while sum(e.kind == "spoken" for e in events) < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [e.announcement.text for e in events if e.kind == "spoken"] == ["Medic seven"]
        assert len(list(tmp_path.glob("*.wav"))) == 1
    finally:
        announcer.close()
    leftover = subprocess.run(["pgrep", "-f", "sleep 60"], capture_output=True, check=False)
    assert leftover.stdout.strip() == b"", "the stuck player was not killed"


@pytest.mark.slow
def test_the_gui_loop_never_stalls_while_twenty_announcements_are_spoken(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    engine = Pyttsx3Engine(player=recorder(tmp_path, pace_s=0.15), timeout_s=10)
    announcer = Announcer(engine, Voice(), loop=qloop, stale_after_s=120)
    centre = AlertCentre(FakeClock(), repeat_window_s=60)
    rules = SpeechRules.from_settings(SpeechSettings(max_priority=5))
    speaker = AlertSpeaker(centre, announcer, rules, Role.SUPERVISOR)
    events: list[AnnouncerEvent] = []
    announcer.subscribe(events.append)
    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer(interval=5)
    timer.timeout.connect(beat)
    timer.start()
    announcer.start()
    try:
        qtbot.waitUntil(lambda: engine._helper is not None, timeout=20000)  # warmed up
        qtbot.wait(100)
        gaps.clear()
        last[0] = time.perf_counter()
        for n in range(20):
            centre.raise_alert(
                "incident.new",
                f"alert {n}",
                phrase=Phrase(
                    "incident.new",
                    {"priority": 1 + n % 3, "discipline": "ems", "address": f"{100 + n} N Main St"},
                ),
                priority=1 + n % 3,
            )
        qtbot.waitUntil(
            lambda: sum(e.kind in ("spoken", "failed", "dropped") for e in events) == 20,
            timeout=60000,
        )
        qtbot.wait(50)
    finally:
        timer.stop()
        speaker.close()
        announcer.close()
    stall_ms = [1000 * (g - 0.005) for g in gaps]
    worst, median = max(stall_ms), statistics.median(stall_ms)
    print(f"event-loop stall during 20 announcements: median {median:.1f} ms, max {worst:.1f} ms")
    assert [(e.kind, e.detail) for e in events if e.kind in ("failed", "dropped")] == []
    assert len(list(tmp_path.glob("*.wav"))) == 20
    assert all(not wav_stats(p).silent for p in tmp_path.glob("*.wav"))
    spoken = [e.announcement.priority for e in events if e.kind == "spoken"]
    assert spoken[1:] == sorted(spoken[1:])  # after the first, strictly by priority
    assert worst <= 50


def test_self_test_reports_whether_speech_works_here() -> None:
    assert check_speech(SpeechSettings(engine="silent")).startswith("off")
    line = check_speech(SpeechSettings(engine="auto"))
    assert "pyttsx3 2.99 (espeak)" in line and "s of speech rendered" in line
    if sound_output() is None:
        assert "no sound device" in line
        with pytest.raises(RuntimeError, match="no sound device"):
            check_speech(SpeechSettings(engine="pyttsx3"))
    else:
        assert "plays through" in line
