"""Reading GeoJSON strictly: a clear error naming the file and the feature for anything that
is not WGS84 longitude/latitude (RFC 7946) or not well-formed.

The whole file is parsed in memory, so its size is capped (``gis.max_file_mb``): a file over the
cap is refused from its size alone, before a byte is read.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dispatch_desk.geo.layers import Coord, GisError

EXPORT_HINT = "GeoJSON must be WGS84 longitude/latitude (RFC 7946): export the layer as EPSG:4326"
_WGS84_NAMES = ("CRS84", "EPSG::4326", "EPSG:4326", "EPSG/0/4326")


@dataclass(frozen=True)
class Feature:
    index: int
    geometry_type: str
    geometry: dict[str, Any]
    properties: dict[str, Any]  # keys lower-cased
    fid: Any  # the feature's own "id" member, if any

    def describe(self, props_id: Any = None, name: Any = None) -> str:
        ident = self.fid if self.fid is not None else props_id
        if ident not in (None, ""):
            return f"feature {self.index} (id {ident})"
        if name not in (None, ""):
            return f"feature {self.index} ({name})"
        return f"feature {self.index}"


def read_features(path: Path, max_bytes: int) -> list[Feature]:
    """Every feature of a GeoJSON file, checked for shape but not yet for meaning."""
    file = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise GisError(file, "", f"cannot be read: {exc.strerror}") from None
    if size > max_bytes:
        raise GisError(
            file,
            "",
            f"is {size / 2**20:,.0f} MB, more than the {max_bytes / 2**20:,.0f} MB allowed "
            "(setting gis.max_file_mb); split the layer into smaller files, or raise the setting "
            "on a workstation with memory to spare",
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise GisError(file, "", f"cannot be read: {exc.strerror}") from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise GisError(file, f"byte {exc.start}", "is not UTF-8 text (GeoJSON is UTF-8)") from None
    except json.JSONDecodeError as exc:
        raise GisError(
            file, f"line {exc.lineno}, column {exc.colno}", f"is not valid JSON: {exc.msg}"
        ) from None
    except RecursionError:
        raise GisError(file, "", "is nested too deeply to be GeoJSON") from None
    if not isinstance(data, dict):
        raise GisError(file, "", "is JSON but not GeoJSON (expected a FeatureCollection)")
    _check_crs(file, data.get("crs"))
    if data.get("type") == "Feature":
        items: list[Any] = [data]
    elif data.get("type") == "FeatureCollection" and isinstance(data.get("features"), list):
        items = data["features"]
    else:
        raise GisError(file, "", "is JSON but not a GeoJSON FeatureCollection with 'features'")
    return list(_features(file, items))


def _check_crs(file: str, crs: Any) -> None:
    if crs is None:
        return
    name = ""
    if isinstance(crs, dict):
        props = crs.get("properties")
        if isinstance(props, dict):
            name = str(props.get("name") or props.get("href") or "")
    if not any(mark in name.upper() for mark in _WGS84_NAMES):
        raise GisError(
            file,
            'the "crs" member',
            f"names {name or 'an unknown coordinate system'!s}; {EXPORT_HINT}",
        )


def _features(file: str, items: list[Any]) -> Iterator[Feature]:
    for index, item in enumerate(items):
        if not isinstance(item, dict) or item.get("type") != "Feature":
            raise GisError(file, f"feature {index}", "is not a GeoJSON Feature object")
        props = item.get("properties") or {}
        if not isinstance(props, dict):
            raise GisError(file, f"feature {index}", "has 'properties' that is not an object")
        lowered = {str(k).lower(): v for k, v in props.items()}
        geometry = item.get("geometry")
        feature = Feature(index, "", {}, lowered, item.get("id"))
        where = feature.describe(lowered.get("id"), lowered.get("name"))
        if not isinstance(geometry, dict) or not isinstance(geometry.get("type"), str):
            raise GisError(file, where, "has no geometry")
        yield Feature(index, geometry["type"], geometry, lowered, item.get("id"))


def _position(file: str, where: str, value: Any) -> Coord:
    if (
        not isinstance(value, list | tuple)
        or len(value) < 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value[:2])
    ):
        raise GisError(
            file, where, f"has a position that is not [longitude, latitude]: {value!r:.60}"
        )
    lon, lat = float(value[0]), float(value[1])
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise GisError(file, where, f"has a position that is not a number: {value!r:.60}")
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise GisError(
            file,
            where,
            f"has coordinates ({value[0]}, {value[1]}) outside longitude/latitude range, "
            f"perhaps a projected system such as state plane; {EXPORT_HINT}",
        )
    return (lon, lat)


def _coordinates(geometry: dict[str, Any]) -> Any:
    return geometry.get("coordinates")


def point(file: str, where: str, geometry: dict[str, Any]) -> Coord:
    kind, coords = geometry["type"], _coordinates(geometry)
    if kind == "MultiPoint" and isinstance(coords, list) and len(coords) == 1:
        coords = coords[0]
    elif kind != "Point":
        raise GisError(file, where, f"is a {kind}, expected a Point")
    return _position(file, where, coords)


def line(file: str, where: str, coords: Any) -> tuple[Coord, ...]:
    if not isinstance(coords, list) or len(coords) < 2:
        raise GisError(file, where, "has a line with fewer than two positions")
    return tuple(_position(file, where, p) for p in coords)


def lines(file: str, where: str, geometry: dict[str, Any]) -> list[tuple[Coord, ...]]:
    kind, coords = geometry["type"], _coordinates(geometry)
    if kind == "LineString":
        return [line(file, where, coords)]
    if kind == "MultiLineString" and isinstance(coords, list) and coords:
        return [line(file, where, part) for part in coords]
    raise GisError(file, where, f"is a {kind}, expected a LineString")


def rings(file: str, where: str, geometry: dict[str, Any]) -> list[tuple[Coord, ...]]:
    kind, coords = geometry["type"], _coordinates(geometry)
    if kind == "Polygon":
        polygons = [coords]
    elif kind == "MultiPolygon" and isinstance(coords, list):
        polygons = coords
    else:
        raise GisError(file, where, f"is a {kind}, expected a Polygon")
    found = []
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise GisError(file, where, "has a polygon with no rings")
        for ring in polygon:
            positions = line(file, where, ring)
            if len(positions) < 4 or positions[0] != positions[-1]:
                raise GisError(
                    file, where, "has a polygon ring that is not closed (needs 4+ positions)"
                )
            found.append(positions)
    return found
