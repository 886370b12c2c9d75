"""The log-in window. In demo mode, and only then, it lists the demo accounts.

Signals:
    login_requested(str, str): user name and password, on Enter or the button.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.domain.agency import DemoUser


class LoginWindow(QWidget):
    login_requested = Signal(str, str)

    def __init__(
        self,
        agency_name: str,
        workstation: str,
        demo_users: tuple[DemoUser, ...],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("loginWindow")
        self.setWindowTitle("Dispatch Desk — Sign in")
        title = QLabel("Dispatch Desk")
        title.setObjectName("incidentHeader")
        where = QLabel(f"{agency_name}\nWorkstation {workstation}")
        where.setObjectName("sectionTitle")
        self.username = QLineEdit(objectName="username")
        self.password = QLineEdit(objectName="password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setObjectName("banner")
        self.error.setProperty("kind", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        self.button = QPushButton("Sign in")
        self.button.setDefault(True)
        form = QFormLayout()
        form.addRow("&User name", self.username)
        form.addRow("&Password", self.password)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(title)
        layout.addWidget(where)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.button)
        if demo_users:
            rows = "\n".join(
                f"{u.username:<11} {u.password:<17} {u.role.label}" for u in demo_users
            )
            demo = QLabel(f"Demo agency accounts (shown in demo mode only):\n{rows}")
            demo.setObjectName("banner")
            demo.setProperty("kind", "info")
            demo.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            font = demo.font()
            font.setFamily("DejaVu Sans Mono")
            demo.setFont(font)
            layout.addWidget(demo)
        layout.addStretch(1)
        self.button.clicked.connect(self._submit)
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self._submit)
        self.resize(420, 420 if demo_users else 260)
        self.username.setFocus()

    def _submit(self) -> None:
        if not self.username.text().strip():
            self.show_error("Enter your user name.")
            self.username.setFocus()
            return
        self.button.setEnabled(False)
        self.login_requested.emit(self.username.text(), self.password.text())

    def show_error(self, text: str) -> None:
        self.button.setEnabled(True)
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.password.clear()
        self.password.setFocus()
