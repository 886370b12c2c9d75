"""A dispatcher's whole call, by keyboard only: from a ringing phone to a closed incident."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from dispatch_desk.domain.enums import IncidentStatus, UnitStatus
from dispatch_desk.storage.models import (
    AuditEvent,
    Call,
    Incident,
    NarrativeEntry,
    Unit,
    UnitStatusEvent,
)
from tests.helpers.core import FakeClock
from tests.ui.conftest import Make, keys, press, sign_in

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def _rows(desk, query):  # type: ignore[no-untyped-def]
    return desk.core.store.read_sync(lambda s: list(s.execute(query)))


def test_dispatcher_takes_a_call_through_to_close(qtbot: QtBot, make_desk: Make) -> None:
    clock = FakeClock()
    desk = make_desk(clock)
    window = sign_in(qtbot, desk, "dispatcher", "dispatcher-demo")
    form = window.form

    # -- a new call, typed field by field with Alt+letter jumps
    press(qtbot, Qt.Key.Key_F2)
    assert QApplication.focusWidget() is form.callback
    keys(qtbot, "(617) 555-0142")
    press(qtbot, Qt.Key.Key_N, ALT)
    keys(qtbot, "Robin Hale")
    press(qtbot, Qt.Key.Key_D, ALT)
    keys(qtbot, "48 Oak Avenue")
    press(qtbot, Qt.Key.Key_T, ALT)
    keys(qtbot, "BURG")
    press(qtbot, Qt.Key.Key_R, ALT)
    assert QApplication.focusWidget() is form.narrative
    keys(qtbot, "Back door forced, caller outside, unknown if anyone inside.")
    with qtbot.waitSignal(window.incident_saved, timeout=5000) as saved:
        press(qtbot, Qt.Key.Key_S, CTRL)
    first = saved.args[0]
    assert re.fullmatch(r"26-\d{6}", first.number)
    incident = desk.core.store.read_sync(lambda s: s.get(Incident, first.id))
    assert (incident.type_code, incident.priority, incident.address, incident.status) == (
        "BURG",
        2,
        "48 Oak Avenue",
        IncidentStatus.PENDING,
    )
    assert incident.address_key == "48 OAK AVE"
    call = _rows(desk, select(Call).where(Call.incident_id == first.id))[0][0]
    assert call.callback_e164 == "+16175550142"
    notes = _rows(
        desk,
        select(NarrativeEntry.text, NarrativeEntry.author_name).where(
            NarrativeEntry.incident_id == first.id
        ),
    )
    assert notes == [("Back door forced, caller outside, unknown if anyone inside.", "Dana Reyes")]
    qtbot.waitUntil(lambda: window.queue_model.index_of(first.id) is not None)
    assert form.header.text().startswith(first.number)

    # -- a second call from the same number, typed differently: history appears at once
    clock.advance(minutes=4)
    press(qtbot, Qt.Key.Key_F2)
    keys(qtbot, "617.555.0142")
    qtbot.waitUntil(
        lambda: any(
            item.incident.id == first.id and "phone" in item.matched_by
            for item in window.history.model.rows()
        ),
        timeout=3000,
    )

    # -- same type at the same address within 30 minutes: flagged before saving
    press(qtbot, Qt.Key.Key_D, ALT)
    keys(qtbot, "48 OAK AVE")
    press(qtbot, Qt.Key.Key_T, ALT)
    keys(qtbot, "BURG")
    qtbot.waitUntil(lambda: "Possible duplicate" in form.banner.text(), timeout=3000)
    assert first.number in form.banner.text()
    assert form.attach_button.isVisible()
    press(qtbot, Qt.Key.Key_R, ALT)
    keys(qtbot, "Neighbour calling about the same break-in.")
    # Alt+A adds this caller to the existing incident instead of opening a second one.
    press(qtbot, Qt.Key.Key_A, ALT)
    qtbot.waitUntil(lambda: form.incident_id == first.id, timeout=3000)
    counts = _rows(
        desk, select(func.count(Incident.id)).where(Incident.address_key == "48 OAK AVE")
    )
    assert counts == [(1,)]
    calls = _rows(desk, select(Call.callback_e164).where(Call.incident_id == first.id))
    assert len(calls) == 2

    # -- assign two units from the units field (F6)
    free = [
        u.call_sign
        for u in window.unit_model.rows()
        if u.status == UnitStatus.AVAILABLE and u.call_sign.startswith("P")
    ][:2]
    assert len(free) == 2
    press(qtbot, Qt.Key.Key_F6)
    assert QApplication.focusWidget() is form.units
    keys(qtbot, " ".join(free))
    press(qtbot, Qt.Key.Key_Return)

    def unit_status(sign: str) -> UnitStatus:
        return next(u.status for u in window.unit_model.rows() if u.call_sign == sign)

    qtbot.waitUntil(
        lambda: all(unit_status(s) == UnitStatus.DISPATCHED for s in free), timeout=3000
    )
    # The unit board can refresh (from the change notice) before the form re-reads the
    # incident: wait for the header too, rather than catch it between the two.
    qtbot.waitUntil(
        lambda: "Active" in form.header.text() and all(s in form.header.text() for s in free),
        timeout=3000,
    )

    # -- move them through their statuses on the board (F4, arrows, status letters)
    press(qtbot, Qt.Key.Key_F4)
    board = window.unit_view
    assert QApplication.focusWidget() is board
    for sign, letters in ((free[0], "EOTC"), (free[1], "EO")):
        while board.selected_unit() is None or board.selected_unit().call_sign != sign:
            press(qtbot, Qt.Key.Key_Down)
        for letter in letters:
            clock.advance(minutes=3)
            expected = {
                "E": UnitStatus.EN_ROUTE,
                "O": UnitStatus.ON_SCENE,
                "T": UnitStatus.TRANSPORTING,
                "C": UnitStatus.AVAILABLE,
            }[letter]
            press(qtbot, getattr(Qt.Key, f"Key_{letter}"))
            qtbot.waitUntil(lambda s=sign, e=expected: unit_status(s) == e, timeout=3000)
        press(qtbot, Qt.Key.Key_Home)

    # -- close with a disposition (F10); the unit still on scene is cleared
    press(qtbot, Qt.Key.Key_Escape)
    press(qtbot, Qt.Key.Key_F10)
    qtbot.waitUntil(
        lambda: (
            getattr(window, "disposition_dialog", None) is not None
            and window.disposition_dialog.isVisible()
        ),
        timeout=3000,
    )
    note = window.disposition_dialog.findChild(QLabel, "dispositionNote")
    assert f"will be cleared: {free[1]}." in note.text()
    keys(qtbot, "report")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.queue_model.index_of(first.id) is None, timeout=3000)

    closed = desk.core.store.read_sync(lambda s: s.get(Incident, first.id))
    assert (closed.status, closed.disposition) == (IncidentStatus.CLOSED, "Report taken")
    units = _rows(
        desk, select(Unit.call_sign, Unit.status, Unit.incident_id).where(Unit.call_sign.in_(free))
    )
    assert sorted(units) == [
        (free[0], UnitStatus.AVAILABLE, None),
        (free[1], UnitStatus.AVAILABLE, None),
    ]
    events = _rows(
        desk,
        select(Unit.call_sign, UnitStatusEvent.status, UnitStatusEvent.at)
        .join(Unit, Unit.id == UnitStatusEvent.unit_id)
        .where(UnitStatusEvent.incident_id == first.id)
        .order_by(UnitStatusEvent.at, UnitStatusEvent.id),
    )
    by_unit = {s: [e[1] for e in events if e[0] == s] for s in free}
    assert by_unit[free[0]] == [
        UnitStatus.DISPATCHED,
        UnitStatus.EN_ROUTE,
        UnitStatus.ON_SCENE,
        UnitStatus.TRANSPORTING,
        UnitStatus.CLEARED,
    ]
    assert by_unit[free[1]] == [
        UnitStatus.DISPATCHED,
        UnitStatus.EN_ROUTE,
        UnitStatus.ON_SCENE,
        UnitStatus.CLEARED,
    ]
    times = [e[2] for e in events if e[0] == free[0]]
    assert times == sorted(times) and times[-1] > times[0]

    audit = _rows(
        desk,
        select(AuditEvent.action, AuditEvent.username, AuditEvent.workstation, AuditEvent.outcome)
        .where(AuditEvent.entity_id == str(first.id))
        .order_by(AuditEvent.at),
    )
    actions = [a[0] for a in audit]
    for expected in (
        "incident.create",
        "incident.narrative",
        "incident.add_call",
        "unit.assign",
        "incident.close",
    ):
        assert expected in actions, expected
    assert actions.count("unit.assign") == 2
    assert {(a[1], a[2], a[3]) for a in audit} == {("dispatcher", "test-ws-1", "ok")}
