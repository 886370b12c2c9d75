"""Places by name: "fire headquarters", "St Luke's", "Cambridge Public Library".

A name matches whole (score 0.95), or by its words: every typed word found in the place's name,
scored by how much of the name was typed. Words may be misspelt (see :mod:`.fuzzy`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from dispatch_desk.geo.fuzzy import WordCorrector
from dispatch_desk.geo.layers import Place

_SYNONYMS = {
    "SAINT": "ST",
    "MOUNT": "MT",
    "CENTRE": "CENTER",
    "CTR": "CENTER",
    "HQ": "HEADQUARTERS",
    "HOSP": "HOSPITAL",
    "DEPARTMENT": "DEPT",
    "&": "AND",
    "SQUARE": "SQ",
}
_STOP = frozenset({"THE", "OF", "AND", "AT", "A"})


def place_words(text: str) -> list[str]:
    cleaned = text.upper().replace("'", "").replace("\u2019", "").replace("&", " AND ")
    return [_SYNONYMS.get(w, w) for w in re.sub(r"[^A-Z0-9 ]+", " ", cleaned).split()]


@dataclass(frozen=True)
class PlaceHit:
    place: Place
    score: float
    note: str = ""


class PlaceIndex:
    def __init__(self, places: Sequence[Place]) -> None:
        self.places = list(places)
        self._names: dict[str, list[int]] = {}
        self._stations: dict[str, list[int]] = {}
        self._words: dict[str, set[int]] = {}
        self._sizes: list[int] = []
        for index, place in enumerate(self.places):
            name_words = place_words(place.name)
            self._names.setdefault(" ".join(name_words), []).append(index)
            if place.station:
                self._stations.setdefault(" ".join(place_words(place.station)), []).append(index)
            meaningful = [w for w in name_words if w not in _STOP]
            self._sizes.append(len(set(meaningful)) or 1)
            for word in meaningful:
                self._words.setdefault(word, set()).add(index)
        self.corrector = WordCorrector(self._words)

    def find(self, text: str) -> list[PlaceHit]:
        typed = place_words(text)
        if not typed:
            return []
        key = " ".join(typed)
        exact = self._names.get(key, [])
        hits = {i: PlaceHit(self.places[i], 0.95) for i in exact}
        for i in self._stations.get(key, []):
            hits.setdefault(i, PlaceHit(self.places[i], 0.85, f"station {self.places[i].station}"))
        if hits:
            return list(hits.values())
        wanted = list(dict.fromkeys(w for w in typed if w not in _STOP))
        if not wanted:
            return []
        edits = 0
        found: set[int] | None = None
        corrected = []
        for word in wanted:
            options = self.corrector.candidates(word)
            if not options:
                return []
            best, cost = options[0]
            edits += cost
            corrected.append(best)
            with_word = set().union(*(self._words[w] for w, c in options if c == cost))
            found = with_word if found is None else found & with_word
            if not found:
                return []
        assert found is not None
        note = f"spelling corrected: {' '.join(corrected).title()}" if edits else ""
        result = []
        for i in found:
            coverage = min(1.0, len(wanted) / self._sizes[i])
            score = 0.6 + 0.25 * coverage - 0.05 * edits
            result.append(PlaceHit(self.places[i], round(max(0.3, score), 3), note))
        return sorted(result, key=lambda h: -h.score)
