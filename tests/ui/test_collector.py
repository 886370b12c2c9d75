"""While a desk runs, a closed window's reference cycles are collected on the GUI thread, never on
the worker thread that happens to allocate next (a collected widget deleted there crashed the
interpreter in CI)."""

from __future__ import annotations

import asyncio
import gc
import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from tests.ui.conftest import Make
from ui import collector


class _Dialog(QDialog):
    def __init__(self, deleted_on: list[threading.Thread]) -> None:
        super().__init__()
        self.owner = self  # a cycle, as a slot's closure over its window makes one
        self.timer = QTimer(self)
        self.timer.start(50)
        self._deleted_on = deleted_on

    def __del__(self) -> None:
        self._deleted_on.append(threading.current_thread())


def _churn() -> None:
    """Allocate far past the young generations' thresholds, as a busy worker does."""
    for _ in range(200):
        junk = [[] for _ in range(100)]
        junk.append(junk)  # garbage cycles, like any library's


def test_a_closed_dialogs_cycle_is_collected_on_the_gui_thread(
    qtbot: QtBot, make_desk: Make
) -> None:
    make_desk()
    deleted_on: list[threading.Thread] = []
    gc.collect()  # the dialog starts in the youngest generation
    dialog = _Dialog(deleted_on)
    dialog.show()
    dialog.close()
    del dialog
    worker = threading.Thread(target=_churn)
    worker.start()
    worker.join()
    assert deleted_on == [], "the dialog was collected on the worker's thread"
    qtbot.waitUntil(lambda: bool(deleted_on), timeout=3000)
    assert deleted_on == [threading.main_thread()]


def test_collection_is_given_back_when_the_last_desk_shuts_down(
    qtbot: QtBot, make_desk: Make
) -> None:
    assert gc.isenabled()
    first, second = make_desk(), make_desk()
    assert not gc.isenabled()
    deleted_on: list[threading.Thread] = []
    _Dialog(deleted_on)  # garbage at once: only the cycle holds it
    for desk in (first, second):
        task = asyncio.ensure_future(desk.shutdown())
        qtbot.waitUntil(task.done, timeout=5000)
        task.result()
        assert gc.isenabled() is (desk is second), "given back only when the last desk goes"
    assert deleted_on == [threading.main_thread()], "what was left is collected at shutdown"


class _FakeGc:
    """The interpreter's counters as the collector reads them, and what it collected."""

    def __init__(self) -> None:
        self.counts = (0, 0, 0)
        self.collected: list[int] = []

    def get_count(self) -> tuple[int, int, int]:
        return self.counts

    def get_threshold(self) -> tuple[int, int, int]:
        return (700, 10, 10)

    def collect(self, generation: int = 2) -> int:
        self.collected.append(generation)
        return 0


def test_the_oldest_generation_due_is_collected_and_full_ones_are_spaced(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, now = _FakeGc(), [1000.0]
    monkeypatch.setattr(collector, "gc", fake)
    monkeypatch.setattr(collector.time, "monotonic", lambda: now[0])
    gui = collector.GuiCollector()
    fake.counts = (700, 10, 10)  # nothing past its threshold yet
    assert gui.collect_due() is None and fake.collected == []
    fake.counts = (701, 3, 0)
    assert gui.collect_due() == 0
    fake.counts = (701, 11, 4)
    assert gui.collect_due() == 1
    fake.counts = (701, 11, 11)  # a full one is due, but the last was under a minute ago
    now[0] += collector.FULL_EVERY_S - 1
    assert gui.collect_due() == 1
    now[0] += 1
    assert gui.collect_due() == 2
    assert gui.collect_due() == 1, "the next full one waits FULL_EVERY_S again"
    assert fake.collected == [0, 1, 1, 2, 1]
