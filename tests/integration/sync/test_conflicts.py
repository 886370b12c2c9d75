"""Concurrent edits made while apart end the same on every copy, by the documented rules, and the
rule that was applied is in the audit trail everywhere (dispatch_desk/sync/merge.py)."""

from __future__ import annotations

import json

import psycopg
from psycopg.rows import dict_row
from sqlalchemy import select

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import IncidentStatus, UnitStatus
from dispatch_desk.services import audit
from dispatch_desk.services.incidents import IncidentEdit
from dispatch_desk.storage.models import Assignment, Incident
from dispatch_desk.sync import local
from tests.helpers.core import actor_for, create_incident, unit_id
from tests.helpers.pg import wait_until


def local_incident(core: DeskCore, incident_id) -> Incident | None:  # type: ignore[no-untyped-def]
    return core.store.read_sync(lambda s: s.get(Incident, incident_id))


def central_incident(url: str, incident_id) -> dict:  # type: ignore[no-untyped-def]
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute("SELECT * FROM incident WHERE id = %s", (incident_id,)).fetchone()


def synced(core: DeskCore) -> bool:
    """Nothing waits to go up, and the cache has applied everything central holds."""
    with psycopg.connect(core.settings.central.url) as conn:
        head = conn.execute("SELECT coalesce(max(seq), 0) FROM sync_change").fetchone()[0]
    pending = core.store.read_sync(local.pending_count)
    return (
        core.sync.status.state == "online"
        and pending == 0
        and core.store.read_sync(local.cursor) >= head
    )


def shared_incident(a: DeskCore, b: DeskCore) -> object:
    made = create_incident(a, actor_for(a, "calltaker"))
    wait_until(lambda: local_incident(b, made.id), what="the incident on ws-b")
    return made


def settle(*cores: DeskCore) -> None:
    def all_synced() -> bool:
        for core in cores:
            core.sync.wake()
        return all(synced(c) for c in cores)

    wait_until(all_synced, timeout=15, interval=0.1, what="the workstations to be in sync")


def rules_in_audit(core: DeskCore, action: str) -> list[dict]:
    events = core.store.read_sync(audit.list_events, action=action)
    return [e.detail for e in events]


def test_concurrent_edits_of_one_incident_end_the_same_field_by_field(workstation, central):
    a, b = workstation("ws-a"), workstation("ws-b")
    made = shared_incident(a, b)
    b.sync.stop()  # ws-b loses its link; both keep editing the same incident
    ta, tb = actor_for(a, "calltaker"), actor_for(b, "calltaker")
    a.store.write_sync(
        a.incidents.update,
        ta,
        made.id,
        IncidentEdit(priority=1, address="40 Oak Street"),
        a.clock(),
    )
    settle(a)
    b.store.write_sync(
        b.incidents.update, tb, made.id, IncidentEdit(priority=4, type_code="MEDCARD"), b.clock()
    )
    b.start_sync()
    settle(a, b)

    # Field by field, the later write wins: ws-b's priority and type, ws-a's address.
    for row in (local_incident(a, made.id), local_incident(b, made.id)):
        assert (row.priority, row.type_code, row.address) == (4, "MEDCARD", "40 Oak Street")
    there = central_incident(central, made.id)
    assert (there["priority"], there["type_code"], there["address"]) == (
        4,
        "MEDCARD",
        "40 Oak Street",
    )
    # The rule that decided is on record, on both workstations.
    for core in (a, b):
        conflicts = wait_until(lambda c=core: rules_in_audit(c, "sync.conflict"), what="audit")
        (detail,) = [d for d in conflicts if "priority" in d["fields"]]
        assert detail["rule"] == "last-writer-wins"
        assert detail["kept_from"] == "ws-b"
        assert detail["set_aside_from"] == "ws-a"
        assert "address" not in detail["fields"]  # only ws-a changed the address: no conflict


