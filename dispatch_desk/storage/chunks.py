"""Long lists of keys in pieces: an ``IN (...)`` over thousands of ids is split so that each
statement stays under SQLite's bound-parameter limit and PostgreSQL's planner stays quick."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

IN_CHUNK = 500  # keys per IN (...)


def chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
