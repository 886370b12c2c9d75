"""The speech engine behind a small interface: pyttsx3 (in a helper process) or silent.

Every method may block for as long as speech takes; the announcer calls them from its own
worker thread, never from the event loop.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from pathlib import Path
from typing import Protocol

from dispatch_desk.speech.voice import Voice

logger = logging.getLogger(__name__)


class SpeechError(RuntimeError):
    """Speech failed this time (no sound device, a player error); the next may work."""


class EngineStuck(SpeechError):
    """The engine did not finish in time; it has been stopped and will be replaced."""


class SpeechEngine(Protocol):
    name: str

    def speak(self, text: str, voice: Voice) -> None:
        """Say ``text`` aloud and return when done; raise SpeechError if it could not."""

    def render(self, text: str, voice: Voice, path: Path) -> None:
        """Write ``text`` spoken as a WAV file at ``path``."""

    def close(self) -> None:
        """Stop at once, even mid-sentence; never blocks for long."""


class SilentEngine:
    """Speaks nothing and succeeds: for workstations without sound and for tests.

    It keeps the last sentences it was given, so a screen (or a test) can show what would have
    been said.
    """

    name = "silent"

    def __init__(self, keep: int = 50) -> None:
        self._said: deque[str] = deque(maxlen=keep)
        self._lock = threading.Lock()

    def speak(self, text: str, voice: Voice) -> None:
        with self._lock:
            self._said.append(text)

    def render(self, text: str, voice: Voice, path: Path) -> None:
        raise SpeechError("the silent speech engine cannot render audio")

    def close(self) -> None:
        pass

    @property
    def said(self) -> list[str]:
        with self._lock:
            return list(self._said)
