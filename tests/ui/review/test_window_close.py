"""Closing the review window cancels every task its views started (the QA views' too), so none
finishes later on a deleted widget."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.helpers.core import FakeClock, actor_for, create_incident, make_core
from ui.review.window import ReviewWindow


def test_close_cancels_the_qa_tasks(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    core = make_core(tmp_path, clock=FakeClock())
    try:
        incident = create_incident(core, actor_for(core, "calltaker"))
        window = ReviewWindow(core, actor_for(core, "supervisor"))
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        window.show()
        qtbot.waitExposed(window)
        owners = (window.qa_panel.tasks, window.qa_queue.tasks, window.reports.tasks)
        qtbot.waitUntil(lambda: not any(o.busy for o in (*owners, window.search.tasks)))
        window.reports.reload()
        window.qa_queue.reload()
        window.qa_panel.show_incident(incident.id)
        started = [t for o in owners for t in o._tasks]
        assert len(started) == 3
        window.close()
        qtbot.waitUntil(lambda: all(t.done() for t in started), timeout=5000)
        assert [t.get_name() for t in started if not t.cancelled()] == []
    finally:
        core.close()
