"""pyttsx3 speech in a helper process (dispatch_desk.speech.host) that can be killed and replaced.

Each request waits at most its time limit. A helper that does not answer in time is killed with
its player, and the next request starts a fresh one, so a hung runAndWait costs one announcement,
never the workstation. Called from the announcer's worker thread (or a command-line tool).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from dispatch_desk.speech.engine import EngineStuck, SpeechError
from dispatch_desk.speech.voice import Voice

logger = logging.getLogger(__name__)

_EOF = object()


@dataclass
class _Helper:
    process: subprocess.Popen[str]
    replies: queue.Queue[Any] = field(default_factory=queue.Queue)
    description: str = ""

    def read_replies(self, stream: IO[str]) -> None:
        for line in stream:
            try:
                self.replies.put(json.loads(line))
            except ValueError:
                logger.warning("speech helper wrote a line that is not JSON")
        self.replies.put(_EOF)

    @staticmethod
    def drain(stream: IO[str]) -> None:
        # espeak-ng and ALSA chatter; kept out of the user's log unless debugging.
        for line in stream:
            logger.debug("speech helper: %s", line.rstrip())

    def kill(self) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if sys.platform != "win32":
                os.killpg(self.process.pid, signal.SIGKILL)  # the helper and its player
            else:
                self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=2)


class Pyttsx3Engine:
    name = "pyttsx3"

    def __init__(
        self,
        *,
        player: Sequence[str] = (),
        timeout_s: float = 10.0,
        start_timeout_s: float = 20.0,
        python: str = sys.executable,
    ) -> None:
        self.player = list(player)
        self.timeout_s = timeout_s
        self.start_timeout_s = start_timeout_s
        self._python = python
        self._helper: _Helper | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._closed = False
        self.restarts = 0  # helpers killed because they did not answer in time

    # -- the engine interface

    def speak(self, text: str, voice: Voice) -> None:
        self._request(
            "speak",
            self.timeout_s + 0.1 * len(text),
            text=text,
            voice=self._voice(voice),
            player=self.player,
        )

    def render(self, text: str, voice: Voice, path: Path) -> None:
        self._request(
            "render",
            self.timeout_s + 0.05 * len(text),
            text=text,
            voice=self._voice(voice),
            path=str(Path(path).resolve()),
        )

    def close(self) -> None:
        """Kill the helper now; a request waiting on it fails at once."""
        self._closed = True
        helper, self._helper = self._helper, None
        if helper is not None:
            helper.kill()

    # -- extras

    def warm_up(self) -> None:
        """Start the helper ahead of the first announcement."""
        self._request("ping", self.timeout_s)

    def describe(self) -> str:
        """Start the helper if needed and say what it runs ("pyttsx3 2.99 (espeak)")."""
        self._request("ping", self.timeout_s)
        return self._helper.description if self._helper else ""

    def voices(self) -> list[dict[str, Any]]:
        result = self._request("voices", self.timeout_s)
        return list(result) if isinstance(result, list) else []

    # -- the helper process

    @staticmethod
    def _voice(voice: Voice) -> dict[str, Any]:
        return {"voice": voice.voice_id, "rate": voice.rate, "volume": voice.volume}

    def _start(self) -> _Helper:
        process = subprocess.Popen(
            [self._python, "-m", "dispatch_desk.speech.host"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            bufsize=1,
            start_new_session=sys.platform != "win32",
        )
        helper = _Helper(process)
        assert process.stdout is not None and process.stderr is not None
        threading.Thread(
            target=helper.read_replies, args=(process.stdout,), name="speech-replies", daemon=True
        ).start()
        threading.Thread(
            target=helper.drain, args=(process.stderr,), name="speech-stderr", daemon=True
        ).start()
        hello = self._wait(helper, 0, self.start_timeout_s)
        helper.description = str(hello)
        logger.info("speech helper started: %s", helper.description)
        return helper

    def _request(self, op: str, timeout_s: float, **fields: Any) -> Any:
        with self._lock:
            if self._closed:
                raise SpeechError("the speech engine is closed")
            if self._helper is None or self._helper.process.poll() is not None:
                self._helper = self._start()
            helper = self._helper
            request_id = next(self._ids)
            line = json.dumps({"id": request_id, "op": op, **fields}) + "\n"
            try:
                assert helper.process.stdin is not None
                helper.process.stdin.write(line)
                helper.process.stdin.flush()
            except (BrokenPipeError, OSError) as exc:
                self._discard(helper)
                raise SpeechError(f"the speech helper is gone ({exc})") from None
            return self._wait(helper, request_id, timeout_s)

    def _wait(self, helper: _Helper, request_id: int, timeout_s: float) -> Any:
        while True:
            try:
                reply = helper.replies.get(timeout=timeout_s)
            except queue.Empty:
                self._discard(helper)
                self.restarts += 1
                logger.warning("speech engine did not answer in %.1f s; replaced", timeout_s)
                raise EngineStuck(
                    f"no answer from the speech engine in {timeout_s:.1f} s"
                ) from None
            if reply is _EOF:
                self._discard(helper)
                if self._closed:
                    raise SpeechError("the speech engine is closed")
                raise SpeechError(f"the speech helper exited ({helper.process.poll()})")
            if reply.get("id") != request_id:
                continue  # an answer to an earlier request that was given up on
            if not reply.get("ok"):
                if request_id == 0:
                    self._discard(helper)
                raise SpeechError(str(reply.get("error", "speech failed")))
            return reply.get("detail")

    def _discard(self, helper: _Helper) -> None:
        helper.kill()
        if self._helper is helper:
            self._helper = None
