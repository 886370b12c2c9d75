"""The demo agency's cameras are placed from its map: load it before every camera test."""

from __future__ import annotations

import pytest

from dispatch_desk.desk import DeskCore


@pytest.fixture(autouse=True)
def demo_cameras(core: DeskCore) -> None:
    core.geo_now()
