"""Web Mercator as the map draws it: a position becomes a point in a square "world" of 0..1,
which at zoom z is 256·2^z pixels across (the same grid as every XYZ and MBTiles tile set)."""

from __future__ import annotations

import math
from dataclasses import dataclass

TILE = 256
MAX_LAT = 85.05112878


def to_world(lat: float, lon: float) -> tuple[float, float]:
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    x = (lon + 180.0) / 360.0
    s = math.sin(math.radians(lat))
    y = 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)
    return x, y


def to_latlon(x: float, y: float) -> tuple[float, float]:
    lon = x * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y))))
    return lat, lon


def metres_per_pixel(lat: float, zoom: float) -> float:
    return 40075016.686 * math.cos(math.radians(lat)) / (TILE * 2**zoom)


@dataclass
class Viewport:
    """What the screen shows: the world point at its centre, the zoom, the widget's size."""

    cx: float = 0.5
    cy: float = 0.5
    zoom: float = 14.0
    width: int = 800
    height: int = 600

    @property
    def scale(self) -> float:  # pixels per world unit
        return TILE * 2**self.zoom

    def to_screen(self, wx: float, wy: float) -> tuple[float, float]:
        s = self.scale
        return (wx - self.cx) * s + self.width / 2, (wy - self.cy) * s + self.height / 2

    def to_world(self, sx: float, sy: float) -> tuple[float, float]:
        s = self.scale
        return self.cx + (sx - self.width / 2) / s, self.cy + (sy - self.height / 2) / s

    def latlon_at(self, sx: float, sy: float) -> tuple[float, float]:
        return to_latlon(*self.to_world(sx, sy))

    def world_bounds(self, margin_px: float = 0.0) -> tuple[float, float, float, float]:
        s = self.scale
        half_w, half_h = (self.width / 2 + margin_px) / s, (self.height / 2 + margin_px) / s
        return self.cx - half_w, self.cy - half_h, self.cx + half_w, self.cy + half_h

    def centre_on(self, lat: float, lon: float) -> None:
        self.cx, self.cy = to_world(lat, lon)

    def pan_pixels(self, dx: float, dy: float) -> None:
        s = self.scale
        self.cx = min(1.0, max(0.0, self.cx - dx / s))
        self.cy = min(1.0, max(0.0, self.cy - dy / s))

    def zoom_about(self, zoom: float, sx: float, sy: float) -> None:
        """Change zoom keeping the world point under (sx, sy) where it is on the screen."""
        wx, wy = self.to_world(sx, sy)
        self.zoom = zoom
        s = self.scale
        self.cx = wx - (sx - self.width / 2) / s
        self.cy = wy - (sy - self.height / 2) / s

    def fit(self, min_lat: float, min_lon: float, max_lat: float, max_lon: float) -> None:
        x0, y1 = to_world(min_lat, min_lon)
        x1, y0 = to_world(max_lat, max_lon)
        self.cx, self.cy = (x0 + x1) / 2, (y0 + y1) / 2
        span = max((x1 - x0) / max(self.width, 1), (y1 - y0) / max(self.height, 1), 1e-12)
        # Whole zooms only: tiles are drawn 1:1 (a fractional zoom would scale every one).
        self.zoom = max(0.0, min(19.0, float(math.floor(math.log2(1 / (span * TILE))))))
