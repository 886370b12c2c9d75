"""Typed address text to places on the map, and a map position back to the nearest address.

Order of trust: an address point of that number on that street (score 1.0), then the number
placed along its block's address range (0.85), then the nearest number the street has (0.55,
with a note saying so). Corrected spellings, names missing their type and extra words cost a
little; a score of 0.9 or more needs no second look. Garbage gives [] rather than a guess.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from itertools import pairwise

from dispatch_desk.geo.geometry import project_on_line
from dispatch_desk.geo.layers import GisLayers
from dispatch_desk.geo.nearest import PointIndex
from dispatch_desk.geo.parse import (
    HouseAddress,
    clean,
    parse_house,
    read_leftover,
    split_brackets,
    split_intersection,
    title_case,
    words,
)
from dispatch_desk.geo.place_index import PlaceIndex, place_words
from dispatch_desk.geo.street_index import StreetHit, StreetIndex, alias_keys

TRUSTED = 0.9
_KIND_ORDER = {"address": 0, "intersection": 1, "place": 2, "interpolated": 3, "street": 4}


@dataclass(frozen=True)
class GeocodeMatch:
    label: str
    lat: float
    lon: float
    score: float  # 0..1; >= 0.9 needs no second look
    kind: str  # "address", "interpolated", "intersection", "place", "street"
    note: str = ""

    @property
    def trusted(self) -> bool:
        """Good enough to place an incident without a person looking twice."""
        return self.score >= TRUSTED


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


class Geocoder:
    """Built once per set of layers (a few hundred ms for a city); then safe to share between
    threads, since nothing changes after construction except caches built under a lock."""

    def __init__(self, layers: GisLayers) -> None:
        self.layers = layers
        aliases = alias_keys((s.aliases, s.name) for s in layers.streets if s.aliases)
        self.streets = StreetIndex(layers.streets, layers.addresses, aliases)
        self.places = PlaceIndex(layers.places)
        self.localities = frozenset(w for name in layers.localities for w in place_words(name))
        self._lock = threading.Lock()
        self._address_index: PointIndex[int] | None = None
        self._segment_index: PointIndex[int] | None = None

    # Forward ------------------------------------------------------------------------------

    def geocode(self, text: str, limit: int = 5) -> list[GeocodeMatch]:
        """Best matches first; [] when nothing on the map fits."""
        cleaned = clean(text)
        main, bracketed = split_brackets(cleaned)
        parts = [p.strip() for p in main.split(",") if p.strip()]
        found: list[GeocodeMatch] = []
        for index, part in enumerate(parts):
            if index and not read_leftover(words(part), self.localities).ignored:
                break  # ", Cambridge, MA 02138": only the town, nothing to look for
            later = [w for p in parts[index + 1 :] for w in words(p)]
            found = self._one(part, later)
            if found:
                break
        for extra in bracketed:  # "780 N MAIN ST (FOOD KING SUPERMARKET)": the name, too
            found += self._one(extra, [])
        return _best(found, limit)

    def _one(self, text: str, trailing: list[str]) -> list[GeocodeMatch]:
        found: list[GeocodeMatch] = []
        pair = split_intersection(text)
        if pair:
            found += self._intersection(*pair)
        house = parse_house(text)
        if house:
            found += self._address(house, trailing)
        elif not pair:
            found += self._street_only(words(text))
        if not found or max(m.score for m in found) < TRUSTED:
            for hit in self.places.find(text):
                place = hit.place
                label = f"{place.name} ({place.address})" if place.address else place.name
                found.append(
                    GeocodeMatch(label, place.lat, place.lon, hit.score, "place", hit.note)
                )
        return found

    def _street_prefix(self, tokens: list[str]) -> tuple[list[StreetHit], int]:
        """The street named by the first words, and how many words it took: an exact name on
        any prefix first; then, longest prefix first, a name missing a word or misspelt."""
        longest = min(len(tokens), 8)
        for end in range(longest, 0, -1):
            hits = self.streets.lookup(tokens[:end], 0)
            if hits:
                return hits, end
        for end in range(longest, 0, -1):
            hits = self.streets.lookup(tokens[:end], 1) or self.streets.lookup(tokens[:end], 2)
            if hits:
                return hits, end
        return [], 0

    def _address(self, house: HouseAddress, trailing: list[str]) -> list[GeocodeMatch]:
        number, suffix, tokens = house.number, house.suffix, house.rest
        hits, used = self._street_prefix(tokens)
        if not hits and not suffix and len(tokens) > 1 and len(tokens[0]) == 1:
            suffix, tokens = tokens[0], tokens[1:]  # "450 R Concord Ave"
            hits, used = self._street_prefix(tokens)
        if not hits:
            return []
        rest = read_leftover(tokens[used:], self.localities)
        unit = rest.unit or read_leftover(trailing, self.localities).unit
        penalty = min(0.15, 0.03 * len(rest.ignored))
        ignored = f"ignored: {' '.join(rest.ignored)}" if rest.ignored else ""
        found = []
        for hit in hits[:4]:
            at = self.streets.entries[hit.key].locate(number, suffix)
            label = f"{at.label} {unit.title()}" if unit and at.kind != "street" else at.label
            score = hit.factor * at.factor - penalty
            note = _join(hit.note, at.note, ignored)
            found.append(GeocodeMatch(label, at.lat, at.lon, round(score, 3), at.kind, note))
        return found

    def _street_only(self, tokens: list[str]) -> list[GeocodeMatch]:
        hits, used = self._street_prefix(tokens)
        if not hits or read_leftover(tokens[used:], self.localities).ignored:
            return []
        found = []
        for hit in hits[:4]:
            entry = self.streets.entries[hit.key]
            lat, lon = entry.middle()
            note = _join(hit.note, "no house number: the middle of the street is shown")
            found.append(
                GeocodeMatch(entry.label, lat, lon, round(0.75 * hit.factor, 3), "street", note)
            )
        return found

    def _intersection(self, a: str, b: str) -> list[GeocodeMatch]:
        hits_a = self.streets.find(words(a))[:3]
        hits_b = self.streets.find(words(b))[:3]
        found = []
        for ha in hits_a:
            for hb in hits_b:
                if ha.key == hb.key:
                    continue
                crossings = self.streets.crossings(ha.key, hb.key)
                label = (
                    f"{self.streets.entries[ha.key].label} & {self.streets.entries[hb.key].label}"
                )
                for lat, lon, gap in crossings:
                    score = 0.95 * ha.factor * hb.factor
                    notes = [ha.note, hb.note]
                    if gap > 0:
                        score *= 0.85
                        notes.append(
                            f"the centrelines come within {gap:.0f} m but share no node"
                            if gap >= 1
                            else "the centrelines cross but share no node (an overpass?)"
                        )
                    if len(crossings) > 1:
                        score *= 0.85
                        notes.append(f"these streets meet at {len(crossings)} places")
                    found.append(
                        GeocodeMatch(
                            label, lat, lon, round(score, 3), "intersection", _join(*notes)
                        )
                    )
        if found:
            return found
        # Say what was understood rather than guess a corner.
        for hits, other in ((hits_a, b), (hits_b, a)):
            for hit in hits[:1]:
                entry = self.streets.entries[hit.key]
                lat, lon = entry.middle()
                why = f"no corner of {entry.label} with {title_case(other)} was found"
                found.append(GeocodeMatch(entry.label, lat, lon, 0.3, "street", why))
        return found

    # Reverse ------------------------------------------------------------------------------

    def reverse(self, lat: float, lon: float, max_m: float = 200) -> GeocodeMatch | None:
        """The nearest address point within max_m; else the nearest street, with the number its
        address range gives at that spot; None when nothing is that close."""
        addresses = self.layers.addresses
        found = self._addresses().nearest(lat, lon, 1, radius_m=max_m)
        if found:
            point = addresses[found[0][0]]
            score = round(max(0.3, 1.0 - found[0][1] / (2 * max_m)), 3)
            note = f"{found[0][1]:.0f} m from the given position"
            return GeocodeMatch(point.label, point.lat, point.lon, score, "address", note)
        return self._reverse_street(lat, lon, max_m)

    def _addresses(self) -> PointIndex[int]:
        with self._lock:
            if self._address_index is None:
                self._address_index = PointIndex(
                    (i, p.lat, p.lon) for i, p in enumerate(self.layers.addresses)
                )
            return self._address_index

    def _segments(self) -> PointIndex[int]:
        """Street segments sampled every 25 m or so, for the nearest-street search."""
        with self._lock:
            if self._segment_index is None:
                samples = []
                for i, street in enumerate(self.layers.streets):
                    for (x0, y0), (x1, y1) in pairwise(street.coords):
                        steps = max(1, int(max(abs(x1 - x0), abs(y1 - y0)) / 0.0002))
                        for k in range(steps + 1):
                            t = k / steps
                            samples.append((i, y0 + t * (y1 - y0), x0 + t * (x1 - x0)))
                self._segment_index = PointIndex(samples)
            return self._segment_index

    def _reverse_street(self, lat: float, lon: float, max_m: float) -> GeocodeMatch | None:
        near = self._segments().nearest(lat, lon, 24, radius_m=max_m + 25)
        best: tuple[float, float, bool, int] | None = None
        for index in dict.fromkeys(i for i, _ in near):
            street = self.layers.streets[index]
            if not street.label:
                continue  # an unnamed way says nothing to a dispatcher
            dist, fraction, left = project_on_line(street.coords, lat, lon)
            if dist <= max_m and (best is None or dist < best[0]):
                best = (dist, fraction, left, index)
        if best is None:
            return None
        dist, fraction, left, index = best
        street = self.layers.streets[index]
        score = round(max(0.3, 1.0 - dist / (2 * max_m)), 3)
        start, end = (
            (street.left_from, street.left_to) if left else (street.right_from, street.right_to)
        )
        note = f"{dist:.0f} m from {street.label}"
        if start is None or end is None:
            return GeocodeMatch(street.label, lat, lon, round(score * 0.6, 3), "street", note)
        number = round(start + fraction * (end - start))
        if start % 2 == end % 2 and number % 2 != start % 2:
            number += 1 if number < max(start, end) else -1
        label = f"{number} {street.label}"
        note += "; number estimated from the block's address range"
        return GeocodeMatch(label, lat, lon, round(score * 0.85, 3), "interpolated", note)


def _best(found: list[GeocodeMatch], limit: int) -> list[GeocodeMatch]:
    unique: dict[tuple[str, str], GeocodeMatch] = {}
    for match in found:
        key = (match.kind, match.label)
        if key not in unique or unique[key].score < match.score:
            unique[key] = match
    ordered = sorted(unique.values(), key=lambda m: (-m.score, _KIND_ORDER.get(m.kind, 9)))
    return ordered[: max(0, limit)]
