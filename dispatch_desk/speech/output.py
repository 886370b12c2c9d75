"""Where speech can be heard on this machine, and the engine to build for the settings."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from dispatch_desk.config.settings import SpeechSettings
from dispatch_desk.speech.engine import SilentEngine, SpeechEngine

# Linux players in order of preference: the sound server's own first, then bare ALSA.
LINUX_PLAYERS = (("paplay",), ("pw-play",), ("aplay", "-q"))


def _sound_server() -> bool:
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    return bool(os.environ.get("PULSE_SERVER")) or any(
        (Path(runtime) / name).exists() for name in ("pulse/native", "pipewire-0") if runtime
    )


def sound_output() -> str | None:
    """A short description of the sound output, or None when nothing could be heard."""
    if not sys.platform.startswith("linux"):
        return "system audio"
    if _sound_server() and (shutil.which("paplay") or shutil.which("pw-play")):
        return "sound server"
    try:
        cards = Path("/proc/asound/cards").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    lines = [line.strip() for line in cards.splitlines() if line.strip()]
    if not lines or "no soundcards" in lines[0]:
        return None
    return f"ALSA: {lines[0].split(':', 1)[-1].strip()}"


def find_player(setting: str) -> list[str] | None:
    """The player command for ``speech.player``; [] lets pyttsx3 play, None: none found."""
    if setting == "pyttsx3":
        return []
    if setting != "auto":
        return shlex.split(setting)
    if not sys.platform.startswith("linux"):
        return []
    server = _sound_server()
    for command in LINUX_PLAYERS:
        if command[0] in ("paplay", "pw-play") and not server:
            continue
        if shutil.which(command[0]):
            return list(command)
    return None


def make_engine(speech: SpeechSettings) -> tuple[SpeechEngine, str]:
    """The engine the settings ask for, and why that one (shown in the log and the self-test)."""
    if speech.engine == "silent":
        return SilentEngine(), "speech.engine = silent"
    player = find_player(speech.player)
    if speech.engine == "auto":
        if sound_output() is None:
            return SilentEngine(), "no sound device found"
        if player is None:
            return SilentEngine(), "no audio player found (install alsa-utils)"
    from dispatch_desk.speech.pyttsx3_engine import Pyttsx3Engine

    return Pyttsx3Engine(player=player or [], timeout_s=speech.timeout_s), "pyttsx3"
