"""Fixtures for the core's unit tests: a demo core on a real SQLite file, and its users."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dispatch_desk.desk import DeskCore
from dispatch_desk.services.context import Actor
from tests.helpers.core import FakeClock, actor_for, make_core


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def core(tmp_path: Path, clock: FakeClock) -> Iterator[DeskCore]:
    desk = make_core(tmp_path, clock=clock)
    yield desk
    desk.close()


@pytest.fixture
def dispatcher(core: DeskCore) -> Actor:
    return actor_for(core, "dispatcher")


@pytest.fixture
def calltaker(core: DeskCore) -> Actor:
    return actor_for(core, "calltaker")


@pytest.fixture
def supervisor(core: DeskCore) -> Actor:
    return actor_for(core, "supervisor")
