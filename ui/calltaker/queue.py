"""The queue of pending and active incidents, most urgent first, with live age timers."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import QTableView, QWidget

from dispatch_desk.services.incidents import IncidentSummary
from ui.models import KeyedTableModel, elapsed, setup_list_table
from ui.theme import MUTED, PRIORITY_COLOURS


class QueueModel(KeyedTableModel[IncidentSummary]):
    columns = ("P", "Incident", "Type", "Address", "Status", "Units", "Age")
    clock_columns = (6,)

    def cell(self, row: IncidentSummary, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                str(row.priority),
                row.number,
                row.type_label,
                row.address,
                row.status.value.capitalize(),
                " ".join(row.units) or "—",
                elapsed(row.created_at, self._now()),
            )[column]
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 0:
                return QBrush(QColor("#0d1014"))
            if column == 5 and not row.units:
                return QBrush(QColor(MUTED))
        if role == Qt.ItemDataRole.BackgroundRole and column == 0:
            return QBrush(QColor(PRIORITY_COLOURS.get(row.priority, MUTED)))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 6):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.number} · P{row.priority} · {row.type_label}\n{row.address}"
        return None


class QueueView(QTableView):
    """Signals: incident_chosen(IncidentSummary) when Enter or a double-click opens a row."""

    incident_chosen = Signal(object)

    def __init__(self, model: QueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queueView")
        self.setModel(model)
        setup_list_table(self, (26, 80, 128, 160, 62, 64, 54), stretch=3, row_height=24)
        self.doubleClicked.connect(self._on_activated)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._on_activated(self.currentIndex())
            return
        super().keyPressEvent(event)

    def _on_activated(self, index: QModelIndex) -> None:
        model = self.model()
        assert isinstance(model, QueueModel)
        self.incident_chosen.emit(model.row(index.row()))
