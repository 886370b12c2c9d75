"""The speech helper process: pyttsx3 and espeak-ng, driven by one JSON line per request.

    python -m dispatch_desk.speech.host

pyttsx3 runs here rather than in the workstation because its runAndWait can hang, espeak-ng
can be initialised only once per process, and on Linux pyttsx3 plays through a player it never
checks. A stuck helper is killed and a new one started; the workstation never waits for it.

Requests on stdin, one reply per request on the original stdout:
    {"id": 1, "op": "render", "text": "...", "path": "/tmp/a.wav", "voice": {...}}
    {"id": 2, "op": "speak", "text": "...", "voice": {...}, "player": ["aplay", "-q"]}
    {"id": 3, "op": "voices"}
    -> {"id": 1, "ok": true, "detail": "..."} or {"id": 1, "ok": false, "error": "..."}
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import wave
from pathlib import Path
from typing import Any, TextIO


def _protocol_channel() -> TextIO:
    # pyttsx3 prints ("Audio saved to ...") and espeak-ng writes to fd 1: keep the real stdout
    # for replies and send everything else to stderr.
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return channel


class Host:
    def __init__(self) -> None:
        from importlib.metadata import version

        import pyttsx3

        self.engine = pyttsx3.init()
        self.driver = f"pyttsx3 {version('pyttsx3')} ({self.engine.driver_name})"

    def configure(self, voice: dict[str, Any]) -> None:
        if voice.get("voice"):
            self.engine.setProperty("voice", voice["voice"])
        self.engine.setProperty("rate", int(voice.get("rate", 170)))
        self.engine.setProperty("volume", float(voice.get("volume", 1.0)))

    def render(self, text: str, path: str) -> str:
        # espeak-ng now and then ends an utterance before handing pyttsx3 any audio (seen about
        # once in a few thousand renders on a loaded machine); the text is the same, so try again.
        problem = ""
        for _attempt in range(3):
            target = Path(path)
            target.unlink(missing_ok=True)
            self.engine.save_to_file(text, str(target))
            self.engine.runAndWait()
            try:
                with wave.open(str(target), "rb") as wav:
                    frames, rate = wav.getnframes(), wav.getframerate()
            except (OSError, EOFError, wave.Error) as exc:
                problem = f"no audio was written ({exc})"
                continue
            if frames == 0:
                problem = "the engine wrote an empty file"
                continue
            return f"{frames / rate:.2f} s"
        raise RuntimeError(problem)

    def speak(self, text: str, player: list[str]) -> str:
        if not player:  # pyttsx3 plays it itself (Windows, macOS): no way to know it failed
            self.engine.say(text)
            self.engine.runAndWait()
            return "spoken by pyttsx3"
        fd, name = tempfile.mkstemp(prefix="dd-say-", suffix=".wav")
        os.close(fd)
        try:
            length = self.render(text, name)
            done = subprocess.run(
                [*player, name], capture_output=True, text=True, check=False, stdin=None
            )
        finally:
            Path(name).unlink(missing_ok=True)
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()
            why = lines[-1] if lines else f"exit status {done.returncode}"
            raise RuntimeError(f"{player[0]} failed: {why}")
        return f"played {length}"

    def voices(self) -> list[dict[str, Any]]:
        return [
            {"id": v.id, "name": v.name, "languages": list(v.languages or [])}
            for v in self.engine.getProperty("voices")
        ]

    def handle(self, request: dict[str, Any]) -> Any:
        op = request.get("op")
        if op == "ping":
            return self.driver
        if op == "voices":
            return self.voices()
        self.configure(request.get("voice") or {})
        if op == "render":
            return self.render(str(request["text"]), str(request["path"]))
        if op == "speak":
            return self.speak(str(request["text"]), list(request.get("player") or []))
        raise ValueError(f"unknown request {op!r}")


def main() -> int:
    channel = _protocol_channel()
    try:
        host = Host()
    except Exception as exc:  # reported to the workstation, which shows it in the self-test
        channel.write(json.dumps({"id": 0, "ok": False, "error": f"{type(exc).__name__}: {exc}"}))
        channel.write("\n")
        return 1
    channel.write(json.dumps({"id": 0, "ok": True, "detail": host.driver}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        request: dict[str, Any] = {}
        try:
            request = json.loads(line)
            reply = {"id": request.get("id"), "ok": True, "detail": host.handle(request)}
        except Exception as exc:  # one failed request never ends the helper
            reply = {"id": request.get("id"), "ok": False, "error": f"{exc}"}
        channel.write(json.dumps(reply) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
