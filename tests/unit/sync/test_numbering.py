"""Incident numbers on a centre: from leased blocks while they last, then provisional numbers
tagged with the workstation, never the standalone block."""

from __future__ import annotations

from pathlib import Path

from dispatch_desk.services.numbering import workstation_tag
from dispatch_desk.sync import local
from tests.helpers.core import actor_for, create_incident, make_core

NOWHERE = "postgresql://desk@127.0.0.1:9/none"  # never started in this test


def test_leased_then_provisional_numbers(tmp_path: Path) -> None:
    core = make_core(tmp_path, workstation__id="ws-7", central__url=NOWHERE)
    try:
        actor = actor_for(core, "calltaker")
        year = core.clock().year
        core.store.write_sync(local.add_lease, year, 401, 402)
        numbers = [
            create_incident(core, actor, address=f"{n} Main Street").number for n in range(1, 5)
        ]
        tag = workstation_tag("ws-7")
        assert numbers == ["26-000401", "26-000402", f"26-{tag}-0001", f"26-{tag}-0002"]
        assert core.store.read_sync(local.leased_left, year) == 0
    finally:
        core.close()


def test_workstation_tags_differ_and_read_well() -> None:
    tags = {workstation_tag(f"ws-{n}") for n in range(200)}
    assert len(tags) == 200
    # Base32: capitals and 2-7, so no 0/O or 1/I to mishear on the radio.
    assert all(len(t) == 4 and set(t) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for t in tags)
