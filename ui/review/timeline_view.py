"""TimelineView: an incident's marks on one time axis, one row per track, with a playhead.

Click or drag anywhere to scrub (``scrubbed``); a mark's tooltip is its text. Keys, when it has
focus: Space play/pause, Left/Right five seconds back/on, Ctrl+Left/Right previous/next mark,
Home/End the start/end, B a bookmark at the playhead (the session view asks for the note).
Wheel zooms around the cursor, Shift+wheel pans; Z fits the whole incident again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import QToolTip, QWidget

from dispatch_desk.review.timeline import TRACK_LABELS, TRACKS, Mark, Timeline, by_track

STEP_S = 5.0
LABEL_W = 78
AXIS_H = 18
ROW_H = 17
BACKGROUND = QColor("#12161b")
ROW_ALT = QColor("#171c22")
GRID = QColor("#2a313a")
TEXT = QColor("#d9dfe7")
MUTED = QColor("#8b96a5")
PLAYHEAD = QColor("#ffd45c")
COLOURS = {
    "video": QColor("#3f8f5a"),
    "chat": QColor("#3fb8ff"),
    "text": QColor("#b083f0"),
    "narrative": QColor("#c8b43c"),
    "status": QColor("#e0823d"),
    "units": QColor("#e5534b"),
    "media": QColor("#9ab4c8"),
    "bookmark": QColor("#ffd45c"),
}
TICKS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400)


class TimelineView(QWidget):
    scrubbed = Signal(object)  # datetime: the reviewer moved the playhead here
    play_toggled = Signal()
    bookmark_requested = Signal()

    def __init__(self, zone: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewTimeline")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.zone = zone
        self.timeline: Timeline | None = None
        self.tracks: dict[str, list[Mark]] = {}
        self.playhead: datetime | None = None
        self.view_start: datetime | None = None
        self.view_s = 60.0
        self._dragging = False
        self._font = QFont()
        self._font.setPointSizeF(7.5)
        self.setMinimumHeight(AXIS_H + ROW_H * len(TRACKS) + 4)

    def sizeHint(self) -> QSize:
        return QSize(800, AXIS_H + ROW_H * len(TRACKS) + 4)

    # -- data

    def set_timeline(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.tracks = by_track(timeline.marks)
        if self.playhead is None:
            self.playhead = timeline.start
        if self.view_start is None:
            self.fit()
        self.update()

    def fit(self) -> None:
        if self.timeline is None:
            return
        length = max(10.0, (self.timeline.end - self.timeline.start).total_seconds())
        pad = length * 0.02
        self.view_start = self.timeline.start - timedelta(seconds=pad)
        self.view_s = length + 2 * pad
        self.update()

    def set_playhead(self, at: datetime) -> None:
        self.playhead = at
        if self.view_start is not None:  # keep it in view while playing
            end = self.view_start + timedelta(seconds=self.view_s)
            if at < self.view_start or at > end:
                self.view_start = at - timedelta(seconds=self.view_s * 0.1)
        self.update()

    # -- geometry

    def x_of(self, at: datetime) -> float:
        assert self.view_start is not None
        span = max(1e-6, self.view_s)
        width = max(1, self.width() - LABEL_W - 6)
        return LABEL_W + (at - self.view_start).total_seconds() / span * width

    def time_at(self, x: float) -> datetime:
        assert self.view_start is not None
        width = max(1, self.width() - LABEL_W - 6)
        return self.view_start + timedelta(seconds=(x - LABEL_W) / width * self.view_s)

    def row_of(self, y: float) -> str | None:
        index = int((y - AXIS_H) // ROW_H)
        return TRACKS[index] if 0 <= index < len(TRACKS) and y >= AXIS_H else None

    def mark_at(self, pos: QPointF) -> Mark | None:
        track = self.row_of(pos.y())
        if track is None or self.view_start is None:
            return None
        best, best_d = None, 5.0
        for mark in self.tracks.get(track, []):
            d = abs(self.x_of(mark.at) - pos.x())
            if d <= best_d:
                best, best_d = mark, d
        return best

    def _clamp(self, at: datetime) -> datetime:
        if self.timeline is None:
            return at
        return max(self.timeline.start, min(self.timeline.end, at))

    # -- input

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.timeline is not None:
            self._dragging = True
            self.scrubbed.emit(self._clamp(self.time_at(event.position().x())))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging and self.timeline is not None:
            self.scrubbed.emit(self._clamp(self.time_at(event.position().x())))
            return
        mark = self.mark_at(event.position())
        if mark is not None:
            text = f"{mark.at.astimezone(self.zone):%H:%M:%S}  {mark.text}"
            QToolTip.showText(event.globalPosition().toPoint(), text, self)
        else:
            QToolTip.hideText()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._dragging = False

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.view_start is None:
            return
        steps = event.angleDelta().y() / 120
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.view_start -= timedelta(seconds=steps * self.view_s * 0.1)
        else:
            anchor = self.time_at(event.position().x())
            factor = 0.8**steps
            self.view_s = max(5.0, self.view_s * factor)
            self.view_start = anchor - (anchor - self.view_start) * factor
        self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        line, at = self.timeline, self.playhead
        if line is None or at is None:
            super().keyPressEvent(event)
            return
        target: datetime | None = None
        if key == Qt.Key.Key_Space:
            self.play_toggled.emit()
        elif key == Qt.Key.Key_B and not ctrl:
            self.bookmark_requested.emit()
        elif key == Qt.Key.Key_Z and not ctrl:
            self.fit()
        elif key == Qt.Key.Key_Home:
            target = line.start
        elif key == Qt.Key.Key_End:
            target = line.end
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and ctrl:
            mark = line.previous_mark(at) if key == Qt.Key.Key_Left else line.next_mark(at)
            target = mark.at if mark is not None else None
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            sign = -1 if key == Qt.Key.Key_Left else 1
            target = at + timedelta(seconds=sign * STEP_S)
        else:
            super().keyPressEvent(event)
            return
        if target is not None:
            self.scrubbed.emit(self._clamp(target))
        event.accept()

    # -- painting

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        painter.setFont(self._font)
        metrics = QFontMetrics(self._font)
        width = self.width()
        for index, track in enumerate(TRACKS):
            top = AXIS_H + index * ROW_H
            if index % 2:
                painter.fillRect(0, top, width, ROW_H, ROW_ALT)
            painter.setPen(MUTED)
            painter.drawText(
                QRectF(4, top, LABEL_W - 8, ROW_H),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                metrics.elidedText(TRACK_LABELS[track], Qt.TextElideMode.ElideRight, LABEL_W - 8),
            )
        if self.timeline is None or self.view_start is None:
            painter.setPen(MUTED)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No incident open")
            painter.end()
            return
        painter.setClipRect(LABEL_W, 0, width - LABEL_W, self.height())
        self._paint_axis(painter, metrics)
        video_top = AXIS_H + TRACKS.index("video") * ROW_H
        for span in self.timeline.spans:
            x0, x1 = self.x_of(span.start), self.x_of(span.end)
            painter.fillRect(
                QRectF(x0, video_top + 3, max(2.0, x1 - x0), ROW_H - 6), COLOURS["video"]
            )
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for index, track in enumerate(TRACKS):
            if track == "video":
                continue
            mid = AXIS_H + index * ROW_H + ROW_H / 2
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(COLOURS[track])
            last_x = -10.0
            for mark in self.tracks.get(track, []):
                x = self.x_of(mark.at)
                if x < LABEL_W - 4 or x > width + 4 or x - last_x < 1.0:
                    continue  # off screen, or on the same pixel as the last one
                last_x = x
                painter.drawRect(QRectF(x - 1.5, mid - 5, 3, 10))
        if self.playhead is not None:
            x = self.x_of(self.playhead)
            painter.setPen(QPen(PLAYHEAD, 1.5))
            painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.end()

    def _paint_axis(self, painter: QPainter, metrics: QFontMetrics) -> None:
        assert self.view_start is not None
        width = self.width() - LABEL_W
        per_px = self.view_s / max(1, width)
        step = next((t for t in TICKS_S if t / per_px >= 70), TICKS_S[-1])
        first = self.view_start.timestamp() // step * step + step
        t = first
        end = self.view_start.timestamp() + self.view_s
        while t < end:
            at = datetime.fromtimestamp(t, self.zone)
            x = self.x_of(at)
            painter.setPen(GRID)
            painter.drawLine(QPointF(x, AXIS_H - 4), QPointF(x, self.height()))
            painter.setPen(MUTED)
            painter.drawText(QPointF(x + 2, AXIS_H - 6), f"{at:%H:%M:%S}")
            t += step
