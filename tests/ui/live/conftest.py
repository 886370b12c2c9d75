"""A real headless Chromium as the caller's phone, opened and closed on the test's loop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.helpers.chromium import Chromium, chromium_binary
from tests.helpers.live import run

# Each test's qasync loop, kept for the whole run. aiohttp and aiortc arm timers (heartbeats,
# ICE checks) that, once cancelled, keep their Qt timer until it would have fired; a loop
# collected with such timers outstanding may be destroyed on another thread, which Qt does not
# survive. Kept alive, its timers fire (and are killed) on the GUI thread during later tests.
_LOOPS: list[asyncio.AbstractEventLoop] = []


@pytest.fixture(autouse=True)
def _keep_the_loop(qloop: asyncio.AbstractEventLoop) -> None:
    _LOOPS.append(qloop)


@pytest.fixture
def browser(qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[Chromium]:
    if chromium_binary() is None:
        pytest.fail("chromium not found; './desk test' installs it")
    launcher = Chromium.launch(tmp_path)
    browser = run(qtbot, launcher.__aenter__(), 30000)
    try:
        yield browser
    finally:
        run(qtbot, launcher.__aexit__(None, None, None), 15000)
