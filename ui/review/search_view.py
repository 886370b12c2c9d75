"""SearchView: the review search form and its results, newest first, a page at a time.

Enter in any field searches; Enter (or a double-click) on a result opens it (``incident_chosen``).
Alt+PgUp / Alt+PgDown turn the pages. A filter that cannot work says why under the form, and
what was typed stays.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.desk import DeskCore
from dispatch_desk.review.search import BadFilter, ReviewFilter, ReviewPage, ReviewRow, search
from dispatch_desk.services.context import Actor
from ui.errors import EXPECTED, user_message
from ui.models import KeyedTableModel, ListTable
from ui.tasks import TaskOwner
from ui.theme import restyle

PAGE_SIZE = 100


def agency_zone(core: DeskCore) -> ZoneInfo:
    try:
        return ZoneInfo(core.profile.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class ResultsModel(KeyedTableModel[ReviewRow]):
    columns = (
        "Incident",
        "Created",
        "Type",
        "Address",
        "Dispatcher",
        "Caller",
        "Disposition",
        "Rec.",
    )

    def __init__(self, zone: ZoneInfo) -> None:
        super().__init__(key=lambda r: r.id)
        self.zone = zone

    def cell(self, row: ReviewRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            recorded = f"{row.recordings}" if row.recordings else ("·" if row.sessions else "")
            return (
                row.number,
                row.created_at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M"),
                row.type_code,
                row.address,
                row.dispatcher or "—",
                row.caller_number,
                row.disposition or ("open" if row.status != "closed" else ""),
                recorded,
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 7:
            return f"{row.sessions} live session(s), {row.recordings} recorded segment(s)"
        return None


class SearchView(QWidget):
    incident_chosen = Signal(object)  # uuid.UUID
    searched = Signal(object)  # ReviewPage

    def __init__(self, core: DeskCore, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewSearch")
        self.core, self.actor = core, actor
        self.zone = agency_zone(core)
        self.tasks = TaskOwner("review-search")
        self.page = 0
        self.last: ReviewPage | None = None

        today = core.clock().astimezone(self.zone).date()
        self.since = QDateEdit(objectName="reviewSince", calendarPopup=True)
        self.since.setDisplayFormat("yyyy-MM-dd")
        self.since.setDate(QDate(today - timedelta(days=7)))
        self.until = QDateEdit(objectName="reviewUntil", calendarPopup=True)
        self.until.setDisplayFormat("yyyy-MM-dd")
        self.until.setDate(QDate(today))
        self.dispatcher = QComboBox(objectName="reviewDispatcher", editable=True)
        self.dispatcher.addItems(["", *sorted(u.username for u in core.profile.users)])
        self.type_code = QComboBox(objectName="reviewType", editable=True)
        self.type_code.addItems(["", *(t.code for t in core.catalog.all())])
        self.caller = QLineEdit(objectName="reviewCaller", placeholderText="any part of a number")
        self.disposition = QComboBox(objectName="reviewDisposition", editable=True)
        self.disposition.addItems(["", *core.profile.dispositions])
        self.search_button = QPushButton("Search  Enter", objectName="reviewSearchButton")
        self.search_button.clicked.connect(self.run)
        self.note = QLabel(objectName="banner")
        self.note.setWordWrap(True)
        self.note.hide()
        self.model = ResultsModel(self.zone)
        self.table = ListTable(self.model, (104, 132, 80, 220, 120, 112, 130, 40), 3, 20)
        self.table.setObjectName("reviewResults")
        self.table.row_chosen.connect(lambda row: self.incident_chosen.emit(row.id))
        self.count = QLabel("", objectName="reviewCount")
        self.previous = QPushButton("◀ Newer  Alt+PgUp")
        self.previous.clicked.connect(lambda: self.turn(-1))
        self.next = QPushButton("Older ▶  Alt+PgDown")
        self.next.clicked.connect(lambda: self.turn(1))

        form = QGridLayout()
        form.setHorizontalSpacing(6)
        form.setVerticalSpacing(3)
        fields = [
            ("&From", self.since),
            ("&To", self.until),
            ("&Dispatcher", self.dispatcher),
            ("T&ype", self.type_code),
            ("&Caller number", self.caller),
            ("D&isposition", self.disposition),
        ]
        for index, (text, widget) in enumerate(fields):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addWidget(label, 0, index)
            form.addWidget(widget, 1, index)
        form.addWidget(self.search_button, 1, len(fields))
        for index in range(len(fields)):
            form.setColumnStretch(index, 1)
        pages = QHBoxLayout()
        pages.addWidget(self.count, 1)
        pages.addWidget(self.previous)
        pages.addWidget(self.next)
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        column.setSpacing(4)
        column.addLayout(form)
        column.addWidget(self.note)
        column.addWidget(self.table, 1)
        column.addLayout(pages)
        self.caller.returnPressed.connect(self.run)
        for combo in (self.dispatcher, self.type_code, self.disposition):
            line = combo.lineEdit()
            if line is not None:
                line.returnPressed.connect(self.run)
        for keys, step in (("Alt+PgUp", -1), ("Alt+PgDown", 1)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda step=step: self.turn(step))
        for keys in ("Return", "Enter"):
            for edit in (self.since, self.until):
                shortcut = QShortcut(QKeySequence(keys), edit)
                shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
                shortcut.activated.connect(self.run)
        self._paging()

    def filter(self) -> ReviewFilter:
        first, last = self.since.date().toPython(), self.until.date().toPython()
        return ReviewFilter(
            since=datetime.combine(first, time(0), self.zone),
            until=datetime.combine(last + timedelta(days=1), time(0), self.zone),
            dispatcher=self.dispatcher.currentText(),
            type_code=self.type_code.currentText(),
            caller_number=self.caller.text(),
            disposition=self.disposition.currentText(),
            page=self.page,
            page_size=PAGE_SIZE,
        )

    def run(self) -> None:
        self.page = 0
        self.tasks.spawn(self.search(), "review-search")

    def turn(self, step: int) -> None:
        if step < 0 and self.page == 0:
            return
        if step > 0 and (self.last is None or not self.last.has_more):
            return
        self.page += step
        self.tasks.spawn(self.search(), "review-search-page")

    async def search(self) -> ReviewPage | None:
        try:
            page = await search(self.core.store, self.actor, self.core.clock(), self.filter())
        except (BadFilter, *EXPECTED) as exc:
            self._say(user_message(exc), "error")
            return None
        self.note.hide()
        self.last = page
        self.model.set_rows(page.rows)
        first = page.page * PAGE_SIZE
        if page.rows:
            self.count.setText(f"{first + 1}–{first + len(page.rows)}, newest first")
            if not self.table.currentIndex().isValid():
                self.table.setCurrentIndex(self.model.index(0, 0))
        else:
            self.count.setText("Nothing found")
        self._paging()
        self.searched.emit(page)
        return page

    def _paging(self) -> None:
        self.previous.setEnabled(self.page > 0)
        self.next.setEnabled(self.last is not None and self.last.has_more)

    def _say(self, text: str, kind: str) -> None:
        restyle(self.note, "kind", kind)
        self.note.setText(text)
        self.note.show()

    def row_ids(self) -> list[uuid.UUID]:
        return [row.id for row in self.model.rows()]
