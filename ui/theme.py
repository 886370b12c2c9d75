"""A dark, calm theme for a dim dispatch room: low glare, high contrast where it matters."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

BACKGROUND = "#171b21"
PANEL = "#1f252d"
TEXT = "#d9dfe7"
MUTED = "#8b96a5"
ACCENT = "#4c9be8"

PRIORITY_COLOURS = {1: "#e5534b", 2: "#e0823d", 3: "#c8b43c", 4: "#5d9ccf", 5: "#7d8794"}
UNIT_STATUS_COLOURS = {
    "available": "#57ab5a",
    "dispatched": "#e0823d",
    "en-route": "#c8b43c",
    "on-scene": "#e5534b",
    "transporting": "#b083f0",
    "cleared": "#7d8794",
    "out-of-service": "#5c6370",
}


def restyle(widget: QWidget, name: str, value: object) -> None:
    """Set a property the style sheet selects on (kind, state, invalid...) and re-apply it:
    Qt does not re-evaluate property selectors by itself."""
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def apply_theme(app: QApplication, resources_dir: Path, font_pt: float) -> None:
    app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: BACKGROUND,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: "#12161b",
        QPalette.ColorRole.AlternateBase: PANEL,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: PANEL,
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.Highlight: "#2f5d8a",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: PANEL,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: "#5f6b7a",
        QPalette.ColorRole.Link: ACCENT,
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#5f6b7a"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#5f6b7a"))
    app.setPalette(palette)
    font = QFont(app.font())
    font.setPointSizeF(font_pt)
    app.setFont(font)
    sheet = resources_dir / "styles" / "dark.qss"
    if sheet.is_file():
        app.setStyleSheet(sheet.read_text(encoding="utf-8"))
