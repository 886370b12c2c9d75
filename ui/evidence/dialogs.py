"""The legal-hold dialog and the export's progress window (shown, never exec(): not modal)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.evidence.holds import CASE_MAX, HoldView


def _mb(n: int) -> str:
    return f"{n / 1_000_000:,.1f} MB"


class HoldDialog(QDialog):
    """Place a hold (reason required, case number optional) or release the one in force."""

    def __init__(
        self,
        number: str,
        hold: HoldView | None,
        parent: QWidget | None = None,
        *,
        others: int = 0,  # further holds in force (releasing releases them all)
    ) -> None:
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
            more = (
                f" And {others} more hold{'s' if others != 1 else ''} in force: releasing "
                "releases them all."
                if others
                else ""
            )
            status = QLabel(
                f"On hold since {hold.placed_at:%Y-%m-%d %H:%M} UTC by {hold.placed_by}{case}: "
                f"{hold.reason}.{more}",
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
    """Bytes copied of the total, the file being copied, and Cancel.

    Not modal: the dispatcher keeps working in the desk while it runs. Esc (or closing it) only
    puts it away; Export evidence (Ctrl+Shift+E) brings it back. Cancel asks before it stops the
    export (``stop_requested``), with "Keep exporting" the default."""

    stop_requested = Signal()

    def __init__(self, number: str, dest: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportProgress")
        self.setWindowTitle(f"Exporting evidence — {number}")
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.number = number
        self.stopping = False
        layout = QVBoxLayout(self)
        where = QLabel(f"{number} → {dest}")
        where.setWordWrap(True)
        self.bar = QProgressBar(objectName="exportBar")
        self.bar.setRange(0, 1000)
        self.bytes = QLabel("Reading the incident…", objectName="exportBytes")
        self.file = QLabel("", objectName="exportFile")
        self.file.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        hint = QLabel("Esc hides this; Ctrl+Shift+E shows it again.", objectName="exportHint")
        hint.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.hide_button = buttons.addButton("Hide", QDialogButtonBox.ButtonRole.ActionRole)
        self.hide_button.setObjectName("exportHide")
        self.hide_button.clicked.connect(self.hide)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText("Cancel export…")
        self.cancel_button.setObjectName("exportCancel")
        self.cancel_button.clicked.connect(self.ask_stop)
        # Asked in the dialog itself: a message box would block the desk again.
        self.confirm = QWidget(objectName="exportConfirm")
        row = QHBoxLayout(self.confirm)
        row.setContentsMargins(0, 0, 0, 0)
        question = QLabel(
            f"Stop exporting {number}? What was written so far is removed.",
            objectName="exportConfirmText",
        )
        question.setWordWrap(True)
        self.keep_button = QPushButton("Keep exporting", objectName="exportKeep")
        self.stop_button = QPushButton("Stop export", objectName="exportStop")
        self.keep_button.clicked.connect(self._keep)
        self.stop_button.clicked.connect(self._stop)
        row.addWidget(question, 1)
        row.addWidget(self.keep_button)
        row.addWidget(self.stop_button)
        self.confirm.hide()
        for widget in (where, self.bar, self.bytes, self.file, hint, self.confirm, buttons):
            layout.addWidget(widget)
        self.setMinimumWidth(460)
        self.updates = 0

    def show_progress(self, done: int, total: int, name: str) -> None:
        self.updates += 1
        self.bar.setValue(int(done * 1000 / total) if total else 1000)
        if not self.stopping:
            self.bytes.setText(f"{_mb(done)} of {_mb(total)}")
        if name:
            self.file.setText(name)

    def bring_back(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()

    def reject(self) -> None:  # Esc or the window's close: put away, never cancel
        self.hide()

    def ask_stop(self) -> None:
        if self.stopping:
            return
        self.confirm.show()
        self.keep_button.setDefault(True)
        self.keep_button.setFocus()

    def _keep(self) -> None:
        self.confirm.hide()
        self.cancel_button.setFocus()

    def _stop(self) -> None:
        self.confirm.hide()
        self.cancelling()
        self.stop_requested.emit()

    def cancelling(self) -> None:
        self.stopping = True
        self.cancel_button.setEnabled(False)
        self.bytes.setText("Cancelling…")
