"""The conversation panel: the call-taker's text conversations, the open one's thread, the composer.

Change notices ("conversation", "sms_message") only mark the panel stale; one read brings it up
to date a moment later, however many notices came meanwhile (a burst of a thousand texts is a
handful of reads, not a thousand). Each conversation keeps its own draft and preset language:
switching never loses what was typed, and a failed send leaves the text in the box.

Signals:
    waiting_changed(list): the conversations waiting to be taken, oldest first.
    unread_changed(int): unread caller texts across the call-taker's conversations.
    conversation_opened(object): the ConversationSummary now shown (None when none).
    refused(str): a take or start was refused, with the reason for the call-taker.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.phone import normalize_phone
from dispatch_desk.events import Change
from dispatch_desk.messaging.presets import Preset
from dispatch_desk.services.context import Actor
from dispatch_desk.services.conversations import (
    ConversationLimitReached,
    ConversationSummary,
    TextMessageView,
)
from ui.errors import EXPECTED, user_message
from ui.texting.composer import Composer
from ui.texting.conversations import ConversationList, ConversationModel, phone_label
from ui.texting.thread import ThreadModel, ThreadView
from ui.theme import restyle

logger = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, Any], str], object]
REFRESH_DELAY_MS = 80  # notices arriving within this long are read together

STYLE = """
QLabel#textHeader { font-weight: 700; color: #e6ebf1; padding: 1px 0; }
QLabel#textSubheader { color: #8b96a5; }
QLabel#textCounter { color: #8b96a5; }
QLabel#textCounter[kind="ucs2"] { color: #e0b15a; }
QLabel#textCounter[kind="error"] { color: #ff938a; }
QLabel#textEmpty { color: #8b96a5; padding: 12px; }
QListView#textThread { background: #12161b; border: 1px solid #2b323c; }
QFrame#presetPicker { background: #1f252d; border: 1px solid #4c9be8; }
QPushButton#textLanguage { min-width: 34px; font-weight: 700; }
"""

CHANGE_KINDS = frozenset({"conversation", "sms_message"})


class TextingPanel(QWidget):
    waiting_changed = Signal(list)
    unread_changed = Signal(int)
    conversation_opened = Signal(object)
    refused = Signal(str)

    def __init__(
        self,
        core: DeskCore,
        actor: Actor,
        presets: Sequence[Preset],
        spawn: Spawn,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("textingPanel")
        self.setStyleSheet(STYLE)
        self.core = core
        self.actor = actor
        self._spawn = spawn
        self.current: ConversationSummary | None = None
        self.drafts: dict[uuid.UUID, str] = {}
        self.languages: dict[uuid.UUID, str] = {}
        self.waiting: list[ConversationSummary] = []
        self.mine: list[ConversationSummary] = []
        self.reads = 0  # full reads done (tests check that a burst is coalesced)
        self._reading = False
        self._again = False
        self._marking: set[uuid.UUID] = set()
        self._sending: set[uuid.UUID] = set()  # conversations with a reply being stored

        self.list_model = ConversationModel(key=lambda c: c.id, now=core.clock)
        self.list = ConversationList(self.list_model)
        self.list.setMaximumHeight(22 * 4 + 28)
        self.header = QLabel("No text conversation open", objectName="textHeader")
        # A long number and incident never widen the dock: the header gives way instead.
        self.header.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.header.setMinimumWidth(60)
        self.subheader = QLabel(objectName="textSubheader")
        self.subheader.setWordWrap(True)
        self.banner = QLabel(objectName="banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.thread_model = ThreadModel()
        self.thread_view = ThreadView(self.thread_model)
        self.composer = Composer(presets)
        self.number = QLineEdit(objectName="textNumber")
        self.number.setPlaceholderText("number to text, e.g. (617) 555-0123 — Enter starts, Esc")
        self.number.hide()
        self.attach_button = QPushButton("Attach", objectName="textAttach")
        self.attach_button.setToolTip(
            "Tie this conversation to the incident in the form (Ctrl+Shift+A)"
        )
        self.close_button = QPushButton("End", objectName="textClose")
        self.close_button.setToolTip("End this conversation (Ctrl+Shift+X)")
        for button in (self.attach_button, self.close_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.close_button.clicked.connect(self.close_current)

        actions = QHBoxLayout()
        actions.setSpacing(4)
        actions.addWidget(self.header, 1)
        actions.addWidget(self.attach_button)
        actions.addWidget(self.close_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        column.setSpacing(4)
        column.addWidget(self.list)
        column.addWidget(self.number)
        column.addLayout(actions)
        column.addWidget(self.subheader)
        column.addWidget(self.banner)
        column.addWidget(self.thread_view, 1)
        column.addWidget(self.composer)

        self.list.row_chosen.connect(self._on_chosen)
        self.composer.send_requested.connect(self._on_send_requested)
        self.composer.language_changed.connect(self._on_language_changed)
        self.number.returnPressed.connect(self._on_number_entered)
        self.number.installEventFilter(self)
        self._timer = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._timer.timeout.connect(self._on_refresh_due)
        self._unsubscribe = core.bus.subscribe(self._on_changes)
        self._show_current()

    # -- reading, coalesced

    def _on_changes(self, changes: list[Change]) -> None:
        if any(c.kind in CHANGE_KINDS for c in changes):
            self.schedule_refresh()

    def schedule_refresh(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _on_refresh_due(self) -> None:
        if self._reading:
            self._again = True
            return
        self._spawn(self.refresh(), "texts-refresh")

    async def refresh(self) -> None:
        """One read: who waits, what this call-taker holds, the open conversation's texts."""
        self._reading = True
        conversations, user_id = self.core.conversations, self.actor.user_id
        current = self.current.id if self.current else None

        def read(session: Any) -> tuple[Any, Any, Any]:
            waiting = conversations.waiting(session)
            mine = conversations.held_by(session, user_id) if user_id else []
            messages = conversations.messages(session, current) if current else None
            return waiting, mine, messages

        try:
            self.reads += 1
            waiting, mine, messages = await self.core.store.read(read)
        except EXPECTED as exc:
            self.show_banner("error", f"Texts not brought up to date. {user_message(exc)}")
            return
        finally:
            self._reading = False
            if self._again:
                self._again = False
                self.schedule_refresh()
        self._apply(waiting, mine, current, messages)

    def _apply(
        self,
        waiting: list[ConversationSummary],
        mine: list[ConversationSummary],
        read_for: uuid.UUID | None,
        messages: list[TextMessageView] | None,
    ) -> None:
        self.waiting, self.mine = waiting, mine
        self.list_model.set_rows([*mine, *waiting])
        self.waiting_changed.emit(waiting)
        self.unread_changed.emit(sum(c.unread for c in mine))
        if self.current is None:
            return
        fresh = next((c for c in mine if c.id == self.current.id), None)
        if fresh is None:  # ended, or taken over elsewhere: keep the thread, say so
            if self.current.state != "closed":
                self.current = replace(self.current, state="closed")
                self._show_current()
            return
        self.current = fresh
        self._show_current()
        if messages is not None and read_for == fresh.id:
            self.thread_model.show(fresh.id, messages)
        if fresh.unread and self.isVisible():
            self._mark_read(fresh.id)

    def _mark_read(self, conversation_id: uuid.UUID) -> None:
        if conversation_id in self._marking:
            return
        self._marking.add(conversation_id)

        async def mark() -> None:
            try:
                await self.core.store.write(
                    self.core.conversations.mark_read,
                    self.actor,
                    conversation_id,
                    self.core.clock(),
                )
            except EXPECTED as exc:
                logger.warning("could not mark texts read: %s", user_message(exc))
            finally:
                self._marking.discard(conversation_id)

        self._spawn(mark(), "texts-read")

    # -- opening, taking, starting

    def _on_chosen(self, summary: ConversationSummary) -> None:
        if summary.state == "waiting":
            self._spawn(self.take(summary.id), "texts-take")
        else:
            self._spawn(self.open(summary.id), "texts-open")

    async def open(self, conversation_id: uuid.UUID) -> ConversationSummary | None:
        """Show a conversation this call-taker holds, with its own draft back in the box."""
        conversations = self.core.conversations

        def read(session: Any) -> tuple[ConversationSummary, list[TextMessageView]]:
            return (
                conversations.get(session, conversation_id),
                conversations.messages(session, conversation_id),
            )

        try:
            summary, messages = await self.core.store.read(read)
        except EXPECTED as exc:
            self.show_banner("error", f"Conversation not opened. {user_message(exc)}")
            return None
        self._stash_draft()
        self.current = summary
        self.composer.set_text(self.drafts.get(summary.id, ""))
        self.composer.set_language(self.languages.get(summary.id, summary.language))
        self.thread_model.show(summary.id, messages)
        self.show_banner("", "")
        self._show_current()
        row = self.list_model.index_of(summary.id)
        if row is not None:
            self.list.selectRow(row)
        if summary.unread:
            self._mark_read(summary.id)
        self.conversation_opened.emit(summary)
        self.schedule_refresh()
        return summary

    async def take(self, conversation_id: uuid.UUID) -> ConversationSummary | None:
        """Claim a waiting conversation; at the limit it stays waiting and the reason is shown."""
        try:
            summary = await self.core.store.write(
                self.core.conversations.claim, self.actor, conversation_id, self.core.clock()
            )
        except ConversationLimitReached as exc:
            self._refuse(
                f"Not taken: you hold {exc.limit} text conversations, the most allowed. "
                "End one (Ctrl+Shift+X) to take this one; it stays waiting for you or a colleague."
            )
            return None
        except EXPECTED as exc:
            self._refuse(f"Not taken. {user_message(exc)}")
            return None
        # Its "Text to 911" alert has been acted on: taken is seen.
        for alert in self.core.alerts.unacknowledged():
            if alert.kind == "text.inbound" and alert.key == str(summary.id):
                self.core.alerts.acknowledge(alert.id, self.actor.display_name)
        return await self.open(summary.id)

    async def take_next(self) -> ConversationSummary | None:
        if not self.waiting:
            await self.refresh()
        if not self.waiting:
            self.show_banner("info", "No text is waiting.")
            return None
        return await self.take(self.waiting[0].id)

    def ask_number(self, prefill: str = "") -> None:
        """Show the number box ("Text this number"), filled from the call in hand if any."""
        self.number.setText(prefill)
        self.number.show()
        self.number.setFocus()
        self.number.selectAll()

    def _on_number_entered(self) -> None:
        self._spawn(self.start(self.number.text()), "texts-start")

    async def start(self, typed: str) -> ConversationSummary | None:
        """Start a conversation with a number (an abandoned or silent call, say)."""
        e164 = normalize_phone(typed)
        if not isinstance(e164, str):
            self._refuse(f"Not started: {e164.message}")
            self.number.setFocus()
            return None
        try:
            summary = await self.core.store.write(
                self.core.conversations.start, self.actor, e164, self.core.clock()
            )
        except ConversationLimitReached as exc:
            self._refuse(
                f"Not started: you hold {exc.limit} text conversations, the most allowed. "
                "End one (Ctrl+Shift+X) first."
            )
            return None
        except EXPECTED as exc:
            self._refuse(f"Not started. {user_message(exc)}")
            return None
        self.number.hide()
        self.number.clear()
        opened = await self.open(summary.id)
        self.composer.edit.setFocus()
        return opened

    def _refuse(self, text: str) -> None:
        self.show_banner("error", text)
        self.refused.emit(text)

    # -- sending

    def _on_send_requested(self, body: str) -> None:
        if self.current is None:
            self.show_banner("error", "Open or take a conversation first; your text is kept.")
            return
        self._spawn(self.send(self.current.id, body), "texts-send")

    async def send(self, conversation_id: uuid.UUID, body: str) -> TextMessageView | None:
        """Store the reply (the outbox sends it); the box is cleared only once it is stored.
        While one reply of a conversation is being stored, another send request for it (a
        second Enter before the first returned) is ignored: each reply is a new text, so it
        would go twice. The text stays in the box either way."""
        if conversation_id in self._sending:
            return None
        self._sending.add(conversation_id)
        try:
            message = await self.core.store.write(
                self.core.conversations.reply, self.actor, conversation_id, body, self.core.clock()
            )
        except EXPECTED as exc:
            self.show_banner("error", f"Not sent. {user_message(exc)} Your text is still here.")
            return None
        finally:
            self._sending.discard(conversation_id)
        if self.current is not None and self.current.id == conversation_id:
            if self.composer.text().strip() == body:
                self.composer.set_text("")
            self.thread_model.upsert(message)
            self.thread_view.scrollToBottom()
            self.show_banner("", "")
        elif self.drafts.get(conversation_id, "").strip() == body:
            self.drafts.pop(conversation_id, None)
        return message

    # -- ending

    def close_current(self) -> None:
        if self.current is None or self.current.state != "active":
            self.show_banner("info", "No conversation of yours is open.")
            return
        if self.composer.text().strip():
            self.show_banner(
                "error", "Not ended: there is unsent text in the box. Send it or clear it first."
            )
            return
        self._spawn(self.end(self.current.id), "texts-close")

    async def end(self, conversation_id: uuid.UUID) -> bool:
        try:
            await self.core.store.write(
                self.core.conversations.close, self.actor, conversation_id, self.core.clock()
            )
        except EXPECTED as exc:
            self.show_banner("error", f"Not ended. {user_message(exc)}")
            return False
        self.drafts.pop(conversation_id, None)
        if self.current is not None and self.current.id == conversation_id:
            others = [c for c in self.mine if c.id != conversation_id]
            self.current = None
            self.composer.set_text("")
            self.thread_model.show(None, [])
            self._show_current()
            if others:
                await self.open(others[0].id)
        self.show_banner("ok", "Conversation ended.")
        self.schedule_refresh()
        return True

    def step(self, delta: int) -> None:
        """Ctrl+PgDown / Ctrl+PgUp: the next or previous of one's own conversations."""
        if not self.mine:
            return
        ids = [c.id for c in self.mine]
        at = ids.index(self.current.id) if self.current and self.current.id in ids else -1
        self._spawn(self.open(ids[(at + delta) % len(ids)]), "texts-open")

    # -- showing

    def _stash_draft(self) -> None:
        if self.current is not None:
            text = self.composer.text()
            if text.strip():
                self.drafts[self.current.id] = text
            else:
                self.drafts.pop(self.current.id, None)

    def _on_language_changed(self, language: str) -> None:
        if self.current is not None:
            self.languages[self.current.id] = language

    def _show_current(self) -> None:
        current = self.current
        active = current is not None and current.state == "active"
        self.composer.setEnabled(active)
        self.attach_button.setEnabled(active)
        self.close_button.setEnabled(active)
        if current is None:
            self.header.setText("No text conversation open")
            self.subheader.setText(
                "Ctrl+T takes the next waiting text · Ctrl+Shift+T texts a number"
            )
            return
        incident = current.incident_number or "not attached to an incident"
        self.header.setText(f"{phone_label(current.phone_e164)} · {incident}")
        opened = current.opened_at.astimezone().strftime("%H:%M")
        who = "the caller" if current.started_by == "caller" else "the centre"
        state = {"active": "", "waiting": " · waiting", "closed": " · ended"}.get(
            current.state, f" · {current.state}"
        )
        self.subheader.setText(f"Started by {who} at {opened}{state}")

    def show_banner(self, kind: str, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))
        restyle(self.banner, "kind", kind)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.number
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            self._on_number_escaped()
            return True
        return False

    def _on_number_escaped(self) -> None:
        self.number.hide()
        self.composer.edit.setFocus()

    def shutdown(self) -> None:
        """Stop listening (the window is closing); tasks belong to the window's owner."""
        self._timer.stop()
        self._unsubscribe()
