"""Each user's voice: kept in a small file, defaults from the workstation's [speech] settings."""

from __future__ import annotations

from pathlib import Path

from dispatch_desk.config.settings import SpeechSettings
from dispatch_desk.speech.voice import Voice, VoicePrefs


def test_voices_are_kept_per_user_and_default_from_settings(tmp_path: Path) -> None:
    default = Voice.from_settings(SpeechSettings(language="en", rate=160))
    prefs = VoicePrefs(tmp_path / "voices.json", default)
    assert prefs.for_user("dana") == default
    prefs.save("dana", Voice(language="es", voice="roa/es", rate=190, volume=0.6))
    again = VoicePrefs(tmp_path / "voices.json", default)  # as at the next sign-in
    assert again.for_user("dana") == Voice("es", "roa/es", 190, 0.6)
    assert again.for_user("casey") == default
    assert Voice("es").voice_id == "roa/es-419" and Voice("en").voice_id == "gmw/en-us"


def test_a_damaged_or_out_of_range_file_falls_back(tmp_path: Path) -> None:
    path = tmp_path / "voices.json"
    prefs = VoicePrefs(path, Voice())
    path.write_text('{"dana": {"rate": 9000, "language": "xx", "volume": 3}}', encoding="utf-8")
    assert prefs.for_user("dana") == Voice("en", "", 400, 1.0)
    path.write_text("{not json", encoding="utf-8")
    assert prefs.for_user("dana") == Voice()
