"""Distances and bearings on the Earth, and the small plane geometry the geocoder needs.

Coordinates are WGS84 degrees. Over a few kilometres a local equirectangular projection (metres
east and north of a reference point) is accurate to well under a metre, which is all that
placing a house number along a block needs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
_M_PER_DEG = math.pi * EARTH_RADIUS_M / 180.0


@dataclass(frozen=True)
class LatLon:
    lat: float
    lon: float


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given as plain floats."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def distance_m(a: LatLon, b: LatLon) -> float:
    """Great-circle (haversine) distance in metres."""
    return haversine_m(a.lat, a.lon, b.lat, b.lon)


def bearing_deg(a: LatLon, b: LatLon) -> float:
    """Initial bearing from a to b, degrees clockwise from true north, in [0, 360)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dl = math.radians(b.lon - a.lon)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(x, y)) % 360.0


def offset(p: LatLon, east_m: float, north_m: float) -> LatLon:
    """The point east_m metres east and north_m metres north of p (local flat approximation)."""
    lat = p.lat + north_m / _M_PER_DEG
    lon = p.lon + east_m / (_M_PER_DEG * math.cos(math.radians(p.lat)))
    return LatLon(lat, lon)


def metres_per_degree(lat: float) -> tuple[float, float]:
    """(metres per degree of longitude, metres per degree of latitude) at this latitude."""
    return _M_PER_DEG * math.cos(math.radians(lat)), _M_PER_DEG


Coord = tuple[float, float]  # (lon, lat), GeoJSON order


def line_length_m(coords: Sequence[Coord]) -> float:
    return sum(haversine_m(a[1], a[0], b[1], b[0]) for a, b in pairwise(coords))


def point_along(
    coords: Sequence[Coord], fraction: float, side_m: float = 0.0
) -> tuple[float, float]:
    """(lat, lon) at ``fraction`` of the line's length, moved ``side_m`` metres to the left of
    the direction of travel (negative: to the right)."""
    fraction = min(1.0, max(0.0, fraction))
    lengths = [haversine_m(a[1], a[0], b[1], b[0]) for a, b in pairwise(coords)]
    total = sum(lengths)
    if total <= 0.0:
        return coords[0][1], coords[0][0]
    target = fraction * total
    walked = 0.0
    for (a, b), length in zip(pairwise(coords), lengths, strict=True):
        if walked + length >= target and length > 0.0:
            t = (target - walked) / length
            lon = a[0] + t * (b[0] - a[0])
            lat = a[1] + t * (b[1] - a[1])
            if side_m:
                mx, my = metres_per_degree(lat)
                dx, dy = (b[0] - a[0]) * mx, (b[1] - a[1]) * my
                norm = math.hypot(dx, dy)
                # Left of travel is the direction vector turned a quarter anticlockwise.
                lon += -dy / norm * side_m / mx
                lat += dx / norm * side_m / my
            return lat, lon
        walked += length
    return coords[-1][1], coords[-1][0]


def project_on_line(coords: Sequence[Coord], lat: float, lon: float) -> tuple[float, float, bool]:
    """Where (lat, lon) falls on the line: (distance from the line in metres, fraction of the
    line's length at the foot of the perpendicular, True if the point is on the left)."""
    mx, my = metres_per_degree(lat)
    px, py = lon * mx, lat * my
    best = (math.inf, 0.0, True)
    walked = 0.0
    lengths = [math.hypot((b[0] - a[0]) * mx, (b[1] - a[1]) * my) for a, b in pairwise(coords)]
    total = sum(lengths) or 1.0
    for (a, b), length in zip(pairwise(coords), lengths, strict=True):
        ax, ay, bx, by = a[0] * mx, a[1] * my, b[0] * mx, b[1] * my
        dx, dy = bx - ax, by - ay
        t = 0.0
        if length > 0:
            t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length**2))
        fx, fy = ax + t * dx, ay + t * dy
        dist = math.hypot(px - fx, py - fy)
        if dist < best[0]:
            left = dx * (py - ay) - dy * (px - ax) >= 0
            best = (dist, (walked + t * length) / total, left)
        walked += length
    return best
