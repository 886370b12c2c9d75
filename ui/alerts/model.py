"""The alert list as a table: unacknowledged first, most urgent first, newest first."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from dispatch_desk.alerts.model import Alert
from ui.models import KeyedTableModel
from ui.theme import MUTED, PRIORITY_COLOURS


class AlertModel(KeyedTableModel[Alert]):
    columns = ("P", "Time", "Alert", "Incident", "Seen")

    def cell(self, row: Alert, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            repeats = f"  ×{row.repeats + 1}" if row.repeats else ""
            seen = (
                f"✓ {row.acknowledged_at.astimezone().strftime('%H:%M')}"
                if row.acknowledged_at
                else "new"
            )
            return (
                str(row.priority),
                row.raised_at.astimezone().strftime("%H:%M:%S"),
                f"{row.text}{repeats}",
                row.incident_number or "—",
                seen,
            )[column]
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 0:
                return QBrush(QColor("#0d1014"))
            if row.acknowledged or (column in (1, 3) and not row.incident_number):
                return QBrush(QColor(MUTED))
            if column == 4:
                return QBrush(QColor(PRIORITY_COLOURS.get(row.priority, MUTED)))
        if role == Qt.ItemDataRole.BackgroundRole and column == 0:
            colour = QColor(PRIORITY_COLOURS.get(row.priority, MUTED))
            if row.acknowledged:
                colour = colour.darker(220)
            return QBrush(colour)
        if role == Qt.ItemDataRole.FontRole and not row.acknowledged and column == 2:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 4):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            who = f"\nAcknowledged by {row.acknowledged_by}" if row.acknowledged_by else ""
            return f"{row.label} · P{row.priority}\n{row.text}{who}"
        return None
