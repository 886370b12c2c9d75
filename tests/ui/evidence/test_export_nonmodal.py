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

from dispatch_desk.evidence import package
from dispatch_desk.services import audit
from tests.ui.conftest import Make
from tests.ui.evidence.cases import big_case, wait_for_progress

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
    with big_case(qtbot, make_desk, tmp_path) as (core, window, case, number, dest):
        window.spawn(window.evidence.export_to(case.incident_id, number, dest), "export")
        wait_for_progress(qtbot, window)
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
