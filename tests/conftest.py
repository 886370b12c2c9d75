"""Test-wide rules: Qt offscreen, one qasync loop per test, and logged errors fail the test.

Unexpected Qt warnings fail the test through pytest-qt (qt_log_level_fail in pyproject.toml).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = ["tests.helpers.pg_fixtures"]


@pytest.fixture(autouse=True)
def _fail_on_logged_errors(
    caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest
) -> Iterator[None]:
    """An ERROR logged during a test is a bug unless the test says it expects one."""
    caplog.set_level(logging.WARNING)
    yield
    if request.node.get_closest_marker("allow_error_logs"):
        return
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    if errors:
        pytest.fail(
            "errors were logged:\n" + "\n".join(f"{r.name}: {r.getMessage()}" for r in errors),
            pytrace=False,
        )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_error_logs: the test expects ERROR log records")


@pytest.fixture
def qloop(qapp: object) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop marked running, so tasks progress whenever pytest-qt processes events."""
    import qasync

    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    # Let cancelled tasks unwind, then take the loop down as qasync's own run_forever would.
    for task in asyncio.all_tasks(loop):
        task.cancel()
    loop._QEventLoop__is_running = False  # type: ignore[attr-defined]  # set by already_running
    asyncio.events._set_running_loop(None)
    loop._after_run_forever()
    loop.close()
    asyncio.set_event_loop(None)
