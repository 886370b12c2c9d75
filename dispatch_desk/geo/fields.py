"""Agencies name their GIS fields in many ways; this maps the common ones (Cambridge's own, NENA
NG9-1-1 GIS (Add_Number, St_Name, FromAddr_L...), Census TIGER, OpenStreetMap tags, ESRI
geocoding fields) onto the layers' few fields. Property names are compared lower-cased.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

from dispatch_desk.domain.address import normalize_street
from dispatch_desk.geo import geojson
from dispatch_desk.geo.geojson import Feature
from dispatch_desk.geo.layers import AddressPoint, Boundary, GisError, Place, Street
from dispatch_desk.geo.parse import house_label

STREET_NAME = (
    "name", "full_name", "fullname", "st_fullname", "full_street", "street_name_full",
    "streetname", "road_name", "rd_name", "str_name", "label",
)  # fmt: skip
NENA_PARTS = (
    "st_premod", "st_predir", "st_pretyp", "st_presep", "st_name", "st_postyp", "st_posdir",
    "st_posmod",
)  # fmt: skip
ALIASES = ("alias", "aliases", "alt_name", "alt_names", "alias_name", "altname")
LEFT_FROM = ("left_from", "fromaddr_l", "lfromadd", "l_f_add", "fromleft", "from_left", "l_from")
LEFT_TO = ("left_to", "toaddr_l", "ltoadd", "l_t_add", "toleft", "to_left", "l_to")
RIGHT_FROM = ("right_from", "fromaddr_r", "rfromadd", "r_f_add", "fromright", "from_right")
RIGHT_TO = ("right_to", "toaddr_r", "rtoadd", "r_t_add", "toright", "to_right", "r_to")
RANGE_FIELDS = LEFT_FROM + LEFT_TO + RIGHT_FROM + RIGHT_TO
MAJOR = ("major", "major_road", "roadclass", "road_class", "mtfcc", "highway", "fclass")
POSTCODE = (
    "postcode", "zip", "zipcode", "zip_code", "post_code", "addr:postcode", "zip_left", "zip_l",
    "postcode_l", "zip_right", "zip_r", "postcode_r",
)  # fmt: skip
IDS = ("id", "segment_id", "rclnguid", "tlid", "objectid", "fid", "osm_id", "gid")

NUMBER = (
    "number", "add_number", "addnum", "house_number", "housenumber", "addr:housenumber",
    "hse_num", "address_number", "addr_num", "street_number", "st_num",
)  # fmt: skip
NUMBER_SUFFIX = (
    "number_suffix", "addnum_suf", "add_number_suffix", "hse_suf", "house_number_suffix",
    "addnum_suffix",
)  # fmt: skip
ADDRESS_STREET = (
    "street", "street_full", "full_street", "st_fullname", "fullname", "addr:street",
    "street_name_full", "streetname", "full_name",
)  # fmt: skip
UNIT = ("unit", "addr:unit", "unit_number", "unit_num", "apt", "suite", "unit_id")
LOCALITY = ("city", "addr:city", "municipality", "inc_muni", "post_comm", "town", "locality")

PLACE_NAME = (
    "name", "place_name", "poi_name", "facility", "facility_name", "common_name", "title",
    "label",
)  # fmt: skip
PLACE_KIND = ("kind", "type", "category", "amenity", "poi_type", "fclass", "class")
PLACE_ADDRESS = ("address", "addr", "full_address", "addr:full", "street_address", "location")
STATION = ("station", "station_name", "unit_station")

BOUNDARY_NAME = ("name", "district", "beat", "zone", "label", "title", "id")
BOUNDARY_KIND = ("kind", "type", "layer", "category")

KIND_ALIASES = {
    "police": "police_station",
    "police station": "police_station",
    "police_dept": "police_station",
    "fire": "fire_station",
    "fire station": "fire_station",
    "firestation": "fire_station",
    "ems": "ems_station",
    "ambulance": "ems_station",
    "ambulance_station": "ems_station",
    "ems station": "ems_station",
    "college": "school",
    "university": "school",
}
_MAJOR_WORDS = {"primary", "secondary", "trunk", "motorway", "arterial", "major", "yes", "true"}
_NUMBER_TEXT = re.compile(r"^\s*(\d{1,6})\s*(?:-?\s*([A-Za-z]|\d/\d|\d{1,2}))?\s*$")


def first(props: dict[str, Any], names: Sequence[str]) -> Any:
    for name in names:
        value = props.get(name)
        if value not in (None, ""):
            return value
    return None


def has_any(props: dict[str, Any], names: Sequence[str]) -> bool:
    return any(name in props for name in names)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _nena_name(props: dict[str, Any]) -> str:
    return " ".join(_text(props.get(p)) for p in NENA_PARTS if _text(props.get(p)))


def street_name(props: dict[str, Any]) -> str:
    return _text(first(props, STREET_NAME)) or _nena_name(props)


def address_street(props: dict[str, Any]) -> str:
    return _text(first(props, ADDRESS_STREET)) or _nena_name(props)


def _house_range(file: str, where: str, props: dict[str, Any], names: Sequence[str]) -> int | None:
    value = first(props, names)
    if value is None:
        return None
    if isinstance(value, bool):
        raise GisError(file, where, f"{names[0]} is {value!r}, not a house number")
    if isinstance(value, int | float):
        number = int(value)
    else:
        match = re.match(r"^\s*(-?\d+)", str(value))
        if not match:
            raise GisError(file, where, f"{names[0]} is {value!r}, not a house number")
        number = int(match.group(1))
    return None if number < 0 else number


def to_streets(file: str, feature: Feature) -> list[Street]:
    props = feature.properties
    name = street_name(props)
    ident = first(props, IDS)
    where = feature.describe(ident, name)
    if not name and not has_any(props, (*STREET_NAME, "st_name")):
        raise GisError(
            file, where, "has no street name field (looked for name, FullName, St_Name...)"
        )
    parts = geojson.lines(file, where, feature.geometry)
    ranges = [
        _house_range(file, where, props, f) for f in (LEFT_FROM, LEFT_TO, RIGHT_FROM, RIGHT_TO)
    ]
    # A side whose numbers are missing, negative or 0-0 has no addresses.
    for i in (0, 2):
        if ranges[i] is None or ranges[i + 1] is None or ranges[i] == ranges[i + 1] == 0:
            ranges[i] = ranges[i + 1] = None
    major_value = first(props, MAJOR)
    if isinstance(major_value, str):
        major = major_value.strip().lower() in _MAJOR_WORDS or major_value.upper() in (
            "S1100",
            "S1200",
        )
    else:
        major = bool(major_value)
    postcode = _text(first(props, POSTCODE))
    aliases = _text(first(props, ALIASES))
    base_id = (
        _text(feature.fid if feature.fid is not None else ident)
        or f"{Path(file).stem}-{feature.index}"
    )
    key = normalize_street(name)
    if len(parts) > 1 and all(a[-1] == b[0] for a, b in pairwise(parts)):
        parts = [tuple(c for i, part in enumerate(parts) for c in (part if i == 0 else part[1:]))]
    longest = max(range(len(parts)), key=lambda i: len(parts[i]))
    streets = []
    for i, coords in enumerate(parts):
        lf, lt, rf, rt = ranges if i == longest else (None, None, None, None)
        street_id = base_id if len(parts) == 1 else f"{base_id}#{i + 1}"
        streets.append(
            Street(street_id, key, name, coords, lf, lt, rf, rt, major, postcode, aliases)
        )
    return streets


def parse_number(value: Any) -> tuple[int, str] | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return (int(value), "") if value >= 0 and float(value).is_integer() else None
    match = _NUMBER_TEXT.match(str(value))
    if not match:
        return None
    return int(match.group(1)), (match.group(2) or "").upper()


def to_address(file: str, feature: Feature) -> tuple[AddressPoint, str]:
    """The address point and its town (or "")."""
    props = feature.properties
    street = address_street(props)
    ident = first(props, IDS)
    raw_number = first(props, NUMBER)
    where = feature.describe(ident, f"{raw_number or ''} {street}".strip())
    if raw_number is None:
        raise GisError(
            file, where, "has no house number (looked for number, Add_Number, housenumber...)"
        )
    parsed = parse_number(raw_number)
    if parsed is None:
        raise GisError(file, where, f"house number {raw_number!r} is not a number")
    if not street:
        raise GisError(file, where, "has no street name (looked for street, St_Name...)")
    number, suffix = parsed
    suffix = _text(first(props, NUMBER_SUFFIX)).upper().lstrip("-") or suffix
    lon, lat = geojson.point(file, where, feature.geometry)
    label = f"{house_label(number, suffix)} {street}"
    point = AddressPoint(
        number,
        suffix,
        normalize_street(street),
        label,
        lat,
        lon,
        _text(first(props, UNIT)),
        _text(first(props, POSTCODE)),
    )
    return point, _text(first(props, LOCALITY))


def to_place(file: str, feature: Feature) -> Place:
    props = feature.properties
    name = _text(first(props, PLACE_NAME))
    where = feature.describe(first(props, IDS), name)
    if not name:
        raise GisError(file, where, "has no name (looked for name, place_name, facility...)")
    kind = _text(first(props, PLACE_KIND)).lower().replace("-", "_") or "place"
    kind = KIND_ALIASES.get(kind, kind).replace(" ", "_")
    address = _text(first(props, PLACE_ADDRESS))
    if not address and props.get("addr:housenumber") and props.get("addr:street"):
        address = f"{props['addr:housenumber']} {props['addr:street']}"
    lon, lat = geojson.point(file, where, feature.geometry)
    return Place(name, kind, address, lat, lon, _text(first(props, STATION)))


def to_boundary(file: str, feature: Feature) -> Boundary:
    props = feature.properties
    name = _text(first(props, BOUNDARY_NAME)) or f"{Path(file).stem} {feature.index}"
    where = feature.describe(feature.fid, name)
    kind = _text(first(props, BOUNDARY_KIND)).lower().replace(" ", "_") or Path(file).stem.lower()
    return Boundary(name, kind, tuple(geojson.rings(file, where, feature.geometry)))
