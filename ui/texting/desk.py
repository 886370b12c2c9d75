"""What texting adds to the call-taker window: the Texts dock beside the form, the waiting-texts
strip, the incident's status-text line, and the Te&xt menu with its keys.

Keys: Ctrl+T takes the oldest waiting text, F12 goes to the conversation, Ctrl+Shift+T texts a
number (the call in hand's, or typed), Ctrl+Shift+A attaches the conversation to the incident in
the form, Ctrl+Shift+X ends it, Ctrl+PgDown / Ctrl+PgUp move between one's conversations,
Ctrl+Shift+S suppresses (or allows again) status texts for the incident in the form.

A text taken while the form is empty starts a new call in the form from the texter's number
(as F2 does for a phone call); saving that incident attaches the conversation to it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QVBoxLayout

from dispatch_desk.desk import profile_path
from dispatch_desk.domain.calls import IncomingCall
from dispatch_desk.domain.enums import CallKind
from dispatch_desk.domain.phone import normalize_phone
from dispatch_desk.events import Change
from dispatch_desk.messaging import status_texts
from dispatch_desk.messaging.presets import load_presets
from dispatch_desk.services.conversations import ConversationSummary
from dispatch_desk.services.incidents import IncidentSummary
from ui.errors import EXPECTED, user_message
from ui.texting.incident import IncidentTextingBar
from ui.texting.panel import TextingPanel
from ui.texting.waiting import WaitingTextsBar

if TYPE_CHECKING:
    from ui.calltaker.window import CallTakerWindow

logger = logging.getLogger(__name__)

# Change kinds after which the incident's status-text line is read again.
INCIDENT_TEXTING_KINDS = frozenset({"incident", "sms_message", "texting"})


class CallTakerTexting:
    def __init__(self, window: CallTakerWindow) -> None:
        self.window = window
        self.core = window.core
        presets = load_presets(profile_path(self.core.settings, self.core.paths))
        self.panel = TextingPanel(self.core, window.actor, presets, window.spawn)
        self.dock = QDockWidget("Texts", window)
        self.dock.setObjectName("textsDock")
        self.dock.setWidget(self.panel)
        self.dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        # Under the queue, shown while there are texts (waiting, held or being typed): the
        # queue has the whole column the rest of the time.
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        window.splitDockWidget(window.queue_dock, self.dock, Qt.Orientation.Vertical)
        window.resizeDocks([window.queue_dock, self.dock], [300, 560], Qt.Orientation.Vertical)
        self.dock.hide()

        self.waiting_bar = WaitingTextsBar()
        self.incident_bar = IncidentTextingBar()
        central = window.centralWidget()
        column = central.layout() if central is not None else None
        assert isinstance(column, QVBoxLayout), "the call-taker window's column of widgets"
        at = column.indexOf(window.incoming) + 1
        column.insertWidget(at, self.waiting_bar)
        column.insertWidget(at + 1, self.incident_bar)

        self.pending_attach: uuid.UUID | None = None
        self._incident_shown: uuid.UUID | None = None
        self._incident_seq = 0
        self._actions()

        self.panel.waiting_changed.connect(self._on_waiting_changed)
        self.panel.refused.connect(self.waiting_bar.show_refusal)
        self.panel.unread_changed.connect(self._on_unread_changed)
        self.panel.conversation_opened.connect(self._on_conversation_opened)
        self.panel.attach_button.clicked.connect(self.attach)
        self.incident_bar.suppress_requested.connect(self._on_suppress_requested)
        window.incident_saved.connect(self._on_incident_saved)
        self._incident_timer = QTimer(window, singleShot=True, interval=150)
        self._incident_timer.timeout.connect(self._read_incident_texting)
        self._unsubscribe = self.core.bus.subscribe(self._on_changes)
        self._ticker = QTimer(window, interval=1000)
        self._ticker.timeout.connect(self._on_tick)
        self._ticker.start()
        self.panel.schedule_refresh()  # conversations held from before a restart come back

    def _actions(self) -> None:
        menu = self.window.menuBar().addMenu("Te&xt")
        entries: list[tuple[str, str, Callable[[], None]]] = [
            ("Take next waiting text", "Ctrl+T", self.take_next),
            ("Go to conversation", "F12", self.focus),
            ("Text this number…", "Ctrl+Shift+T", self.text_number),
            ("Attach conversation to incident", "Ctrl+Shift+A", self.attach),
            ("End conversation", "Ctrl+Shift+X", self.panel.close_current),
            ("Next conversation", "Ctrl+PgDown", lambda: self.panel.step(1)),
            ("Previous conversation", "Ctrl+PgUp", lambda: self.panel.step(-1)),
            ("Suppress / allow status texts…", "Ctrl+Shift+S", self.toggle_suppress),
        ]
        for text, keys, slot in entries:
            action = QAction(text, self.window)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            menu.addAction(action)
            self.window.addAction(action)
        menu.addAction(self.dock.toggleViewAction())

    # -- taking, starting, moving

    def show_panel(self) -> None:
        self.dock.show()
        self.dock.raise_()

    def focus(self) -> None:
        self.show_panel()
        if self.panel.current is not None and self.panel.composer.isEnabled():
            self.panel.composer.edit.setFocus()
        else:
            self.panel.list.setFocus()
            if not self.panel.list.currentIndex().isValid() and self.panel.list_model.rowCount():
                self.panel.list.selectRow(0)

    def take_next(self) -> None:
        self.show_panel()
        self.window.spawn(self.panel.take_next(), "texts-take-next")

    def text_number(self) -> None:
        self.show_panel()
        form = self.window.form
        self.panel.ask_number(form.callback.text().strip() or form.ani.text().strip())

    def _on_conversation_opened(self, summary: ConversationSummary) -> None:
        self.show_panel()
        self.waiting_bar.show_refusal("")
        form = self.window.form
        fresh_form = form.incident_id is None and not form.has_unsaved_call()
        if summary.incident_id is None and fresh_form:
            # Answered like a call: the texter's number in the form, a new incident to come.
            form.answer(
                IncomingCall(
                    ani=summary.phone_e164,
                    ali="",
                    received_at=summary.opened_at,
                    kind=CallKind.TEXT,
                    language=summary.language,
                ),
                self.core.clock(),
            )
            self.pending_attach = summary.id
            form.show_banner(
                "info", "Text from this number: Ctrl+S saves the incident and attaches the texts."
            )
        self.panel.composer.edit.setFocus()

    def _on_waiting_changed(self, waiting: list[ConversationSummary]) -> None:
        self.waiting_bar.show_waiting(waiting, self.core.clock())
        self._fit_visibility()

    def _fit_visibility(self) -> None:
        panel = self.panel
        busy = bool(panel.waiting or panel.mine or panel.current or panel.drafts)
        busy = busy or not panel.number.isHidden()
        if busy and not self.dock.isVisible():
            self.dock.show()
            if not self.dock.isFloating():  # the thread needs the height more than the queue
                height = self.window.queue_dock.height() + self.dock.height()
                self.window.resizeDocks(
                    [self.window.queue_dock, self.dock],
                    [int(height * 0.36), int(height * 0.64)],
                    Qt.Orientation.Vertical,
                )
        elif not busy and self.dock.isVisible() and not self.dock.isFloating():
            self.dock.hide()

    def _on_unread_changed(self, unread: int) -> None:
        self.dock.setWindowTitle(f"Texts · {unread} unread" if unread else "Texts")

    def _on_tick(self) -> None:
        now = self.core.clock()
        self.waiting_bar.tick(now)
        self.panel.list_model.tick()
        if self.window.form.incident_id != self._incident_shown:
            self._incident_timer.start()

    # -- attaching

    def attach(self) -> None:
        current = self.panel.current
        form = self.window.form
        if current is None or current.state != "active":
            self.panel.show_banner("error", "Open one of your conversations first (F12).")
            return
        if form.incident_id is not None:
            self.window.spawn(self._attach(current.id, form.incident_id), "texts-attach")
        elif form.has_unsaved_call():
            self.pending_attach = current.id
            self.panel.show_banner(
                "info", "Attaches to the incident in the form when it is saved (Ctrl+S)."
            )
        else:
            self.panel.show_banner(
                "error", "No incident in the form: open one or take a call, then attach."
            )

    async def _attach(self, conversation_id: uuid.UUID, incident_id: uuid.UUID) -> bool:
        try:
            await self.core.store.write(
                self.core.conversations.attach,
                self.window.actor,
                conversation_id,
                incident_id,
                self.core.clock(),
            )
        except EXPECTED as exc:
            self.panel.show_banner("error", f"Not attached. {user_message(exc)}")
            return False
        if self.pending_attach == conversation_id:
            self.pending_attach = None
        summary = (
            await self.panel.open(conversation_id) if self._is_current(conversation_id) else None
        )
        number = summary.incident_number if summary else ""
        self.panel.show_banner("ok", f"Conversation attached to {number or 'the incident'}.")
        return True

    def _is_current(self, conversation_id: uuid.UUID) -> bool:
        return self.panel.current is not None and self.panel.current.id == conversation_id

    def _on_incident_saved(self, summary: IncidentSummary) -> None:
        pending = self.pending_attach
        if pending is None:
            return
        held = next((c for c in self.panel.mine if c.id == pending), None)
        if held is None and self._is_current(pending):
            held = self.panel.current
        # Only the incident made for this texter: a phone call answered meanwhile is not it.
        ani = normalize_phone(self.window.form.ani.text())
        if held is None or held.incident_id is not None or ani != held.phone_e164:
            self.pending_attach = None
            return
        self.window.spawn(self._attach(pending, summary.id), "texts-attach-saved")

    # -- status texts for the incident in the form

    def _on_changes(self, changes: list[Change]) -> None:
        incident = self.window.form.incident_id
        if incident is None:
            return
        for change in changes:
            if change.kind in INCIDENT_TEXTING_KINDS and (
                change.kind == "sms_message" or incident in change.ids
            ):
                self._incident_timer.start()
                return

    def _read_incident_texting(self) -> None:
        self._incident_seq += 1
        self.window.spawn(self.refresh_incident_texting(self._incident_seq), "texts-incident-state")

    async def refresh_incident_texting(self, seq: int = 0) -> None:
        incident_id = self.window.form.incident_id
        self._incident_shown = incident_id
        if incident_id is None:
            self.incident_bar.show_state(None, incident_open=False)
            return
        try:
            state = await self.core.store.read(self.core.status_texts.state, incident_id)
        except EXPECTED as exc:
            logger.warning("status-text state not read: %s", user_message(exc))
            return
        if seq and seq != self._incident_seq:
            return  # a newer read is on its way
        if self.window.form.incident_id == incident_id:
            self.incident_bar.show_state(state, incident_open=True)

    def toggle_suppress(self) -> None:
        if self.window.form.incident_id is None:
            self.window.form.show_banner("error", "Open or save an incident first.")
            return
        self.incident_bar.toggle()

    def _on_suppress_requested(self, suppressed: bool, reason: str) -> None:
        incident_id = self.window.form.incident_id
        if incident_id is not None:
            self.window.spawn(
                self.set_suppressed(incident_id, suppressed, reason), "texts-suppress"
            )

    async def set_suppressed(self, incident_id: uuid.UUID, suppressed: bool, reason: str) -> bool:
        try:
            await self.core.store.write(
                status_texts.set_suppressed,
                self.window.actor,
                incident_id,
                suppressed,
                self.core.clock(),
                reason,
            )
        except EXPECTED as exc:
            self.window.form.show_banner("error", f"Not changed. {user_message(exc)}")
            return False
        await self.refresh_incident_texting()
        return True

    def close(self) -> None:
        self._ticker.stop()
        self._incident_timer.stop()
        self._unsubscribe()
        self.panel.shutdown()
