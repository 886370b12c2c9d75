"""Cyclic garbage is collected on the GUI thread only.

Python runs its cycle collector on whichever thread happens to allocate past the threshold: the
store's executor, the sync thread, the announcer, a VLC decoder thread running a frame callback.
A window, dialog or wall closed a moment earlier is often still held in a reference cycle (a
slot closure, a child that keeps its owner), and collecting that cycle deletes the Qt objects.
Deleted on another thread, a widget with timers or posted events crashes the interpreter (a
segmentation fault seen in CI, and reproduced: a closed window collected from a worker thread).

So while a desk runs, automatic collection is off and a timer on the GUI thread collects what is
due by the interpreter's own thresholds. Full collections are spaced (at least FULL_EVERY_S
apart): the interpreter's own rule for them (a quarter of the heap new) cannot be read from
Python, a full collection pauses the GUI thread for as long as it walks the heap, and the
agency's map is frozen out of its sight anyway. Cycles that outlived two young collections wait
that long at most.

Written for CPython 3.11-3.13's three generations; 3.14's incremental collector reads these
thresholds differently.
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QThread, QTimer
from PySide6.QtWidgets import QApplication

INTERVAL_MS = 200
FULL_EVERY_S = 60.0


class GuiCollector(QObject):
    """One per process; each running desk holds it with `acquire`, gives it back with `release`."""

    _instance: GuiCollector | None = None

    def __init__(self) -> None:
        super().__init__()
        self.users = 0
        self._was_enabled = True
        self._last_full = time.monotonic()
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.collect_due)

    @classmethod
    def acquire(cls) -> GuiCollector:
        app = QApplication.instance()
        if app is None or QThread.currentThread() is not app.thread():
            raise RuntimeError("the GUI collector is started on the GUI thread")
        if cls._instance is None:
            cls._instance = GuiCollector()
        collector = cls._instance
        if collector.users == 0:
            collector._was_enabled = gc.isenabled()
            gc.disable()
            collector.timer.start()
        collector.users += 1
        return collector

    def release(self) -> None:
        """The last desk gone: collect everything here, then give collection back as it was."""
        if self.users == 0:
            return
        self.users -= 1
        if self.users == 0:
            self.timer.stop()
            gc.collect()
            if self._was_enabled:
                gc.enable()

    def collect_due(self) -> int | None:
        """Collect the oldest generation past its threshold, as the interpreter would; the
        generation collected, or None."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        if thresholds[0] == 0 or counts[0] <= thresholds[0]:
            return None
        generation = 0
        if counts[1] > thresholds[1]:
            generation = 1
            now = time.monotonic()
            if counts[2] > thresholds[2] and now - self._last_full >= FULL_EVERY_S:
                generation = 2
                self._last_full = now
        gc.collect(generation)
        return generation
