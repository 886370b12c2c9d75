"""The intake form: what the call-taker types while the caller talks.

It shows state and forwards intent; it never talks to the store. Nothing typed is ever cleared
by a failed save: errors are shown beside the fields and in a banner, the text stays.

Signals:
    save_requested(IntakeDraft): Ctrl+S / Ctrl+Return or the Save button.
    lookup_changed(str, str, str): phone, address and type text settled (for history/duplicates).
    attach_requested(): the call-taker chose to add this call to the flagged duplicate.
    assign_requested(list[str]): call signs typed into the Units field, Enter pressed.

Alt+G ticks or clears "In progress" (no status texts to the caller while it is), without
moving the cursor; until the call-taker sets it, it follows the chosen incident type.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.domain.agency import IncidentTypeCatalog
from dispatch_desk.domain.calls import IncomingCall
from dispatch_desk.domain.enums import CallKind
from dispatch_desk.domain.intake import FieldError, IntakeDraft
from dispatch_desk.domain.location import Position
from dispatch_desk.domain.phone import format_phone
from dispatch_desk.geo.geocoder import GeocodeMatch
from dispatch_desk.services.incidents import IncidentDetail, IncidentSummary
from ui.models import elapsed
from ui.theme import restyle


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.hide()
    return label


class IntakeForm(QWidget):
    save_requested = Signal(object)
    lookup_changed = Signal(str, str, str)
    attach_requested = Signal()
    assign_requested = Signal(list)

    def __init__(self, catalog: IncidentTypeCatalog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("intakeForm")
        self._catalog = catalog
        self.incident_id = None
        self.duplicate_of: IncidentSummary | None = None
        self.duplicate_acknowledged = False
        self._call: IncomingCall | None = None
        self._answered_at: datetime | None = None
        self._priority_typed = False
        self._address_match: GeocodeMatch | None = None  # best match for _address_checked
        self._address_checked = ""
        self._address_confirmed = False  # the call-taker chose a lower-scored match (Ctrl+G)
        self._carrier_position: Position | None = None

        self.header = QLabel("New call")
        self.header.setObjectName("incidentHeader")
        self.call_timer = QLabel("")
        self.call_timer.setObjectName("sectionTitle")
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.hide()
        self.hint = QLabel()
        self.hint.setObjectName("banner")
        self.hint.setProperty("kind", "info")
        self.hint.setWordWrap(True)
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.hide()

        self.callback = QLineEdit(objectName="callback_number", placeholderText="(617) 555-0123")
        self.ani = QLineEdit(objectName="ani", placeholderText="from the network")
        self.caller_name = QLineEdit(objectName="caller_name", placeholderText="as the caller says")
        self.ali = QLineEdit(objectName="ali", placeholderText="carrier location (ALI)")
        self.address = QLineEdit(objectName="address", placeholderText="number, street, landmark")
        self.incident_type = QComboBox(objectName="incident_type")
        self.incident_type.setEditable(True)
        self.incident_type.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.incident_type.addItem("")
        for kind in catalog.all():
            self.incident_type.addItem(kind.display(), kind.code)
        completer = QCompleter(self.incident_type.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.incident_type.setCompleter(completer)
        self.incident_type.lineEdit().setPlaceholderText("code or name, e.g. BURG, chest")
        self.priority = QLineEdit(objectName="priority", placeholderText="1-5")
        self.priority.setMaximumWidth(60)
        # Still happening (no status texts to the caller while it is). Out of the Tab chain so
        # the form's flow is unchanged; Alt+G toggles it from any field.
        self.in_progress = QCheckBox("In progress  Alt+G", objectName="in_progress")
        self.in_progress.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.in_progress.setToolTip(
            "The call is still happening: no status texts to the caller while ticked.\n"
            "Follows the incident type until you set it (Alt+G)."
        )
        self.in_progress.clicked.connect(self._on_in_progress_set)
        self._in_progress_set = False  # the call-taker ticked or cleared it themselves
        self.narrative = QPlainTextEdit(objectName="narrative")
        self.narrative.setPlaceholderText(
            "What the caller reports. Ctrl+S saves; each save adds a time-stamped entry."
        )
        self.narrative.setTabChangesFocus(True)
        self.narrative.setMinimumHeight(70)
        self.narrative_log = QPlainTextEdit(objectName="narrative_log")
        self.narrative_log.setReadOnly(True)
        self.narrative_log.setPlaceholderText("Narrative entries appear here once saved.")
        self.narrative_log.setMinimumHeight(70)
        self.units = QLineEdit(objectName="units", placeholderText="call signs, e.g. M7 E1 — Enter")
        self.units.returnPressed.connect(self._on_units_entered)

        self.errors = {
            name: _error_label()
            for name in (
                "callback_number",
                "ani",
                "caller_name",
                "ali",
                "address",
                "incident_type",
                "priority",
                "narrative",
            )
        }
        self.inputs: dict[str, QWidget] = {
            "callback_number": self.callback,
            "ani": self.ani,
            "caller_name": self.caller_name,
            "ali": self.ali,
            "address": self.address,
            "incident_type": self.incident_type,
            "priority": self.priority,
            "narrative": self.narrative,
        }

        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)

        def add(
            row: int, col: int, text: str, widget: QWidget, key: str | None = None, span: int = 1
        ) -> None:
            label = QLabel(text)
            label.setBuddy(widget)
            grid.addWidget(label, row, col * 2, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(widget, row, col * 2 + 1, 1, span)
            if key:
                grid.addWidget(self.errors[key], row + 1, col * 2 + 1, 1, span)

        add(0, 0, "&Callback", self.callback, "callback_number")
        add(0, 1, "AN&I", self.ani, "ani")
        add(2, 0, "Caller &name", self.caller_name, "caller_name")
        add(2, 1, "A&LI", self.ali, "ali")
        add(4, 0, "A&ddress", self.address, span=3)
        # What the agency's map makes of the address, under it (an error, when shown, above).
        self.address_check = QLabel(objectName="addressCheck")
        self.address_check.setTextFormat(Qt.TextFormat.PlainText)
        self.address_check.setWordWrap(True)
        self.address_check.hide()
        self.address_under = QWidget(objectName="addressUnder")
        under = QVBoxLayout(self.address_under)
        under.setContentsMargins(0, 0, 0, 0)
        under.setSpacing(0)
        under.addWidget(self.errors["address"])
        under.addWidget(self.address_check)
        grid.addWidget(self.address_under, 5, 1, 1, 3)
        add(6, 0, "Incident &type", self.incident_type, "incident_type")
        add(6, 1, "&Priority", self.priority, "priority")
        add(8, 0, "Na&rrative", self.narrative, "narrative", span=3)
        add(10, 0, "Log", self.narrative_log, span=3)
        add(11, 0, "&Units", self.units, span=3)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(3, 2)
        grid.setRowStretch(8, 2)
        grid.setRowStretch(10, 3)

        self.save_button = QPushButton("Save  Ctrl+S")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.request_save)
        self.attach_button = QPushButton("Attach to duplicate  Alt+A")
        self.attach_button.clicked.connect(self.attach_requested.emit)
        self.attach_button.hide()
        buttons = QHBoxLayout()
        # With Save: it is said about the call as it is saved (and the form keeps its width).
        buttons.addWidget(self.in_progress)
        buttons.addWidget(self.attach_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)

        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.call_timer)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.hint)
        layout.addLayout(grid, 1)
        layout.addLayout(buttons)

        for keys in ("Ctrl+S", "Ctrl+Return", "Ctrl+Enter"):
            QShortcut(
                QKeySequence(keys),
                self,
                self.request_save,
                context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
            )
        QShortcut(
            QKeySequence("Alt+A"),
            self,
            self._on_attach_key,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        QShortcut(
            QKeySequence("Alt+G"),
            self,
            self.toggle_in_progress,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        QShortcut(
            QKeySequence("Ctrl+G"),
            self,
            self.use_address_match,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )

        self._lookup_timer = QTimer(self, singleShot=True, interval=120)
        self._lookup_timer.timeout.connect(self._emit_lookup)
        for edit in (self.callback, self.address):
            edit.textEdited.connect(self._lookup_timer.start)
        self.address.textEdited.connect(self._on_address_edited)
        self.incident_type.currentTextChanged.connect(self._on_type_text)
        self.priority.textEdited.connect(self._on_priority_typed)
        for name, widget in self.inputs.items():
            signal = (
                widget.textChanged
                if isinstance(widget, QLineEdit | QPlainTextEdit)
                else widget.currentTextChanged
            )  # type: ignore[attr-defined]
            signal.connect(lambda *_a, n=name: self._clear_error(n))

    # -- what the window asks of the form

    def draft(self) -> IntakeDraft:
        return IntakeDraft(
            callback_number=self.callback.text(),
            caller_name=self.caller_name.text(),
            ani=self.ani.text(),
            ali=self.ali.text(),
            address=self.address.text(),
            incident_type=self.incident_type.currentText(),
            priority=self.priority.text(),
            narrative=self.narrative.toPlainText(),
            call_kind=self._call.kind if self._call else CallKind.PHONE,
            received_at=self._call.received_at if self._call else None,
            answered_at=self._answered_at,
            position=self.address_position(),
            carrier_position=self._carrier_position,
            class_of_service=self._call.class_of_service if self._call else "",
            language=self._call.language if self._call else "",
            # None: not said, the incident type decides (and keeps deciding if it changes).
            in_progress=self.in_progress.isChecked() if self._in_progress_set else None,
        )

    def toggle_in_progress(self) -> None:
        """Alt+G: the call is (no longer) in progress; the cursor stays where it is."""
        if self.in_progress.isEnabled():
            self.in_progress.setChecked(not self.in_progress.isChecked())
            self._on_in_progress_set()

    # -- the address against the agency's map

    def address_position(self) -> Position | None:
        """Where the address is, if the map verified it (or the call-taker confirmed a match)
        for exactly the text now in the field."""
        match = self._address_match
        if match is None or self._address_checked != self.address.text().strip():
            return None
        if match.trusted or self._address_confirmed:
            return Position(match.lat, match.lon)
        return None

    def show_address_check(self, text: str, matches: list[GeocodeMatch]) -> None:
        """Show what the geocoder made of ``text`` (ignored if the field has moved on)."""
        if text.strip() != self.address.text().strip():
            return
        self._address_checked = text.strip()
        self._address_match = matches[0] if matches else None
        self._address_confirmed = False
        self._paint_address_check()

    def show_address_pending(self, text: str) -> None:
        """The map is still loading: say the address is not checked yet (it will be)."""
        if text.strip() != self.address.text().strip():
            return
        label = self.address_check
        restyle(label, "kind", "warning")
        label.setText("… Map loading: the address is checked in a moment.")
        label.show()

    def has_unsaved_call(self) -> bool:
        """A new call with something typed in it (opening another incident would lose it)."""
        if self.incident_id is not None:
            return False
        if self._call is not None:
            return True  # an answered call, even before a word is typed
        typed = (self.callback, self.caller_name, self.ali, self.address, self.priority)
        return any(w.text().strip() for w in typed) or bool(
            self.narrative.toPlainText().strip() or self.incident_type.currentText().strip()
        )

    def use_address_match(self) -> None:
        """Ctrl+G: take the suggested match as the address (a person has now looked at it)."""
        match = self._address_match
        if match is None or self._address_checked != self.address.text().strip():
            return
        if not match.trusted:
            self.address.setText(match.label)
            self._address_checked = match.label
        self._address_confirmed = True
        self._paint_address_check()

    def _paint_address_check(self) -> None:
        match, label = self._address_match, self.address_check
        if not self._address_checked:
            label.hide()
            return
        if match is None:
            kind, text = "warning", "✗ Not in the agency's map: it will be saved unplaced."
        elif match.trusted or self._address_confirmed:
            where = f"{match.lat:.6f}, {match.lon:.6f}"
            kind, text = "ok", f"✓ {match.label} · {match.kind} · {where}"
            if match.note:
                text += f" · {match.note}"
        else:
            kind = "warning"
            text = f"? Nearest: {match.label} ({match.score:.2f}). Ctrl+G uses it."
            if match.note:
                text += f" {match.note}"
        restyle(label, "kind", kind)
        label.setText(text)
        label.show()

    def _on_address_edited(self, text: str) -> None:
        if text.strip() != self._address_checked:
            self.address_check.hide()  # stale until the map has looked at the new text

    def _clear_address_check(self) -> None:
        self._address_match = None
        self._address_checked = ""
        self._address_confirmed = False
        self.address_check.hide()

    def request_save(self) -> None:
        self.save_requested.emit(self.draft())

    def show_errors(self, errors: list[FieldError]) -> None:
        for label in self.errors.values():
            label.hide()
        first: QWidget | None = None
        for error in errors:
            label = self.errors.get(error.field)
            if label is None:
                continue
            label.setText(error.message)
            label.show()
            widget = self.inputs[error.field]
            restyle(widget, "invalid", True)
            first = first or widget
        if first is not None:
            first.setFocus()

    def show_banner(self, kind: str, text: str) -> None:
        restyle(self.banner, "kind", kind)
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def flag_duplicate(self, duplicate: IncidentSummary | None, now: datetime) -> None:
        self.duplicate_of = duplicate
        self.duplicate_acknowledged = False
        self.attach_button.setVisible(duplicate is not None and self.incident_id is None)
        if duplicate is None:
            if self.banner.property("kind") == "warning":
                self.show_banner("", "")
            return
        units = ", " + " ".join(duplicate.units) if duplicate.units else ""
        self.show_banner(
            "warning",
            (
                f"Possible duplicate: {duplicate.number} · {duplicate.type_label} at "
                f"{duplicate.address}, opened {elapsed(duplicate.created_at, now)} ago "
                f"({duplicate.status.value}{units})."
                " Alt+A adds this call to it; Ctrl+S again saves a new incident."
            ),
        )

    def answer(self, call: IncomingCall | None, answered_at: datetime) -> None:
        """Clear the form for a new call, filled with what the network delivered."""
        self.incident_id = None
        self._call = call
        self._answered_at = answered_at
        self._carrier_position = call.ali_position if call is not None else None
        self._clear_address_check()
        self._priority_typed = False
        for widget in (
            self.callback,
            self.ani,
            self.caller_name,
            self.ali,
            self.address,
            self.priority,
            self.units,
        ):
            widget.clear()
        self._in_progress_set = False
        self.in_progress.setChecked(False)
        self.in_progress.setEnabled(True)
        self.in_progress.show()
        self.incident_type.setCurrentIndex(0)
        self.narrative.clear()
        self.narrative_log.clear()
        self.show_errors([])
        self.flag_duplicate(None, answered_at)
        self.show_banner("", "")
        self._set_call_fields_editable(True)
        self.header.setText("New call")
        if call is not None:
            self.ani.setText(format_phone(call.ani) if call.ani.startswith("+") else call.ani)
            self.callback.setText(self.ani.text())
            self.ali.setText(call.ali)
            self.ali.setCursorPosition(0)  # the start of an ALI (sector, address) matters most
            if call.scenario_text:
                self.hint.setText(
                    f"Caller ({call.caller_name}) reports: {call.scenario_text} "
                    f"Location given: {call.scenario_address}."
                )
        self.hint.setVisible(bool(call and call.scenario_text))
        self._emit_lookup()
        (self.caller_name if call else self.callback).setFocus()

    def load_incident(self, detail: IncidentDetail) -> None:
        """Show a stored incident for follow-up: narrative, type, priority and address."""
        summary = detail.summary
        self.incident_id = summary.id
        self.duplicate_of = None
        self.attach_button.hide()
        self.hint.hide()
        self.show_errors([])
        first = detail.calls[0] if detail.calls else None
        self.callback.setText(
            format_phone(first.callback_e164) if first and first.callback_e164 else ""
        )
        self.ani.setText(format_phone(first.ani_e164) if first and first.ani_e164 else "")
        self.caller_name.setText(first.caller_name if first else "")
        self.ali.setText(first.ali_text if first else "")
        self.ali.setCursorPosition(0)
        self._set_call_fields_editable(False)
        # Set when the incident was made; afterwards the texting line's control changes it.
        self._in_progress_set = True
        self.in_progress.setEnabled(False)
        self.in_progress.hide()
        self.address.setText(summary.address)
        self._clear_address_check()
        self._carrier_position = None
        kind = self._catalog.get(summary.type_code)
        self.incident_type.setCurrentText(kind.display() if kind else summary.type_code)
        self.priority.setText(str(summary.priority))
        self._priority_typed = True
        self.narrative.clear()
        self.narrative_log.setPlainText(
            "\n".join(
                f"{n.at.astimezone().strftime('%H:%M:%S')}  {n.author_name}: {n.text}"
                for n in detail.narrative
            )
        )
        self.refresh_header(summary)

    def refresh_header(self, summary: IncidentSummary) -> None:
        units = f" · {' '.join(summary.units)}" if summary.units else ""
        self.header.setText(
            f"{summary.number} · P{summary.priority} · {summary.type_label} · "
            f"{summary.status.value.capitalize()}{units}"
        )

    def tick(self, now: datetime) -> None:
        self.call_timer.setText(
            f"call {elapsed(self._answered_at, now)}"
            if self._answered_at and self.incident_id is None
            else ""
        )

    # -- internals

    def _set_call_fields_editable(self, editable: bool) -> None:
        for widget in (self.callback, self.ani, self.caller_name, self.ali):
            widget.setReadOnly(not editable)

    def _clear_error(self, name: str) -> None:
        label = self.errors[name]
        widget = self.inputs[name]
        if label.isVisible() or widget.property("invalid"):
            label.hide()
            restyle(widget, "invalid", False)

    def _on_type_text(self, text: str) -> None:
        kind = self._catalog.resolve(text)
        if kind is not None and not self._priority_typed:
            self.priority.setText(str(kind.priority))
        if not self._in_progress_set:
            self.in_progress.setChecked(bool(kind is not None and kind.in_progress))
        self._lookup_timer.start()

    def _on_in_progress_set(self, *_args: object) -> None:
        self._in_progress_set = True

    def _on_priority_typed(self, _text: str) -> None:
        self._priority_typed = True

    def _emit_lookup(self) -> None:
        self.lookup_changed.emit(
            self.callback.text(), self.address.text(), self.incident_type.currentText()
        )

    def _on_attach_key(self) -> None:
        if self.duplicate_of is not None and self.incident_id is None:
            self.attach_requested.emit()

    def _on_units_entered(self) -> None:
        signs = [s.upper() for s in self.units.text().replace(",", " ").split()]
        if signs:
            self.assign_requested.emit(signs)
