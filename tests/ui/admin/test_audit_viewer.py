"""The audit trail viewer: an admin opens it with Ctrl+Shift+U, filters, reads an entry in full,
sees the chain verified (and broken after tampering), exports CSV; nobody else has it, and the
core refuses (and audits) a supervisor who gets hold of the window anyway."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor
from tests.helpers import audit_tamper as tamper
from tests.helpers.core import FakeClock, actor_for
from tests.ui.conftest import Make, keys, press, sign_in
from ui.admin.audit_viewer import AuditViewer

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _events(desk, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    core = desk.core
    dispatcher = actor_for(core, "dispatcher")
    far = Actor(None, "kim", "Kim", dispatcher.role, "ws-9")
    for i in range(3):
        core.store.write_sync(
            audit.record, dispatcher, clock.advance(minutes=1), "camera.view", entity_id=f"c{i}"
        )
    core.store.write_sync(
        audit.record, far, clock.advance(minutes=1), "camera.view", entity_id="c9", purpose="fire"
    )
    core.store.write_sync(
        audit.record, dispatcher, clock.advance(minutes=1), "recording.view", outcome="denied"
    )


def _open(qtbot: QtBot, window) -> AuditViewer:  # type: ignore[no-untyped-def]
    press(qtbot, Qt.Key.Key_U, CTRL_SHIFT)
    viewer = window.findChild(AuditViewer, "auditViewer")
    assert viewer is not None
    qtbot.waitUntil(lambda: bool(viewer.rows and viewer.reports), timeout=10_000)
    assert viewer.isVisible()
    return viewer


def test_admin_filters_reads_an_entry_and_exports_csv(
    qtbot: QtBot, make_desk: Make, tmp_path: Path
) -> None:
    clock = FakeClock()
    desk = make_desk(clock=clock)
    _events(desk, clock)
    window = sign_in(qtbot, desk, "admin", "admin-demo-only")
    viewer = _open(qtbot, window)
    assert viewer.chain.text().startswith("Chain verified — ")
    assert viewer.chain.property("kind") == "ok"

    # Filter by action prefix, by keyboard: the entry field, Enter.
    viewer.activateWindow()
    viewer.action.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is viewer.action)
    keys(qtbot, "camera.")
    with qtbot.waitSignal(viewer.loaded, timeout=5000) as loaded:
        press(qtbot, Qt.Key.Key_Return)
    rows = loaded.args[0]
    assert [(r.username, r.entity_id) for r in rows] == [
        ("kim", "c9"),
        ("dispatcher", "c2"),
        ("dispatcher", "c1"),
        ("dispatcher", "c0"),
    ]
    assert viewer.model.rowCount() == 4
    assert viewer.count.text() == "4 entries, newest first"
    # The newest is selected and shown in full.
    detail = viewer.detail.toPlainText()
    assert "workstation  ws-9" in detail
    assert 'purpose: "fire"' in detail

    # Workstation and outcome.
    viewer.action.clear()
    viewer.outcome.setCurrentIndex(viewer.outcome.findData("denied"))
    with qtbot.waitSignal(viewer.loaded, timeout=5000) as loaded:
        viewer.reload()
    assert [r.action for r in loaded.args[0]] == ["recording.view"]
    viewer.outcome.setCurrentIndex(0)
    viewer.workstation.setText("ws-9")
    with qtbot.waitSignal(viewer.loaded, timeout=5000) as loaded:
        viewer.reload()
    assert [r.username for r in loaded.args[0]] == ["kim"]

    # Every read is on the trail under the admin.
    reads = desk.core.store.read_sync(lambda s: audit.list_events(s, action="audit.read"))
    assert len(reads) == 4 and {r.username for r in reads} == {"admin"}  # on opening, then 3
    assert reads[1].detail["filters"]["action"] == "camera."

    # CSV of the filtered rows, written off the GUI thread, read back.
    viewer.workstation.clear()
    viewer.action.setText("camera.")
    with qtbot.waitSignal(viewer.loaded, timeout=5000):
        viewer.reload()
    target = tmp_path / "audit.csv"
    task = asyncio.ensure_future(viewer.export(target))
    qtbot.waitUntil(task.done, timeout=5000)
    assert task.result() is True
    with target.open(encoding="utf-8", newline="") as f:
        back = list(csv.DictReader(f))
    assert [(r["username"], r["action"], r["entity_id"]) for r in back] == [
        ("kim", "camera.view", "c9"),
        ("dispatcher", "camera.view", "c2"),
        ("dispatcher", "camera.view", "c1"),
        ("dispatcher", "camera.view", "c0"),
    ]
    assert json.loads(back[0]["detail"]) == {"purpose": "fire"}
    [export] = desk.core.store.read_sync(lambda s: audit.list_events(s, action="audit.export"))
    assert (export.username, export.detail["rows"]) == ("admin", 4)
    assert viewer.note.text() == f"4 entries exported to {target}."

    # The chain is checked on opening and on demand, not on every Apply (it walks every
    # entry), and on a connection of its own, off the desk's shared reader.
    assert viewer.checks == 1
    # A writer's transaction (BEGIN IMMEDIATE), as the desk's own are: a plain one reads first
    # and cannot upgrade once the desk has committed meanwhile ("database is locked").
    with desk.core.store.engine.execution_options(write=True).begin() as conn:
        tamper.edit_field(conn, "ws-9", 1)
    with qtbot.waitSignal(viewer.loaded, timeout=5000):
        viewer.reload()
    assert viewer.checks == 1 and viewer.chain.property("kind") == "ok"
    qtbot.mouseClick(viewer.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: viewer.chain.property("kind") == "error", timeout=5000)
    assert viewer.checks == 2
    assert viewer.checked_on not in (None, "store-read")
    assert "Chain BROKEN — ws-9: BROKEN at seq 1" in viewer.chain.text()
    assert "hash mismatch" in viewer.chain.text()
    viewer.grab()


def test_the_viewer_hides_while_the_console_is_locked(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk()
    window = sign_in(qtbot, desk, "admin", "admin-demo-only")
    viewer = _open(qtbot, window)
    desk.lock()
    qtbot.waitUntil(lambda: not viewer.isVisible())
    task = asyncio.ensure_future(desk.unlock("admin-demo-only"))
    qtbot.waitUntil(task.done, timeout=5000)
    assert task.result() is True
    qtbot.waitUntil(viewer.isVisible)


def test_only_admins_have_the_entry_and_the_core_refuses_others(
    qtbot: QtBot, make_desk: Make
) -> None:
    desk = make_desk()
    window = sign_in(qtbot, desk, "supervisor", "supervisor-demo")
    texts = [a.text() for a in window.findChildren(type(window.actions()[0]))]
    assert "Audit trail…" not in texts
    press(qtbot, Qt.Key.Key_U, CTRL_SHIFT)
    assert window.findChild(AuditViewer, "auditViewer") is None

    # A viewer built for a supervisor anyway: the core refuses, the refusal is on the trail.
    viewer = AuditViewer(desk.core, window.actor, window.spawn, window)
    task = asyncio.ensure_future(viewer.load())
    qtbot.waitUntil(task.done, timeout=5000)
    assert task.result() is None
    assert "may not do this (audit.read)" in viewer.note.text()
    assert viewer.model.rowCount() == 0
    denied = desk.core.store.read_sync(
        lambda s: [e for e in audit.list_events(s, action="audit.read") if e.outcome == "denied"]
    )
    assert [(e.username, e.detail["role"]) for e in denied] == [("supervisor", "supervisor")]
    viewer.close()


def test_the_end_of_the_range_is_now_unless_set(qtbot: QtBot, make_desk: Make) -> None:
    """The "to" field starts empty ("now"): an Apply an hour after opening shows what happened
    since; a time typed in still bounds the range."""
    clock = FakeClock()
    desk = make_desk(clock=clock)
    window = sign_in(qtbot, desk, "admin", "admin-demo-only")
    viewer = _open(qtbot, window)
    assert viewer.until.text() == "now"
    assert viewer.current_filter().until is None
    dispatcher = actor_for(desk.core, "dispatcher")
    desk.core.store.write_sync(
        audit.record, dispatcher, clock.advance(hours=1), "camera.view", entity_id="later"
    )
    with qtbot.waitSignal(viewer.loaded, timeout=5000) as loaded:
        viewer.reload()
    assert "later" in [r.entity_id for r in loaded.args[0]]
    # A set end still bounds the range (and "now" comes back at the field's start).
    viewer.until.setDateTime(viewer.since.dateTime().addSecs(60))
    assert viewer.current_filter().until is not None
    with qtbot.waitSignal(viewer.loaded, timeout=5000) as loaded:
        viewer.reload()
    assert "later" not in [r.entity_id for r in loaded.args[0]]
    viewer.until.setDateTime(viewer.until.minimumDateTime())
    assert viewer.until.text() == "now" and viewer.current_filter().until is None
