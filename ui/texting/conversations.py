"""The call-taker's text conversations in a dense list: theirs first, then those waiting.

The first column is the badge: how many of the caller's texts are unread, or WAIT for a
conversation no one has taken yet. Enter (or a double-click) opens one of one's own, or takes a
waiting one.

Signals (ConversationList): chosen(ConversationSummary).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import QTableView, QWidget

from dispatch_desk.domain.phone import format_phone
from dispatch_desk.services.conversations import ConversationSummary
from ui.models import KeyedTableModel, elapsed, setup_list_table
from ui.theme import ACCENT, MUTED

WAIT_FILL = "#8a6a2c"


def phone_label(e164: str) -> str:
    return format_phone(e164) if e164.startswith("+") else e164


class ConversationModel(KeyedTableModel[ConversationSummary]):
    columns = ("", "Number", "Incident", "Last text", "Age")
    clock_columns = (4,)

    def cell(self, row: ConversationSummary, column: int, role: int) -> Any:
        waiting = row.state == "waiting"
        if role == Qt.ItemDataRole.DisplayRole:
            badge = "WAIT" if waiting else (str(row.unread) if row.unread else "")
            preview = " ".join(row.preview.split())
            return (
                badge,
                phone_label(row.phone_e164),
                row.incident_number or "—",
                preview,
                elapsed(row.last_at, self._now()),
            )[column]
        if role == Qt.ItemDataRole.BackgroundRole and column == 0:
            if waiting:
                return QBrush(QColor(WAIT_FILL))
            if row.unread:
                return QBrush(QColor(ACCENT))
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 0 and (waiting or row.unread):
                return QBrush(QColor("#0d1014" if not waiting else "#ffe3b0"))
            if column == 2 and not row.incident_number:
                return QBrush(QColor(MUTED))
            if column == 3:
                return QBrush(QColor(MUTED))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 4):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            state = "waiting to be taken" if waiting else f"held by {row.holder_name or 'you'}"
            return f"{phone_label(row.phone_e164)} · {state}\n{row.preview[:200]}"
        return None


class ConversationList(QTableView):
    chosen = Signal(object)

    def __init__(self, model: ConversationModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("textConversations")
        self.setModel(model)
        setup_list_table(self, (44, 128, 90, 160, 50), stretch=3, row_height=22)
        self.doubleClicked.connect(self._on_activated)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._on_activated(self.currentIndex())
            return
        super().keyPressEvent(event)

    def _on_activated(self, index: QModelIndex) -> None:
        model = self.model()
        assert isinstance(model, ConversationModel)
        self.chosen.emit(model.row(index.row()))
