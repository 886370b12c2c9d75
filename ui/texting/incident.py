"""Status texts for the incident in the form: whether they go, to whom, which went, and the switch.

One line under the incident's header: "Status texts to (617) 555-0101 (mobile, EN): confirm ✓✓,
dispatched ✓", or why none go (sensitive call type, not a mobile phone, suppressed by whom and
why, still in progress). Ctrl+Shift+S (or the button) suppresses them for this incident: the
reason is asked in place, and Enter confirms; the same key allows them again.

Signals: suppress_requested(bool, str): suppress (True) or allow (False), with the reason.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from dispatch_desk.messaging.status_texts import IncidentTexting
from ui.texting.conversations import phone_label
from ui.texting.thread import STATUS_MARKS
from ui.theme import restyle

STYLE = """
QLabel#incidentTexting { color: #8b96a5; }
QLabel#incidentTexting[state="on"] { color: #9fc9ee; }
QLabel#incidentTexting[state="off"] { color: #e0b15a; }
QLabel#incidentTexting[state="failed"] { color: #ff938a; }
"""

RULE_LABELS = {
    "confirm": "confirmation",
    "dispatched": "dispatched",
    "en_route": "en route",
    "on_scene": "on scene",
    "outcome": "outcome",
    "survey": "survey",
}


def describe_texting(state: IncidentTexting | None) -> tuple[str, str]:
    """The line and its state ("on", "off", "failed" or "" for nothing to say)."""
    if state is None:
        return "Status texts: none for this incident.", ""
    sent = ", ".join(
        f"{RULE_LABELS.get(t.rule, t.rule.replace('_', ' '))} "
        f"{STATUS_MARKS.get(t.status, (t.status, ''))[0].split(' ')[0]}"
        for t in state.texts
    )
    sent_part = f" Sent: {sent}." if sent else ""
    failed = any(t.status in ("failed", "undelivered") for t in state.texts)
    if state.suppressed:
        by = f" by {state.suppressed_by}" if state.suppressed_by else ""
        why = f": {state.suppressed_reason}" if state.suppressed_reason else ""
        return f"Status texts suppressed{by}{why}.{sent_part}", "off"
    if state.blocked:
        return f"No status texts — {state.blocked.rstrip('.')}.{sent_part}", "off"
    if state.sensitive:
        return f"No status texts: sensitive call type.{sent_part}", "off"
    if not state.phone_e164:
        return "No status texts: no callback number.", "off"
    if not state.mobile:
        return (
            f"No status texts: {phone_label(state.phone_e164)} is not a mobile phone.{sent_part}",
            "off",
        )
    if state.in_progress:
        return f"No status texts while in progress.{sent_part}", "off"
    language = f", {state.language.upper()}" if state.language else ""
    return (
        f"Status texts to {phone_label(state.phone_e164)} (mobile{language}).{sent_part}",
        "failed" if failed else "on",
    )


class IncidentTextingBar(QWidget):
    suppress_requested = Signal(bool, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("incidentTextingBar")
        self.setStyleSheet(STYLE)
        self.state: IncidentTexting | None = None
        self.label = QLabel(objectName="incidentTexting")
        self.label.setWordWrap(True)
        self.reason = QLineEdit(objectName="suppressReason")
        self.reason.setPlaceholderText("why no texts for this incident? Enter suppresses, Esc")
        self.reason.hide()
        self.reason.returnPressed.connect(self._on_reason_entered)
        self.reason.installEventFilter(self)
        self.button = QPushButton("Suppress texts…  Ctrl+Shift+S", objectName="suppressTexts")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.button.clicked.connect(self.toggle)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 0)
        layout.setSpacing(6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.reason, 1)
        layout.addWidget(self.button)
        self.hide()

    def show_state(self, state: IncidentTexting | None, *, incident_open: bool) -> None:
        self.state = state
        if not incident_open:
            self.reason.hide()
            self.hide()
            return
        text, kind = describe_texting(state)
        self.label.setText(text)
        if self.label.property("state") != kind:
            restyle(self.label, "state", kind)
        suppressed = bool(state and state.suppressed)
        self.button.setText(
            "Allow texts  Ctrl+Shift+S" if suppressed else "Suppress texts…  Ctrl+Shift+S"
        )
        self.button.setEnabled(state is not None)
        self.show()

    def toggle(self) -> None:
        """Suppressed: allow again at once. Not suppressed: ask why, in place."""
        if self.state is None or not self.isVisible():
            return
        if self.state.suppressed:
            self.suppress_requested.emit(False, "")
            return
        self.reason.clear()
        self.reason.show()
        self.reason.setFocus()

    def _on_reason_entered(self) -> None:
        reason = " ".join(self.reason.text().split())
        if not reason:
            self.reason.setPlaceholderText("a reason is needed (it goes in the audit trail)")
            return
        self.reason.hide()
        self.suppress_requested.emit(True, reason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.reason
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            self._on_reason_escaped()
            return True
        return False

    def _on_reason_escaped(self) -> None:
        self.reason.hide()
