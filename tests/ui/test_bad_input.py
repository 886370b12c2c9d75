"""Bad input gets a clear message and loses nothing: the form keeps every character typed."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select, text

from dispatch_desk.storage.models import Incident
from tests.ui.conftest import Make, keys, press, sign_in
from ui.calltaker.window import CallTakerWindow

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def _count(window: CallTakerWindow) -> int:
    return window.core.store.read_sync(lambda s: s.scalar(select(func.count(Incident.id))))


def _fill(
    qtbot: QtBot,
    phone: str = "(617) 555-0188",
    address: str = "9 Elm St",
    kind: str = "THEFT",
    priority: str = "",
    narrative: str = "Bike taken from porch.",
) -> None:
    press(qtbot, Qt.Key.Key_F2)
    keys(qtbot, phone)
    press(qtbot, Qt.Key.Key_D, ALT)
    keys(qtbot, address)
    press(qtbot, Qt.Key.Key_T, ALT)
    keys(qtbot, kind)
    if priority:
        press(qtbot, Qt.Key.Key_P, ALT)
        press(qtbot, Qt.Key.Key_A, CTRL)
        keys(qtbot, priority)
    press(qtbot, Qt.Key.Key_R, ALT)
    keys(qtbot, narrative)


def _save_and_expect_error(qtbot: QtBot, window: CallTakerWindow, field: str, words: str) -> None:
    before = _count(window)
    press(qtbot, Qt.Key.Key_S, CTRL)
    label = window.form.errors[field]
    qtbot.waitUntil(label.isVisible, timeout=3000)
    assert words in label.text()
    assert "Everything you typed is still here" in window.form.banner.text()
    assert _count(window) == before


@pytest.mark.parametrize(
    ("phone", "words"),
    [
        ("", "Enter a callback number"),
        ("555-12", "10 digits; this has 5"),
        ("call me maybe", "digits only"),
    ],
)
def test_bad_phone_numbers_are_explained_and_kept(
    qtbot: QtBot, make_desk: Make, phone: str, words: str
) -> None:
    window = sign_in(qtbot, make_desk(), "calltaker", "calltaker-demo")
    _fill(qtbot, phone=phone)
    _save_and_expect_error(qtbot, window, "callback_number", words)
    form = window.form
    assert (form.callback.text(), form.address.text(), form.narrative.toPlainText()) == (
        phone,
        "9 Elm St",
        "Bike taken from porch.",
    )
    assert form.callback.hasFocus()  # the first bad field gets the cursor


def test_unknown_type_and_text_in_priority(qtbot: QtBot, make_desk: Make) -> None:
    window = sign_in(qtbot, make_desk(), "calltaker", "calltaker-demo")
    _fill(qtbot, kind="XYZZY", priority="high")
    _save_and_expect_error(qtbot, window, "incident_type", "Unknown incident type 'XYZZY'")
    assert window.form.errors["priority"].isVisible()
    assert "number from 1" in window.form.errors["priority"].text()
    assert window.form.priority.text() == "high"


def test_a_100_kb_narrative_is_refused_whole_not_cut(qtbot: QtBot, make_desk: Make) -> None:
    window = sign_in(qtbot, make_desk(), "calltaker", "calltaker-demo")
    _fill(qtbot, narrative="x")
    huge = ("Caller keeps reading the same long statement. " * 2300)[:102_400]
    assert len(huge) == 102_400
    window.form.narrative.setPlainText(huge)  # a paste; typing 100 kB key by key adds nothing
    _save_and_expect_error(qtbot, window, "narrative", "102,400 characters")
    assert window.form.narrative.toPlainText() == huge


def test_locked_database_keeps_the_form_then_saves(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk(store__busy_timeout_ms=100)
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    _fill(qtbot)
    blocker = sqlite3.connect(desk.core.settings.store_file(desk.core.paths))
    blocker.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        before = _count(window)
        press(qtbot, Qt.Key.Key_S, CTRL)
        qtbot.waitUntil(
            lambda: "locked by another program" in window.form.banner.text(), timeout=5000
        )
        assert window.form.address.text() == "9 Elm St"
        assert window.form.narrative.toPlainText() == "Bike taken from porch."
        assert window.form.incident_id is None
    finally:
        blocker.rollback()
        blocker.close()
    assert _count(window) == before
    with qtbot.waitSignal(window.incident_saved, timeout=5000):
        press(qtbot, Qt.Key.Key_S, CTRL)
    assert _count(window) == before + 1


def test_full_database_keeps_the_form_then_saves(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk()
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    store = desk.core.store

    def cap(session, pages):  # type: ignore[no-untyped-def]
        session.execute(text(f"PRAGMA max_page_count = {pages}"))

    pages = store.read_sync(lambda s: s.execute(text("PRAGMA page_count")).scalar())
    # max_page_count belongs to a connection: set it on the writer thread's own, the one
    # every save uses (a write from this thread could be handed the pool's second one while
    # the map's start-up writes hold the first).
    store.submit_write(cap, pages).result()  # the file may not grow: the disk is "full"
    _fill(qtbot, narrative="Neighbour saw two people carry a TV to a white van. " * 80)
    before = _count(window)
    press(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(
        lambda: "disk holding the local database is full" in window.form.banner.text(), timeout=5000
    )
    assert window.form.narrative.toPlainText().startswith("Neighbour saw two people")
    assert _count(window) == before
    store.submit_write(cap, 1_000_000).result()  # space freed
    with qtbot.waitSignal(window.incident_saved, timeout=5000):
        press(qtbot, Qt.Key.Key_S, CTRL)
    assert _count(window) == before + 1
