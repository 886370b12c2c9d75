"""What the live layers show, in world units, and the little pictures they are drawn with.

Marks are plain data the canvas culls and draws each frame; sprites are drawn once per kind
and colour and then blitted, so a thousand cameras cost a thousand cheap copies.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from ui.map.projection import to_world
from ui.theme import PRIORITY_COLOURS, UNIT_STATUS_COLOURS


@dataclass
class Placed:
    """A mark's place in world units, worked out once when it is made."""

    wx: float = field(init=False, repr=False)
    wy: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.wx, self.wy = to_world(self.lat, self.lon)  # type: ignore[attr-defined]


@dataclass
class IncidentMark(Placed):
    id: uuid.UUID
    number: str
    label: str
    priority: int
    lat: float
    lon: float


@dataclass
class UnitMark(Placed):
    id: uuid.UUID
    call_sign: str
    status: str
    discipline: str
    lat: float
    lon: float


@dataclass
class CameraMark(Placed):
    id: uuid.UUID
    name: str
    lat: float
    lon: float
    heading_deg: float | None
    fov_deg: float = 60.0
    openable: bool = True  # registry-only cameras are shown, never opened


@dataclass
class PlaceMark(Placed):
    name: str
    kind: str
    lat: float
    lon: float


@dataclass
class TrackPoint(Placed):
    lat: float
    lon: float
    accuracy_m: float | None
    at: datetime


@dataclass
class CallerTrack:
    """Everything known of where one caller is: each source with its own symbol."""

    incident_id: uuid.UUID
    carrier: TrackPoint | None = None  # ALI (Phase II) point and its radius
    address: TrackPoint | None = None  # the typed address, as the geocoder placed it
    fixes: list[TrackPoint] = field(default_factory=list)  # device GPS, oldest first

    @property
    def device(self) -> TrackPoint | None:
        return self.fixes[-1] if self.fixes else None


UNIT_LETTER = {"police": "P", "fire": "F", "ems": "M", "other": "•"}
PLACE_COLOURS = {
    "hospital": "#e5534b",
    "fire_station": "#e0823d",
    "police_station": "#4c9be8",
    "ems_station": "#57ab5a",
    "school": "#c8b43c",
}
CAMERA = QColor("#9ab4c8")
CAMERA_CLOSED = QColor("#5c6370")
DEVICE = QColor("#3fb8ff")
CARRIER = QColor("#e0a33d")
ADDRESS_PIN = QColor("#d9dfe7")


class Sprites:
    """Pre-drawn marker pictures keyed by what makes them differ."""

    def __init__(self) -> None:
        self._cache: dict[tuple[object, ...], QPixmap] = {}
        self.font = QFont()
        self.font.setPointSizeF(7.5)
        self.font.setBold(True)

    def _new(self, size: int) -> tuple[QPixmap, QPainter]:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        return pixmap, painter

    def incident(self, priority: int, selected: bool) -> QPixmap:
        key = ("incident", priority, selected)
        if key not in self._cache:
            size = 26 if selected else 20
            pixmap, p = self._new(size)
            c = size / 2
            r = c - 3
            diamond = QPolygonF(
                [QPointF(c, c - r), QPointF(c + r, c), QPointF(c, c + r), QPointF(c - r, c)]
            )
            p.setPen(
                QPen(QColor("#ffffff") if selected else QColor("#0b0e12"), 2 if selected else 1.5)
            )
            p.setBrush(QColor(PRIORITY_COLOURS.get(priority, "#7d8794")))
            p.drawPolygon(diamond)
            p.setPen(QColor("#0b0e12"))
            p.setFont(self.font)
            p.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, str(priority))
            p.end()
            self._cache[key] = pixmap
        return self._cache[key]

    def unit(self, status: str, discipline: str) -> QPixmap:
        key = ("unit", status, discipline)
        if key not in self._cache:
            pixmap, p = self._new(18)
            p.setPen(QPen(QColor("#0b0e12"), 1.5))
            p.setBrush(QColor(UNIT_STATUS_COLOURS.get(status, "#7d8794")))
            p.drawRoundedRect(QRectF(2, 2, 14, 14), 3, 3)
            p.setPen(QColor("#0b0e12"))
            p.setFont(self.font)
            p.drawText(
                QRectF(2, 2, 14, 14), Qt.AlignmentFlag.AlignCenter, UNIT_LETTER.get(discipline, "•")
            )
            p.end()
            self._cache[key] = pixmap
        return self._cache[key]

    def camera(self, heading: float | None, fov: float, openable: bool) -> QPixmap:
        bucket = None if heading is None else round(heading / 10.0) % 36
        key = ("camera", bucket, round(fov), openable)
        if key not in self._cache:
            size = 34
            pixmap, p = self._new(size)
            c = size / 2
            colour = CAMERA if openable else CAMERA_CLOSED
            if bucket is not None:
                wedge = QPainterPath(QPointF(c, c))
                # Qt's angles run anticlockwise from east; a heading runs clockwise from north.
                start = 90 - bucket * 10 - fov / 2
                wedge.arcTo(QRectF(1, 1, size - 2, size - 2), start, fov)
                wedge.closeSubpath()
                fill = QColor(colour)
                fill.setAlpha(70)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(fill)
                p.drawPath(wedge)
            p.setPen(QPen(QColor("#0b0e12"), 1.2))
            p.setBrush(colour)
            p.drawEllipse(QPointF(c, c), 3.6, 3.6)
            p.end()
            self._cache[key] = pixmap
        return self._cache[key]

    def place(self, kind: str) -> QPixmap:
        key = ("place", kind)
        if key not in self._cache:
            pixmap, p = self._new(14)
            p.setPen(QPen(QColor("#0b0e12"), 1.2))
            p.setBrush(QColor(PLACE_COLOURS.get(kind, "#8b96a5")))
            if kind == "hospital":
                p.drawRect(QRectF(2, 2, 10, 10))
                p.setPen(QPen(QColor("#ffffff"), 2))
                p.drawLine(QPointF(7, 4), QPointF(7, 10))
                p.drawLine(QPointF(4, 7), QPointF(10, 7))
            else:
                p.drawEllipse(QPointF(7, 7), 4.5, 4.5)
            p.end()
            self._cache[key] = pixmap
        return self._cache[key]


def blit(painter: QPainter, pixmap: QPixmap, x: float, y: float) -> None:
    painter.drawPixmap(int(x - pixmap.width() / 2), int(y - pixmap.height() / 2), pixmap)


def nice_scale(metres_per_pixel: float, max_px: float) -> tuple[float, str]:
    """The longest round distance (1, 2, 5 × 10^n) that fits in max_px, and its label."""
    target = metres_per_pixel * max_px
    power = 10 ** math.floor(math.log10(max(target, 1e-9)))
    for step in (5, 2, 1):
        if step * power <= target:
            metres = step * power
            break
    else:
        metres = power
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    return metres / metres_per_pixel, label
