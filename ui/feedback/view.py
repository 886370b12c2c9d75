"""The supervisors' feedback view: what callers answered in the survey after their incident.

A date range (by the incident's closing day, agency time), the response rate and mean score,
two charts (by week, by incident type), the answers in a table, and a CSV export of every
survey in the range. Opened from Supervisor → Caller feedback (Ctrl+Shift+F) by supervisors and
administrators; each export is written to the audit trail before the file is.

Signals: loaded(FeedbackStats): the range was read and shown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import Role
from dispatch_desk.services import audit, surveys
from dispatch_desk.services.context import Actor
from dispatch_desk.services.feedback import FeedbackStats, answered_rows, summarise, to_csv
from dispatch_desk.services.surveys import SurveyRow
from ui.errors import EXPECTED, user_message
from ui.feedback.charts import ChartBox, type_chart, weekly_chart
from ui.models import setup_list_table
from ui.theme import restyle

if TYPE_CHECKING:
    from ui.calltaker.window import CallTakerWindow

logger = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, Any], str], object]
FEEDBACK_ROLES = (Role.SUPERVISOR, Role.ADMIN)
COLUMNS = ("Answered", "Incident", "Type", "Score", "Comment", "Lang")

STYLE = """
QLabel#feedbackSummary { font-size: 11pt; color: #e6ebf1; padding: 2px 0; }
QLabel#feedbackNote { color: #8b96a5; }
"""


def agency_zone(core: DeskCore) -> ZoneInfo:
    try:
        return ZoneInfo(core.profile.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("agency time zone %r unknown; feedback by UTC days", core.profile.timezone)
        return ZoneInfo("UTC")


def summary_line(stats: FeedbackStats) -> str:
    overall = stats.overall
    if not overall.sent:
        return "No survey was sent for incidents closed in this range."
    rate = f"{overall.response_rate:.0%}" if overall.response_rate is not None else "—"
    mean = f"{overall.mean_score:.1f} / 5" if overall.mean_score is not None else "—"
    return (
        f"Surveys sent {overall.sent} · answered {overall.answered} · response rate {rate} · "
        f"mean score {mean}"
    )


class FeedbackWindow(QWidget):
    loaded = Signal(object)

    def __init__(
        self, core: DeskCore, actor: Actor, spawn: Spawn, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("feedbackWindow")
        self.setWindowTitle(f"Dispatch Desk — Caller feedback — {core.profile.name}")
        self.setStyleSheet(STYLE)
        self.core, self.actor, self._spawn = core, actor, spawn
        self.zone = agency_zone(core)
        self.rows: list[SurveyRow] = []
        self.stats: FeedbackStats | None = None
        self._seq = 0

        today = core.clock().astimezone(self.zone).date()
        self.since = QDateEdit(objectName="feedbackSince", calendarPopup=True)
        self.until = QDateEdit(objectName="feedbackUntil", calendarPopup=True)
        self.until.setDate(QDate(today.year, today.month, today.day))
        start = today - timedelta(weeks=12) + timedelta(days=1)
        self.since.setDate(QDate(start.year, start.month, start.day))
        for edit in (self.since, self.until):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(lambda _d: self.reload())
        self.export_button = QPushButton("Export CSV…  Ctrl+E", objectName="feedbackExport")
        self.export_button.clicked.connect(self.choose_export)
        quick = []
        for weeks in (4, 12, 52):
            button = QPushButton(f"{weeks} weeks" if weeks != 52 else "1 year")
            button.clicked.connect(lambda _c=False, w=weeks: self.last_weeks(w))
            quick.append(button)
        self.summary = QLabel(objectName="feedbackSummary")
        self.summary.setWordWrap(True)
        self.note = QLabel(objectName="banner")
        self.note.setWordWrap(True)
        self.note.hide()
        self.weekly = ChartBox()
        self.by_type = ChartBox()
        self.table = QTableWidget(0, len(COLUMNS), objectName="feedbackAnswers")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        setup_list_table(self.table, (128, 96, 150, 50, 300, 44), stretch=4, row_height=22)
        self.table.setWordWrap(True)

        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(QLabel("Closed from"))
        top.addWidget(self.since)
        top.addWidget(QLabel("to"))
        top.addWidget(self.until)
        for button in quick:
            top.addWidget(button)
        top.addStretch(1)
        top.addWidget(self.export_button)
        charts = QSplitter(Qt.Orientation.Horizontal)
        charts.addWidget(self.weekly)
        charts.addWidget(self.by_type)
        charts.setSizes([640, 520])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(charts)
        split.addWidget(self.table)
        split.setSizes([360, 300])
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 8, 8, 8)
        column.setSpacing(6)
        column.addLayout(top)
        column.addWidget(self.summary)
        column.addWidget(self.note)
        column.addWidget(split, 1)
        export = QAction("Export CSV", self)
        export.setShortcut(QKeySequence("Ctrl+E"))
        export.triggered.connect(self.choose_export)
        self.addAction(export)
        self.resize(1200, 780)

    # -- the range

    def last_weeks(self, weeks: int) -> None:
        end = self.until.date().toPython()
        start = end - timedelta(weeks=weeks) + timedelta(days=1)
        self.since.setDate(QDate(start.year, start.month, start.day))

    def bounds(self) -> tuple[datetime, datetime]:
        """From the first day's midnight to the midnight after the last, agency time."""
        first, last = self.since.date().toPython(), self.until.date().toPython()
        if last < first:
            first, last = last, first
        since = datetime.combine(first, time(0), self.zone)
        until = datetime.combine(last + timedelta(days=1), time(0), self.zone)
        return since, until

    def reload(self) -> None:
        self._seq += 1
        self._spawn(self.load(self._seq), "feedback-load")

    async def load(self, seq: int = 0) -> FeedbackStats | None:
        since, until = self.bounds()
        try:
            rows = await self.core.store.read(
                surveys.feedback_rows, since, until, self.core.catalog
            )
        except EXPECTED as exc:
            self.say("error", f"Feedback not read. {user_message(exc)}")
            return None
        if seq and seq != self._seq:
            return None  # the range changed again meanwhile
        self.rows = rows
        self.stats = summarise(rows, self.zone, since=since, until=until)
        self._show(self.stats)
        self.loaded.emit(self.stats)
        return self.stats

    def _show(self, stats: FeedbackStats) -> None:
        self.summary.setText(summary_line(stats))
        self.weekly.setChart(weekly_chart(stats.by_week))
        self.by_type.setChart(type_chart(stats.by_type))
        self._fill_table(answered_rows(self.rows))
        self.say("", "")

    def _fill_table(self, rows: Sequence[SurveyRow]) -> None:
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            answered = row.answered_at.astimezone(self.zone) if row.answered_at else None
            cells = (
                answered.strftime("%Y-%m-%d %H:%M") if answered else "",
                row.incident_number,
                row.incident_type_label,
                str(row.score) if row.score is not None else "",
                row.comment,
                row.language.upper(),
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)  # plain text: a comment is never markup
                if c == 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if c == 4 and text:
                    item.setToolTip(text)
                self.table.setItem(r, c, item)

    def say(self, kind: str, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))
        restyle(self.note, "kind", kind)

    # -- export

    def choose_export(self) -> None:
        first, last = self.since.date().toString("yyyyMMdd"), self.until.date().toString("yyyyMMdd")
        name, _ = QFileDialog.getSaveFileName(
            self, "Export caller feedback", f"feedback-{first}-{last}.csv", "CSV (*.csv)"
        )
        if name:
            self._spawn(self.export(Path(name)), "feedback-export")

    async def export(self, path: Path) -> bool:
        """Every survey in the range to ``path`` (UTF-8 with a BOM, for spreadsheets);
        recorded in the audit trail first: no record, no file."""
        rows = list(self.rows)
        since, until = self.bounds()
        actor = self.actor

        def record(session: Any) -> None:
            now = self.core.clock()
            audit.require(actor, now, "feedback.export", FEEDBACK_ROLES)
            audit.record(
                session,
                actor,
                now,
                "feedback.export",
                entity_type="survey",
                rows=len(rows),
                since=since.isoformat(),
                until=until.isoformat(),
                file=path.name,
            )

        try:
            await self.core.store.write(record)
        except EXPECTED as exc:
            self.say("error", f"Not exported: {user_message(exc)}")
            return False
        try:
            await asyncio.to_thread(path.write_text, to_csv(rows), encoding="utf-8-sig")
        except OSError as exc:
            self.say("error", f"Not exported: {exc.strerror or exc} ({path}).")
            return False
        self.say("ok", f"{len(rows)} surveys exported to {path}.")
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        self._seq += 1  # a read still under way is dropped
        super().closeEvent(event)


class SupervisorMenu:
    """Supervisor → Caller feedback… (Ctrl+Shift+F), on the call-taker window of supervisors
    and administrators only."""

    def __init__(self, window: CallTakerWindow) -> None:
        self.window = window
        self.feedback: FeedbackWindow | None = None
        if not window.actor.may(*FEEDBACK_ROLES):
            return
        menu = window.menuBar().addMenu("S&upervisor")
        action = QAction("Caller feedback…", window)
        action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(self.open_feedback)
        menu.addAction(action)
        window.addAction(action)

    def open_feedback(self) -> FeedbackWindow:
        if self.feedback is None:
            self.feedback = FeedbackWindow(self.window.core, self.window.actor, self.window.spawn)
            self.feedback.reload()
        self.feedback.show()
        self.feedback.raise_()
        self.feedback.activateWindow()
        return self.feedback

    def close(self) -> None:
        if self.feedback is not None:
            self.feedback.close()
            self.feedback.deleteLater()
            self.feedback = None
