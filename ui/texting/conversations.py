"""The call-taker's text conversations in a dense list: theirs first, then those waiting.

The first column is the badge: how many of the caller's texts are unread, or WAIT for a
conversation no one has taken yet. Enter (or a double-click) opens one of one's own, or takes a
waiting one.

Signals (ConversationList): chosen(ConversationSummary).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QWidget

from dispatch_desk.domain.phone import format_phone
from dispatch_desk.services.conversations import ConversationSummary
from ui.models import KeyedTableModel, ListTable, elapsed
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


class ConversationList(ListTable):
    """``row_chosen(ConversationSummary)`` when Enter or a double-click opens a row."""

    def __init__(self, model: ConversationModel, parent: QWidget | None = None) -> None:
        super().__init__(model, (44, 128, 90, 160, 50), stretch=3, row_height=22, parent=parent)
        self.setObjectName("textConversations")
