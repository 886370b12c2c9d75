"""Spelling correction for the words of street and place names.

Symmetric deletion (the idea behind SymSpell): every word of the vocabulary is stored under
each form that drops up to ``max_edits`` letters; a typed word's own deletions are looked up
there and the few candidates found are checked with a true edit distance. A look-up costs a few
dozen dictionary probes, however large the vocabulary, which keeps the geocoder's worst case
far below a millisecond per word.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations

# Longer words are not names; and their deletions would grow as the square of their length.
MAX_WORD = 24


def allowed_edits(word: str) -> int:
    """How many edits a word of this length may need before it stops being the same word."""
    if len(word) <= 3 or len(word) > MAX_WORD or not word.isalpha():
        return 0
    return 1 if len(word) <= 7 else 2


def _may_become(typed: str, candidate: str) -> bool:
    """Short names are never guessed: "ELM" is one letter from "EMS", "DANA" from "DANE". A
    typed word of four letters may only have lost a letter ("PERL" for PEARL)."""
    if len(candidate) < 5:
        return False
    return len(typed) != 4 or len(candidate) == 5


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (insert, delete, substitute, swap neighbours);
    anything above ``limit`` is returned as limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        row_min = i
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            row_min = min(row_min, value)
        if row_min > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def _deletions(word: str, depth: int) -> set[str]:
    found = {word}
    for count in range(1, depth + 1):
        if count >= len(word):
            break
        for positions in combinations(range(len(word)), count):
            found.add("".join(c for i, c in enumerate(word) if i not in positions))
    return found


class WordCorrector:
    """Finds vocabulary words within a small edit distance of a typed word."""

    def __init__(self, vocabulary: Iterable[str], max_edits: int = 2) -> None:
        self.words = frozenset(vocabulary)
        self.max_edits = max_edits
        self._index: dict[str, list[str]] = {}
        self._cache: dict[str, list[tuple[str, int]]] = {}
        for word in self.words:
            depth = min(max_edits, allowed_edits(word))
            if depth == 0 or len(word) < 5:
                continue
            for form in _deletions(word, depth):
                self._index.setdefault(form, []).append(word)

    def __contains__(self, word: object) -> bool:
        return word in self.words

    def candidates(self, word: str) -> list[tuple[str, int]]:
        """(vocabulary word, edits) for words close enough to ``word``, closest first; a word
        in the vocabulary is its own only candidate."""
        if word in self.words:
            return [(word, 0)]
        cached = self._cache.get(word)
        if cached is None:
            if len(self._cache) > 4096:
                self._cache.clear()  # typed words rarely repeat for long; keep it small
            cached = self._cache[word] = self._look_up(word)
        return list(cached)

    def _look_up(self, word: str) -> list[tuple[str, int]]:
        limit = min(self.max_edits, allowed_edits(word))
        if limit == 0:
            return []
        seen: dict[str, int] = {}
        for form in _deletions(word, limit):
            for candidate in self._index.get(form, ()):
                if candidate in seen:
                    continue
                if not _may_become(word, candidate):
                    continue
                edits = edit_distance(word, candidate, limit)
                if edits <= min(limit, allowed_edits(candidate)):
                    seen[candidate] = edits
        return sorted(seen.items(), key=lambda item: (item[1], item[0]))
