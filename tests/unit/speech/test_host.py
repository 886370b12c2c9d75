"""Render retries when espeak-ng hands back no audio, and says why when it never does."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from dispatch_desk.speech.host import Host


class FlakyEngine:
    """Stands in for pyttsx3's engine: the first `empty` renders write a WAV with no frames."""

    def __init__(self, empty: int) -> None:
        self.empty = empty
        self.renders = 0
        self._pending: str | None = None

    def save_to_file(self, text: str, path: str) -> None:
        self._pending = path

    def runAndWait(self) -> None:
        assert self._pending is not None
        self.renders += 1
        with wave.open(self._pending, "wb") as f:
            f.setnchannels(1)
            f.setsampwidth(2)
            f.setframerate(22050)
            f.writeframes(b"" if self.renders <= self.empty else b"\x01\x00" * 22050)


def host_with(engine: FlakyEngine) -> Host:
    host = Host.__new__(Host)
    host.engine = engine
    return host


def test_an_empty_render_is_tried_again(tmp_path: Path) -> None:
    engine = FlakyEngine(empty=1)
    assert host_with(engine).render("Priority one", str(tmp_path / "a.wav")) == "1.00 s"
    assert engine.renders == 2


def test_a_render_that_stays_empty_fails_with_the_reason(tmp_path: Path) -> None:
    engine = FlakyEngine(empty=10)
    with pytest.raises(RuntimeError, match="empty file"):
        host_with(engine).render("Priority one", str(tmp_path / "a.wav"))
    assert engine.renders == 3
