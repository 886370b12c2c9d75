"""The agency's streets by name: which street a typed name means, and where a house number
is on it (address point, else interpolated along the block's address range).

Each :class:`StreetEntry` gathers every centreline segment and address point of one normalised
street name. Scores returned here are factors in 0..1 that the geocoder multiplies.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise, product

from dispatch_desk.domain.address import (
    DIRECTIONS,
    ORDINAL_WORDS,
    ORDINAL_WORDS_EXTRA,
    STREET_DIRECTIONS,
    STREET_TYPES,
    STREET_TYPES_EXTRA,
    SUFFIXES,
    normalize_street,
    normalize_street_words,
)
from dispatch_desk.geo.fuzzy import WordCorrector
from dispatch_desk.geo.geometry import haversine_m, metres_per_degree, point_along
from dispatch_desk.geo.layers import AddressPoint, Street
from dispatch_desk.geo.parse import house_label, title_case

SIDE_OFFSET_M = 10.0  # interpolated houses sit this far off the centreline, on their side


def street_core(key: str) -> str:
    """The name without its type and directions: "N MAIN ST" -> "MAIN", "ELM ST N" -> "ELM"."""
    tokens = key.split()
    if len(tokens) > 1 and tokens[0] in STREET_DIRECTIONS:
        tokens = tokens[1:]
    if len(tokens) > 1 and tokens[-1] in STREET_DIRECTIONS:
        tokens = tokens[:-1]
    if len(tokens) > 1 and tokens[-1] in STREET_TYPES:
        tokens = tokens[:-1]
    return " ".join(tokens)


@dataclass(frozen=True)
class StreetHit:
    key: str
    factor: float
    note: str = ""


@dataclass(frozen=True)
class Located:
    label: str
    lat: float
    lon: float
    kind: str  # address, interpolated, street
    factor: float
    note: str = ""


@dataclass(frozen=True)
class _Block:
    low: int
    high: int
    start: int  # the number at the segment's first vertex
    end: int
    parity: int | None  # 0 even, 1 odd, None both
    left: bool
    segment: Street


@dataclass
class StreetEntry:
    key: str
    label: str
    segments: list[Street] = field(default_factory=list)
    points: dict[int, list[AddressPoint]] = field(default_factory=dict)
    blocks: list[_Block] = field(default_factory=list)
    _numbers: list[int] | None = None

    def add_segment(self, street: Street) -> None:
        self.segments.append(street)
        for start, end, left in (
            (street.left_from, street.left_to, True),
            (street.right_from, street.right_to, False),
        ):
            if start is None or end is None:
                continue
            parity = start % 2 if start % 2 == end % 2 else None
            self.blocks.append(
                _Block(min(start, end), max(start, end), start, end, parity, left, street)
            )

    def numbers(self) -> list[int]:
        """Every known number (points and range ends), sorted."""
        if self._numbers is None:
            found = set(self.points)
            for block in self.blocks:
                found.update((block.low, block.high))
            self._numbers = sorted(found)
        return self._numbers

    def middle(self) -> tuple[float, float]:
        """(lat, lon) of a sensible single point for the whole street."""
        if self.segments:
            mids = [point_along(s.coords, 0.5) for s in self.segments]
        else:
            mids = [(p.lat, p.lon) for group in self.points.values() for p in group]
        lat = sum(m[0] for m in mids) / len(mids)
        lon = sum(m[1] for m in mids) / len(mids)
        return min(mids, key=lambda m: (m[0] - lat) ** 2 + (m[1] - lon) ** 2)

    def locate(self, number: int, suffix: str) -> Located:
        return (
            self._at_point(number, suffix)
            or self._on_block(number)
            or self._between_points(number)
            or self._nearest_instead(number)
        )

    def _address_label(self, number: int, suffix: str) -> str:
        return f"{house_label(number, suffix)} {self.label}"

    def _at_point(self, number: int, suffix: str) -> Located | None:
        group = self.points.get(number)
        if not group:
            return None
        exact = [p for p in group if p.suffix == suffix]
        if exact:
            p = exact[0]
            apart = [q for q in exact if haversine_m(p.lat, p.lon, q.lat, q.lon) > 100]
            if apart:  # the same address in two places (two towns in one layer?)
                postcodes = ", ".join(sorted({q.postcode or "?" for q in exact}))
                note = f"{len(apart) + 1} places have this address (postcodes {postcodes})"
                return Located(p.label, p.lat, p.lon, "address", 0.7, note)
            return Located(p.label, p.lat, p.lon, "address", 1.0)
        plain = [p for p in group if not p.suffix] or group
        p = plain[0]
        typed = house_label(number, suffix)
        note = f"no {typed} in the address points; {p.label} is shown"
        return Located(p.label, p.lat, p.lon, "address", 0.85, note)

    def _on_block(self, number: int) -> Located | None:
        best: tuple[float, _Block] | None = None
        for block in self.blocks:
            if block.low <= number <= block.high:
                factor = 0.85 if block.parity in (None, number % 2) else 0.7
                if best is None or factor > best[0]:
                    best = (factor, block)
        if best is None:
            return None
        factor, block = best
        span = block.end - block.start
        fraction = 0.5 if span == 0 else (number - block.start) / span
        side = SIDE_OFFSET_M if block.left else -SIDE_OFFSET_M
        lat, lon = point_along(block.segment.coords, fraction, side)
        note = "estimated along the block's address range"
        if factor < 0.85:
            note = f"{number} is on the wrong side for this block's numbers; estimated"
        return Located(self._address_label(number, ""), lat, lon, "interpolated", factor, note)

    def _between_points(self, number: int) -> Located | None:
        same_side = sorted(n for n in self.points if n % 2 == number % 2)
        index = bisect.bisect_left(same_side, number)
        if index == 0 or index == len(same_side):
            return None
        below, above = same_side[index - 1], same_side[index]
        a, b = self.points[below][0], self.points[above][0]
        if haversine_m(a.lat, a.lon, b.lat, b.lon) > 400:
            return None  # too far apart to guess what lies between
        t = (number - below) / (above - below)
        lat, lon = a.lat + t * (b.lat - a.lat), a.lon + t * (b.lon - a.lon)
        note = f"estimated between {below} and {above}"
        return Located(self._address_label(number, ""), lat, lon, "interpolated", 0.8, note)

    def _nearest_instead(self, number: int) -> Located:
        numbers = self.numbers()
        if not numbers:
            lat, lon = self.middle()
            note = f"{self.label} has no house numbers; the middle of the street is shown"
            return Located(self.label, lat, lon, "street", 0.4, note)
        nearest = min(numbers, key=lambda n: (abs(n - number), n % 2 != number % 2))
        shown = self._at_point(nearest, "") or self._on_block(nearest)
        assert shown is not None  # every known number is a point or a range end
        if numbers[0] <= number <= numbers[-1]:
            why = f"there is no number {number} on {self.label}"
        else:
            why = f"number {number} is beyond the street's range ({numbers[0]}-{numbers[-1]})"
        return Located(
            shown.label, shown.lat, shown.lon, shown.kind, 0.55, f"{why}; nearest is shown"
        )


class StreetIndex:
    """Street names to entries, with aliases, names missing their type, and misspellings."""

    def __init__(
        self,
        streets: Iterable[Street],
        addresses: Iterable[AddressPoint],
        aliases: dict[str, str] | None = None,
    ) -> None:
        self.entries: dict[str, StreetEntry] = {}
        for street in streets:
            if not street.name:
                continue
            entry = self.entries.get(street.name)
            if entry is None:
                entry = self.entries[street.name] = StreetEntry(street.name, street.label)
            entry.add_segment(street)
        for point in addresses:
            entry = self.entries.get(point.street)
            if entry is None:
                label = point.label.split(" ", 1)[1] if " " in point.label else point.street
                entry = self.entries[point.street] = StreetEntry(point.street, label)
            entry.points.setdefault(point.number, []).append(point)
        self.aliases = {
            alias: target
            for alias, target in (aliases or {}).items()
            if target in self.entries and alias not in self.entries
        }
        self.by_core: dict[str, list[str]] = {}
        for key in self.entries:
            self.by_core.setdefault(street_core(key), []).append(key)
        vocabulary = {w for key in (*self.entries, *self.aliases) for w in key.split()}
        # Type, direction and ordinal words in full, so "STRET" is corrected to STREET (then
        # ST) and "SIXHT" to SIXTH (then 6TH).
        vocabulary |= set(SUFFIXES) | set(STREET_TYPES_EXTRA) | set(DIRECTIONS)
        vocabulary |= set(ORDINAL_WORDS) | set(ORDINAL_WORDS_EXTRA)
        self.corrector = WordCorrector(vocabulary)
        self._vertices: dict[tuple[int, int], set[str]] | None = None
        self._vertex_map()  # built now, so that sharing the index between threads is simple

    def find(self, raw_words: list[str]) -> list[StreetHit]:
        """Streets these typed words (all of them) may mean, best first; [] if none."""
        for level in (0, 1, 2):
            hits = self.lookup(raw_words, level)
            if hits:
                return hits
        return []

    def lookup(self, raw_words: list[str], level: int) -> list[StreetHit]:
        """Level 0: the name or an alias exactly; 1: a name missing or changing its type or
        direction; 2: a misspelt name (either way)."""
        typed = normalize_street_words(raw_words)
        if level == 0:
            return self._exact(typed)
        if level == 1:
            return self._core(typed)
        return self._corrected(typed)

    def _exact(self, typed: list[str]) -> list[StreetHit]:
        key = " ".join(typed)
        if key in self.entries:
            return [StreetHit(key, 1.0)]
        if key in self.aliases:
            return [StreetHit(self.aliases[key], 0.97)]
        return []

    def _core(self, typed: list[str]) -> list[StreetHit]:
        if all(w in STREET_TYPES or w in STREET_DIRECTIONS for w in typed):
            return []  # "ST" alone is no street's name
        key = " ".join(typed)
        keys = self.by_core.get(street_core(key), [])
        # Words left out ("Aberdeen" for Aberdeen Ave) cost less than words that disagree
        # ("Aberdeen St" when there is only an Aberdeen Ave).
        typed_words = set(typed)
        omitted = [k for k in keys if typed_words <= set(k.split())]
        hits = []
        for candidate in keys:
            if candidate == key:
                continue
            label = self.entries[candidate].label
            if candidate in omitted:
                factor = 0.88 if len(omitted) == 1 else 0.8
                hits.append(StreetHit(candidate, factor))
            else:
                hits.append(StreetHit(candidate, 0.72, f"no {title_case(key)}; {label} is shown"))
        return sorted(hits, key=lambda h: -h.factor)

    def _corrected(self, typed: list[str]) -> list[StreetHit]:
        options = []
        for word in typed:
            found = self.corrector.candidates(word)
            if not found:
                if word not in STREET_TYPES and word not in STREET_DIRECTIONS:
                    return []
                found = [(word, 0)]
            options.append(found[:3])
        best: dict[str, StreetHit] = {}
        for combination in list(product(*options))[:27]:
            edits = sum(e for _, e in combination)
            if edits == 0:
                continue
            words = normalize_street_words([w for w, _ in combination])
            for hit in self._exact(words) or self._core(words):
                factor = hit.factor * max(0.5, 0.88 - 0.04 * edits)
                label = self.entries[hit.key].label
                note = _join_notes(f"spelling corrected to {label}", hit.note)
                if hit.key not in best or best[hit.key].factor < factor:
                    best[hit.key] = StreetHit(hit.key, factor, note)
        return sorted(best.values(), key=lambda h: -h.factor)

    # Intersections ----------------------------------------------------------------------

    def _vertex_map(self) -> dict[tuple[int, int], set[str]]:
        if self._vertices is None:
            vertices: dict[tuple[int, int], set[str]] = {}
            for key, entry in self.entries.items():
                for segment in entry.segments:
                    for lon, lat in segment.coords:
                        cell = (round(lon * 1e6), round(lat * 1e6))
                        vertices.setdefault(cell, set()).add(key)
            self._vertices = vertices
        return self._vertices

    def crossings(self, a: str, b: str) -> list[tuple[float, float, float]]:
        """Where streets a and b meet: (lat, lon, gap in metres). Shared vertices (gap 0)
        first; else where the lines cross or come within 25 m without sharing a node (gap
        reported, at least 0.1 m, so the caller can say so). Points under 60 m apart count
        once."""
        vertices = self._vertex_map()
        shared = [
            (cell[1] / 1e6, cell[0] / 1e6, 0.0)
            for segment in self.entries[a].segments
            for cell in ((round(x * 1e6), round(y * 1e6)) for x, y in segment.coords)
            if b in vertices.get(cell, ())
        ]
        if not shared:
            shared = self._closest_approach(a, b, 25.0)
        distinct: list[tuple[float, float, float]] = []
        for point in shared:
            if all(haversine_m(point[0], point[1], q[0], q[1]) > 60 for q in distinct):
                distinct.append(point)
        return distinct

    def _closest_approach(self, a: str, b: str, limit_m: float) -> list[tuple[float, float, float]]:
        lines_a = [s.coords for s in self.entries[a].segments]
        lines_b = [s.coords for s in self.entries[b].segments]
        if not lines_a or not lines_b:
            return []
        ref_lon, ref_lat = lines_a[0][0]
        mx, my = metres_per_degree(ref_lat)

        def local(line: tuple[tuple[float, float], ...]) -> list[tuple[float, float]]:
            return [((x - ref_lon) * mx, (y - ref_lat) * my) for x, y in line]

        pieces_a = [seg for line in lines_a for seg in pairwise(local(line))]
        pieces_b = [seg for line in lines_b for seg in pairwise(local(line))]
        # B's pieces in 100 m cells, so each piece of A meets only B's pieces near it.
        cell = 100.0
        grid: dict[tuple[int, int], list[int]] = {}
        for index, (r, t) in enumerate(pieces_b):
            for key in _cells(r, t, 0.0, cell):
                grid.setdefault(key, []).append(index)
        best: tuple[float, float, float] | None = None
        for p, q in pieces_a:
            near = {i for key in _cells(p, q, limit_m, cell) for i in grid.get(key, ())}
            for index in near:
                r, t = pieces_b[index]
                gap, x, y = _segment_gap(p, q, r, t)
                if best is None or gap < best[0]:
                    best = (gap, x, y)
        if best is None or best[0] > limit_m:
            return []
        gap, x, y = best
        return [(ref_lat + y / my, ref_lon + x / mx, max(gap, 0.1))]


Point2 = tuple[float, float]


def _segment_gap(p: Point2, q: Point2, r: Point2, t: Point2) -> tuple[float, float, float]:
    """(distance, x, y) between segments pq and rt in the plane: 0 and the crossing point if
    they cross, else the shortest distance and the midpoint of that shortest link."""
    d1 = (q[0] - p[0], q[1] - p[1])
    d2 = (t[0] - r[0], t[1] - r[1])
    denom = d1[0] * d2[1] - d1[1] * d2[0]
    if denom:
        u = ((r[0] - p[0]) * d2[1] - (r[1] - p[1]) * d2[0]) / denom
        v = ((r[0] - p[0]) * d1[1] - (r[1] - p[1]) * d1[0]) / denom
        if 0 <= u <= 1 and 0 <= v <= 1:
            return 0.0, p[0] + u * d1[0], p[1] + u * d1[1]
    best = (math.inf, 0.0, 0.0)
    for point, (s0, s1) in ((p, (r, t)), (q, (r, t)), (r, (p, q)), (t, (p, q))):
        fx, fy = _foot(point, s0, s1)
        dist = math.hypot(point[0] - fx, point[1] - fy)
        if dist < best[0]:
            best = (dist, (point[0] + fx) / 2, (point[1] + fy) / 2)
    return best


def _cells(a: Point2, b: Point2, margin: float, size: float) -> list[tuple[int, int]]:
    x0, x1 = sorted((a[0], b[0]))
    y0, y1 = sorted((a[1], b[1]))
    return [
        (i, j)
        for i in range(math.floor((x0 - margin) / size), math.floor((x1 + margin) / size) + 1)
        for j in range(math.floor((y0 - margin) / size), math.floor((y1 + margin) / size) + 1)
    ]


def _foot(point: Point2, a: Point2, b: Point2) -> Point2:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return a
    t = max(0.0, min(1.0, ((point[0] - a[0]) * dx + (point[1] - a[1]) * dy) / length2))
    return a[0] + t * dx, a[1] + t * dy


def _join_notes(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def alias_keys(streets: Iterable[tuple[str, str]]) -> dict[str, str]:
    """{normalised alias: street key} from (alias text, key) pairs; several aliases may be
    given in one text, separated by commas or semicolons."""
    found: dict[str, str] = {}
    for text, key in streets:
        for part in text.replace(";", ",").split(","):
            alias = normalize_street(part)
            if alias and alias != key:
                found.setdefault(alias, key)
    return found
