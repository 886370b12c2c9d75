"""How a user wants to hear announcements: language, voice, rate and volume, kept per user.

A user's own choice is kept in ``voices.json`` in the settings folder, keyed by user name; the
workstation's [speech] settings are the default for anyone who has not chosen.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from dispatch_desk.config.settings import SpeechSettings

logger = logging.getLogger(__name__)

LANGUAGES = {"en": "English", "es": "Español"}
# espeak-ng voices shipped with Debian's espeak-ng-data; Latin American Spanish for US centres.
DEFAULT_VOICES = {"en": "gmw/en-us", "es": "roa/es-419"}


@dataclass(frozen=True)
class Voice:
    language: str = "en"
    voice: str = ""  # an engine voice id; empty: the language's default
    rate: int = 170  # words per minute
    volume: float = 1.0  # 0.0 .. 1.0

    @property
    def voice_id(self) -> str:
        return self.voice or DEFAULT_VOICES.get(self.language, DEFAULT_VOICES["en"])

    @classmethod
    def from_settings(cls, speech: SpeechSettings) -> Voice:
        return cls(speech.language, speech.voice, speech.rate, speech.volume)

    def checked(self) -> Voice:
        """The same voice with each value brought into range (a hand-edited file may be off)."""
        return replace(
            self,
            language=self.language if self.language in LANGUAGES else "en",
            rate=min(400, max(80, int(self.rate))),
            volume=min(1.0, max(0.0, float(self.volume))),
        )


class VoicePrefs:
    """Per-user voices in one small JSON file; unreadable entries fall back to the default."""

    def __init__(self, path: Path, default: Voice) -> None:
        self.path = path
        self.default = default

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            logger.warning("voice preferences %s unreadable (%s); using defaults", self.path, exc)
            return {}
        return data if isinstance(data, dict) else {}

    def for_user(self, username: str) -> Voice:
        entry = self._read().get(username)
        if not isinstance(entry, dict):
            return self.default
        try:
            chosen = {k: entry[k] for k in asdict(self.default) if k in entry}
            return replace(self.default, **chosen).checked()
        except (TypeError, ValueError):
            return self.default

    def save(self, username: str, voice: Voice) -> None:
        data = self._read()
        data[username] = asdict(voice.checked())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside and rename, so a crash never leaves half a file.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".voices-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
        os.replace(tmp, self.path)
