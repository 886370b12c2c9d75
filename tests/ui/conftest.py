"""A running workstation for UI tests: demo core on a temporary SQLite file, driven by keyboard."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from tests.helpers.core import FakeClock, make_core
from ui.app import DeskApp
from ui.calltaker.window import CallTakerWindow
from ui.login import LoginWindow

Make = Callable[..., DeskApp]


@pytest.fixture
def make_desk(tmp_path: Path, qtbot: QtBot, qloop: asyncio.AbstractEventLoop) -> Iterator[Make]:
    made: list[DeskApp] = []

    def make(clock: FakeClock | None = None, home: Path | None = None, **overrides: Any) -> DeskApp:
        core = make_core(home or tmp_path, clock=clock or FakeClock(), **overrides)
        desk = DeskApp(core)
        made.append(desk)
        return desk

    yield make
    for desk in made:
        if not desk.core.store.closed:
            _finish(qtbot, desk)


def _finish(qtbot: QtBot, desk: DeskApp) -> None:
    task = asyncio.ensure_future(desk.shutdown())
    qtbot.waitUntil(task.done, timeout=5000)
    task.result()


def keys(qtbot: QtBot, text: str) -> None:
    """Type into whatever has keyboard focus, as a person would."""
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has keyboard focus"
    qtbot.keyClicks(widget, text)


def press(
    qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    widget: QWidget | None = QApplication.focusWidget()
    assert widget is not None, "nothing has keyboard focus"
    qtbot.keyClick(widget, key, modifier)


def open_login(qtbot: QtBot, desk: DeskApp) -> LoginWindow:
    login = desk.show_login()
    qtbot.waitExposed(login)
    login.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is login.username)
    return login


def sign_in(qtbot: QtBot, desk: DeskApp, username: str, password: str) -> CallTakerWindow:
    """Sign in through the log-in window with the keyboard; wait for the ready window."""
    open_login(qtbot, desk)
    keys(qtbot, username)
    press(qtbot, Qt.Key.Key_Return)
    keys(qtbot, password)
    with qtbot.waitSignal(desk.main_window_ready, timeout=5000) as ready:
        press(qtbot, Qt.Key.Key_Return)
    window = ready.args[0]
    assert isinstance(window, CallTakerWindow)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window
