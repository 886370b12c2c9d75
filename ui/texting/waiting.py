"""The waiting-texts strip above the form: a text to 911 no one has taken yet, like a ringing call.

It shows the oldest waiting text, for how long, how many more; Ctrl+T takes it. When a take is
refused (the call-taker holds as many conversations as allowed) the reason stays on the strip
until the call-taker can act on it.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from dispatch_desk.services.conversations import ConversationSummary
from ui.models import elapsed
from ui.texting.conversations import phone_label

STYLE = """
QWidget#waitingTexts { background: #3a2d14; border: 1px solid #8a6a2c; border-radius: 3px; }
QWidget#waitingTexts QLabel { color: #ffe3b0; }
QWidget#waitingTexts QLabel#waitingRefusal { color: #ffd2cc; font-weight: 600; }
"""


class WaitingTextsBar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("waitingTexts")
        self.setStyleSheet(STYLE)
        self.label = QLabel(objectName="waitingLabel")
        self.refusal = QLabel(objectName="waitingRefusal")
        self.refusal.setWordWrap(True)
        self.refusal.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 3, 8, 3)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.refusal, 1)
        self.waiting: list[ConversationSummary] = []
        self.hide()

    def show_waiting(self, waiting: list[ConversationSummary], now: datetime) -> None:
        self.waiting = list(waiting)
        if not waiting:
            self.refusal.hide()
            self.hide()
            return
        first = waiting[0]
        more = f"  (+{len(waiting) - 1} more)" if len(waiting) > 1 else ""
        preview = " ".join(first.preview.split())
        if len(preview) > 60:
            preview = preview[:59] + "…"
        self.label.setText(
            f"✉  TEXT {phone_label(first.phone_e164)} waiting {elapsed(first.opened_at, now)}"
            f"{more}: “{preview}”  —  Ctrl+T takes it"
        )
        self.show()

    def show_refusal(self, text: str) -> None:
        self.refusal.setText(text)
        self.refusal.setVisible(bool(text) and bool(self.waiting))

    def tick(self, now: datetime) -> None:
        if self.waiting:
            self.show_waiting(self.waiting, now)
