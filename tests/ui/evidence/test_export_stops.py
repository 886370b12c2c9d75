"""An export stops when its task is cancelled or its window closes (sign-out, quitting): the
worker thread sees the cancel, removes what it wrote and audits the cancel, instead of copying
on and putting a package in place behind the desk's back."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from dispatch_desk.evidence import signing
from dispatch_desk.services import audit
from tests.helpers.core import FakeClock, actor_for
from tests.helpers.evidence_data import add_case, big_file
from tests.ui.conftest import Make, sign_in


def _exporting() -> bool:
    return any(t.name.startswith("evidence-export") for t in threading.enumerate())


@pytest.mark.parametrize("how", ["task cancelled", "window closed"])
def test_an_export_stops_with_its_task_or_window(
    qtbot: QtBot, make_desk: Make, tmp_path: Path, how: str
) -> None:
    clock = FakeClock()
    desk = make_desk(clock)
    core = desk.core
    signing.generate(signing.private_key_path(core.settings.evidence, core.paths))
    big = big_file(tmp_path / "big.mp4", 256 * 1024 * 1024)
    case = add_case(core, actor_for(core, "supervisor"), clock(), closed=False, video=big)
    dest = tmp_path / "exports"
    dest.mkdir()
    try:
        window = sign_in(qtbot, desk, "supervisor", "supervisor-demo")
        number = core.store.read_sync(core.incidents.summary, case.incident_id).number
        task = window.tasks.spawn(window.evidence.export_to(case.incident_id, number, dest), "x")
        qtbot.waitUntil(
            lambda: (
                window.evidence.progress is not None and window.evidence.progress.bar.value() > 0
            ),
            timeout=10000,
        )
        if how == "task cancelled":
            task.cancel()
        else:
            window.close()
        qtbot.waitUntil(lambda: not _exporting(), timeout=30000)
        assert list(dest.iterdir()) == []
        events = core.store.read_sync(audit.list_events, action="evidence.export")
        assert [e.outcome for e in events] == ["cancelled"]
    finally:
        for path in case.files.values():
            path.unlink(missing_ok=True)
