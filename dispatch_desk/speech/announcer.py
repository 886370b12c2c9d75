"""The announcer: a priority queue of sentences spoken one at a time on a worker thread.

A priority-1 announcement goes before any that wait; one that waited longer than
``stale_after_s`` is dropped, not spoken late; mute drops what waits and what comes; "repeat
last" says the last sentence again, first. What happens is reported as AnnouncerEvents, handed
to the event loop with call_soon_threadsafe, so listeners run on the loop's (GUI) thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from dispatch_desk.speech.engine import EngineStuck, SpeechEngine, SpeechError
from dispatch_desk.speech.voice import Voice

logger = logging.getLogger(__name__)

EventKind = Literal["queued", "started", "spoken", "dropped", "failed"]


@dataclass(frozen=True)
class Announcement:
    text: str
    priority: int  # 1 most urgent
    queued_at: float  # the announcer's clock (monotonic seconds)
    key: str = ""  # what it announces (an alert id), to withdraw it
    seq: int = 0
    voice: Voice | None = None  # None: the announcer's voice at the time it is spoken


@dataclass(frozen=True)
class AnnouncerEvent:
    kind: EventKind
    announcement: Announcement
    detail: str = ""  # why it was dropped or failed; how long it took


Listener = Callable[[AnnouncerEvent], None]


@dataclass(order=True)
class _Entry:
    priority: int
    seq: int
    announcement: Announcement = field(compare=False)


class Announcer:
    def __init__(
        self,
        engine: SpeechEngine,
        voice: Voice,
        *,
        stale_after_s: float = 30.0,
        loop: asyncio.AbstractEventLoop | None = None,
        clock: Callable[[], float] = time.monotonic,
        gather_s: float = 0.05,
    ) -> None:
        self.engine = engine
        self._voice = voice
        self.stale_after_s = stale_after_s
        self._loop = loop
        self._clock = clock
        # After waking up idle, wait this long so that a burst raised together is ordered
        # by priority rather than by which source happened to call first.
        self._gather_s = gather_s
        self._heap: list[_Entry] = []
        self._cond = threading.Condition()
        self._seq = itertools.count(1)
        self._muted = False
        self._paused = False
        self._stopping = False
        self._speaking: Announcement | None = None
        self._last: Announcement | None = None
        self._listeners: list[Listener] = []
        self._thread: threading.Thread | None = None

    # -- life

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="announcer", daemon=True)
            self._thread.start()

    def close(self, timeout_s: float = 2.0) -> None:
        """Stop speaking now and end the worker (bounded: a stuck engine is abandoned)."""
        with self._cond:
            self._stopping = True
            self._heap.clear()
            self._cond.notify_all()
        self.engine.close()
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                logger.warning("announcer thread did not stop in %.1f s; abandoned", timeout_s)
        self._listeners.clear()

    # -- what the desk asks for

    def announce(
        self, text: str, priority: int, key: str = "", *, voice: Voice | None = None
    ) -> Announcement | None:
        """Queue ``text``; None when muted (nothing is queued)."""
        item = Announcement(text, priority, self._clock(), key, next(self._seq), voice)
        if self._muted:
            self._emit(AnnouncerEvent("dropped", item, "muted"))
            return None
        with self._cond:
            if self._stopping:
                return None
            heapq.heappush(self._heap, _Entry(priority, item.seq, item))
            self._cond.notify_all()
        self._emit(AnnouncerEvent("queued", item))
        return item

    def repeat_last(self) -> Announcement | None:
        """Say the last spoken sentence again, before anything waiting. Works while muted:
        the dispatcher asked for it."""
        if self._last is None:
            return None
        last = self._last
        item = Announcement(last.text, 0, self._clock(), last.key, next(self._seq), last.voice)
        with self._cond:
            heapq.heappush(self._heap, _Entry(0, item.seq, item))
            self._cond.notify_all()
        self._emit(AnnouncerEvent("queued", item))
        return item

    def withdraw(self, key: str) -> int:
        """Drop waiting announcements for ``key`` (an alert acknowledged before it was said)."""
        with self._cond:
            gone = [e.announcement for e in self._heap if e.announcement.key == key]
            if gone:
                self._heap = [e for e in self._heap if e.announcement.key != key]
                heapq.heapify(self._heap)
        for item in gone:
            self._emit(AnnouncerEvent("dropped", item, "withdrawn"))
        return len(gone)

    @property
    def muted(self) -> bool:
        return self._muted

    def set_muted(self, muted: bool) -> None:
        self._muted = muted
        if muted:
            with self._cond:
                waiting = [e.announcement for e in sorted(self._heap)]
                self._heap.clear()
            for item in waiting:
                self._emit(AnnouncerEvent("dropped", item, "muted"))

    def pause(self) -> None:
        """Hold announcements (the dispatcher is transmitting); they wait, and may go stale."""
        with self._cond:
            self._paused = True

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._cond.notify_all()

    @property
    def voice(self) -> Voice:
        return self._voice

    def set_voice(self, voice: Voice) -> None:
        self._voice = voice  # taken by the next announcement

    def pending(self) -> list[Announcement]:
        with self._cond:
            return [e.announcement for e in sorted(self._heap)]

    @property
    def speaking(self) -> Announcement | None:
        return self._speaking

    @property
    def last(self) -> Announcement | None:
        return self._last

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # -- the worker thread

    def _next(self) -> Announcement | None:
        with self._cond:
            idle = not self._heap
            while not self._stopping and (self._paused or not self._heap):
                self._cond.wait()
                idle = idle or not self._heap
            if self._stopping:
                return None
        if idle and self._gather_s > 0:
            time.sleep(self._gather_s)
        stale: list[Announcement] = []
        chosen: Announcement | None = None
        with self._cond:
            now = self._clock()
            while self._heap and chosen is None:
                item = heapq.heappop(self._heap).announcement
                if now - item.queued_at > self.stale_after_s:
                    stale.append(item)
                else:
                    chosen = item
            self._speaking = chosen
        for item in stale:
            self._emit(AnnouncerEvent("dropped", item, f"stale after {now - item.queued_at:.0f} s"))
        return chosen

    def _run(self) -> None:
        warm_up = getattr(self.engine, "warm_up", None)
        if warm_up is not None:  # start the helper now, not when the first P1 comes in
            try:
                warm_up()
            except SpeechError as exc:
                logger.warning("speech engine not ready: %s", exc)
        while True:
            item = self._next()
            if self._stopping:
                return
            if item is None:
                continue
            self._emit(AnnouncerEvent("started", item))
            began = time.monotonic()
            try:
                self.engine.speak(item.text, item.voice or self._voice)
            except EngineStuck as exc:
                self._emit(AnnouncerEvent("failed", item, f"{exc}; engine replaced"))
            except SpeechError as exc:
                self._emit(AnnouncerEvent("failed", item, str(exc)))
            except Exception as exc:  # a bug in an engine must not end the announcer
                logger.exception("speech engine %s failed", self.engine.name)
                self._emit(AnnouncerEvent("failed", item, f"{type(exc).__name__}: {exc}"))
            else:
                self._last = item
                self._emit(AnnouncerEvent("spoken", item, f"{time.monotonic() - began:.2f} s"))
            finally:
                self._speaking = None

    def _emit(self, event: AnnouncerEvent) -> None:
        if event.kind == "failed":
            logger.warning("announcement not spoken: %s", event.detail)
        if self._loop is None or self._on_loop_thread():
            self._deliver(event)
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is listening
            self._loop.call_soon_threadsafe(self._deliver, event)

    def _on_loop_thread(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    def _deliver(self, event: AnnouncerEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                logger.exception("announcer listener %r failed", listener)
