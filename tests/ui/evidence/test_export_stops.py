"""An export stops when its task is cancelled or its window closes (sign-out, quitting): the
worker thread sees the cancel, removes what it wrote and audits the cancel, instead of copying
on and putting a package in place behind the desk's back."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from dispatch_desk.services import audit
from tests.ui.conftest import Make
from tests.ui.evidence.cases import big_case, wait_for_progress


def _exporting() -> bool:
    return any(t.name.startswith("evidence-export") for t in threading.enumerate())


@pytest.mark.parametrize("how", ["task cancelled", "window closed"])
def test_an_export_stops_with_its_task_or_window(
    qtbot: QtBot, make_desk: Make, tmp_path: Path, how: str
) -> None:
    with big_case(qtbot, make_desk, tmp_path) as (core, window, case, number, dest):
        task = window.tasks.spawn(window.evidence.export_to(case.incident_id, number, dest), "x")
        wait_for_progress(qtbot, window)
        if how == "task cancelled":
            task.cancel()
        else:
            window.close()
        qtbot.waitUntil(lambda: not _exporting(), timeout=30000)
        assert list(dest.iterdir()) == []
        events = core.store.read_sync(audit.list_events, action="evidence.export")
        assert [e.outcome for e in events] == ["cancelled"]
