"""The audit trail viewer, for administrators: View → Audit trail… (Ctrl+Shift+U).

Filters (time range in agency time, user, workstation, action prefix, outcome, entity id or
incident number), the matching entries newest first (an incident's by its number), the selected
entry in full beside them, the chain status of every workstation ("verified" or the first broken
link) and a CSV export of the filtered entries, written off the GUI thread. Every read is itself
audited (``audit.read``) and a non-admin is refused by the core (dispatch_desk.audit.trail), the
refusal audited too. The window is a child of the call-taker window: it goes with a sign-out and
hides while the console is locked.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtGui import QAction, QCloseEvent, QColor, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.audit.trail import (
    TrailFilter,
    TrailRow,
    chain_status_apart,
    read_trail_apart,
    record_export,
    write_csv,
)
from dispatch_desk.audit.verify import ChainReport
from dispatch_desk.desk import DeskCore
from dispatch_desk.services.context import Actor
from ui.errors import EXPECTED, user_message
from ui.feedback.view import agency_zone
from ui.models import KeyedTableModel, ListTable
from ui.session import HiddenWhileLocked
from ui.theme import restyle

if TYPE_CHECKING:
    from ui.calltaker.window import CallTakerWindow

Spawn = Callable[[Coroutine[Any, Any, Any], str], object]
OUTCOMES = ("", "ok", "failed", "denied", "refused")
LIMIT = 5000

STYLE = """
QLabel#auditCount { color: #8b96a5; }
QPlainTextEdit#auditDetail { font-family: monospace; }
"""


class TrailModel(KeyedTableModel[TrailRow]):
    columns = ("Time", "Workstation", "User", "Action", "Entity", "Outcome", "Seq")

    def __init__(self, zone: Any) -> None:
        super().__init__(key=lambda r: r.id)
        self.zone = zone

    def cell(self, row: TrailRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return row.at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S")
            values = (
                None,
                row.workstation,
                row.username,
                row.action,
                row.entity,
                row.outcome,
                "" if row.seq is None else str(row.seq),
            )
            return values[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == 5 and row.outcome != "ok":
            return QColor("#e5534b")
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 6:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def status_line(reports: list[ChainReport]) -> tuple[str, str]:
    """The chain status as one line, and its banner kind."""
    broken = [r for r in reports if not r.ok]
    if broken:
        more = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
        return f"Chain BROKEN — {broken[0].broken}{more}", "error"
    entries = sum(r.entries for r in reports)
    return (
        f"Chain verified — {len(reports)} workstation(s), {entries:,} entries in this database",
        "ok",
    )


class AuditViewer(QWidget):
    loaded = Signal(object)  # list[TrailRow]
    exported = Signal(object)  # Path

    def __init__(self, core: DeskCore, actor: Actor, spawn: Spawn, parent: QWidget | None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("auditViewer")
        self.setWindowTitle(f"Dispatch Desk — Audit trail — {core.profile.name}")
        self.setStyleSheet(STYLE)
        self.core, self.actor, self._spawn = core, actor, spawn
        self.zone = agency_zone(core)
        self.rows: list[TrailRow] = []
        self.filter = TrailFilter(limit=LIMIT)
        self.reports: list[ChainReport] = []
        self._seq = 0

        now = core.clock().astimezone(self.zone)
        self.since = QDateTimeEdit(objectName="auditSince", calendarPopup=True)
        self.until = QDateTimeEdit(objectName="auditUntil", calendarPopup=True)
        for edit, value in ((self.since, now - timedelta(days=7)), (self.until, now)):
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setDateTime(QDateTime(value.date(), value.time().replace(microsecond=0)))
        # The end is open ("now", the field at its minimum) unless a time is set: a time fixed
        # when the window opened would hide everything after it on the next Apply.
        self.until.setMinimumDateTime(QDateTime(QDate(2000, 1, 1), QTime(0, 0)))
        self.until.setSpecialValueText("now")
        self.until.setDateTime(self.until.minimumDateTime())
        self.until.setToolTip("now: no end (what happens after opening shows on Apply)")
        self.user = QLineEdit(objectName="auditUser", placeholderText="user")
        self.workstation = QLineEdit(objectName="auditWorkstation", placeholderText="workstation")
        self.action = QLineEdit(objectName="auditAction", placeholderText="action (prefix)")
        self.entity = QLineEdit(
            objectName="auditEntity", placeholderText="entity id or incident number"
        )
        self.outcome = QComboBox(objectName="auditOutcome")
        for value in OUTCOMES:
            self.outcome.addItem(value or "any outcome", value)
        self.apply_button = QPushButton("Apply  Enter", objectName="auditApply")
        self.apply_button.clicked.connect(self.reload)
        self.check_button = QPushButton("Check chain", objectName="auditCheck")
        self.check_button.setToolTip("Walk every workstation's hash chain in this database again")
        self.check_button.clicked.connect(self.recheck)
        self.checks = 0  # chain checks run (on opening and on demand)
        self.checked_on: str | None = None  # the thread the last one ran on
        self.export_button = QPushButton("Export CSV…  Ctrl+E", objectName="auditExport")
        self.export_button.clicked.connect(self.choose_export)
        for edit in (self.user, self.workstation, self.action, self.entity):
            edit.returnPressed.connect(self.reload)
            edit.setClearButtonEnabled(True)
        self.user.setMaximumWidth(120)
        self.workstation.setMaximumWidth(140)
        self.action.setMaximumWidth(160)
        self.entity.setMaximumWidth(280)

        self.chain = QLabel("Chain: checking…", objectName="banner")
        self.chain.setWordWrap(True)
        self.chain.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = QLabel(objectName="banner")
        self.note.setWordWrap(True)
        self.note.hide()
        self.count = QLabel(objectName="auditCount")
        self.model = TrailModel(self.zone)
        self.table = ListTable(self.model, (150, 110, 110, 150, 250, 80, 56), 4, 22)
        self.table.setObjectName("auditTable")
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show(cur))
        self.detail = QPlainTextEdit(objectName="auditDetail", readOnly=True)
        self.detail.setPlaceholderText("Select an entry to see it in full.")

        filters = QHBoxLayout()
        filters.setSpacing(6)
        filters.addWidget(QLabel("From"))
        filters.addWidget(self.since)
        filters.addWidget(QLabel("to"))
        filters.addWidget(self.until)
        for widget in (self.user, self.workstation, self.action, self.outcome, self.entity):
            filters.addWidget(widget)
        filters.addWidget(self.apply_button)
        filters.addStretch(1)
        filters.addWidget(self.check_button)
        filters.addWidget(self.export_button)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setSizes([900, 380])
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 8, 8, 8)
        column.setSpacing(6)
        column.addLayout(filters)
        column.addWidget(self.chain)
        column.addWidget(self.note)
        column.addWidget(split, 1)
        column.addWidget(self.count)
        export = QAction("Export CSV", self)
        export.setShortcut(QKeySequence("Ctrl+E"))
        export.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        export.triggered.connect(self.choose_export)
        self.addAction(export)
        self.resize(1320, 760)

    # -- reading

    def current_filter(self) -> TrailFilter:
        def utc(edit: QDateTimeEdit) -> datetime:
            local = edit.dateTime().toPython()
            return local.replace(tzinfo=self.zone).astimezone(UTC)

        since = utc(self.since)
        until: datetime | None = None
        if self.until.dateTime() != self.until.minimumDateTime():
            until = utc(self.until)
            if until < since:
                since, until = until, since
        return TrailFilter(
            since=since,
            until=until,
            user=self.user.text(),
            workstation=self.workstation.text(),
            action=self.action.text(),
            outcome=str(self.outcome.currentData() or ""),
            entity_id=self.entity.text(),
            limit=LIMIT,
        )

    def reload(self) -> None:
        self._seq += 1
        self._spawn(self.load(self._seq), "audit-load")

    async def load(self, seq: int = 0) -> list[TrailRow] | None:
        flt = self.current_filter()
        try:
            rows = await read_trail_apart(self.core.store, self.actor, self.core.clock(), flt)
        except EXPECTED as exc:
            self.say("error", f"Audit trail not read. {user_message(exc)}")
            return None
        if seq and seq != self._seq:
            return None  # the filters changed again meanwhile
        self.rows, self.filter = rows, flt
        self.model.set_rows(rows)
        more = f" (the newest {LIMIT:,}; narrow the filters)" if len(rows) >= LIMIT else ""
        self.count.setText(f"{len(rows):,} entries, newest first{more}")
        self.say("", "")
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))
        self.loaded.emit(rows)
        return rows

    def recheck(self) -> None:
        self._spawn(self.check_chain(), "audit-chain")

    async def check_chain(self) -> list[ChainReport]:
        """Walk every chain (on opening and on demand, not on every Apply: it reads every
        entry), on a connection and thread of its own, off the desk's shared reader."""
        self.checks += 1
        self.check_button.setEnabled(False)
        self.chain.setText("Chain: checking…")
        restyle(self.chain, "kind", "")

        def walk() -> list[ChainReport]:
            self.checked_on = threading.current_thread().name
            return chain_status_apart(
                self.core.store, self.actor, self.core.clock(), self.core.workstation
            )

        try:
            reports = await asyncio.to_thread(walk)
        except EXPECTED as exc:
            self.check_button.setEnabled(True)
            self.chain.setText(f"Chain not checked. {user_message(exc)}")
            restyle(self.chain, "kind", "warning")
            return []
        self.check_button.setEnabled(True)
        self.reports = reports
        text, kind = status_line(reports)
        self.chain.setText(text)
        self.chain.setToolTip("\n".join(str(r) for r in reports))
        restyle(self.chain, "kind", kind)
        return reports

    def _show(self, index: Any) -> None:
        if not index.isValid():
            self.detail.clear()
            return
        row = self.model.row(index.row())
        lines = [
            f"time         {row.at.astimezone(self.zone):%Y-%m-%d %H:%M:%S %Z}",
            f"             {row.at.isoformat()} (UTC)",
            f"workstation  {row.workstation}",
            f"user         {row.username}",
            f"action       {row.action}",
            f"outcome      {row.outcome}",
            f"entity       {row.entity_type} {row.entity_id}".rstrip(),
            *([f"named        {row.label}"] if row.label else []),
            f"chain seq    {'' if row.seq is None else row.seq}",
            f"id           {row.id}",
            "",
            *row.detail_lines(),
        ]
        self.detail.setPlainText("\n".join(lines))  # plain text: a detail is never markup

    def say(self, kind: str, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))
        restyle(self.note, "kind", kind)

    # -- export

    def choose_export(self) -> None:
        stamp = self.core.clock().astimezone(self.zone).strftime("%Y%m%d-%H%M")
        name, _ = QFileDialog.getSaveFileName(
            self, "Export the audit trail", f"audit-{stamp}.csv", "CSV (*.csv)"
        )
        if name:
            self._spawn(self.export(Path(name)), "audit-export")

    async def export(self, path: Path) -> bool:
        """The entries shown (the filters applied) to ``path``; on the trail first: no record,
        no file. The file is written on a worker thread."""
        rows, flt = list(self.rows), self.filter
        try:
            await self.core.store.write(
                record_export, self.actor, self.core.clock(), path, len(rows), flt
            )
        except EXPECTED as exc:
            self.say("error", f"Not exported: {user_message(exc)}")
            return False
        try:
            count = await asyncio.to_thread(write_csv, rows, path)
        except OSError as exc:
            self.say("error", f"Not exported: {exc.strerror or exc} ({path}).")
            return False
        self.say("ok", f"{count:,} entries exported to {path}.")
        self.exported.emit(path)
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        self._seq += 1  # a read still under way is dropped
        super().closeEvent(event)


def open_audit_viewer(window: CallTakerWindow) -> AuditViewer:
    """View → Audit trail…: one viewer per call-taker window, a child of it."""
    viewer = window.findChild(AuditViewer, "auditViewer")
    if viewer is None:
        viewer = AuditViewer(window.core, window.actor, window.spawn, window)
        HiddenWhileLocked(viewer, window.centralWidget())
        viewer.reload()
        viewer.recheck()
    viewer.show()
    viewer.raise_()
    viewer.activateWindow()
    return viewer
