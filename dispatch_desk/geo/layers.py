"""The agency's base map as plain data: street centrelines with address ranges, address
points, places (stations, schools, hospitals...) and boundaries.

Coordinates inside features are (lon, lat) tuples, GeoJSON order; single points carry ``lat`` and
``lon`` fields. Street and address ``street`` names are normalised keys
(:func:`dispatch_desk.domain.address.normalize_street`); ``label`` is what people read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

Coord = tuple[float, float]  # (lon, lat)

LAYER_KINDS = ("streets", "addresses", "places", "boundaries")


class GisError(ValueError):
    """A GIS file cannot be used: names the file and, where there is one, the feature."""

    def __init__(self, file: str, feature: str, problem: str) -> None:
        self.file = file
        self.feature = feature
        self.problem = problem
        where = f"{file}: {feature}: " if feature else f"{file}: "
        super().__init__(where + problem)


@dataclass(frozen=True)
class Street:
    id: str
    name: str  # normalised key, e.g. "CAMBRIDGE ST"
    label: str  # "Cambridge St"
    coords: tuple[Coord, ...]
    left_from: int | None
    left_to: int | None
    right_from: int | None
    right_to: int | None
    major: bool
    postcode: str = ""
    aliases: str = ""  # other names people use ("Mass Ave"), comma-separated


@dataclass(frozen=True)
class AddressPoint:
    number: int
    suffix: str
    street: str  # normalised key
    label: str  # "16 Aberdeen Ave"
    lat: float
    lon: float
    unit: str = ""
    postcode: str = ""


@dataclass(frozen=True)
class Place:
    name: str
    kind: str  # school, hospital, fire_station, police_station, ems_station, library, ...
    address: str
    lat: float
    lon: float
    station: str = ""  # the agency's station name units are based at, if any


@dataclass(frozen=True)
class Boundary:
    name: str
    kind: str  # town, police_beat, fire_district, water, ...
    rings: tuple[tuple[Coord, ...], ...]


@dataclass
class GisLayers:
    streets: list[Street]
    addresses: list[AddressPoint]
    places: list[Place]
    boundaries: list[Boundary]
    source: str  # "demo town Riverton" or the imported files
    # Town and city names that may trail an address ("..., Riverton") and mean nothing more.
    localities: list[str] = field(default_factory=list)

    @classmethod
    def empty(cls, source: str = "no map data") -> GisLayers:
        return cls([], [], [], [], source)

    def is_empty(self) -> bool:
        return not (self.streets or self.addresses or self.places or self.boundaries)

    def bounds(self) -> tuple[float, float, float, float]:
        """(min_lon, min_lat, max_lon, max_lat) of everything; all zeros when empty."""
        lo_x = lo_y = math.inf
        hi_x = hi_y = -math.inf
        for street in self.streets:
            for x, y in street.coords:
                lo_x, hi_x = min(lo_x, x), max(hi_x, x)
                lo_y, hi_y = min(lo_y, y), max(hi_y, y)
        for boundary in self.boundaries:
            for ring in boundary.rings:
                for x, y in ring:
                    lo_x, hi_x = min(lo_x, x), max(hi_x, x)
                    lo_y, hi_y = min(lo_y, y), max(hi_y, y)
        points: list[AddressPoint | Place] = [*self.addresses, *self.places]
        for point in points:
            lo_x, hi_x = min(lo_x, point.lon), max(hi_x, point.lon)
            lo_y, hi_y = min(lo_y, point.lat), max(hi_y, point.lat)
        if lo_x == math.inf:
            return (0.0, 0.0, 0.0, 0.0)
        return (lo_x, lo_y, hi_x, hi_y)

    def counts(self) -> dict[str, int]:
        return {kind: len(getattr(self, kind)) for kind in LAYER_KINDS}
