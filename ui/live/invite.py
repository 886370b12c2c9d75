"""Asking a caller for live video, their location or photos: who, what, and in which language.

Keyboard: Alt+V live video, Alt+O location only, Alt+P photos, Alt+N number, Alt+G language;
Enter sends the text, Alt+C makes the link for copying instead, Esc cancels.

Signals: invite_requested(bool): make the invite (True: text it); the dialog stays open until
the desk says it is done (``accept``) or shows why not (``show_error``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.domain.citizen import InviteKind
from dispatch_desk.domain.phone import PhoneError, format_phone, normalize_phone


class InviteDialog(QDialog):
    invite_requested = Signal(bool)

    def __init__(
        self,
        incident_number: str,
        phone_e164: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("inviteDialog")
        self.setWindowTitle(f"Live session — {incident_number}")
        self.send_sms = True
        self.kinds = QButtonGroup(self)
        kind_row = QHBoxLayout()
        for kind, text in (
            (InviteKind.VIDEO, "Live &video"),
            (InviteKind.LOCATION, "L&ocation only"),
            (InviteKind.PHOTOS, "&Photos"),
        ):
            button = QRadioButton(text)
            button.setProperty("kind", kind.value)
            self.kinds.addButton(button)
            kind_row.addWidget(button)
        self.kinds.buttons()[0].setChecked(True)
        self.phone = QLineEdit(objectName="invitePhone")
        self.phone.setText(format_phone(phone_e164) if phone_e164 else "")
        self.language = QComboBox(objectName="inviteLanguage")
        self.language.addItem("English", "en")
        self.language.addItem("Español", "es")
        self.error = QLabel(objectName="fieldError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        note = QLabel(
            "One link for this caller and this incident. The caller is asked before anything "
            "is shared, and sees exactly what."
        )
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Ask for", kind_row)
        phone_label = QLabel("&Number")
        phone_label.setBuddy(self.phone)
        form.addRow(phone_label, self.phone)
        language_label = QLabel("Lan&guage")
        language_label.setBuddy(self.language)
        form.addRow(language_label, self.language)
        self.send_button = QPushButton("Send text", objectName="inviteSend")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self._on_send)
        self.copy_button = QPushButton("&Copy link only", objectName="inviteCopy")
        self.copy_button.clicked.connect(self._on_copy)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.send_button)
        column = QVBoxLayout(self)
        column.addWidget(note)
        column.addLayout(form)
        column.addWidget(self.error)
        column.addLayout(buttons)
        self.resize(460, 220)
        self.phone.setFocus()

    def kind(self) -> InviteKind:
        checked = self.kinds.checkedButton()
        return InviteKind(checked.property("kind")) if checked else InviteKind.VIDEO

    def chosen_language(self) -> str:
        return str(self.language.currentData())

    def phone_e164(self) -> str | None:
        result = normalize_phone(self.phone.text())
        return None if isinstance(result, PhoneError) else result

    def _on_send(self) -> None:
        result = normalize_phone(self.phone.text())
        if isinstance(result, PhoneError):
            self.error.setText(result.message + " Or use Copy link only.")
            self.phone.setFocus()
            return
        self.send_sms = True
        self._request()

    def _on_copy(self) -> None:
        self.send_sms = False
        self._request()

    def _request(self) -> None:
        self.error.clear()
        self.send_button.setEnabled(False)
        self.copy_button.setEnabled(False)
        self.invite_requested.emit(self.send_sms)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.send_button.setEnabled(True)
        self.copy_button.setEnabled(True)
