"""PIDF-LO location objects (RFC 4119, shapes from RFC 5491 / GML): a caller's position as the
phone network or a NG9-1-1 system hands it over, and as we hand it on.

Points (gml:Point) and circles (gs:Circle, radius in metres) in WGS84 are read; any other shape,
coordinate system or unit is refused with a message saying which. Documents with a DOCTYPE or
entity declarations are refused before parsing (no external entities, no entity expansion).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

NS = {
    "pidf": "urn:ietf:params:xml:ns:pidf",
    "gp": "urn:ietf:params:xml:ns:pidf:geopriv10",
    "gml": "http://www.opengis.net/gml",
    "gs": "http://www.opengis.net/pidflo/1.0",
    "dm": "urn:ietf:params:xml:ns:pidf:data-model",
}
SRS_2D = "urn:ogc:def:crs:EPSG::4326"
SRS_3D = "urn:ogc:def:crs:EPSG::4979"  # lat lon height; the height is not used
METRES = "urn:ogc:def:uom:EPSG::9001"
MAX_CHARS = 1_000_000
_FORBIDDEN = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class PidfError(ValueError):
    """The document is not a PIDF-LO location this desk can use; says why."""


@dataclass
class PidfLocation:
    lat: float
    lon: float
    radius_m: float | None
    timestamp: datetime | None
    method: str  # "GPS", "Cell", "Manual", ...
    entity: str


def _number(value: float) -> str:
    return repr(round(float(value), 7))


def to_pidf(loc: PidfLocation) -> str:
    """One location as a PIDF-LO document (a tuple with a point, or a circle if radius_m)."""
    pos = f"<gml:pos>{_number(loc.lat)} {_number(loc.lon)}</gml:pos>"
    if loc.radius_m is not None:
        shape = (
            f'<gs:Circle srsName="{SRS_2D}">{pos}'
            f'<gs:radius uom="{METRES}">{_number(loc.radius_m)}</gs:radius></gs:Circle>'
        )
    else:
        shape = f'<gml:Point srsName="{SRS_2D}">{pos}</gml:Point>'
    method = f"<gp:method>{escape(loc.method)}</gp:method>" if loc.method else ""
    stamp = f"<timestamp>{loc.timestamp.isoformat()}</timestamp>" if loc.timestamp else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<presence xmlns="{NS["pidf"]}" xmlns:gp="{NS["gp"]}" xmlns:gml="{NS["gml"]}" '
        f'xmlns:gs="{NS["gs"]}" entity={quoteattr(loc.entity)}>'
        '<tuple id="location"><status><gp:geopriv>'
        f"<gp:location-info>{shape}</gp:location-info>"
        f"<gp:usage-rules/>{method}</gp:geopriv></status>{stamp}</tuple></presence>"
    )


def _tag(namespace: str, name: str) -> str:
    return f"{{{NS[namespace]}}}{name}"


def _parse(xml: str) -> ET.Element:
    if len(xml) > MAX_CHARS:
        raise PidfError(f"PIDF-LO document too large ({len(xml):,} characters)")
    if _FORBIDDEN.search(xml):
        raise PidfError("PIDF-LO document with a DOCTYPE or ENTITY declaration refused")
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise PidfError(f"PIDF-LO document is not well-formed XML: {exc}") from None
    if root.tag != _tag("pidf", "presence"):
        raise PidfError(f"not a PIDF document: the root element is {root.tag}, not presence")
    return root


def _position(pos: ET.Element | None, srs: str, shape: str) -> tuple[float, float]:
    if srs not in (SRS_2D, SRS_3D):
        raise PidfError(f"{shape} in {srs or 'no srsName'}; only {SRS_2D} (WGS84) is accepted")
    if pos is None or not (pos.text or "").strip():
        raise PidfError(f"{shape} without a gml:pos")
    try:
        values = [float(v) for v in (pos.text or "").split()]
    except ValueError:
        raise PidfError(f"{shape} position {pos.text!r} is not numbers") from None
    if len(values) not in (2, 3) or not (-90 <= values[0] <= 90 and -180 <= values[1] <= 180):
        raise PidfError(f"{shape} position {pos.text!r} is not 'latitude longitude'")
    return values[0], values[1]


def _shapes(info: ET.Element) -> list[tuple[float, float, float | None]]:
    found: list[tuple[float, float, float | None]] = []
    for shape in info:
        srs = shape.get("srsName", "")
        if shape.tag == _tag("gml", "Point"):
            lat, lon = _position(shape.find("gml:pos", NS), srs, "gml:Point")
            found.append((lat, lon, None))
        elif shape.tag == _tag("gs", "Circle"):
            lat, lon = _position(shape.find("gml:pos", NS), srs, "gs:Circle")
            radius = shape.find("gs:radius", NS)
            if radius is None or radius.get("uom") != METRES:
                uom = "no radius" if radius is None else f"radius in {radius.get('uom')}"
                raise PidfError(f"gs:Circle with {uom}; the radius must be in {METRES} (metres)")
            try:
                metres = float(radius.text or "")
            except ValueError:
                raise PidfError(f"gs:Circle radius {radius.text!r} is not a number") from None
            if not 0 <= metres < 1e7:
                raise PidfError(f"gs:Circle radius {metres} m is not a plausible uncertainty")
            found.append((lat, lon, metres))
        else:
            name = shape.tag.split("}")[-1]
            raise PidfError(
                f"location shape {name} is not supported (only gml:Point and gs:Circle)"
            )
    return found


def _timestamp(parent: ET.Element) -> datetime | None:
    stamp = parent.find("pidf:timestamp", NS)
    if stamp is None:
        stamp = parent.find("dm:timestamp", NS)
    if stamp is None or not (stamp.text or "").strip():
        return None
    try:
        return datetime.fromisoformat((stamp.text or "").strip().replace("Z", "+00:00"))
    except ValueError:
        raise PidfError(f"timestamp {stamp.text!r} is not an ISO 8601 time") from None


def from_pidf(xml: str) -> list[PidfLocation]:
    """Every point or circle in the document, in document order; PidfError if none or if
    anything in it cannot be read."""
    root = _parse(xml)
    entity = root.get("entity", "")
    found: list[PidfLocation] = []
    for parent in root:  # tuple, dm:device or dm:person
        for geopriv in parent.iter(_tag("gp", "geopriv")):
            method_element = geopriv.find("gp:method", NS)
            method = (method_element.text or "").strip() if method_element is not None else ""
            stamp = _timestamp(parent)
            for info in geopriv.findall("gp:location-info", NS):
                for lat, lon, radius in _shapes(info):
                    found.append(PidfLocation(lat, lon, radius, stamp, method, entity))
    if not found:
        raise PidfError("PIDF document holds no gml:Point or gs:Circle location")
    return found
