"""``dispatch-desk say``: hear (or save) a sentence or an alert phrase as the desk says it."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from dispatch_desk.alerts.model import Phrase
from dispatch_desk.config.settings import SpeechSettings
from dispatch_desk.speech.engine import SpeechError
from dispatch_desk.speech.output import find_player
from dispatch_desk.speech.phrases import TEMPLATES, PhraseBook
from dispatch_desk.speech.voice import Voice
from dispatch_desk.speech.wav import wav_stats


def sentence(words: Sequence[str], phrase: str | None, language: str) -> str:
    """The text to speak: the words as given, or ``phrase`` filled from key=value words."""
    if phrase is None:
        return " ".join(words)
    if phrase not in TEMPLATES[language]:
        raise ValueError(f"no phrase {phrase!r} (known: {', '.join(sorted(TEMPLATES[language]))})")
    fields: dict[str, str | int] = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep:
            raise ValueError(f"phrase fields are key=value, got {word!r}")
        fields[key.strip()] = int(value) if value.strip().isdigit() else value.strip()
    return PhraseBook(language).render(Phrase(phrase, fields))


def run_say(
    speech: SpeechSettings,
    words: Sequence[str],
    *,
    to_file: Path | None = None,
    phrase: str | None = None,
    language: str | None = None,
    voice: str | None = None,
    rate: int | None = None,
    volume: float | None = None,
) -> int:
    base = Voice.from_settings(speech)
    chosen = replace(
        base,
        language=language or base.language,
        voice=voice if voice is not None else base.voice if not language else "",
        rate=rate or base.rate,
        volume=volume if volume is not None else base.volume,
    ).checked()
    try:
        text = sentence(words, phrase, chosen.language)
    except ValueError as exc:
        print(f"dispatch-desk say: {exc}", file=sys.stderr)
        return 2
    if not text.strip():
        print("dispatch-desk say: nothing to say", file=sys.stderr)
        return 2
    from dispatch_desk.speech.pyttsx3_engine import Pyttsx3Engine

    player = find_player(speech.player)
    if to_file is None and player is None:
        print("dispatch-desk say: no audio player (paplay, pw-play or aplay)", file=sys.stderr)
        return 1
    engine = Pyttsx3Engine(player=player or [], timeout_s=speech.timeout_s)
    try:
        print(f"says: {text}")
        if to_file is not None:
            engine.render(text, chosen, to_file)
            stats = wav_stats(to_file)
            print(
                f"wrote {to_file}: {stats.duration_s:.2f} s, RMS {stats.rms:.0f}, "
                f"voiced {stats.voiced_fraction:.0%} ({chosen.voice_id}, {chosen.rate} wpm)"
            )
        else:
            engine.speak(text, chosen)
    except SpeechError as exc:
        print(f"dispatch-desk say: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.close()
    return 0
