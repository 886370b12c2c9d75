"""Workstations (DeskCores with their own SQLite caches) on the test's central database (the
``pg`` and ``central`` fixtures come from tests/helpers/pg_fixtures.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dispatch_desk.desk import DeskCore
from tests.helpers.core import make_core

# Fast enough for tests, slow enough that a test never waits on the safety-net poll by luck.
FAST = {
    "central__poll_s": 30,
    "central__connect_timeout_s": 1,
    "central__op_timeout_s": 3,
    "central__retry_max_s": 0.5,
}


WorkstationFactory = Callable[..., DeskCore]


@pytest.fixture
def workstation(tmp_path: Path, central: str) -> Iterator[WorkstationFactory]:
    """Make a workstation on the test's central database: ``workstation("ws-a")``.

    Started unless ``start=False``; closed (sync stopped, store closed) after the test."""
    made: list[DeskCore] = []

    def make(
        name: str, *, start: bool = True, url: str | None = None, **overrides: object
    ) -> DeskCore:
        settings = {**FAST, **overrides}
        core = make_core(
            tmp_path / name, workstation__id=name, central__url=url or central, **settings
        )
        made.append(core)
        if start:
            core.start_sync()
        return core

    yield make
    for core in made:
        core.close()
