"""Words on the map: street names along their streets, and short labels with a dark halo.

Each is drawn once into a small picture and then copied wherever it is needed, since drawing
text with a halo costs far more than a copy and a busy map shows hundreds every frame.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen, QPixmap, QTransform

from dispatch_desk.geo.layers import GisLayers
from ui.map.projection import Viewport, to_world

HALO = QColor(11, 14, 18, 220)
STREET_TEXT = QColor("#8b96a5")
MAX_STREET_LABELS = 160
SAME_NAME_APART_PX = 260  # one "Main St" per this much screen, however many pieces it has

StreetLabel = tuple[float, float, float, str, bool]  # world x, y, angle, text, major


def street_labels(layers: GisLayers) -> list[StreetLabel]:
    """One label per street piece, at the middle of its longest segment and along it; major
    streets first, so they win where labels would overlap."""
    labels = []
    for street in layers.streets:
        if len(street.coords) < 2 or not street.label:
            continue
        points = [to_world(lat, lon) for lon, lat in street.coords]
        i = max(
            range(len(points) - 1),
            key=lambda k: math.hypot(
                points[k + 1][0] - points[k][0], points[k + 1][1] - points[k][1]
            ),
        )
        (x0, y0), (x1, y1) = points[i], points[i + 1]
        angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
        if angle > 90:
            angle -= 180
        elif angle < -90:
            angle += 180
        labels.append(((x0 + x1) / 2, (y0 + y1) / 2, angle, street.label, street.major))
    return sorted(labels, key=lambda label: not label[4])


class LabelSprites:
    """The drawn-once pictures of labels, by text (and angle, or colour and font)."""

    def __init__(self, street_font: QFont) -> None:
        self.street_font = street_font
        self._streets: dict[tuple[str, int], QPixmap] = {}
        self._texts: dict[tuple[str, int, float], QPixmap] = {}

    def street(self, text: str, angle: float) -> QPixmap:
        key = (text, round(angle / 3) * 3)
        sprite = self._streets.get(key)
        if sprite is not None:
            return sprite
        path = QPainterPath()
        path.addText(0, 0, self.street_font, text)
        rect = path.boundingRect().adjusted(-2, -2, 2, 2)
        turn = QTransform().rotate(key[1])
        bounds = turn.mapRect(
            QRectF(-rect.width() / 2, -rect.height() / 2, rect.width(), rect.height())
        )
        sprite = QPixmap(int(bounds.width()) + 2, int(bounds.height()) + 2)
        sprite.fill(Qt.GlobalColor.transparent)
        p = QPainter(sprite)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.translate(sprite.width() / 2, sprite.height() / 2)
        p.rotate(key[1])
        p.translate(-rect.center())
        p.setPen(QPen(HALO, 3))
        p.drawPath(path)
        p.fillPath(path, STREET_TEXT)
        p.end()
        if len(self._streets) > 3000:
            self._streets.clear()
        self._streets[key] = sprite
        return sprite

    def draw_text(self, painter: QPainter, x: float, y: float, text: str, colour: QColor) -> None:
        """Text with a dark halo in the painter's font, its baseline at (x, y)."""
        font = painter.font()
        key = (text, colour.rgba(), font.pointSizeF())
        metrics = painter.fontMetrics()
        sprite = self._texts.get(key)
        if sprite is None:
            sprite = QPixmap(metrics.horizontalAdvance(text) + 4, metrics.height() + 2)
            sprite.fill(Qt.GlobalColor.transparent)
            p = QPainter(sprite)
            p.setFont(font)
            base = 1 + metrics.ascent()
            p.setPen(HALO)
            for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                p.drawText(QPointF(2 + dx, base + dy), text)
            p.setPen(colour)
            p.drawText(QPointF(2, base), text)
            p.end()
            if len(self._texts) > 4000:
                self._texts.clear()
            self._texts[key] = sprite
        painter.drawPixmap(int(x) - 2, int(y) - 1 - metrics.ascent(), sprite)


def paint_street_labels(
    painter: QPainter, view: Viewport, labels: list[StreetLabel], sprites: LabelSprites
) -> None:
    """Street names in view, never overlapping each other (a grid of 64-px cells finds the
    labels a new one could touch), one per name per stretch of screen."""
    x0, y0, x1, y1 = view.world_bounds(0)
    occupied: dict[tuple[int, int], list[QRectF]] = {}
    shown: dict[str, list[tuple[float, float]]] = {}
    count = 0
    for wx, wy, angle, text, _major in labels:
        if not (x0 <= wx <= x1 and y0 <= wy <= y1):
            continue
        sx, sy = view.to_screen(wx, wy)
        near = shown.setdefault(text, [])
        if any(abs(px - sx) + abs(py - sy) < SAME_NAME_APART_PX for px, py in near):
            continue
        sprite = sprites.street(text, angle)
        w, h = sprite.width(), sprite.height()
        box = QRectF(sx - w / 2, sy - h / 2, w, h)
        cells = [
            (cx, cy)
            for cx in range(int(box.left()) // 64, int(box.right()) // 64 + 1)
            for cy in range(int(box.top()) // 64, int(box.bottom()) // 64 + 1)
        ]
        if any(box.intersects(other) for cell in cells for other in occupied.get(cell, ())):
            continue
        for cell in cells:
            occupied.setdefault(cell, []).append(box)
        near.append((sx, sy))
        painter.drawPixmap(int(box.x()), int(box.y()), sprite)
        count += 1
        if count > MAX_STREET_LABELS:
            break
