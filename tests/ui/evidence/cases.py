"""The evidence UI tests' common start: a supervisor signed in, with an open incident holding
a 256 MB video, the agency's signing key made, and an empty destination folder."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from dispatch_desk.evidence import signing
from tests.helpers.core import FakeClock, actor_for
from tests.helpers.evidence_data import Case, add_case, big_file
from tests.ui.conftest import Make, sign_in


@contextlib.contextmanager
def big_case(
    qtbot: QtBot, make_desk: Make, tmp_path: Path
) -> Iterator[tuple[Any, Any, Case, str, Path]]:
    """(core, window, case, incident number, destination); the case's files go afterwards."""
    clock = FakeClock()
    desk = make_desk(clock)
    core = desk.core
    signing.generate(signing.private_key_path(core.settings.evidence, core.paths))
    big = big_file(tmp_path / "big.mp4", 256 * 1024 * 1024)
    case = add_case(core, actor_for(core, "supervisor"), clock(), closed=False, video=big)
    dest = tmp_path / "exports"
    dest.mkdir()
    try:
        window = sign_in(qtbot, desk, "supervisor", "supervisor-demo")
        number = core.store.read_sync(core.incidents.summary, case.incident_id).number
        yield core, window, case, number, dest
    finally:
        for path in case.files.values():
            path.unlink(missing_ok=True)


def wait_for_progress(qtbot: QtBot, window: Any) -> None:
    """Until the export's progress dialog shows bytes copied."""
    qtbot.waitUntil(
        lambda: window.evidence.progress is not None and window.evidence.progress.bar.value() > 0,
        timeout=10000,
    )
