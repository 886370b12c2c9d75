"""One conversation's texts as bubbles: the caller's on the left, the centre's on the right.

Every outgoing text shows where it stands (queued, sent, delivered, undelivered or failed with
the carrier's error); an incoming one shows the notices the desk added (emoji or media the
carrier path would drop). The text is laid out as plain text, never as markup, wrapped at word
boundaries or anywhere for a long unbroken string, and right-to-left text is set right to left.
The model is updated in place (new texts appended, changed ones repainted) so a burst of texts
neither flickers nor loses the scroll position.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QTextLayout, QTextOption
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from dispatch_desk.services.conversations import TextMessageView
from ui.theme import MUTED, TEXT

Index = QModelIndex | QPersistentModelIndex
MessageRole = Qt.ItemDataRole.UserRole + 1

# Bubble colours: the caller's a neutral slate, the centre's a muted blue; both calm in the dark.
IN_FILL, OUT_FILL = "#262d36", "#1d3550"
ERROR_TEXT, WARN_TEXT, OK_TEXT = "#ff938a", "#e0b15a", "#7fbf8e"
STATUS_MARKS = {
    "queued": ("◷ queued", MUTED),
    "sending": ("… sending", MUTED),
    "sent": ("✓ sent", MUTED),
    "delivered": ("✓✓ delivered", OK_TEXT),
    "undelivered": ("✗ not delivered", ERROR_TEXT),
    "failed": ("✗ failed", ERROR_TEXT),
    "unknown": ("? not confirmed", WARN_TEXT),
}


def status_line(message: TextMessageView) -> tuple[str, str]:
    """The footer of an outgoing bubble and its colour, e.g. ("✗ failed: 30003 …", red)."""
    text, colour = STATUS_MARKS.get(message.status, (message.status, MUTED))
    if message.error and message.status in ("failed", "undelivered", "unknown"):
        mark, _, words = text.partition(" ")
        if message.error.casefold().startswith(words.casefold()):
            text = f"{mark} {message.error}"  # "✗ Not delivered: ...", not said twice
        else:
            text = f"{text}: {message.error}"
    return text, colour


def is_rtl(text: str) -> bool:
    """True when the first letter with a direction is right-to-left (Arabic, Hebrew...)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


class ThreadModel(QAbstractListModel):
    def __init__(self) -> None:
        super().__init__()
        self._rows: list[TextMessageView] = []
        self._at: dict[uuid.UUID, int] = {}
        self.conversation_id: uuid.UUID | None = None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        message = self._rows[index.row()]
        if role == MessageRole:
            return message
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            who = "Caller" if message.direction == "in" else (message.author or "Centre")
            return f"{who}: {message.body}"
        if role == Qt.ItemDataRole.ToolTipRole and message.direction == "out":
            return status_line(message)[0]
        return None

    def messages(self) -> list[TextMessageView]:
        return list(self._rows)

    def show(self, conversation_id: uuid.UUID | None, messages: Sequence[TextMessageView]) -> int:
        """Bring the model to ``messages``; returns how many texts are new to it."""
        if conversation_id != self.conversation_id:
            self.beginResetModel()
            self.conversation_id = conversation_id
            self._rows = list(messages)
            self._at = {m.id: i for i, m in enumerate(self._rows)}
            self.endResetModel()
            return len(self._rows)
        fresh: list[TextMessageView] = []
        for message in messages:
            i = self._at.get(message.id)
            if i is None:
                fresh.append(message)
            elif self._rows[i] != message:
                self._rows[i] = message
                self.dataChanged.emit(self.index(i), self.index(i))
        if fresh:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            for message in fresh:
                self._at[message.id] = len(self._rows)
                self._rows.append(message)
            self.endInsertRows()
        return len(fresh)

    def upsert(self, message: TextMessageView) -> None:
        """One text (the one just sent) in or updated, ahead of the next full read."""
        self.show(self.conversation_id, [message])


