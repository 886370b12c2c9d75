"""The legal-hold dialog and the export's progress dialog (opened with open(), never exec())."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.evidence.holds import CASE_MAX, HoldView


def _mb(n: int) -> str:
    return f"{n / 1_000_000:,.1f} MB"


class HoldDialog(QDialog):
    """Place a hold (reason required, case number optional) or release the one in force."""

    def __init__(self, number: str, hold: HoldView | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("holdDialog")
        self.hold = hold
        self.setWindowTitle(f"Legal hold — {number}")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.reason = QPlainTextEdit(objectName="holdReason")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(72)
        self.case_number = QLineEdit(objectName="holdCase", maxLength=CASE_MAX)
        if hold is None:
            status = QLabel(
                f"{number} is not on hold. While held, retention removes nothing of it.",
                objectName="holdStatus",
            )
            form.addRow("Reason", self.reason)
            form.addRow("Case number", self.case_number)
            accept_text = "Place hold"
        else:
            case = f", case {hold.case_number}" if hold.case_number else ""
            status = QLabel(
                f"On hold since {hold.placed_at:%Y-%m-%d %H:%M} UTC by {hold.placed_by}{case}: "
                f"{hold.reason}",
                objectName="holdStatus",
            )
            form.addRow("Why release", self.reason)
            self.case_number.hide()
            accept_text = "Release hold"
        status.setWordWrap(True)
        self.error = QLabel(objectName="holdError")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(accept_text)
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(status)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(440)
        self.reason.setFocus()

    def _try_accept(self) -> None:
        if not self.reason.toPlainText().strip():
            self.error.setText("Give a reason: it is kept with the hold and shown to others.")
            self.error.show()
            self.reason.setFocus()
            return
        self.accept()

    def values(self) -> tuple[str, str]:
        return self.reason.toPlainText().strip(), self.case_number.text().strip()


class ExportProgress(QDialog):
    """Bytes copied of the total, the file being copied, and Cancel."""

    def __init__(self, number: str, dest: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportProgress")
        self.setWindowTitle(f"Exporting evidence — {number}")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)
        where = QLabel(f"{number} → {dest}")
        where.setWordWrap(True)
        self.bar = QProgressBar(objectName="exportBar")
        self.bar.setRange(0, 1000)
        self.bytes = QLabel("Reading the incident…", objectName="exportBytes")
        self.file = QLabel("", objectName="exportFile")
        self.file.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("exportCancel")
        buttons.rejected.connect(self.reject)
        for widget in (where, self.bar, self.bytes, self.file, buttons):
            layout.addWidget(widget)
        self.setMinimumWidth(460)
        self.updates = 0

    def show_progress(self, done: int, total: int, name: str) -> None:
        self.updates += 1
        self.bar.setValue(int(done * 1000 / total) if total else 1000)
        self.bytes.setText(f"{_mb(done)} of {_mb(total)}")
        if name:
            self.file.setText(name)

    def cancelling(self) -> None:
        self.cancel_button.setEnabled(False)
        self.bytes.setText("Cancelling…")
