"""One running workstation: the core, the signed-in user, the windows and their tasks.

Signals:
    main_window_ready(CallTakerWindow): the call-taker window is shown and its lists loaded.
    finished(): the workstation has shut down; the process may exit.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDockWidget, QWidget

from dispatch_desk.alerts.session import SpokenAlerts
from dispatch_desk.demo.calls import DemoCallFeed
from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.location import Position
from dispatch_desk.events import Change
from dispatch_desk.evidence.schedule import RetentionSchedule
from dispatch_desk.services import accounts
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.database import StoreUnavailable
from dispatch_desk.sync.engine import SyncStatus
from ui.calltaker.window import CallTakerWindow
from ui.collector import GuiCollector
from ui.layout import LayoutStore
from ui.login import LoginWindow
from ui.session import IdleWatcher, LockOverlay
from ui.tasks import TaskOwner

if TYPE_CHECKING:
    from ui.live.desk import LiveDesk
    from ui.wall.window import WallWindow

logger = logging.getLogger(__name__)


class DeskApp(QObject):
    main_window_ready = Signal(object)
    finished = Signal()

    def __init__(self, core: DeskCore, *, demo_calls: bool = False) -> None:
        super().__init__()
        self.core = core
        self._collector: GuiCollector | None = None
        self.tasks = TaskOwner("desk")
        self.layouts = LayoutStore(core.paths.layout_file, core.workstation)
        self.actor: Actor | None = None
        self.login: LoginWindow | None = None
        self.window: CallTakerWindow | None = None
        self.locked = False
        self._overlay: LockOverlay | None = None
        self._hidden_while_locked: list[QWidget] = []
        self._demo_calls = demo_calls
        self._demo_task: asyncio.Task[None] | None = None
        self.speech: SpokenAlerts | None = None  # the signed-in user's spoken alerts
        # Citizen live sessions: made when first needed (WebRTC and FFmpeg take ~0.3 s to
        # load), and the embedded gateway starts with the first invite.
        self._live: LiveDesk | None = None
        self.walls: list[WallWindow] = []  # camera walls of the signed-in user, one a screen
        self._start_sync()
        # Status texts and surveys: judged as changes are stored (or pulled), and swept at once
        # for what came due while the desk was off.
        self.tasks.spawn(self.core.status_text_runner.start(), "status-texts")
        # The outbox sends from start-up; incoming texts come once the gateway is up (ready).
        self.tasks.spawn(self.core.texts.start(), "outbox")
        # Retention prunes this desk's local cache daily (records past policy, never held ones).
        self.retention = RetentionSchedule(core)
        self.tasks.spawn(self.retention.start(), "retention")
        self.idle = IdleWatcher(core.settings.session.lock_after_idle_s, self)
        self.idle.went_idle.connect(self.lock)
        QApplication.instance().installEventFilter(self.idle)
        # Garbage (a closed window's cycles) is collected here, never on a worker's thread.
        # Last: a desk that failed to start never holds it.
        self._collector = GuiCollector.acquire()

    @property
    def live(self) -> LiveDesk:
        if self._live is None:
            from ui.live.desk import LiveDesk

            self._live = LiveDesk(self.core, self.tasks.spawn, self)
        return self._live

    # -- the central database

    def _start_sync(self) -> None:
        """Sync runs from start-up, before anyone signs in (accounts come through it too). Its
        callbacks arrive on the sync thread and are handed to this thread's loop."""
        if self.core.sync is None:
            return
        loop = asyncio.get_event_loop()

        def on_status(status: SyncStatus) -> None:
            loop.call_soon_threadsafe(self._show_sync_status, status)

        def on_changes(changes: list[Change]) -> None:
            loop.call_soon_threadsafe(self.core.bus.publish, changes)

        self.core.start_sync(on_status=on_status, on_changes=on_changes)

    def _show_sync_status(self, status: SyncStatus) -> None:
        if self.window is not None:
            self.window.status_sync.show_status(status)

    # -- camera walls

    def open_walls(self) -> list[WallWindow]:
        """A camera wall on every screen that has none yet (raised if it has)."""
        from ui.wall.window import WallWindow

        if self.actor is None or self.locked:
            return []
        for screen in QApplication.screens()[len(self.walls) :]:
            wall = WallWindow(self.core, self.actor, number=len(self.walls) + 1)
            wall.closed.connect(lambda w: self.walls.remove(w) if w in self.walls else None)
            wall.place_on(screen)
            self.walls.append(wall)
            wall.show()
        for wall in self.walls:
            wall.raise_()
        return self.walls

    async def cameras_near(self, incident_id: object) -> WallWindow | None:
        """The incident's nearest cameras, docked in the first wall (opened if need be)."""
        walls = self.walls or self.open_walls()
        if not walls:
            return None
        wall = walls[0]
        wall.raise_()
        wall.activateWindow()
        await wall.dock_incident(incident_id)  # type: ignore[arg-type]
        return wall

    async def _close_walls(self) -> None:
        walls, self.walls = self.walls, []
        for wall in walls:
            await wall.close_all()
            wall.close()
            wall.deleteLater()

    # -- signing in and out

    def show_login(self) -> LoginWindow:
        users = self.core.profile.users if self.core.settings.demo_mode else ()
        self.login = LoginWindow(self.core.profile.name, self.core.workstation, users)
        self.login.login_requested.connect(self._on_login_requested)
        self.layouts.restore("login", self.login)
        self.login.show()
        # The map and geocoder load while the user types a password (the log-in window is up
        # first, so it never waits for them).
        QTimer.singleShot(100, self.core.start_geo)
        return self.login

    def _on_login_requested(self, username: str, password: str) -> None:
        self.tasks.spawn(self.sign_in(username, password), "sign-in")

    async def sign_in(self, username: str, password: str) -> CallTakerWindow | None:
        try:
            actor = await self.core.store.write(
                accounts.authenticate,
                username,
                password,
                self.core.workstation,
                max_failed=self.core.settings.session.max_failed_logins,
            )
        except accounts.LoginFailed as exc:
            if self.login:
                self.login.show_error(str(exc))
            return None
        except StoreUnavailable as exc:
            if self.login:
                self.login.show_error(exc.user_message)
            return None
        return self.open_main(actor)

    def open_main(self, actor: Actor) -> CallTakerWindow:
        self.actor = actor
        self.speech = SpokenAlerts(self.core, actor, asyncio.get_event_loop())
        window = CallTakerWindow(self.core, actor, speech=self.speech)
        window.logout_requested.connect(self._on_logout_requested)
        window.lock_requested.connect(self.lock)
        window.live_video_requested.connect(
            lambda incident_id: self.live.request_invite(actor, incident_id, window)
        )
        window.camera_wall_requested.connect(self.open_walls)
        window.cameras_near_requested.connect(
            lambda incident_id: self.tasks.spawn(self.cameras_near(incident_id), "cameras-near")
        )
        if not self.layouts.restore("calltaker", window):
            window.resize(1500, 900)
        self.window = window
        if self.login is not None:
            self.layouts.save("login", self.login)
            self.login.close()
            self.login.deleteLater()
            self.login = None
        window.show()
        window.form.callback.setFocus()
        self.idle.start()
        if self._demo_calls:
            self._demo_task = self.tasks.spawn(self._feed_demo_calls(window), "demo-calls")
        self.tasks.spawn(self._announce_ready(window), "ready")
        return window

    async def _announce_ready(self, window: CallTakerWindow) -> None:
        # Ready means: shown, lists loaded (even if empty), the loop idle again, form focused.
        await window.initial_load
        await asyncio.sleep(0)
        self.main_window_ready.emit(window)
        window.ready.set()  # now the map may load: it never delays the first call
        # Live sessions come back for this user (after a restart too), once their libraries
        # are loaded off the GUI thread: the first call never waits for them either.
        await asyncio.to_thread(importlib.import_module, "dispatch_desk.live.sessions")
        if self.window is window and self.actor is not None:
            self.live.signed_in(self.actor)
            # Twilio's webhooks and the phone simulator ride on this desk's gateway.
            self.tasks.spawn(self.core.texts.start(self.live.sessions), "texting")

    async def _feed_demo_calls(self, window: CallTakerWindow) -> None:
        geo = await self.core.geo()

        def locate(address: str) -> Position | None:
            match = geo.locate(address)
            return Position(match.lat, match.lon) if match else None

        feed = DemoCallFeed(self.core.clock, locate=locate)
        interval = self.core.settings.demo.call_interval_s
        window.offer_call(feed.next_call())
        while True:
            await asyncio.sleep(interval)
            if len(window.ringing) < 4:
                window.offer_call(feed.next_call())

    def _on_logout_requested(self) -> None:
        self.tasks.spawn(self.sign_out(), "sign-out")

    async def sign_out(self) -> None:
        self.show_login()  # first, so that the app never has no window (that means quit)
        await self._close_main()

    async def _close_main(self) -> None:
        if self._demo_task is not None:
            self._demo_task.cancel()
            self._demo_task = None
        self.idle.stop()
        window, actor = self.window, self.actor
        if window is not None:
            self.layouts.save("calltaker", window)
            window.close()
            window.deleteLater()
        if self.speech is not None:
            self.speech.close()
            self.speech = None
        if self._live is not None:
            self._live.signed_out()
        await self._close_walls()
        self.window, self.actor = None, None
        self.locked = False
        self._overlay = None
        if actor is not None:
            try:
                await self.core.store.write(accounts.record_session_event, actor, "logout")
            except StoreUnavailable:
                logger.warning("could not record the sign-out in the audit trail")

    # -- locking

    def lock(self) -> None:
        if self.locked or self.window is None or self.actor is None:
            return
        self.locked = True
        self.idle.stop()
        window = self.window
        for widget in self._lockable(window):
            widget.setEnabled(False)
        for action in window.findChildren(QAction):
            action.setEnabled(False)
        self._hidden_while_locked = [
            d for d in window.findChildren(QDockWidget) if d.isFloating() and d.isVisible()
        ]
        for dock in self._hidden_while_locked:
            dock.hide()
        # Camera walls go dark while the console is locked: nobody watches in the user's name.
        for wall in self.walls:
            wall.suspend()
        if self._live is not None:
            self._live.set_locked(True)
        if self._overlay is None:
            self._overlay = LockOverlay(
                window, f"{self.actor.display_name} ({self.actor.username})", with_password=True
            )
            self._overlay.unlock_requested.connect(self._on_unlock_requested)
        self._overlay.show_over()
        self.tasks.spawn(self._audit_session("screen.lock"), "audit-lock")

    @staticmethod
    def _lockable(window: CallTakerWindow) -> list[QWidget]:
        return [window.centralWidget(), window.menuBar(), *window.findChildren(QDockWidget)]

    def _on_unlock_requested(self, password: str) -> None:
        self.tasks.spawn(self.unlock(password), "unlock")

    async def unlock(self, password: str) -> bool:
        if not self.locked or self.actor is None or self.window is None:
            return False
        ok = await self.core.store.write(accounts.verify_unlock, self.actor, password)
        assert self._overlay is not None
        if not ok:
            self._overlay.refuse()
            return False
        self._overlay.hide()
        for widget in self._lockable(self.window):
            widget.setEnabled(True)
        for action in self.window.findChildren(QAction):
            action.setEnabled(True)
        for dock in self._hidden_while_locked:
            dock.show()
        self._hidden_while_locked = []
        for wall in self.walls:
            wall.resume()
        if self._live is not None:
            self._live.set_locked(False)
        self.locked = False
        self.idle.start()
        return True

    async def _audit_session(self, action: str) -> None:
        if self.actor is not None:
            await self.core.store.write(accounts.record_session_event, self.actor, action)

    # -- shutting down

    async def shutdown(self) -> None:
        """Save the layout, sign out, stop every task, close the store. Bounded in time."""
        try:
            if self.login is not None:
                self.layouts.save("login", self.login)
                self.login.close()
            await self._close_main()
            await self.core.texts.stop()  # before the gateway it may be starting goes
            if self._live is not None:
                await self._live.close()
            await self.core.status_text_runner.stop()
            await self.retention.stop()
            await self.tasks.shutdown()
            QApplication.instance().removeEventFilter(self.idle)
            self.core.close()
        finally:
            if self._collector is not None:  # given back even when a step above failed
                self._collector.release()
                self._collector = None
        self.finished.emit()