class BubbleDelegate(QStyledItemDelegate):
    PAD, GAP, SHARE = 8, 4, 0.78  # inner padding, space between bubbles, width share

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view
        self._sizes: dict[tuple[uuid.UUID, int, str, str], QSize] = {}

    def _text_width(self) -> int:
        return max(120, int(self._view.viewport().width() * self.SHARE) - 2 * self.PAD)

    @staticmethod
    def _small(option_font: QFont) -> QFont:
        font = QFont(option_font)
        font.setPointSizeF(max(7.0, option_font.pointSizeF() - 1.5))
        return font

    def _layout(self, text: str, font: QFont, width: int) -> tuple[QTextLayout, float, float]:
        layout = QTextLayout(text, font)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        rtl = is_rtl(text)
        option.setTextDirection(
            Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight
        )
        option.setAlignment(Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft)
        layout.setTextOption(option)
        layout.beginLayout()
        height, widest = 0.0, 0.0
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            line.setPosition(QPointF(0, height))
            height += line.height()
            widest = max(widest, line.naturalTextWidth())
        layout.endLayout()
        return layout, height, widest

    def _footers(self, message: TextMessageView) -> list[tuple[str, str]]:
        at = message.at.astimezone().strftime("%H:%M:%S")
        lines: list[tuple[str, str]] = []
        if message.direction == "out":
            status, colour = status_line(message)
            who = f" · {message.author}" if message.author else ""
            lines.append((f"{at}{who}  {status}", colour))
        else:
            lines.append((f"{at} · caller", MUTED))
        lines += [(f"⚠ {notice}", WARN_TEXT) for notice in message.notices]
        return lines

    def _measure(self, message: TextMessageView, font: QFont) -> tuple[float, float, float]:
        width = self._text_width()
        _layout, body_h, body_w = self._layout(message.body or " ", font, width)
        small = self._small(font)
        foot_h, foot_w = 0.0, 0.0
        for text, _colour in self._footers(message):
            _l, h, w = self._layout(text, small, width)
            foot_h += h
            foot_w = max(foot_w, w)
        return body_h, foot_h, max(body_w, foot_w)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        message: TextMessageView = index.data(MessageRole)
        key = (message.id, self._text_width(), message.status, message.error)
        size = self._sizes.get(key)
        if size is None:
            body_h, foot_h, _w = self._measure(message, option.font)
            height = int(body_h + foot_h + 2 * self.PAD + self.GAP + 3)
            size = QSize(self._view.viewport().width(), height)
            if len(self._sizes) > 5000:
                self._sizes.clear()
            self._sizes[key] = size
        return size

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        message: TextMessageView = index.data(MessageRole)
        font = option.font
        width = self._text_width()
        body_h, foot_h, content_w = self._measure(message, font)
        bubble_w = min(width, max(content_w, 60.0)) + 2 * self.PAD
        rect = QRectF(option.rect).adjusted(6, self.GAP / 2, -6, -self.GAP / 2)
        left = rect.left() if message.direction == "in" else rect.right() - bubble_w
        bubble = QRectF(left, rect.top(), bubble_w, body_h + foot_h + 2 * self.PAD)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = QColor(IN_FILL if message.direction == "in" else OUT_FILL)
        border = QColor("#4c9be8") if option.state & QStyle.StateFlag.State_Selected else fill
        painter.setPen(QPen(border, 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(bubble, 7, 7)
        text_w = int(bubble_w - 2 * self.PAD)
        origin = QPointF(bubble.left() + self.PAD, bubble.top() + self.PAD)
        layout, height, _w = self._layout(message.body, font, text_w)
        painter.setPen(QColor(TEXT))
        layout.draw(painter, origin)
        y = origin.y() + height
        small = self._small(font)
        for text, colour in self._footers(message):
            footer, h, _w = self._layout(text, small, text_w)
            painter.setPen(QColor(colour))
            footer.draw(painter, QPointF(origin.x(), y))
            y += h
        painter.restore()


class ThreadView(QListView):
    def __init__(self, model: ThreadModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("textThread")
        self.setModel(model)
        self.setItemDelegate(BubbleDelegate(self))
        self.setUniformItemSizes(False)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(True)
        self.setSpacing(0)
        model.rowsInserted.connect(self._on_rows_inserted)
        model.modelReset.connect(self.scrollToBottom)

    def _on_rows_inserted(self, *_args: object) -> None:
        # Follow the conversation unless the call-taker has scrolled up to read back.
        bar = self.verticalScrollBar()
        if bar.value() >= bar.maximum() - 40:
            self.scrollToBottom()
