"""QA reports: answer times against the NENA standard, QA scores, session counts (first
version: the view exists for the review window; plots and exports follow)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from dispatch_desk.desk import DeskCore
from dispatch_desk.services.context import Actor


class QaReportsView(QWidget):
    def __init__(self, core: DeskCore, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("qaReports")
        self.core, self.actor = core, actor
        column = QVBoxLayout(self)
        column.addWidget(QLabel("Reports are being built."))
