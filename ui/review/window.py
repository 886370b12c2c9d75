"""ReviewWindow: supervisor review in one window.

Tabs: "Sessions" (the search and the incident under review, synchronised: ui/review/
session_view.py), "QA queue" and "Reports" (quality assurance, ui/review/qa_*.py). The QA panel is
docked beside the timeline and always scores the incident under review; choosing an incident in
the QA queue opens it in Sessions.

It belongs to the call-taker window it was opened from (supervisors and admins only): it closes
with it, and hides while that console is locked (its central widget is disabled then), so
nobody reviews in the user's name at a locked desk; it comes back, stopped, on unlock.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSplitter, QTabWidget, QWidget

from dispatch_desk.desk import DeskCore
from dispatch_desk.review.timeline import REVIEW_ROLES
from dispatch_desk.services.context import Actor
from ui.review.qa_panel import QaPanel
from ui.review.qa_queue import QaQueueView
from ui.review.qa_reports import QaReportsView
from ui.review.search_view import SearchView, agency_zone
from ui.review.session_view import SessionView
from ui.session import HiddenWhileLocked


class ReviewWindow(QMainWindow):
    closed = Signal(object)

    def __init__(self, core: DeskCore, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        if actor.role not in REVIEW_ROLES:  # the core refuses too; this is only the door
            raise PermissionError("Review is for supervisors and admins.")
        self.setObjectName("reviewWindow")
        self.setWindowTitle(f"Dispatch Desk — Review — {actor.display_name} @ {core.workstation}")
        self.core, self.actor = core, actor
        self.incident_id: uuid.UUID | None = None
        zone = agency_zone(core)

        self.search = SearchView(core, actor)
        self.session = SessionView(core, actor, zone)
        self.qa_panel = QaPanel(core, actor)
        self.qa_queue = QaQueueView(core, actor)
        self.reports = QaReportsView(core, actor)

        sessions = QSplitter(Qt.Orientation.Vertical, objectName="reviewSessions")
        sessions.addWidget(self.search)
        sessions.addWidget(self.session)
        sessions.setChildrenCollapsible(False)
        sessions.setSizes([230, 670])
        self.tabs = QTabWidget(objectName="reviewTabs")
        self.tabs.addTab(sessions, "&Sessions")
        self.tabs.addTab(self.qa_queue, "&QA queue")
        self.tabs.addTab(self.reports, "&Reports")
        self.setCentralWidget(self.tabs)
        self.qa_dock = QDockWidget("Quality assurance", self, objectName="reviewQaDock")
        self.qa_dock.setWidget(self.qa_panel)
        self.qa_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.qa_dock)
        self.resizeDocks([self.qa_dock], [340], Qt.Orientation.Horizontal)

        self.search.incident_chosen.connect(self.open_incident)
        self.qa_queue.incident_chosen.connect(self.open_incident)
        self.session.failed.connect(self._say)
        self.session.said.connect(self._say)
        for keys, text, slot in (
            ("Ctrl+F", "Search", self._focus_search),
            ("Ctrl+T", "Timeline", lambda: self.session.timeline_view.setFocus()),
            ("Ctrl+Shift+E", "QA panel", lambda: self.qa_panel.setFocus()),
            ("Ctrl+W", "Close", self.close),
        ):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
        self.statusBar().showMessage(
            "Ctrl+F search · Enter open · Space play · ←/→ 5 s · Ctrl+←/→ marks · B bookmark"
        )
        if parent is not None:
            parent.installEventFilter(self)
            central = parent.centralWidget() if isinstance(parent, QMainWindow) else None
            if central is not None:
                HiddenWhileLocked(self, central, on_hide=self.session.stop)
        self.resize(1500, 900)
        self.search.run()

    def open_incident(self, incident_id: uuid.UUID) -> None:
        self.incident_id = incident_id
        self.tabs.setCurrentIndex(0)
        self.session.open_incident(incident_id)
        self.qa_panel.show_incident(incident_id)

    def _focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.search.caller.setFocus()

    def _say(self, text: str) -> None:
        self.statusBar().showMessage(text, 15000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.parent() and kind == QEvent.Type.Close:
            self.close()
        return False

    def closeEvent(self, event: QCloseEvent) -> None:
        self.session.stop()
        self.session.video.shutdown()
        # every view's tasks, the QA ones too: none may finish later on a deleted widget
        self.qa_queue.reload_soon.stop()
        self.reports.reload_soon.stop()
        for owner in (
            self.session.tasks,
            self.search.tasks,
            self.qa_panel.tasks,
            self.qa_queue.tasks,
            self.reports.tasks,
        ):
            owner.cancel_all()
        self.closed.emit(self)
        super().closeEvent(event)


_open: dict[int, ReviewWindow] = {}


def open_review(window: QMainWindow, core: DeskCore, actor: Actor) -> ReviewWindow:
    """The review window of this call-taker window (made on first use), shown and raised."""
    review = _open.get(id(window))
    if review is None:
        review = ReviewWindow(core, actor, window)
        _open[id(window)] = review
        review.closed.connect(lambda _: _open.pop(id(window), None))
        review.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    review.show()
    review.raise_()
    review.activateWindow()
    return review
