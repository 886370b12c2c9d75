"""Where the windows and panels were is where they come back, per workstation."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QRect
from pytestqt.qtbot import QtBot

from tests.ui.conftest import Make, sign_in


def test_layout_is_restored_at_next_start(qtbot: QtBot, make_desk: Make, tmp_path) -> None:  # type: ignore[no-untyped-def]
    desk = make_desk()
    window = sign_in(qtbot, desk, "dispatcher", "dispatcher-demo")
    # Qt's offscreen screen is 800x600; Qt shrinks a restored window to fit its screen.
    window.setGeometry(QRect(40, 30, 700, 520))
    window.units_dock.setFloating(True)
    window.units_dock.setGeometry(QRect(300, 100, 420, 400))
    window.history_dock.hide()
    qtbot.waitUntil(lambda: window.units_dock.isFloating())
    task = asyncio.ensure_future(desk.shutdown())
    qtbot.waitUntil(task.done, timeout=5000)
    assert (tmp_path / "home" / "state" / "window-layout.json").is_file()

    again = make_desk(home=tmp_path)  # same home: same workstation, same layout file
    restored = sign_in(qtbot, again, "dispatcher", "dispatcher-demo")
    assert (restored.width(), restored.height()) == (700, 520)
    assert restored.units_dock.width() == 420
    assert restored.units_dock.isFloating()
    assert not restored.history_dock.isVisible()
    assert restored.queue_dock.isVisible()


def test_a_corrupt_layout_file_falls_back_to_the_default(
    qtbot: QtBot, make_desk: Make, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    desk = make_desk()
    desk.core.paths.layout_file.parent.mkdir(parents=True, exist_ok=True)
    desk.core.paths.layout_file.write_text("{not json", encoding="utf-8")
    window = sign_in(qtbot, desk, "dispatcher", "dispatcher-demo")
    assert window.queue_dock.isVisible() and window.units_dock.isVisible()
    assert not window.units_dock.isFloating()
