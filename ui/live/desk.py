"""Live sessions on this workstation's screen: the invite dialog, one window per session, and the
hand-over between the Qt-free sessions and those windows (all on the GUI thread).

Signals:
    window_opened(SessionWindow): a session window was made (a new invite, or a session resumed).
    session_changed(SessionView): a session was made or changed state.
    chat_added(uuid.UUID, MessageView), media_added(uuid.UUID, MediaView),
    fix_received(uuid.UUID, Fix): what a session brought in, after it was stored.
    link_changed(bool): the desk link to the gateway came up or went down.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.citizen import SessionState
from dispatch_desk.live.events import LiveListener
from dispatch_desk.live.sessions import Invitation, LiveSessions
from dispatch_desk.media.frames import RgbFrame
from dispatch_desk.services.citizen import MediaView, MessageView, SessionView
from dispatch_desk.services.context import Actor
from dispatch_desk.services.locations import Fix
from ui.calltaker.dialogs import await_dialog
from ui.errors import EXPECTED, user_message
from ui.live.invite import InviteDialog
from ui.live.media import MediaViewer
from ui.live.window import SessionWindow

logger = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, Any], str], "asyncio.Task[Any]"]


class _Bridge(LiveListener):
    def __init__(self, desk: LiveDesk) -> None:
        self.desk = desk

    def on_session(self, view: SessionView) -> None:
        self.desk._on_session(view)

    def on_frame(self, session_id: uuid.UUID, frame: RgbFrame) -> None:
        window = self.desk.windows.get(session_id)
        if window is not None:
            window.show_frame(frame)

    def on_chat(self, session_id: uuid.UUID, message: MessageView) -> None:
        window = self.desk.windows.get(session_id)
        if window is not None:
            window.add_chat(message)
        self.desk.chat_added.emit(session_id, message)

    def on_delivered(self, session_id: uuid.UUID, message_id: uuid.UUID) -> None:
        window = self.desk.windows.get(session_id)
        if window is not None:
            window.delivered(message_id)

    def on_media(self, session_id: uuid.UUID, media: MediaView) -> None:
        window = self.desk.windows.get(session_id)
        if window is not None:
            window.add_media(media)
        self.desk.media_added.emit(session_id, media)

    def on_fix(self, session_id: uuid.UUID, fix: Fix) -> None:
        window = self.desk.windows.get(session_id)
        if window is not None:
            window.show_fix(fix)
        self.desk.fix_received.emit(session_id, fix)

    def on_link(self, online: bool) -> None:
        self.desk.link_changed.emit(online)


class LiveDesk(QObject):
    window_opened = Signal(object)
    session_changed = Signal(object)
    chat_added = Signal(object, object)
    media_added = Signal(object, object)
    fix_received = Signal(object, object)
    link_changed = Signal(bool)

    def __init__(self, core: DeskCore, spawn: Spawn, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.core = core
        self._spawn = spawn
        self.sessions = LiveSessions(core, core.sms, listener=_Bridge(self))
        self.windows: dict[uuid.UUID, SessionWindow] = {}
        self.actor: Actor | None = None
        self.dialog: InviteDialog | None = None
        self._hidden_while_locked: list[SessionWindow] = []

    # -- signing in and out

    def signed_in(self, actor: Actor) -> None:
        """The windows of sessions still going come back for whoever signs in next."""
        self.actor = actor
        for window in self.windows.values():
            if not window.view_state.state.final:
                window.show()
        self._spawn(self.resume(), "live-resume")

    def signed_out(self) -> None:
        """Sessions go on (and keep recording); their windows wait for the next sign-in."""
        self.actor = None
        if self.dialog is not None:
            self.dialog.reject()
        for window in self.windows.values():
            window.hide()

    async def resume(self) -> None:
        """At sign-in: sessions this workstation left open (a restart) come back, with their
        windows; with none, nothing starts until the first invite."""
        if self.sessions.started:
            return
        active = await self.core.store.read(self.sessions.citizen.active, self.core.workstation)
        if active:
            await self.sessions.start()
            for view in active:
                self._window(view).show()

    def request_invite(self, actor: Actor, incident_id: uuid.UUID, parent: QWidget) -> None:
        """The call-taker asked for a live session on this incident (Ctrl+Shift+V)."""
        self.actor = actor
        for window in self.windows.values():
            if window.view_state.incident_id == incident_id and not window.view_state.state.final:
                self._raise(window)
                return
        self._spawn(self._invite_dialog(actor, incident_id, parent), "live-invite")

    async def _invite_dialog(self, actor: Actor, incident_id: uuid.UUID, parent: QWidget) -> None:
        detail = await self.core.store.read(self.core.incidents.detail, incident_id)
        phone = next((c.callback_e164 for c in detail.calls if c.callback_e164), None)
        dialog = InviteDialog(detail.summary.number, phone, parent)
        self.dialog = dialog

        def requested(send_sms: bool) -> None:
            self._spawn(self._invite_from(dialog, actor, incident_id, send_sms), "live-invite")

        dialog.invite_requested.connect(requested)
        await await_dialog(dialog)
        self.dialog = None
        dialog.deleteLater()

    async def _invite_from(
        self, dialog: InviteDialog, actor: Actor, incident_id: uuid.UUID, send_sms: bool
    ) -> None:
        try:
            await self.invite(
                actor,
                incident_id,
                dialog.kind(),
                phone_e164=dialog.phone_e164(),
                language=dialog.chosen_language(),
                send_sms=send_sms,
            )
        except EXPECTED as exc:
            dialog.show_error(f"No link made. {user_message(exc)}")
            return
        dialog.accept()

    async def invite(
        self, actor: Actor, incident_id: uuid.UUID, kind: Any, **options: Any
    ) -> Invitation:
        """Make the invite and open its window (EXPECTED errors are the caller's to show)."""
        self.actor = actor
        invitation = await self.sessions.invite(actor, incident_id, kind, **options)
        window = self._window(invitation.view)
        if invitation.sms_sid is None:
            QGuiApplication.clipboard().setText(invitation.url)
            window.say("Link copied; paste it to the caller. It works for one phone only.")
        else:
            window.say("Link texted to the caller.")
        self._raise(window)
        return invitation

    # -- windows

    def _window(self, view: SessionView) -> SessionWindow:
        window = self.windows.get(view.id)
        if window is not None:
            return window
        window = SessionWindow(view, self.core.clock)
        session_id = view.id
        window.chat_requested.connect(lambda text: self._act(session_id, self._chat(text)))
        window.still_requested.connect(lambda: self._act(session_id, self._still()))
        window.end_requested.connect(lambda: self._act(session_id, self._end()))
        window.copy_link_requested.connect(lambda: self._copy_link(session_id))
        window.media_open_requested.connect(
            lambda media: self._act(session_id, self._open_media(media))
        )
        self.windows[view.id] = window
        self.window_opened.emit(window)
        return window

    @staticmethod
    def _raise(window: SessionWindow) -> None:
        window.show()
        window.raise_()
        window.activateWindow()

    def _act(self, session_id: uuid.UUID, step: Callable[[SessionWindow], Any]) -> None:
        window = self.windows.get(session_id)
        if window is None or self.actor is None:
            return
        self._spawn(self._run(window, step), "live-action")

    async def _run(self, window: SessionWindow, step: Callable[[SessionWindow], Any]) -> None:
        try:
            await step(window)
        except EXPECTED as exc:
            window.say(user_message(exc))

    def _chat(self, text: str) -> Callable[[SessionWindow], Any]:
        async def step(window: SessionWindow) -> None:
            assert self.actor is not None
            await self.sessions.send_chat(self.actor, window.session_id, text)
            window.chat.sent()

        return step

    def _still(self) -> Callable[[SessionWindow], Any]:
        async def step(window: SessionWindow) -> None:
            assert self.actor is not None
            media = await self.sessions.grab_still(self.actor, window.session_id)
            window.say(f"Still kept in the incident record ({media.size_bytes // 1000} KB).")

        return step

    def _end(self) -> Callable[[SessionWindow], Any]:
        async def step(window: SessionWindow) -> None:
            assert self.actor is not None
            if window.view_state.state in (SessionState.INVITED, SessionState.OPENED):
                await self.sessions.revoke(self.actor, window.session_id)
            else:
                await self.sessions.end(self.actor, window.session_id)

        return step

    def _open_media(self, media: MediaView) -> Callable[[SessionWindow], Any]:
        async def step(window: SessionWindow) -> None:
            assert self.actor is not None
            opened, path = await self.sessions.open_media(self.actor, media.id)
            window.files.mark_opened(media.id)
            window.show_viewer(MediaViewer(opened, path, window))

        return step

    def _copy_link(self, session_id: uuid.UUID) -> None:
        window = self.windows.get(session_id)
        url = self.sessions.url_of(session_id)
        if window is None:
            return
        if url is None:
            window.say("The link is known only to the desk that made it; send a new one.")
            return
        QGuiApplication.clipboard().setText(url)
        window.say("Link copied.")

    def _on_session(self, view: SessionView) -> None:
        window = self._window(view)
        window.show_session(view)
        self.session_changed.emit(view)

    # -- locking and shutting down

    def set_locked(self, locked: bool) -> None:
        """Live video is hidden while the workstation is locked."""
        if locked:
            self._hidden_while_locked = [w for w in self.windows.values() if w.isVisible()]
            for window in self._hidden_while_locked:
                window.hide()
        else:
            for window in self._hidden_while_locked:
                window.show()
            self._hidden_while_locked = []

    async def close(self) -> None:
        if self.dialog is not None:
            self.dialog.reject()
        for window in self.windows.values():
            window.close()
            window.deleteLater()
        self.windows.clear()
        await self.sessions.close()
