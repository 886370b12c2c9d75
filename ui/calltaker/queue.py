"""The queue of pending and active incidents, most urgent first, with live age timers."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QWidget

from dispatch_desk.services.incidents import IncidentSummary
from ui.models import KeyedTableModel, ListTable, elapsed
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


class QueueView(ListTable):
    """``row_chosen(IncidentSummary)`` when Enter or a double-click opens a row."""

    def __init__(self, model: QueueModel, parent: QWidget | None = None) -> None:
        widths = (26, 80, 128, 160, 62, 64, 54)
        super().__init__(model, widths, stretch=3, row_height=24, parent=parent)
        self.setObjectName("queueView")
