"""The chat with the caller: every line shown as plain text, presets one keystroke away.

Signals: send_requested(str): the dispatcher sends this text.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.domain.citizen import PRESETS, Direction
from dispatch_desk.services.citizen import MessageView

PRESET_LABELS = {
    "greeting": "Greeting",
    "point": "Point the camera",
    "safe": "Are you safe?",
    "units": "Help is coming",
    "closing": "Closing",
}


class ChatPanel(QWidget):
    send_requested = Signal(str)

    def __init__(self, language: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.language = language
        self.lines = QListWidget(objectName="liveChat")
        self.lines.setWordWrap(True)
        self.lines.setUniformItemSizes(False)
        self.lines.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lines.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.presets = QComboBox(objectName="livePresets")
        self.presets.addItem("Preset…", "")
        for key, label in PRESET_LABELS.items():
            self.presets.addItem(label, key)
        self.presets.activated.connect(self._on_preset)
        self.input = QLineEdit(objectName="liveChatInput", placeholderText="Message to the caller")
        self.input.returnPressed.connect(self._on_send)
        self.send = QPushButton("Send", objectName="liveChatSend")
        self.send.clicked.connect(self._on_send)
        self._items: dict[uuid.UUID, QListWidgetItem] = {}
        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self.presets)
        row.addWidget(self.input, 1)
        row.addWidget(self.send)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(self.lines, 1)
        column.addLayout(row)

    def _on_preset(self, index: int) -> None:
        key = self.presets.itemData(index)
        if key:
            texts = PRESETS[key]
            self.input.setText(texts.get(self.language, texts["en"]))
            self.input.setFocus()
        self.presets.setCurrentIndex(0)

    def _on_send(self) -> None:
        text = self.input.text().strip()
        if text:
            self.send_requested.emit(text)

    def sent(self) -> None:
        self.input.clear()

    def add(self, message: MessageView) -> None:
        if message.id in self._items:
            return
        who = "Caller" if message.direction == Direction.FROM_CALLER else "You"
        item = QListWidgetItem(self._line(message.at, who, message.text))
        item.setData(Qt.ItemDataRole.UserRole, message.direction.value)
        if message.direction == Direction.FROM_CALLER:
            item.setForeground(Qt.GlobalColor.white)
        else:
            item.setForeground(Qt.GlobalColor.lightGray)
            item.setText(item.text() + "  …")
        self._items[message.id] = item
        self.lines.addItem(item)
        self.lines.scrollToBottom()

    def delivered(self, message_id: uuid.UUID) -> None:
        item = self._items.get(message_id)
        if item is not None and item.text().endswith("  …"):
            item.setText(item.text()[:-3] + "  ✓")

    @staticmethod
    def _line(at: datetime, who: str, text: str) -> str:
        return f"{at.astimezone().strftime('%H:%M:%S')}  {who}: {text}"

    def texts(self) -> list[str]:
        return [self.lines.item(i).text() for i in range(self.lines.count())]
