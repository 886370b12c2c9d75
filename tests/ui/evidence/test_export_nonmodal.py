"""The export's progress window leaves the desk usable: the dispatcher types into the intake
form while it runs, Esc only puts it away (Export evidence brings it back), and Cancel asks
before it stops anything."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dispatch_desk.evidence import package, signing
from dispatch_desk.services import audit
from tests.helpers.core import FakeClock, actor_for
from tests.helpers.evidence_data import add_case, big_file
from tests.ui.conftest import Make, sign_in

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def test_the_desk_stays_usable_during_an_export(
    qtbot: QtBot, make_desk: Make, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A destination as slow as a USB stick (about 50 MB/s), so the export outlasts the steps.
    check = package._Writer._check

    def slow_check(self: package._Writer) -> None:
        time.sleep(0.02)
        check(self)

    monkeypatch.setattr(package._Writer, "_check", slow_check)
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
        window.spawn(window.evidence.export_to(case.incident_id, number, dest), "export")
        qtbot.waitUntil(
            lambda: (
                window.evidence.progress is not None and window.evidence.progress.bar.value() > 0
            ),
            timeout=10000,
        )
        dialog = window.evidence.progress
        assert dialog.windowModality() == Qt.WindowModality.NonModal
        assert QApplication.activeModalWidget() is None

        # The dispatcher clicks into the form and types, as on any call.
        field = window.form.caller_name
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
        qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
        for ch in "Dana":
            QTest.keyClick(window.windowHandle(), ch)
        qtbot.waitUntil(lambda: field.text() == "Dana", timeout=3000)
        assert window.evidence.exporting

        # Esc puts the progress away; the export goes on; Export evidence brings it back.
        dialog.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=3000)
        QTest.keyClick(dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)
        assert window.evidence.exporting and not dialog.stopping
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
        field.setFocus()
        qtbot.keyClick(field, Qt.Key.Key_E, CTRL_SHIFT)
        qtbot.waitUntil(dialog.isVisible, timeout=3000)
        assert window.evidence.exporting and "already running" not in window.form.banner.text()

        # Cancel asks first; keeping on changes nothing; stopping removes what was written.
        dialog.cancel_button.click()
        assert dialog.confirm.isVisible() and window.evidence.exporting
        dialog.keep_button.click()
        assert not dialog.confirm.isVisible() and not dialog.stopping
        dialog.cancel_button.click()
        dialog.stop_button.click()
        qtbot.waitUntil(lambda: not window.evidence.exporting, timeout=20000)
        assert "cancelled; nothing of it was kept" in window.form.banner.text()
        assert list(dest.iterdir()) == []
        events = core.store.read_sync(audit.list_events, action="evidence.export")
        assert [e.outcome for e in events] == ["cancelled"]
        assert field.text() == "Dana"  # what was typed is still there
    finally:
        for path in case.files.values():
            path.unlink(missing_ok=True)
