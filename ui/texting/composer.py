"""The text composer: what the call-taker types to the caller, with its cost on the air.

Enter sends, Shift+Enter starts a new line. Under the box, the character and segment counter
says plainly whether the text goes as GSM-7 or UCS-2 and which characters made it UCS-2.
Presets: Ctrl+1..9 insert the nine most used, Ctrl+P opens all of them with a filter; Ctrl+E
switches the presets between English and Spanish. Nothing here ever clears what was typed
except a send that the desk has stored.

Signals:
    send_requested(str): the call-taker sent this text (Enter or the Send button).
    language_changed(str): "en" or "es" chosen for presets.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.messaging.presets import Preset, find
from dispatch_desk.messaging.segments import count, describe
from ui.theme import restyle

# Twilio refuses a body over 1,600 characters; the desk says so before trying.
MAX_BODY_CHARS = 1600


class ComposerEdit(QPlainTextEdit):
    """Signals: submitted(): Enter without Shift."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.textCursor().insertText("\n")
                self.ensureCursorVisible()
            elif event.modifiers() == Qt.KeyboardModifier.NoModifier or (
                event.modifiers() == Qt.KeyboardModifier.KeypadModifier
            ):
                self.submitted.emit()
            else:
                event.ignore()  # Ctrl+Enter and friends belong to the window
            return
        super().keyPressEvent(event)


class PresetPicker(QFrame):
    """A popup of every preset: type to filter, Enter inserts, Esc closes.

    Signals: chosen(object): the Preset picked."""

    chosen = Signal(object)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("presetPicker")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.filter = QLineEdit(objectName="presetFilter", placeholderText="type to filter")
        self.list = QListWidget(objectName="presetList")
        self.list.setWordWrap(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        self._presets: Sequence[Preset] = ()
        self._language = "en"
        self.filter.textEdited.connect(self._fill)
        self.filter.installEventFilter(self)
        self.list.itemActivated.connect(self._on_item)

    def open_with(self, presets: Sequence[Preset], language: str, below: QWidget) -> None:
        self._presets, self._language = presets, language
        self.filter.clear()
        self._fill("")
        width = max(420, below.width())
        self.resize(width, 320)
        self.move(below.mapToGlobal(below.rect().topLeft()) - self.rect().bottomLeft())
        self.show()
        self.filter.setFocus()

    def _fill(self, query: str) -> None:
        self.list.clear()
        for preset in find(self._presets, query, self._language):
            key = f"Ctrl+{preset.hotkey}  " if preset.hotkey else ""
            item = QListWidgetItem(f"{key}{preset.label}\n    {preset.text(self._language)}")
            item.setData(Qt.ItemDataRole.UserRole, preset.id)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _on_item(self, item: QListWidgetItem) -> None:
        pid = item.data(Qt.ItemDataRole.UserRole)
        preset = next((p for p in self._presets if p.id == pid), None)
        self.hide()
        if preset is not None:
            self.chosen.emit(preset)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Up, Down and Enter in the filter move in and pick from the list.
        if watched is self.filter and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                step = 1 if event.key() == Qt.Key.Key_Down else -1
                row = max(0, min(self.list.count() - 1, self.list.currentRow() + step))
                self.list.setCurrentRow(row)
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                item = self.list.currentItem()
                if item is not None:
                    self._on_item(item)
                return True
        return False


class Composer(QWidget):
    send_requested = Signal(str)
    language_changed = Signal(str)

    def __init__(self, presets: Sequence[Preset], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("textComposer")
        self.presets = tuple(presets)
        self.language = "en"
        self.edit = ComposerEdit(objectName="textComposerEdit")
        self.edit.setPlaceholderText("Text to the caller — Enter sends, Shift+Enter new line")
        self.edit.setTabChangesFocus(True)
        line = self.edit.fontMetrics().lineSpacing()
        self.edit.setFixedHeight(line * 3 + 14)
        self.counter = QLabel(objectName="textCounter")
        self.counter.setWordWrap(True)
        self.language_button = QPushButton("EN", objectName="textLanguage")
        self.language_button.setToolTip("Presets in English or Spanish (Ctrl+E)")
        self.language_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.language_button.clicked.connect(self.toggle_language)
        self.presets_button = QPushButton("Presets…", objectName="textPresets")
        self.presets_button.setToolTip("All presets, with a filter (Ctrl+P); Ctrl+1..9 insert one")
        self.presets_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.presets_button.clicked.connect(self.open_presets)
        self.send_button = QPushButton("Send", objectName="textSend")
        self.send_button.setToolTip("Send (Enter); Shift+Enter starts a new line")
        self.send_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.send_button.clicked.connect(self.request_send)
        self.picker = PresetPicker(self)
        self.picker.chosen.connect(self.insert_preset)

        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self.counter, 1)
        row.addWidget(self.language_button)
        row.addWidget(self.presets_button)
        row.addWidget(self.send_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        column.addWidget(self.edit)
        column.addLayout(row)

        self.edit.submitted.connect(self.request_send)
        self.edit.textChanged.connect(self._show_count)
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for preset in self.presets:
            if preset.hotkey:
                QShortcut(
                    QKeySequence(f"Ctrl+{preset.hotkey}"),
                    self,
                    lambda p=preset: self.insert_preset(p),
                    context=context,
                )
        QShortcut(QKeySequence("Ctrl+P"), self, self.open_presets, context=context)
        QShortcut(QKeySequence("Ctrl+E"), self, self.toggle_language, context=context)
        self._show_count()

    # -- what the panel asks

    def text(self) -> str:
        return self.edit.toPlainText()

    def set_text(self, text: str) -> None:
        """Put a kept draft back, cursor at its end."""
        self.edit.setPlainText(text)
        self.edit.moveCursor(QTextCursor.MoveOperation.End)

    def set_language(self, language: str) -> None:
        self.language = "es" if language == "es" else "en"
        self.language_button.setText(self.language.upper())

    def toggle_language(self) -> None:
        self.set_language("en" if self.language == "es" else "es")
        self.language_changed.emit(self.language)

    def insert_preset(self, preset: Preset) -> None:
        """Insert the preset at the cursor (never sent by itself: Enter sends)."""
        cursor = self.edit.textCursor()
        before = self.edit.toPlainText()[: cursor.position()]
        spacer = " " if before and not before[-1].isspace() else ""
        cursor.insertText(spacer + preset.text(self.language))
        self.edit.setTextCursor(cursor)
        self.edit.setFocus()

    def open_presets(self) -> None:
        if self.isEnabled():
            self.picker.open_with(self.presets, self.language, self.edit)

    def request_send(self) -> None:
        body = self.text().strip()
        if not body or not self.isEnabled():
            return
        if len(body) > MAX_BODY_CHARS:
            self._show_count()
            return
        self.send_requested.emit(body)

    # -- the counter

    def _show_count(self) -> None:
        body = self.text()
        result = count(body)
        if len(body.strip()) > MAX_BODY_CHARS:
            text = (
                f"Too long to send: {len(body.strip()):,} characters, "
                f"{MAX_BODY_CHARS:,} at most. Nothing is lost: shorten it or split it."
            )
            kind = "error"
        else:
            text = describe(result)
            kind = "" if result.is_gsm7 else "ucs2"
        self.counter.setText(text)
        self.counter.setToolTip(
            "GSM-7: 160 characters in one text, 153 per part once split.\n"
            "UCS-2 (any character outside GSM-7, e.g. emoji or á): 70, then 67 per part."
        )
        if self.counter.property("kind") != kind:
            restyle(self.counter, "kind", kind)
