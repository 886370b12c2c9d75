"""The call-taker window: intake form in the middle, queue, unit board and history in docks.

Each dock can be floated onto another monitor; where everything sits is saved per workstation.
Keyboard: F2 answer / new call, Ctrl+S save, F3 queue, F4 unit board, F5 history,
F6 units field, F10 close incident, Ctrl+L lock, Esc back to the form. Fields: Alt+C callback,
Alt+I ANI, Alt+N caller name, Alt+L ALI, Alt+D address, Alt+T type, Alt+P priority,
Alt+R narrative, Alt+U units; Alt+A attaches a duplicate call. Menus: Alt+W work, Alt+V view.
Alerts (ui/alerts): F7 the alert list, F8 repeat the last announcement, Ctrl+M mute, Alt+S menu.
Map (ui/map): a compact map dock follows the incident in hand; F9 opens the map window;
Ctrl+D accepts the caller's device location for the incident.
Live sessions (ui/live): Ctrl+Shift+V asks the caller for live video, location or photos.
Texts (ui/texting): the Texts dock beside the form, Ctrl+T takes a waiting text, F12 goes to it.

Signals:
    incident_saved(IncidentSummary): after a create or amend has committed.
    logout_requested(): the user chose to sign out.
    lock_requested(): the user asked to lock the screen now (Ctrl+L).
    live_video_requested(uuid.UUID): live video / location / photos for this incident
        (Ctrl+Shift+V; ui/live opens the invite).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QDialog, QDockWidget, QLabel, QMainWindow, QVBoxLayout, QWidget

from dispatch_desk.alerts.session import SpokenAlerts
from dispatch_desk.alerts.sources import CallAlerts
from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.address import normalize_address
from dispatch_desk.domain.calls import IncomingCall
from dispatch_desk.domain.enums import IncidentStatus, Role, UnitStatus
from dispatch_desk.domain.intake import IntakeDraft, ValidIntake, validate_edit, validate_intake
from dispatch_desk.domain.phone import normalize_phone
from dispatch_desk.events import Change
from dispatch_desk.services.context import Actor
from dispatch_desk.services.incidents import HistoryItem, IncidentSummary
from dispatch_desk.services.units import UnitView
from dispatch_desk.storage.database import StoreUnavailable
from ui.admin.audit_viewer import open_audit_viewer
from ui.alerts.dock import AlertsDock
from ui.calltaker.dialogs import DispositionDialog, await_dialog
from ui.calltaker.history import HistoryPanel
from ui.calltaker.incoming import IncomingBar
from ui.calltaker.intake import IntakeForm
from ui.calltaker.maps import CallTakerMaps
from ui.calltaker.queue import QueueModel, QueueView
from ui.calltaker.units import UnitBoardView, UnitModel
from ui.errors import EXPECTED, user_message
from ui.evidence.actions import EvidenceActions
from ui.feedback.view import SupervisorMenu
from ui.review.launch import review_entries
from ui.sync_status import SyncStatusLabel
from ui.tasks import TaskOwner
from ui.texting.desk import CallTakerTexting

logger = logging.getLogger(__name__)


class CallTakerWindow(QMainWindow):
    incident_saved = Signal(object)
    logout_requested = Signal()
    lock_requested = Signal()
    live_video_requested = Signal(object)
    camera_wall_requested = Signal()  # a camera wall on each screen
    cameras_near_requested = Signal(object)  # incident id: its nearest cameras in a wall

    def __init__(
        self,
        core: DeskCore,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        speech: SpokenAlerts | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("callTakerWindow")
        self.core = core
        self.actor = actor
        # The window's own tasks: cancelled when it closes, so none touches a deleted widget.
        self.tasks = TaskOwner("calltaker")
        self.ringing: list[IncomingCall] = []
        self._lookup_seq = 0
        self._refresh_pending: set[str] = set()
        self._stale_incidents: set[uuid.UUID] = set()
        self.setWindowTitle(
            f"Dispatch Desk — Call-taker — {actor.display_name} "
            f"({actor.role.label}) @ {core.workstation}"
        )

        self.form = IntakeForm(core.catalog)
        self.incoming = IncomingBar()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(6, 6, 6, 0)
        column.setSpacing(4)
        column.addWidget(self.incoming)
        column.addWidget(self.form, 1)
        self.setCentralWidget(central)

        self.queue_model = QueueModel(key=lambda s: s.id, now=core.clock)
        self.queue_view = QueueView(self.queue_model)
        self.unit_model = UnitModel(key=lambda u: u.id, now=core.clock)
        self.unit_view = UnitBoardView(self.unit_model)
        self.history = HistoryPanel()
        self.queue_dock = self._dock(
            "Queue", "queueDock", self.queue_view, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.units_dock = self._dock(
            "Unit status", "unitsDock", self.unit_view, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.history_dock = self._dock(
            "History", "historyDock", self.history, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        # The map: a compact one under the unit board, the full one in its own window (F9).
        self.maps = CallTakerMaps(
            self, lambda incident_id: self.spawn(self._open_and_focus(incident_id), "open")
        )
        self.map_dock = self._dock(
            "Map", "mapDock", self.maps.mini, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.resizeDocks([self.queue_dock, self.units_dock], [600, 390], Qt.Orientation.Horizontal)
        self.resizeDocks([self.history_dock], [170], Qt.Orientation.Vertical)
        self.resizeDocks([self.units_dock, self.map_dock], [330, 300], Qt.Orientation.Vertical)

        self.status_user = QLabel(f"{actor.display_name} · {actor.role.label} · {core.workstation}")
        self.status_ringing = QLabel()
        self.status_store = QLabel("Local store OK")
        self.statusBar().addWidget(self.status_user)
        if core.settings.demo_mode:
            badge = QLabel("DEMO AGENCY")
            badge.setObjectName("demoBadge")
            self.statusBar().addWidget(badge)
        self.statusBar().addPermanentWidget(self.status_ringing)
        self.statusBar().addPermanentWidget(self.status_store)
        self.status_sync = SyncStatusLabel()
        self.statusBar().addPermanentWidget(self.status_sync)
        if core.sync is not None:
            self.status_sync.show_status(core.sync.status)

        self._actions()
        # Alerts: the dock beside History, a counter in the status bar, F7 / F8 / Ctrl+M.
        self.alerts = AlertsDock(
            self,
            core.alerts,
            actor.display_name,
            speech,
            beside=self.history_dock,
            open_incident=lambda i: self.spawn(self._open_and_focus(i), "open-alerted"),
            spawn=self.tasks.spawn,
        )
        self.call_alerts = CallAlerts(
            core.alerts, unanswered_after_s=core.settings.speech.unanswered_call_s
        )
        # Text-to-911 and status texts: the Texts dock, the waiting strip, the Text menu.
        self.texting = CallTakerTexting(self)
        self.supervisor = SupervisorMenu(self)  # caller feedback, for supervisors and admins
        self.evidence = EvidenceActions(self)  # legal hold and evidence export, the same
        self.form.save_requested.connect(self._on_save_requested)
        self.form.lookup_changed.connect(self._on_lookup_changed)
        self.form.attach_requested.connect(self._on_attach_requested)
        self.form.assign_requested.connect(self._on_assign_requested)
        self.queue_view.row_chosen.connect(self._on_incident_chosen)
        self.unit_view.status_requested.connect(self._on_status_requested)
        self._unsubscribe = core.bus.subscribe(self._on_changes)

        self._ticker = QTimer(self, interval=1000)
        self._ticker.timeout.connect(self._on_tick)
        self._ticker.start()
        self.form.answer(None, core.clock())
        # The queue and unit board, loaded once; the app awaits this to call the window ready.
        self.initial_load = self.tasks.spawn(self._load_lists(), "load-lists")
        self.ready = asyncio.Event()  # set by the app once it has called the window ready
        self.map_ready = self.tasks.spawn(self.maps.start(), "map-start")

    # -- building

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        return dock

    def _actions(self) -> None:
        menu = self.menuBar().addMenu("&Work")
        window_menu = self.menuBar().addMenu("&View")
        entries: list[tuple[Any, str, str, Callable[[], None]]] = [
            (menu, "Answer / new call", "F2", self.answer_next),
            (menu, "Save", "", self.form.request_save),  # Ctrl+S lives on the form itself
            (menu, "Assign units", "F6", lambda: self.form.units.setFocus()),
            (menu, "Close incident…", "F10", self.close_current),
            (menu, "Lock screen", "Ctrl+L", self.lock_requested.emit),
            (menu, "Sign out", "Ctrl+Shift+Q", self.logout_requested.emit),
            (window_menu, "Queue", "F3", lambda: self._focus(self.queue_dock, self.queue_view)),
            (
                window_menu,
                "Unit status",
                "F4",
                lambda: self._focus(self.units_dock, self.unit_view),
            ),
            (
                window_menu,
                "History",
                "F5",
                lambda: self._focus(self.history_dock, self.history.view),
            ),
            (window_menu, "Intake form", "Esc", lambda: self.form.address.setFocus()),
            (window_menu, "Map window", "F9", self.maps.show_window),
            (menu, "Accept caller's device location", "Ctrl+D", self.maps.accept_device_location),
            (menu, "Live video…", "Ctrl+Shift+V", self.request_live_video),
            (
                window_menu,
                "Camera wall (each screen)",
                "Ctrl+Shift+W",
                self.camera_wall_requested.emit,
            ),
            (menu, "Cameras near this incident", "Ctrl+Shift+N", self.request_cameras_near),
            *review_entries(window_menu, self),
            *(  # administrators only; the core refuses (and audits) anyone else all the same
                [(window_menu, "Audit trail…", "Ctrl+Shift+U", lambda: open_audit_viewer(self))]
                if self.actor.may(Role.ADMIN)
                else []
            ),
        ]
        for target, text, keys, slot in entries:
            action = QAction(text, self)
            if keys:
                action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            target.addAction(action)
            self.addAction(action)
        for dock in (self.queue_dock, self.units_dock, self.history_dock, self.map_dock):
            window_menu.addAction(dock.toggleViewAction())

    def _focus(self, dock: QDockWidget, widget: QWidget) -> None:
        dock.show()
        dock.raise_()
        widget.setFocus()
        view = widget
        if hasattr(view, "currentIndex") and not view.currentIndex().isValid():
            model = view.model()
            if model is not None and model.rowCount() > 0:
                view.setCurrentIndex(model.index(0, 0))

    def spawn(self, coro: Awaitable[Any], name: str) -> None:
        self.tasks.spawn(coro, name)  # type: ignore[arg-type]

    # -- incoming calls

    def offer_call(self, call: IncomingCall) -> None:
        self.ringing.append(call)
        self._show_ringing()
        self.call_alerts.offered(call)

    def answer_next(self) -> None:
        call = self.ringing.pop(0) if self.ringing else None
        self.form.answer(call, self.core.clock())
        self.history.show_history([], looked_up=False)
        self._show_ringing()

    def _show_ringing(self) -> None:
        self.incoming.show_calls(self.ringing, self.core.clock())
        self.status_ringing.setText(f"{len(self.ringing)} ringing" if self.ringing else "")

    def _on_tick(self) -> None:
        now = self.core.clock()
        self.queue_model.tick()
        self.unit_model.tick()
        self.form.tick(now)
        if self.ringing:
            self.incoming.show_calls(self.ringing, now)
        self.call_alerts.check_ringing(self.ringing, now)

    # -- saving

    def _on_save_requested(self, draft: IntakeDraft) -> None:
        self.spawn(self.save(draft), "save")

    async def save(self, draft: IntakeDraft) -> IncidentSummary | None:
        """Validate, flag a duplicate once, then store; every failure keeps the form as typed."""
        settings = self.core.settings.intake
        if self.form.incident_id is not None:
            return await self._save_edit(draft)
        result = validate_intake(draft, self.core.catalog, settings.narrative_max_chars)
        if not isinstance(result, ValidIntake):
            self.form.show_errors(result)
            self.form.show_banner(
                "error", "Not saved: check the marked fields. Everything you typed is still here."
            )
            return None
        now = self.core.clock()
        try:
            outcome = await self.core.store.write(
                self.core.incidents.create_checked,
                self.actor,
                result,
                now,
                duplicate_window_min=settings.duplicate_window_min,
                allow_duplicate=self.form.duplicate_acknowledged,
            )
        except EXPECTED as exc:
            self.form.show_banner("error", f"Not saved. {user_message(exc)}")
            return None
        if isinstance(outcome, list):  # a likely duplicate: shown once, Ctrl+S again saves
            self.form.flag_duplicate(outcome[0], now)
            self.form.duplicate_acknowledged = True
            return None
        summary = outcome
        await self._open_incident(summary.id)
        self.form.show_banner(
            "ok", f"Saved {summary.number}. F6 assigns units; F2 takes the next call."
        )
        self.incident_saved.emit(summary)
        return summary

    async def _save_edit(self, draft: IntakeDraft) -> IncidentSummary | None:
        incident_id = self.form.incident_id
        assert incident_id is not None
        result = validate_edit(
            draft, self.core.catalog, self.core.settings.intake.narrative_max_chars
        )
        if isinstance(result, list):
            self.form.show_errors(result)
            self.form.show_banner(
                "error", "Not saved: check the marked fields. Everything you typed is still here."
            )
            return None
        try:
            summary = await self.core.store.write(
                self.core.incidents.amend, self.actor, incident_id, result, self.core.clock()
            )
        except EXPECTED as exc:
            self.form.show_banner("error", f"Not saved. {user_message(exc)}")
            return None
        await self._open_incident(summary.id)
        self.form.show_banner("ok", f"Saved {summary.number}.")
        self.incident_saved.emit(summary)
        return summary

    def _on_attach_requested(self) -> None:
        self.spawn(self._attach(), "attach")

    async def _attach(self) -> None:
        duplicate = self.form.duplicate_of
        result = validate_intake(
            self.form.draft(), self.core.catalog, self.core.settings.intake.narrative_max_chars
        )
        if duplicate is None:
            return
        if not isinstance(result, ValidIntake):
            self.form.show_errors(result)
            return
        try:
            summary = await self.core.store.write(
                self.core.incidents.add_call, self.actor, duplicate.id, result, self.core.clock()
            )
        except EXPECTED as exc:
            self.form.show_banner("error", f"Not attached. {user_message(exc)}")
            return
        await self._open_incident(summary.id)
        self.form.show_banner("ok", f"Call added to {summary.number}.")

    async def _open_incident(self, incident_id: uuid.UUID) -> None:
        detail = await self.core.store.read(self.core.incidents.detail, incident_id)
        self.form.load_incident(detail)
        await self.maps.focus(incident_id)

    def request_live_video(self) -> None:
        incident_id = self.form.incident_id
        if incident_id is None:
            self.form.show_banner("error", "Save the incident first, then ask for live video.")
            return
        self.live_video_requested.emit(incident_id)

    def request_cameras_near(self) -> None:
        incident_id = self.form.incident_id
        if incident_id is None:
            self.form.show_banner("error", "Save the incident first, then bring up its cameras.")
            return
        self.cameras_near_requested.emit(incident_id)

    def _on_incident_chosen(self, summary: IncidentSummary) -> None:
        self.spawn(self._open_and_focus(summary.id), "open")

    async def _open_and_focus(self, incident_id: uuid.UUID) -> None:
        await self._open_incident(incident_id)
        self.form.show_banner("", "")
        self.form.narrative.setFocus()

    # -- history and duplicates as the call-taker types

    def _on_lookup_changed(self, phone: str, address: str, type_text: str) -> None:
        self.maps.check_address(address)
        self._lookup_seq += 1
        self.spawn(self._lookup(self._lookup_seq, phone, address, type_text), "lookup")

    async def _lookup(self, seq: int, phone: str, address: str, type_text: str) -> None:
        e164 = normalize_phone(phone)
        key = normalize_address(address)
        phone_key = e164 if isinstance(e164, str) else None
        kind = self.core.catalog.resolve(type_text)
        now = self.core.clock()
        incidents, intake = self.core.incidents, self.core.settings.intake
        current = self.form.incident_id
        check_duplicates = bool(kind and key and current is None)

        def look_up(session: Any) -> tuple[list[HistoryItem], list[IncidentSummary]]:
            items = incidents.history(
                session,
                phone_e164=phone_key,
                address_key=key or None,
                limit=intake.history_limit,
                exclude=current,
            )
            duplicates = (
                incidents.possible_duplicates(
                    session, kind.code, key, now, intake.duplicate_window_min
                )
                if kind and check_duplicates
                else []
            )
            return items, duplicates

        try:
            items, duplicates = await self.core.store.read(look_up)  # one round trip
        except StoreUnavailable as exc:
            self.status_store.setText(exc.user_message)
            return
        if seq != self._lookup_seq:
            return  # the call-taker has typed on; a newer lookup is on its way
        self.history.show_history(items, looked_up=bool(phone_key or key))
        if self.form.incident_id is None:
            current = self.form.duplicate_of.id if self.form.duplicate_of else None
            found = duplicates[0] if duplicates else None
            if (found.id if found else None) != current:
                self.form.flag_duplicate(found, now)

    # -- units

    def _on_assign_requested(self, call_signs: list[str]) -> None:
        self.spawn(self.assign(call_signs), "assign")

    async def assign(self, call_signs: list[str]) -> None:
        incident_id = self.form.incident_id
        if incident_id is None:
            self.form.show_banner("error", "Save the incident first (Ctrl+S), then assign units.")
            return
        units = {u.call_sign: u for u in self.unit_model.rows()}
        done, problems = [], []
        for sign in call_signs:
            unit = units.get(sign)
            if unit is None:
                problems.append(f"No unit called {sign}.")
                continue
            try:
                await self.core.store.write(
                    self.core.units.assign, self.actor, unit.id, incident_id, self.core.clock()
                )
                done.append(sign)
            except EXPECTED as exc:
                problems.append(user_message(exc))
        if done:
            self.form.units.clear()
            await self._open_incident(incident_id)
        if problems:
            self.form.show_banner("error", " ".join(problems))
        elif done:
            self.form.show_banner("ok", f"Assigned {' '.join(done)}.")

    def _on_status_requested(self, unit: UnitView, status: UnitStatus) -> None:
        self.spawn(self.set_unit_status(unit.call_sign, status), "unit-status")

    async def set_unit_status(self, call_sign: str, status: UnitStatus) -> None:
        unit = next((u for u in self.unit_model.rows() if u.call_sign == call_sign), None)
        if unit is None:
            return
        try:
            await self.core.store.write(
                self.core.units.set_status, self.actor, unit.id, status, self.core.clock()
            )
        except EXPECTED as exc:
            self.statusBar().showMessage(user_message(exc), 8000)
            self.form.show_banner("error", user_message(exc))

    # -- closing

    def close_current(self) -> None:
        if self.form.incident_id is None:
            self.form.show_banner("error", "Open or save an incident first, then close it (F10).")
            return
        self.spawn(self._close(self.form.incident_id), "close")

    async def _close(self, incident_id: uuid.UUID) -> None:
        summary = await self.core.store.read(self.core.incidents.summary, incident_id)
        dialog = DispositionDialog(
            summary.number, self.core.profile.dispositions, summary.units, self
        )
        self.disposition_dialog = dialog
        result = await await_dialog(dialog)
        disposition = dialog.chosen()
        dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted or not disposition:
            return
        try:
            closed = await self.core.store.write(
                self.core.incidents.close, self.actor, incident_id, disposition, self.core.clock()
            )
        except EXPECTED as exc:
            self.form.show_banner("error", f"Not closed. {user_message(exc)}")
            return
        self.answer_next() if self.ringing else self.form.answer(None, self.core.clock())
        self.form.show_banner("ok", f"Closed {closed.number}: {disposition}.")

    # -- change notices

    def _on_changes(self, changes: list[Change]) -> None:
        changed = {c.kind: c.ids for c in changes}
        if "incident" in changed:
            self._stale_incidents |= changed["incident"]
            if "incident" not in self._refresh_pending:
                self._refresh_pending.add("incident")
                self.spawn(self._refresh_incidents(), "refresh-incidents")
        if "unit" in changed and "unit" not in self._refresh_pending:
            self._refresh_pending.add("unit")
            self.spawn(self._refresh("unit"), "refresh-units")
        current = self.form.incident_id
        if current and any(current in c.ids for c in changes if c.kind == "incident"):
            self.spawn(self._refresh_header(current), "refresh-header")

    async def _refresh(self, kind: str) -> None:
        self._refresh_pending.discard(kind)
        try:
            if kind == "incident":
                self.queue_model.set_rows(
                    await self.core.store.read(self.core.incidents.open_queue)
                )
            else:
                self.unit_model.set_rows(await self.core.store.read(self.core.units.list))
            self.status_store.setText("Local store OK")
        except StoreUnavailable as exc:
            self.status_store.setText(exc.user_message)

    async def _load_lists(self) -> None:
        await self._refresh("incident")
        await self._refresh("unit")

    async def _refresh_incidents(self) -> None:
        """Re-read only the incidents that changed and move them in, out or within the queue."""
        self._refresh_pending.discard("incident")
        ids, self._stale_incidents = list(self._stale_incidents), set()
        try:
            fresh = await self.core.store.read(self.core.incidents.summaries, ids)
        except StoreUnavailable as exc:
            self.status_store.setText(exc.user_message)
            return
        by_id = {s.id: s for s in fresh}
        rows = [by_id.pop(r.id, r) for r in self.queue_model.rows()]
        rows += by_id.values()
        rows = [r for r in rows if r.status != IncidentStatus.CLOSED]
        rows.sort(key=lambda r: (r.priority, r.created_at))
        self.queue_model.set_rows(rows)

    async def _refresh_header(self, incident_id: uuid.UUID) -> None:
        summary = await self.core.store.read(self.core.incidents.summary, incident_id)
        if self.form.incident_id == incident_id:
            self.form.refresh_header(summary)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._ticker.stop()
        self._unsubscribe()
        self.maps.close()
        self.alerts.close()
        self.texting.close()
        self.supervisor.close()
        self.evidence.close()
        self.tasks.cancel_all()
        super().closeEvent(event)
