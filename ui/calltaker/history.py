"""Earlier incidents for the caller's number or the address being typed, shown at once."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.services.incidents import HistoryItem
from ui.models import KeyedTableModel, setup_list_table
from ui.theme import MUTED, PRIORITY_COLOURS


class HistoryModel(KeyedTableModel[HistoryItem]):
    columns = ("When", "Incident", "Type", "Address", "Outcome", "Match")

    def cell(self, row: HistoryItem, column: int, role: int) -> Any:
        incident = row.incident
        if role == Qt.ItemDataRole.DisplayRole:
            outcome = incident.disposition or incident.status.value.capitalize()
            return (
                incident.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                incident.number,
                incident.type_label,
                incident.address,
                outcome,
                " + ".join(sorted(row.matched_by)),
            )[column]
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 2:
                return QBrush(QColor(PRIORITY_COLOURS.get(incident.priority, MUTED)))
            if column in (0, 5):
                return QBrush(QColor(MUTED))
        return None


class HistoryPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = HistoryModel(key=lambda item: item.incident.id)
        self.summary = QLabel("Type a number or an address to see earlier incidents.")
        self.summary.setObjectName("sectionTitle")
        self.view = QTableView(objectName="historyView")
        self.view.setModel(self.model)
        setup_list_table(self.view, (140, 86, 150, 180, 150, 110), stretch=3, row_height=22)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.summary)
        layout.addWidget(self.view)

    def show_history(self, items: list[HistoryItem], looked_up: bool) -> None:
        self.model.set_rows(items)
        if not looked_up:
            self.summary.setText("Type a number or an address to see earlier incidents.")
        elif not items:
            self.summary.setText("No earlier incidents for this number or address.")
        else:
            phone = sum(1 for i in items if "phone" in i.matched_by)
            place = sum(1 for i in items if "address" in i.matched_by)
            self.summary.setText(
                f"{len(items)} earlier incident(s): {phone} for this number, "
                f"{place} at this address"
            )
