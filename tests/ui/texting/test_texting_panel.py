"""The Texts panel beyond the first text: drafts kept per conversation, texting a number,
attaching to an open incident, suppressing status texts, and texts no carrier sends cleanly."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from dispatch_desk.domain.texting import SmsDirection
from dispatch_desk.services import audit
from dispatch_desk.storage.models import SmsMessage
from tests.helpers.core import actor_for, create_incident
from tests.ui.conftest import Make, keys, press, sign_in
from tests.ui.texting.helpers import delivery, text_in
from ui.calltaker.window import CallTakerWindow
from ui.texting.thread import ERROR_TEXT, status_line

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def _take(qtbot: QtBot, window: CallTakerWindow, phone: str, body: str) -> None:
    panel = window.texting.panel
    held = len(panel.mine)
    text_in(window.core, phone, body)
    qtbot.waitUntil(lambda: bool(panel.waiting))
    window.texting.take_next()
    qtbot.waitUntil(lambda: len(panel.mine) == held + 1 and not panel.waiting)
    qtbot.waitUntil(lambda: panel.current is not None and panel.current.phone_e164 == phone)


def test_drafts_survive_switching_conversations(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk()
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    panel = window.texting.panel
    _take(qtbot, window, "+16175550301", "first")
    _take(qtbot, window, "+16175550302", "second")
    first, second = (c.id for c in panel.mine)
    assert panel.current is not None and panel.current.id == second
    panel.composer.edit.setFocus()
    keys(qtbot, "Stay on the line wi")  # half a sentence to the second caller
    press(qtbot, Qt.Key.Key_PageDown, CTRL)  # to the first
    qtbot.waitUntil(lambda: panel.current is not None and panel.current.id == first)
    assert panel.composer.text() == ""
    panel.composer.edit.setFocus()
    keys(qtbot, "Is the door locked?")
    press(qtbot, Qt.Key.Key_PageUp, CTRL)  # back to the second
    qtbot.waitUntil(lambda: panel.current is not None and panel.current.id == second)
    assert panel.composer.text() == "Stay on the line wi"
    assert [m.body for m in panel.thread_model.messages()] == ["second"]
    # A text arriving meanwhile in the other conversation changes nothing here.
    desk.core.clock.advance(seconds=20)  # type: ignore[attr-defined]
    text_in(desk.core, "+16175550301", "yes it is locked")
    qtbot.waitUntil(lambda: any(c.unread for c in panel.mine if c.id == first))
    assert panel.composer.text() == "Stay on the line wi"
    press(qtbot, Qt.Key.Key_PageDown, CTRL)
    qtbot.waitUntil(lambda: panel.current is not None and panel.current.id == first)
    assert panel.composer.text() == "Is the door locked?"
    assert [m.body for m in panel.thread_model.messages()] == ["first", "yes it is locked"]
    qtbot.waitUntil(lambda: not any(c.unread for c in panel.mine if c.id == first))


def test_a_failed_send_keeps_the_text(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk()
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    panel = window.texting.panel
    _take(qtbot, window, "+16175550311", "help")
    conversation = panel.current
    assert conversation is not None
    # A supervisor ends it from another desk while the call-taker types.
    supervisor = actor_for(desk.core, "supervisor")
    _, changes = desk.core.store.write_sync(
        desk.core.conversations.close, supervisor, conversation.id, desk.core.clock()
    )
    panel.composer.edit.setFocus()
    keys(qtbot, "Are you still there?")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.banner.isVisible() and "Not sent" in panel.banner.text())
    assert "still here" in panel.banner.text()
    assert panel.composer.text() == "Are you still there?"
    desk.core.bus.publish(changes)
    qtbot.waitUntil(lambda: panel.current is not None and panel.current.state == "closed")
    assert not panel.composer.isEnabled()
    assert panel.composer.text() == "Are you still there?"  # greyed, never wiped


def _bodies_to(desk: object, phone: str) -> list[str]:
    def read(session: object) -> list[str]:
        return list(
            session.scalars(  # type: ignore[attr-defined]
                select(SmsMessage.body)
                .where(SmsMessage.to_e164 == phone, SmsMessage.direction == SmsDirection.OUT)
                .order_by(SmsMessage.created_at)
            )
        )

    return desk.core.store.read_sync(read)  # type: ignore[attr-defined]


def test_enter_twice_sends_the_reply_once(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk()
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    panel = window.texting.panel
    _take(qtbot, window, "+16175550399", "help")
    panel.composer.edit.setFocus()
    keys(qtbot, "Are you safe?")
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_Return)  # an impatient second Enter before the write returns
    qtbot.waitUntil(lambda: panel.composer.text() == "")
    qtbot.wait(300)
    assert _bodies_to(desk, "+16175550399") == ["Are you safe?"]
    # Once it is stored, the next reply goes as usual.
    keys(qtbot, "Stay on the line")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(_bodies_to(desk, "+16175550399")) == 2)
    assert _bodies_to(desk, "+16175550399") == ["Are you safe?", "Stay on the line"]


def test_text_this_number_from_the_call_in_hand(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk()
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    panel = window.texting.panel
    press(qtbot, Qt.Key.Key_F2)  # a blank call: a silent line, the number typed in
    keys(qtbot, "(617) 555-0142")
    press(qtbot, Qt.Key.Key_T, CTRL | SHIFT)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.number)
    assert panel.number.text() == "(617) 555-0142"
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.current is not None)
    assert panel.current is not None
    assert (panel.current.phone_e164, panel.current.started_by) == ("+16175550142", "centre")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.composer.edit)
    assert window.form.callback.text() == "(617) 555-0142"  # the call being typed is untouched


def test_a_number_that_is_not_one_is_refused_plainly(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk()
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    panel = window.texting.panel
    window.texting.text_number()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.number)
    keys(qtbot, "55-01")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.banner.isVisible())
    assert panel.banner.text().startswith("Not started:")
    assert panel.number.text() == "55-01" and panel.number.isVisible()
    assert panel.current is None


def test_attach_to_the_incident_open_in_the_form(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk()
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    panel = window.texting.panel
    incident = create_incident(desk.core, actor_for(desk.core, "dispatcher"))
    task = asyncio.ensure_future(window._open_and_focus(incident.id))
    qtbot.waitUntil(task.done)
    _take(qtbot, window, "+16175550321", "I saw it too, the man fell")
    assert window.form.incident_id == incident.id  # an open incident is never replaced
    press(qtbot, Qt.Key.Key_A, CTRL | SHIFT)
    qtbot.waitUntil(lambda: panel.current is not None and panel.current.incident_id == incident.id)
    assert incident.number in panel.header.text()
    qtbot.waitUntil(lambda: "attached" in panel.banner.text())


def test_suppress_status_texts_for_the_incident_with_a_reason(
    qtbot: QtBot, make_desk: Make
) -> None:
    desk = make_desk()
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    bar = window.texting.incident_bar
    incident = create_incident(desk.core, actor_for(desk.core, "dispatcher"))
    task = asyncio.ensure_future(window._open_and_focus(incident.id))
    qtbot.waitUntil(task.done)
    qtbot.waitUntil(lambda: bar.isVisible() and bar.state is not None)
    assert not bar.state.suppressed  # type: ignore[union-attr]
    assert bar.label.text() == "Status texts to (617) 555-0101 (mobile)."
    assert bar.label.property("state") == "on"
    press(qtbot, Qt.Key.Key_S, CTRL | SHIFT)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is bar.reason)
    press(qtbot, Qt.Key.Key_Return)  # no reason: asked again, nothing changed
    assert bar.reason.isVisible() and "reason is needed" in bar.reason.placeholderText()
    keys(qtbot, "caller hiding from the suspect")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bar.state is not None and bar.state.suppressed)
    assert bar.label.text().startswith("Status texts suppressed by Casey Morgan")
    assert "caller hiding from the suspect" in bar.label.text()
    assert bar.label.property("state") == "off"
    assert "Allow" in bar.button.text()
    records = desk.core.store.read_sync(
        audit.list_events, entity_id=incident.id, action="texting.suppress"
    )
    assert [r.username for r in records] == ["calltaker"]
    # The same key allows them again at once.
    window.form.narrative.setFocus()
    press(qtbot, Qt.Key.Key_S, CTRL | SHIFT)
    qtbot.waitUntil(lambda: bar.state is not None and not bar.state.suppressed)


def test_emoji_media_right_to_left_and_10_kb_texts_arrive_whole(
    qtbot: QtBot, make_desk: Make
) -> None:
    desk = make_desk()
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    panel = window.texting.panel
    _take(qtbot, window, "+16175550331", "Help 🚑😭")
    long_text = ("He is outside the door and " * 400)[:10_000]
    for body, media in (("", 2), ("مرحبا، أين أنت؟", 0), (long_text, 0)):
        desk.core.clock.advance(seconds=3)  # type: ignore[attr-defined]
        text_in(desk.core, "+16175550331", body, media=media)
    qtbot.waitUntil(lambda: len(panel.thread_model.messages()) == 4)
    first, media, rtl, long_one = panel.thread_model.messages()
    assert first.body == "Help 🚑😭" and any("emoji" in n for n in first.notices)
    assert any("2 pictures" in n for n in media.notices)
    assert rtl.body == "مرحبا، أين أنت؟"
    assert long_one.body == long_text  # all 10,000 characters, as sent
    panel.thread_view.scrollToBottom()
    qtbot.waitUntil(lambda: panel.thread_view.visualRect(panel.thread_model.index(3)).height() > 0)
    panel.thread_view.grab()  # painted without a warning


def test_a_text_the_carrier_could_not_deliver_says_why(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk()
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    panel = window.texting.panel
    _take(qtbot, window, "+16175550341", "help")
    panel.composer.edit.setFocus()
    keys(qtbot, "Are you safe to talk?")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(panel.thread_model.messages()) == 2)
    task = asyncio.ensure_future(desk.core.outbox.run_once())
    qtbot.waitUntil(task.done)
    sent = desk.core.sms.last_to("+16175550341")  # type: ignore[attr-defined]
    assert sent is not None and sent.body == "Are you safe to talk?"
    delivery(desk.core, sent.sid, "undelivered", "30003")
    qtbot.waitUntil(lambda: panel.thread_model.messages()[-1].status == "undelivered")
    message = panel.thread_model.messages()[-1]
    line, colour = status_line(message)
    assert line.startswith("✗ ") and "30003" in line and "out of reach" in line
    assert colour == ERROR_TEXT
    panel.thread_view.grab()
