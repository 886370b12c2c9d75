"""A new agency's first day: no units configured, no incidents yet. The desk must still open."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from dispatch_desk.domain.enums import Role
from dispatch_desk.services import accounts
from tests.ui.conftest import Make, sign_in


def test_window_is_ready_with_empty_queue_and_no_units(
    qtbot: QtBot, make_desk: Make, tmp_path: Path
) -> None:
    profile = tmp_path / "agency.toml"
    profile.write_text(
        'dispositions = ["Report taken"]\n\n[agency]\nname = "New Agency"\n', encoding="utf-8"
    )
    desk = make_desk(agency__profile=str(profile))
    core = desk.core
    assert not core.settings.demo_mode
    core.store.write_sync(
        accounts.create_user,
        core.system_actor(),
        "first",
        "First User",
        Role.DISPATCHER,
        "first-password",
    )
    window = sign_in(qtbot, desk, "first", "first-password")  # waits for main_window_ready
    assert window.queue_model.rowCount() == 0 and window.unit_model.rowCount() == 0
    assert window.initial_load.done()
