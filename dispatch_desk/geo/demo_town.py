"""Riverton, the demo agency's town, generated: a street grid a few kilometres across on a
river, with address ranges, address points, boundaries and the places units are based at.

Everything is computed from the tables below (no file, no randomness), so every demo
workstation has the same town. The street names and the named places are the demo's own
(:mod:`dispatch_desk.demo.town`); the station names are the units' (resources/agency/demo.toml).

Numbering follows the usual US block rule: 100 numbers per block (one grid step, 120 m), odd
numbers on the left of the direction of numbering, even on the right.
"""

from __future__ import annotations

import functools
import math

from dispatch_desk.demo.town import PLACES
from dispatch_desk.domain.address import normalize_street
from dispatch_desk.geo.geometry import metres_per_degree
from dispatch_desk.geo.layers import AddressPoint, Boundary, Coord, GisLayers, Place, Street
from dispatch_desk.geo.parse import title_case

TOWN = "Riverton"
CENTRE = (42.51, -71.72)  # lat, lon: inland hills, no real town's streets
GRID_M = 120.0
HOUSE_SETBACK_M = 14.0
RIVER_CROSSING = (-6, -5)  # grid rows between which the river runs
DENSE_UP_TO = 600  # below this every number but those ending in 3 or 9 has a house

# name, start (x, y), end (x, y) in grid steps east and north of the centre, numbered from start
STREET_PLAN: tuple[tuple[str, tuple[int, int], tuple[int, int]], ...] = (
    ("MAIN ST", (0, -6), (0, 1)),  # from the bridge over the river to the town square
    ("N MAIN ST", (0, 1), (0, 10)),
    ("S MAIN ST", (0, -6), (0, -12)),  # numbered southwards from the river
    ("RIVER RD", (-12, -5), (13, -5)),  # along the north bank
    ("2ND AVE", (-12, -3), (13, -3)),
    ("3RD AVE", (-12, -1), (13, -1)),
    ("WASHINGTON BLVD", (-12, 2), (13, 2)),
    ("5TH AVE", (-12, 3), (13, 3)),
    ("ELM ST", (-12, 4), (13, 4)),
    ("OAK AVE", (-12, 6), (13, 6)),
    ("MAPLE AVE", (-12, 8), (13, 8)),
    ("LAKE SHORE DR", (-12, 10), (-2, 10)),
    ("COLLEGE AVE", (-10, -5), (-10, 10)),
    ("HIGHLAND AVE", (-7, -5), (-7, 10)),
    ("BRIDGE ST", (-5, -12), (-5, -1)),  # the second crossing of the river
    ("CHURCH ST", (-3, -5), (-3, 8)),
    ("PARK PL", (-3, 1), (3, 1)),  # the town square
    ("DEPOT ST", (0, 0), (9, 0)),
    ("CEDAR LN", (0, -2), (9, -2)),
    ("MILL RD", (9, -5), (9, 10)),
)
MAJOR = frozenset({"MAIN ST", "N MAIN ST", "S MAIN ST", "WASHINGTON BLVD", "RIVER RD"})

# name, kind, address, station (the name the agency's units use for it)
EXTRA_PLACES = (
    ("Riverton Police Headquarters", "police_station", "100 PARK PL", "Central"),
    ("Northside Police Substation", "police_station", "610 N MAIN ST", "Northside"),
    ("Riverside Public Safety Building", "police_station", "820 RIVER RD", "Riverside"),
    ("Riverton Fire Station 1", "fire_station", "300 CHURCH ST", "Station 1"),
    ("Riverton Fire Station 2", "fire_station", "850 MILL RD", "Station 2"),
    ("Lincoln Elementary School", "school", "220 ELM ST", ""),
    ("Riverton Middle School", "school", "505 OAK AVE", ""),
    ("Riverton Community College", "school", "1010 COLLEGE AVE", ""),
    ("Riverton Urgent Care", "clinic", "1264 2ND AVE", ""),
    ("Riverton Public Library", "library", "150 PARK PL", ""),
    ("Riverton Town Hall", "municipal_building", "410 MAIN ST", ""),
)
PLACE_KINDS = {
    "RIVERTON HIGH SCHOOL": "school",
    "ST. LUKE'S HOSPITAL": "hospital",
    "RIVERTON TRANSIT CENTER": "transit_station",
    "FOOD KING SUPERMARKET": "store",
    "RIVERSIDE PARK": "park",
}


class _Frame:
    """Grid steps to lon/lat around the centre (flat: the town is 3 km across)."""

    def __init__(self) -> None:
        self.mx, self.my = metres_per_degree(CENTRE[0])

    def lonlat(self, x_m: float, y_m: float) -> Coord:
        return (round(CENTRE[1] + x_m / self.mx, 7), round(CENTRE[0] + y_m / self.my, 7))


Block = tuple[tuple[int, int], tuple[int, int], int | None]  # start, end, its hundred


def _blocks(start: tuple[int, int], end: tuple[int, int]) -> list[Block]:
    """The street's blocks, one grid step each, with the hundred its numbers start at; a
    block over the river is a bridge: no numbers, and the next block goes on counting."""
    steps = max(abs(end[0] - start[0]), abs(end[1] - start[1]))
    sx, sy = (end[0] - start[0]) // steps, (end[1] - start[1]) // steps
    blocks: list[Block] = []
    hundred = 0
    for i in range(steps):
        a = (start[0] + i * sx, start[1] + i * sy)
        b = (a[0] + sx, a[1] + sy)
        if sx == 0 and sorted((a[1], b[1])) == list(RIVER_CROSSING):
            blocks.append((a, b, None))
        else:
            blocks.append((a, b, hundred))
            hundred += 100
    return blocks


