"""Text-to-911 at the call-taker window, by keyboard: a text arrives and waits with its alert,
is taken, answered with a preset (sent through the outbox, its delivery shown), and attached to
the incident the call-taker saves from it."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from dispatch_desk.domain.enums import CallKind
from dispatch_desk.messaging.presets import DEFAULT_PRESETS
from dispatch_desk.storage.models import NarrativeEntry, SmsMessage
from tests.ui.conftest import Make, keys, press, sign_in
from tests.ui.texting.helpers import delivery, text_in
from ui.calltaker.window import CallTakerWindow

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
CALLER = "+16175550123"
GREETING = next(p for p in DEFAULT_PRESETS if p.id == "greeting")


def run(qtbot: QtBot, coro: object, timeout: int = 5000) -> object:
    task = asyncio.ensure_future(coro)  # type: ignore[arg-type]
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


def test_a_text_waits_is_taken_answered_with_a_preset_and_attached(
    qtbot: QtBot, make_desk: Make
) -> None:
    desk = make_desk()
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    core = desk.core
    texting = window.texting
    assert not texting.dock.isVisible()  # nothing to show yet: the queue has the column

    text_in(core, CALLER, "Someone broke in, I am hiding in the closet")
    # In the queue strip above the form, with its alert, and in the Texts panel.
    qtbot.waitUntil(lambda: texting.waiting_bar.isVisible())
    assert "(617) 555-0123" in texting.waiting_bar.label.text()
    assert "hiding in the closet" in texting.waiting_bar.label.text()
    alerts = [a for a in core.alerts.unacknowledged() if a.kind == "text.inbound"]
    assert len(alerts) == 1
    qtbot.waitUntil(lambda: texting.dock.isVisible())
    assert texting.panel.list_model.rowCount() == 1
    assert texting.panel.list_model.row(0).state == "waiting"

    # Ctrl+T takes it: the panel opens it, the form takes the texter's number as a new call.
    press(qtbot, Qt.Key.Key_T, CTRL)
    qtbot.waitUntil(lambda: texting.panel.current is not None)
    panel = texting.panel
    assert panel.current is not None and panel.current.state == "active"
    assert panel.current.holder_name == "Casey Morgan"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.composer.edit)
    assert window.form.callback.text() == "(617) 555-0123"
    assert window.form.draft().callback_number == "(617) 555-0123"
    qtbot.waitUntil(lambda: not texting.waiting_bar.isVisible())
    taken = core.alerts.get(alerts[0].id)
    assert taken is not None and taken.acknowledged_by == "Casey Morgan"  # taken is seen
    assert [m.body for m in panel.thread_model.messages()] == [
        "Someone broke in, I am hiding in the closet"
    ]

    # Ctrl+1 puts the greeting in the box; Enter sends it.
    press(qtbot, Qt.Key.Key_1, CTRL)
    assert panel.composer.text() == GREETING.en
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.composer.text() == "")
    qtbot.waitUntil(lambda: len(panel.thread_model.messages()) == 2)
    sent_view = panel.thread_model.messages()[-1]
    assert (sent_view.direction, sent_view.body, sent_view.status) == ("out", GREETING.en, "queued")

    # The outbox sends it (loopback provider: what the phone simulator shows).
    assert run(qtbot, core.outbox.run_once()) >= 1
    sent = core.sms.last_to(CALLER)
    assert sent is not None and sent.body == GREETING.en
    qtbot.waitUntil(lambda: panel.thread_model.messages()[-1].status == "sent")
    delivery(core, sent.sid, "delivered")
    qtbot.waitUntil(lambda: panel.thread_model.messages()[-1].status == "delivered")

    # The caller answers; the call-taker types the incident and saves it: attached.
    text_in(core, CALLER, "12 Main Street, upstairs")
    qtbot.waitUntil(lambda: len(panel.thread_model.messages()) == 3)
    window.form.address.setFocus()
    keys(qtbot, "12 Main Street")
    press(qtbot, Qt.Key.Key_T, ALT)
    keys(qtbot, "BURG")
    press(qtbot, Qt.Key.Key_R, ALT)
    keys(qtbot, "Caller texting, hiding upstairs; intruder in the house.")
    with qtbot.waitSignal(window.incident_saved, timeout=5000) as saved:
        press(qtbot, Qt.Key.Key_S, CTRL)
    number = saved.args[0].number
    qtbot.waitUntil(lambda: panel.current is not None and panel.current.incident_number == number)
    assert number in panel.header.text()

    incident_id = saved.args[0].id
    conversation_id = panel.current.id

    def stored(session: Any) -> tuple[list[SmsMessage], list[str]]:
        messages = session.scalars(
            select(SmsMessage).where(SmsMessage.conversation_id == conversation_id)
        ).all()
        narrative = session.scalars(
            select(NarrativeEntry.text).where(NarrativeEntry.incident_id == incident_id)
        ).all()
        return list(messages), list(narrative)

    messages, narrative = core.store.read_sync(stored)
    assert len(messages) == 3 and all(m.incident_id == incident_id for m in messages)
    assert any("Text-to-911 conversation" in line for line in narrative)
    detail = core.store.read_sync(core.incidents.detail, saved.args[0].id)
    assert detail.calls[0].kind == CallKind.TEXT.value  # the call record says it was a text


def test_a_fourth_conversation_stays_waiting_with_the_reason(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk()
    window: CallTakerWindow = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    core, panel, texting = desk.core, window.texting.panel, window.texting
    for n in range(3):
        text_in(core, f"+1617555020{n}", f"text {n}")
        qtbot.waitUntil(lambda: bool(panel.waiting))
        press(qtbot, Qt.Key.Key_T, CTRL)
        qtbot.waitUntil(lambda n=n: len(panel.mine) == n + 1 and not panel.waiting)
    text_in(core, "+16175550299", "fourth")
    qtbot.waitUntil(lambda: texting.waiting_bar.isVisible())
    window.activateWindow()
    panel.composer.edit.setFocus()
    press(qtbot, Qt.Key.Key_T, CTRL)
    qtbot.waitUntil(lambda: texting.waiting_bar.refusal.isVisible())
    reason = texting.waiting_bar.refusal.text()
    assert "you hold 3 text conversations" in reason and "stays waiting" in reason
    assert "you hold 3 text conversations" in panel.banner.text()
    waiting = core.store.read_sync(core.conversations.waiting)
    assert [c.phone_e164 for c in waiting] == ["+16175550299"]
    assert len(panel.mine) == 3
    assert texting.waiting_bar.isVisible()  # still offered, to this call-taker or another

    # Ending one (Ctrl+Shift+X) makes room: the same key takes it now.
    panel.composer.set_text("")
    press(qtbot, Qt.Key.Key_X, CTRL | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: len(panel.mine) == 2)
    press(qtbot, Qt.Key.Key_T, CTRL)
    qtbot.waitUntil(lambda: not panel.waiting and len(panel.mine) == 3)
    assert panel.current is not None and panel.current.phone_e164 == "+16175550299"
