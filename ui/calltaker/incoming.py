"""The ringing-calls strip above the form: how many, who, for how long; F2 answers."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from dispatch_desk.domain.calls import IncomingCall
from ui.models import elapsed


class IncomingBar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("incomingBar")
        self.label = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 3, 8, 3)
        layout.addWidget(self.label, 1)
        self.hide()

    def show_calls(self, calls: list[IncomingCall], now: datetime) -> None:
        if not calls:
            self.hide()
            return
        first = calls[0]
        more = f"  (+{len(calls) - 1} waiting)" if len(calls) > 1 else ""
        self.label.setText(
            f"☎  {first.kind.value.upper()} {first.ani} ringing "
            f"{elapsed(first.received_at, now)}{more}  —  F2 answers"
        )
        self.show()
