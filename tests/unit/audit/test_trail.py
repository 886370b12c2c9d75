"""Reading the trail: admins only (a refusal is itself on the trail), filters, CSV."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

import pytest

from dispatch_desk.audit.trail import TrailFilter, chain_status, read_trail, write_csv
from dispatch_desk.desk import DeskCore
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, PermissionDenied
from tests.helpers.core import FakeClock, actor_for, create_incident, unit_id


def test_a_supervisor_reading_the_trail_is_refused_and_the_refusal_audited(
    core: DeskCore, supervisor: Actor, clock: FakeClock
) -> None:
    with pytest.raises(PermissionDenied, match=r"may not do this \(audit\.read\)"):
        core.store.write_sync(read_trail, supervisor, clock(), TrailFilter(action="login"))
    with pytest.raises(PermissionDenied):
        core.store.write_sync(chain_status, supervisor, clock(), core.workstation)
    denied = core.store.read_sync(
        lambda s: [e for e in audit.list_events(s) if e.outcome == "denied"]
    )
    assert [(e.username, e.action) for e in denied] == [
        ("supervisor", "audit.read"),
        ("supervisor", "audit.verify"),
    ]
    assert denied[0].detail == {"role": "supervisor", "filters": {"action": "login"}}


def test_admin_filters_and_the_read_is_audited(
    core: DeskCore, dispatcher: Actor, clock: FakeClock, tmp_path: Path
) -> None:
    admin = actor_for(core, "admin")
    start = clock()
    other = Actor(None, "kim", "Kim", dispatcher.role, "ws-9")
    core.store.write_sync(audit.record, dispatcher, clock.advance(minutes=1), "camera.view")
    core.store.write_sync(
        audit.record, other, clock.advance(minutes=1), "camera.view", entity_id="cam-1"
    )
    core.store.write_sync(
        audit.record, dispatcher, clock.advance(minutes=1), "camera.refused", outcome="denied"
    )
    core.store.write_sync(audit.record, dispatcher, clock.advance(minutes=1), "unit.assign")

    def read(**f: object) -> list[str]:
        rows, _ = core.store.write_sync(read_trail, admin, clock(), TrailFilter(**f))
        return [f"{r.username}/{r.action}" for r in rows]

    assert read(action="camera.") == [
        "dispatcher/camera.refused",
        "kim/camera.view",
        "dispatcher/camera.view",
    ]
    assert read(action="camera.", outcome="denied") == ["dispatcher/camera.refused"]
    assert read(workstation="ws-9") == ["kim/camera.view"]
    assert read(entity_id="cam-1") == ["kim/camera.view"]
    assert read(user="KIM") == ["kim/camera.view"]
    assert read(action="camera%") == []  # a prefix, not a pattern
    assert read(
        since=start + timedelta(minutes=2), until=start + timedelta(minutes=4), action="c"
    ) == ["dispatcher/camera.refused", "kim/camera.view"]

    reads = core.store.read_sync(lambda s: audit.list_events(s, action="audit.read"))
    assert len(reads) == 7
    assert reads[0].username == "admin"
    assert reads[0].detail == {"filters": {"action": "camera."}, "rows": 3}

    rows, _ = core.store.write_sync(read_trail, admin, clock(), TrailFilter(action="camera."))
    out = tmp_path / "trail.csv"
    assert write_csv(rows, out) == 3
    with out.open(encoding="utf-8", newline="") as f:
        back = list(csv.DictReader(f))
    assert [(r["username"], r["action"], r["outcome"]) for r in back] == [
        ("dispatcher", "camera.refused", "denied"),
        ("kim", "camera.view", "ok"),
        ("dispatcher", "camera.view", "ok"),
    ]
    assert back[1]["entity_id"] == "cam-1"
    assert json.loads(back[1]["detail"]) == {}
    assert not (tmp_path / "trail.csv.part").exists()


def test_a_formula_typed_as_a_user_name_is_defused_in_csv(
    core: DeskCore, clock: FakeClock, tmp_path: Path
) -> None:
    admin = actor_for(core, "admin")
    hostile = Actor(None, "=HYPERLINK(1)", "", admin.role, core.workstation)
    core.store.write_sync(audit.record, hostile, clock(), "login", outcome="failed")
    rows, _ = core.store.write_sync(read_trail, admin, clock(), TrailFilter(outcome="failed"))
    write_csv(rows, tmp_path / "t.csv")
    with (tmp_path / "t.csv").open(encoding="utf-8", newline="") as f:
        [row] = list(csv.DictReader(f))
    assert row["username"] == "'=HYPERLINK(1)"


def test_entries_name_incidents_units_and_users_and_a_number_finds_an_incident(
    core: DeskCore, dispatcher: Actor, clock: FakeClock
) -> None:
    admin = actor_for(core, "admin")
    start = clock.advance(minutes=1)  # after the demo data's entries
    first = create_incident(core, dispatcher)
    second = create_incident(core, dispatcher, at=clock.advance(minutes=1))
    core.store.write_sync(
        audit.record, dispatcher, clock.advance(minutes=1), "camera.view", entity_id="cam-1"
    )

    def read(**f: object) -> list[tuple[str, str]]:
        flt = TrailFilter(since=start, **f)  # type: ignore[arg-type]
        rows, _ = core.store.write_sync(read_trail, admin, clock(), flt)
        return [(r.action, r.entity) for r in rows if r.action != "audit.read"]

    assert read(action="incident.create") == [
        ("incident.create", f"incident {second.number}"),
        ("incident.create", f"incident {first.number}"),
    ]
    by_number = read(entity_id=first.number)
    assert ("incident.create", f"incident {first.number}") in by_number
    assert {entity for _, entity in by_number} == {f"incident {first.number}"}
    assert read(entity_id=str(first.id)) == by_number
    assert read(action="camera.") == [("camera.view", "cam-1")]  # not an id: as stored
    core.store.write_sync(
        audit.record, dispatcher, clock(), "unit.status", entity_type="unit",
        entity_id=str(unit_id(core, "P11")),
    )  # fmt: skip
    assert read(action="unit.status")[0] == ("unit.status", "unit P11")
    core.store.write_sync(
        audit.record, admin, clock(), "user.disable", entity_type="user",
        entity_id=str(dispatcher.user_id),
    )  # fmt: skip
    assert read(action="user.")[0] == ("user.disable", "user dispatcher")
    assert read(entity_id="2099-999999") == []  # neither a number nor an id held
