"""The QA review queue: closed incidents due for review in a date range (sampled at the
configured share, plus every high-acuity type), minus those already evaluated. Enter (or a
double-click) opens one: ``incident_chosen(incident_id)``.

Signals: incident_chosen(uuid), loaded(list[QueueEntry]), failed(str).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QDate, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from dispatch_desk.desk import DeskCore
from dispatch_desk.qa import access
from dispatch_desk.qa.queue import HIGH_ACUITY, QueueEntry, review_queue, type_codes
from dispatch_desk.services.context import Actor
from ui.errors import EXPECTED, user_message
from ui.models import KeyedTableModel, ListTable
from ui.tasks import TaskOwner
from ui.theme import restyle

# A burst of reasons to read again (evaluations pulled by sync, a date typed digit by digit)
# makes one read, this long after the last: each read holds the store's only reader thread.
RELOAD_DEBOUNCE_MS = 300


def debounced(owner: QObject, slot: Callable[[], object]) -> QTimer:
    """A single-shot timer that runs ``slot`` once, RELOAD_DEBOUNCE_MS after its last start."""
    timer = QTimer(owner)
    timer.setSingleShot(True)
    timer.setInterval(RELOAD_DEBOUNCE_MS)
    timer.timeout.connect(slot)
    return timer


def agency_zone(core: DeskCore) -> ZoneInfo:
    try:
        return ZoneInfo(core.profile.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def day_bounds(first: QDate, last: QDate, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """From the first day's midnight to the midnight after the last, agency time."""
    a, b = first.toPython(), last.toPython()
    if b < a:
        a, b = b, a
    return datetime.combine(a, time(0), zone), datetime.combine(
        b + timedelta(days=1), time(0), zone
    )


class QueueModel(KeyedTableModel[QueueEntry]):
    columns = ("Incident", "Type", "Closed", "Call-taker", "Why")

    def __init__(self, zone: ZoneInfo) -> None:
        super().__init__(key=lambda e: e.incident_id)
        self.zone = zone

    def cell(self, row: QueueEntry, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            closed = row.closed_at.astimezone(self.zone) if row.closed_at else None
            return (
                row.number,
                f"{row.type_code} · {row.type_label}",
                closed.strftime("%Y-%m-%d %H:%M") if closed else "",
                row.call_taker or "—",
                row.why,
            )[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == 4 and HIGH_ACUITY in row.reasons:
            from PySide6.QtGui import QColor

            return QColor("#e0823d")
        return None


class QaQueueView(QWidget):
    incident_chosen = Signal(object)
    loaded = Signal(object)
    failed = Signal(str)

    def __init__(self, core: DeskCore, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("qaQueue")
        self.core, self.actor = core, actor
        self.tasks = TaskOwner("qa-queue")
        self.zone = agency_zone(core)
        self._seq = 0
        self.reload_soon = debounced(self, self.reload)
        today = core.clock().astimezone(self.zone).date()
        start = today - timedelta(days=30)
        self.since = QDateEdit(QDate(start.year, start.month, start.day), objectName="qaSince")
        self.until = QDateEdit(QDate(today.year, today.month, today.day), objectName="qaUntil")
        for edit in (self.since, self.until):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setCalendarPopup(True)
            edit.dateChanged.connect(lambda _d: self.reload_soon.start())
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.reload)
        self.summary = QLabel("", objectName="qaQueueSummary")
        self.note = QLabel(objectName="banner")
        self.note.setWordWrap(True)
        self.note.hide()
        self.model = QueueModel(self.zone)
        self.table = ListTable(self.model, (110, 220, 130, 150, 160), stretch=1, row_height=22)
        self.table.setObjectName("qaQueueTable")
        self.table.row_chosen.connect(lambda row: self.incident_chosen.emit(row.incident_id))
        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(QLabel("Closed from"))
        top.addWidget(self.since)
        top.addWidget(QLabel("to"))
        top.addWidget(self.until)
        top.addWidget(refresh)
        top.addStretch(1)
        top.addWidget(self.summary)
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        column.setSpacing(4)
        column.addLayout(top)
        column.addWidget(self.note)
        column.addWidget(self.table, 1)
        self._unsubscribe = core.bus.subscribe(self._on_changes)
        self.destroyed.connect(lambda _o=None, u=self._unsubscribe: u())

    def _on_changes(self, changes: list[Any]) -> None:
        if any(c.kind == "qa_evaluation" for c in changes):
            self.reload_soon.start()

    def entries(self) -> list[QueueEntry]:
        return self.model.rows()

    def reload(self) -> None:
        self.reload_soon.stop()
        self._seq += 1
        self.tasks.spawn(self.load(self._seq), "qa-queue-load")

    async def load(self, seq: int = 0) -> list[QueueEntry] | None:
        since, until = day_bounds(self.since.date(), self.until.date(), self.zone)
        qa = self.core.settings.qa
        try:
            entries = await access.read(
                self.core.store,
                review_queue,
                self.actor,
                self.core.clock(),
                since,
                until,
                sample_percent=qa.sample_percent,
                high_acuity=type_codes(qa.high_acuity_types),
                catalog=self.core.catalog,
            )
        except EXPECTED as exc:
            self.say("error", f"Queue not read. {user_message(exc)}")
            self.failed.emit(user_message(exc))
            return None
        if seq and seq != self._seq:
            return None
        self.model.set_rows(entries)
        acute = sum(1 for e in entries if HIGH_ACUITY in e.reasons)
        self.summary.setText(
            f"{len(entries)} to review · {acute} high-acuity · sample {qa.sample_percent:g} %"
        )
        self.say("", "")
        self.loaded.emit(entries)
        return entries

    def say(self, kind: str, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))
        restyle(self.note, "kind", kind)