def _house_position(frame: _Frame, block: Block, number: int) -> Coord:
    (x0, y0), (x1, y1), _ = block
    ux, uy = (x1 - x0), (y1 - y0)  # one grid step: already a unit vector
    along = (number % 100 + 0.5) / 100 * GRID_M
    side = HOUSE_SETBACK_M if number % 2 else -HOUSE_SETBACK_M  # odd on the left
    x = x0 * GRID_M + ux * along - uy * side
    y = y0 * GRID_M + uy * along + ux * side
    return frame.lonlat(x, y)


def _has_house(number: int) -> bool:
    if number < 10:
        return number > 0
    if number < DENSE_UP_TO:
        return number % 10 not in (3, 9)
    return number % 5 == 0  # the outer blocks are more spread out


def _streets_and_addresses(frame: _Frame) -> tuple[list[Street], list[AddressPoint]]:
    streets: list[Street] = []
    addresses: list[AddressPoint] = []
    for name, start, end in STREET_PLAN:
        key = normalize_street(name)
        label = title_case(name)
        for i, block in enumerate(_blocks(start, end)):
            a, b, base = block
            coords = (
                frame.lonlat(a[0] * GRID_M, a[1] * GRID_M),
                frame.lonlat(b[0] * GRID_M, b[1] * GRID_M),
            )
            ranges: tuple[int | None, int | None, int | None, int | None] = (None,) * 4
            if base is not None:
                ranges = (base + 1, base + 99, base, base + 98)
            street_id = f"RVT-{key.replace(' ', '_')}-{i + 1}"
            streets.append(Street(street_id, key, label, coords, *ranges, name in MAJOR))
            if base is None:
                continue
            for number in range(max(base, 1), base + 100):
                if _has_house(number):
                    lon, lat = _house_position(frame, block, number)
                    addresses.append(AddressPoint(number, "", key, f"{number} {label}", lat, lon))
    return streets, addresses


def _rectangle(frame: _Frame, x0: float, y0: float, x1: float, y1: float) -> tuple[Coord, ...]:
    corners = ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))
    return tuple(frame.lonlat(x * GRID_M, y * GRID_M) for x, y in corners)


def _ring(frame: _Frame, points: list[tuple[float, float]]) -> tuple[Coord, ...]:
    return tuple(frame.lonlat(x * GRID_M, y * GRID_M) for x, y in points)


def _boundaries(frame: _Frame) -> list[Boundary]:
    river_north = [(x / 2, -5.3 + 0.08 * math.sin(x / 3)) for x in range(-28, 31)]
    river_south = [(x, y - 0.35) for x, y in reversed(river_north)]
    river = [*river_north, *river_south, river_north[0]]
    lake = [
        (-7.5 + 4.5 * math.cos(t / 12 * math.pi), 11.6 + 1.2 * math.sin(t / 12 * math.pi))
        for t in range(25)
    ]
    lake[-1] = lake[0]
    ring = functools.partial(_rectangle, frame)
    return [
        Boundary(TOWN, "town", (ring(-13.5, -13, 14, 13.5),)),
        Boundary("North Beat", "police_beat", (ring(-13.5, 1.5, 14, 13.5),)),
        Boundary("Central Beat", "police_beat", (ring(-13.5, -5.5, 14, 1.5),)),
        Boundary("South Beat", "police_beat", (ring(-13.5, -13, 14, -5.5),)),
        Boundary("Fire District 1", "fire_district", (ring(-13.5, -13, 1.5, 13.5),)),
        Boundary("Fire District 2", "fire_district", (ring(1.5, -13, 14, 13.5),)),
        Boundary(
            "Mill River", "water", (tuple(frame.lonlat(x * GRID_M, y * GRID_M) for x, y in river),)
        ),
        Boundary(
            "Crescent Lake",
            "water",
            (tuple(frame.lonlat(x * GRID_M, y * GRID_M) for x, y in lake),),
        ),
    ]


def _places(frame: _Frame, addresses: list[AddressPoint]) -> list[Place]:
    plan = {key: _blocks(start, end) for key, start, end in STREET_PLAN}
    by_address = {(a.number, a.street): a for a in addresses}
    wanted = [(name, PLACE_KINDS.get(name, "place"), address, "") for name, address in PLACES]
    places = []
    for name, kind, address, station in (*wanted, *EXTRA_PLACES):
        number_text, street = address.split(" ", 1)
        number = int(number_text)
        point = by_address.get((number, street))
        if point is None:  # every place stands on an address point of its own
            block = next(b for b in plan[street] if b[2] == number // 100 * 100)
            lon, lat = _house_position(frame, block, number)
            point = AddressPoint(number, "", street, f"{number} {title_case(street)}", lat, lon)
            addresses.append(point)
            by_address[(number, street)] = point
        places.append(Place(name, kind, point.label, point.lat, point.lon, station))
    return places


@functools.lru_cache(maxsize=1)
def _generate() -> tuple[list[Street], list[AddressPoint], list[Place], list[Boundary]]:
    frame = _Frame()
    streets, addresses = _streets_and_addresses(frame)
    places = _places(frame, addresses)
    return streets, addresses, places, _boundaries(frame)


def demo_town() -> GisLayers:
    """Riverton's layers; generated once per process, each caller gets its own lists."""
    streets, addresses, places, boundaries = _generate()
    return GisLayers(
        list(streets),
        list(addresses),
        list(places),
        list(boundaries),
        f"demo town {TOWN}",
        localities=[TOWN],
    )
