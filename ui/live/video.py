"""The caller's live video, painted on the GUI thread from RGB frames made off it.

Signals: frame_painted(float): a new frame reached the screen, with time.time() of the paint.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from dispatch_desk.media.frames import RgbFrame


class VideoView(QWidget):
    frame_painted = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("liveVideo")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.image: QImage | None = None
        self._data: bytes = b""  # the QImage paints straight from these bytes
        self._fresh = False
        self.painted_frames = 0
        self.received_frames = 0
        self.last_arrived = 0.0  # time.monotonic() when the newest frame reached the desk
        self.note = "Waiting for the caller…"
        self.badge = ""

    def show_frame(self, frame: RgbFrame) -> None:
        self._data = frame.data
        self.image = QImage(
            self._data, frame.width, frame.height, frame.stride, QImage.Format.Format_RGB888
        )
        self.last_arrived = frame.arrived
        self.received_frames += 1
        self._fresh = True
        self.update()

    def set_note(self, note: str, badge: str = "") -> None:
        """A line over the picture (why there is none, or that the caller is dark)."""
        if (note, badge) != (self.note, self.badge):
            self.note, self.badge = note, badge
            self.update()

    def target_rect(self) -> QRect:
        """Where the picture goes: as large as fits, its shape kept, centred."""
        if self.image is None or self.image.isNull():
            return QRect()
        size = self.image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x = (self.width() - size.width()) // 2
        y = (self.height() - size.height()) // 2
        return QRect(x, y, size.width(), size.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#000000"))
        if self.image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self.target_rect(), self.image)
        if self.note or self.badge:
            font = QFont(self.font())
            font.setBold(True)
            painter.setFont(font)
            metrics = painter.fontMetrics()
            text = "  ·  ".join(t for t in (self.badge, self.note) if t)
            box = QRect(8, 8, metrics.horizontalAdvance(text) + 16, metrics.height() + 8)
            painter.fillRect(box, QColor(0, 0, 0, 170))
            painter.setPen(QColor("#f0c77a") if self.badge else QColor("#d9dfe7"))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()
        if self._fresh:
            self._fresh = False
            self.painted_frames += 1
            self.frame_painted.emit(time.time())