def test_a_closed_incident_stays_closed(workstation):
    a, b = workstation("ws-a"), workstation("ws-b")
    made = shared_incident(a, b)
    b.sync.stop()
    a.store.write_sync(
        a.incidents.close, actor_for(a, "dispatcher"), made.id, a.profile.dispositions[0], a.clock()
    )
    settle(a)
    # Offline, ws-b sends a unit to the incident ws-a has just closed (later by the clock).
    m7 = unit_id(b, "M7")
    b.store.write_sync(b.units.assign, actor_for(b, "dispatcher"), m7, made.id, b.clock())
    assert local_incident(b, made.id).status == IncidentStatus.ACTIVE
    b.start_sync()
    settle(a, b)

    for core in (a, b):
        row = local_incident(core, made.id)
        assert row.status == IncidentStatus.CLOSED, core.workstation
        unit = next(u for u in core.store.read_sync(core.units.list) if u.id == m7)
        assert (unit.status, unit.incident_id) == (UnitStatus.AVAILABLE, None), core.workstation
        still_open = core.store.read_sync(
            lambda s: s.scalars(
                select(Assignment).where(Assignment.unit_id == m7, Assignment.cleared_at.is_(None))
            ).all()
        )
        assert still_open == []
        rules = [d["rule"] for d in rules_in_audit(core, "sync.conflict")]
        assert "closed-stays-closed" in rules
        assert any(
            d["rule"] == "one-incident-per-unit" and d["unit"] == "M7"
            for d in rules_in_audit(core, "sync.rule")
        )
        narrative = core.store.read_sync(core.incidents.detail, made.id).narrative
        assert "M7 cleared from" in narrative[-1].text


def test_a_unit_sent_to_two_incidents_while_apart_ends_on_one(workstation):
    a, b = workstation("ws-a"), workstation("ws-b")
    first = shared_incident(a, b)
    second = create_incident(b, actor_for(b, "calltaker"), address="7 Birch Road")
    wait_until(lambda: local_incident(a, second.id))
    b.sync.stop()
    e1 = unit_id(a, "E1")
    a.store.write_sync(a.units.assign, actor_for(a, "dispatcher"), e1, first.id, a.clock())
    settle(a)
    b.store.write_sync(b.units.assign, actor_for(b, "dispatcher"), e1, second.id, b.clock())
    b.start_sync()
    settle(a, b)

    for core in (a, b):
        unit = next(u for u in core.store.read_sync(core.units.list) if u.id == e1)
        open_on = core.store.read_sync(
            lambda s: s.scalars(
                select(Assignment.incident_id).where(
                    Assignment.unit_id == e1, Assignment.cleared_at.is_(None)
                )
            ).all()
        )
        # The later assignment (ws-b's) stands; the other is cleared, on both workstations.
        assert open_on == [second.id], core.workstation
        assert unit.incident_id == second.id
        assert local_incident(core, first.id).status == IncidentStatus.PENDING
        (rule,) = [d for d in rules_in_audit(core, "sync.rule") if d["unit"] == "E1"]
        assert rule["cleared_from"] == first.number and rule["kept"] == second.number
        history = core.store.read_sync(core.units.history, first.id)
        assert [e.status for e in history][-1] == UnitStatus.CLEARED


def test_audit_of_the_rule_names_no_caller_data(workstation):
    a, b = workstation("ws-a"), workstation("ws-b")
    made = shared_incident(a, b)
    b.sync.stop()
    a.store.write_sync(
        a.incidents.update, actor_for(a, "calltaker"), made.id, IncidentEdit(priority=1), a.clock()
    )
    settle(a)
    b.store.write_sync(
        b.incidents.update, actor_for(b, "calltaker"), made.id, IncidentEdit(priority=2), b.clock()
    )
    b.start_sync()
    settle(b, a)
    text = json.dumps(rules_in_audit(a, "sync.conflict"))
    assert text != "[]"
    for private in ("6175550101", "555-0101", "Pat Tester", "12 Main Street"):
        assert private not in text
