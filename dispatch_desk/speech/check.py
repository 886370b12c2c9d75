"""The self-test's speech check: can this workstation speak, and will anyone hear it?"""

from __future__ import annotations

import tempfile
from pathlib import Path

from dispatch_desk.config.settings import SpeechSettings
from dispatch_desk.speech.output import find_player, sound_output
from dispatch_desk.speech.voice import Voice
from dispatch_desk.speech.wav import wav_stats

PROBE = "Dispatch desk speech check"


def check_speech(speech: SpeechSettings) -> str:
    """Render a phrase with the real engine and look at the sound; raise if speech cannot work
    as configured. Returns one line for the self-test."""
    if speech.engine == "silent":
        return "off (speech.engine = silent): alerts are shown, not spoken"
    from dispatch_desk.speech.pyttsx3_engine import Pyttsx3Engine

    engine = Pyttsx3Engine(timeout_s=min(speech.timeout_s, 15.0))
    try:
        described = engine.describe()
        with tempfile.TemporaryDirectory(prefix="dd-speech-") as scratch:
            target = Path(scratch) / "probe.wav"
            engine.render(PROBE, Voice.from_settings(speech), target)
            stats = wav_stats(target)
    finally:
        engine.close()
    if stats.silent:
        raise RuntimeError(f"{described} rendered silence")
    synthesis = f"{described}, {stats.duration_s:.1f} s of speech rendered"
    output = sound_output()
    player = find_player(speech.player)
    if output is None:
        if speech.engine == "pyttsx3":
            raise RuntimeError(f"{synthesis}, but no sound device: announcements cannot be heard")
        return f"{synthesis}; no sound device, so alerts are shown, not spoken"
    if player is None:
        raise RuntimeError(f"{synthesis}, but no audio player (paplay, pw-play or aplay)")
    how = " ".join(player) if player else "pyttsx3"
    return f"{synthesis}; plays through {how} ({output})"
