"""The call-taker window on a centre: another workstation's incident appears in the queue in
place (no reset of the list), and the status bar says online and how many changes wait."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.helpers.core import FakeClock, actor_for, create_incident, make_core
from tests.ui.conftest import Make, sign_in

FAST = {"central__poll_s": 30, "central__op_timeout_s": 3, "central__retry_max_s": 0.5}


def test_other_workstations_incident_appears_in_place(
    qtbot: QtBot, make_desk: Make, central: str, tmp_path: Path
) -> None:
    desk = make_desk(home=tmp_path / "ws-a", workstation__id="ws-a", central__url=central, **FAST)
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    qtbot.waitUntil(lambda: window.status_sync.text().startswith("● Central online"), timeout=10000)
    model = window.queue_model
    before = model.rowCount()
    resets: list[bool] = []
    inserted: list[int] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append(last - first + 1))

    other = make_core(
        tmp_path / "ws-b", clock=FakeClock(), workstation__id="ws-b", central__url=central, **FAST
    )
    try:
        other.start_sync()
        qtbot.waitUntil(lambda: other.sync.status.state == "online", timeout=10000)
        made = create_incident(other, actor_for(other, "calltaker"), address="77 Harbor Road")
        qtbot.waitUntil(lambda: model.rowCount() == before + 1, timeout=10000)
    finally:
        other.close()
    assert resets == [] and sum(inserted) == 1
    assert made.number in [row.number for row in model.rows()]
    assert made.number.startswith("26-0")  # a leased number, not a provisional one


def test_status_bar_counts_changes_waiting_while_offline(
    qtbot: QtBot, make_desk: Make, tmp_path: Path
) -> None:
    # A central database that is not there: port 9 on localhost refuses at once.
    desk = make_desk(
        workstation__id="ws-a", central__url="postgresql://desk@127.0.0.1:9/none", **FAST
    )
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    qtbot.waitUntil(lambda: window.status_sync.text().startswith("○ Offline"), timeout=10000)
    assert "cannot be reached" in window.status_sync.toolTip()
    assert window.status_sync.property("state") == "offline"
    create_incident(desk.core, window.actor, address="5 Quay Street")
    qtbot.waitUntil(lambda: "to send" in window.status_sync.text(), timeout=10000)
    waiting = int(window.status_sync.text().split("·")[1].split()[0].replace(",", ""))
    assert waiting >= 1
