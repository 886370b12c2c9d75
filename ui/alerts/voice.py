"""The voice dialog: each user's language, voice, rate and volume, with a test phrase."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QPushButton,
    QSpinBox,
    QWidget,
)

from dispatch_desk.alerts.model import Phrase
from dispatch_desk.speech.phrases import PhraseBook
from dispatch_desk.speech.voice import LANGUAGES, Voice

# Voices shipped in Debian's espeak-ng-data, by language; "" is the language's default.
VOICES = {
    "en": (("", "Default (American)"), ("gmw/en", "British"), ("gmw/en-us-nyc", "New York")),
    "es": (("", "Default (Latin America)"), ("roa/es", "Spain")),
}
SAMPLE = Phrase("incident.new", {"priority": 1, "discipline": "ems", "address": "400 N Main St"})


class VoiceDialog(QDialog):
    """Open with ui.calltaker.dialogs.await_dialog; read chosen() once accepted.

    Signals: test_requested(Voice, str) — say this sentence with this voice now.
    """

    test_requested = Signal(object, str)

    def __init__(self, current: Voice, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voiceDialog")
        self.setWindowTitle("Spoken alerts — voice")
        self.language = QComboBox()
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.voice = QComboBox()
        self.rate = QSpinBox(minimum=80, maximum=400, singleStep=10)
        self.rate.setSuffix(" words/min")
        self.volume = QDoubleSpinBox(minimum=0.0, maximum=1.0)
        self.volume.setSingleStep(0.1)
        self.volume.setDecimals(1)
        test = QPushButton("Test")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.addButton(test, QDialogButtonBox.ButtonRole.ActionRole)
        form = QFormLayout(self)
        form.addRow("&Language", self.language)
        form.addRow("V&oice", self.voice)
        form.addRow("&Rate", self.rate)
        form.addRow("Vol&ume", self.volume)
        form.addRow(buttons)
        for widget, name in (
            (self.language, "voiceLanguage"),
            (self.voice, "voiceName"),
            (self.rate, "voiceRate"),
            (self.volume, "voiceVolume"),
            (test, "voiceTest"),
        ):
            widget.setObjectName(name)

        self.language.currentIndexChanged.connect(self._on_language_changed)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        test.clicked.connect(self._on_test)
        self.language.setCurrentIndex(max(0, self.language.findData(current.language)))
        self._on_language_changed()
        self.voice.setCurrentIndex(max(0, self.voice.findData(current.voice)))
        self.rate.setValue(current.rate)
        self.volume.setValue(current.volume)

    def chosen(self) -> Voice:
        return Voice(
            language=str(self.language.currentData()),
            voice=str(self.voice.currentData() or ""),
            rate=self.rate.value(),
            volume=round(self.volume.value(), 2),
        ).checked()

    def _on_language_changed(self) -> None:
        self.voice.clear()
        for voice_id, name in VOICES.get(str(self.language.currentData()), ()):
            self.voice.addItem(name, voice_id)

    def _on_test(self) -> None:
        voice = self.chosen()
        self.test_requested.emit(voice, PhraseBook(voice.language).render(SAMPLE))
