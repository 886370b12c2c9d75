"""The audit trail: changes and refusals, with who, where and when."""

from __future__ import annotations

import pytest

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import IncidentStatus, UnitStatus
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, PermissionDenied
from tests.helpers.core import FakeClock, create_incident, free_units


def test_call_taker_assigning_a_unit_is_refused_and_audited(
    core: DeskCore, calltaker: Actor, clock: FakeClock
) -> None:
    incident = create_incident(core, calltaker)
    [unit] = free_units(core, 1)
    refused_at = clock.advance(seconds=20)
    with pytest.raises(
        PermissionDenied, match=r"A call taker may not do this \(unit\.assign\)"
    ) as caught:
        core.store.write_sync(core.units.assign, calltaker, unit.id, incident.id, refused_at)

    [event] = core.store.read_sync(
        lambda s: [e for e in audit.list_events(s, action="unit.assign") if e.outcome == "denied"]
    )
    assert event.username == "calltaker"
    assert event.workstation == core.workstation
    assert event.at == refused_at
    assert event.detail == {
        "role": "call-taker",
        "unit": str(unit.id),
        "incident": str(incident.id),
    }
    # The refusal's own notice is handed back so the UI can publish it.
    assert "audit" in {c.kind for c in caught.value.recorded_changes}  # type: ignore[attr-defined]
    # And nothing was assigned.
    units = {u.id: u for u in core.store.read_sync(core.units.list)}
    assert units[unit.id].status == UnitStatus.AVAILABLE
    assert (
        core.store.read_sync(core.incidents.summary, incident.id).status == IncidentStatus.PENDING
    )


def test_call_taker_changing_unit_status_is_refused_and_audited(
    core: DeskCore, calltaker: Actor
) -> None:
    [unit] = free_units(core, 1)
    with pytest.raises(PermissionDenied):
        core.store.write_sync(
            core.units.set_status, calltaker, unit.id, UnitStatus.OUT_OF_SERVICE, core.clock()
        )
    [event] = core.store.read_sync(
        lambda s: [
            e
            for e in audit.list_events(s, action="unit.status", limit=5000)
            if e.outcome == "denied"
        ]
    )
    assert event.username == "calltaker"
    assert event.detail == {"role": "call-taker", "unit": str(unit.id), "status": "out-of-service"}
    units = {u.id: u for u in core.store.read_sync(core.units.list)}
    assert units[unit.id].status == UnitStatus.AVAILABLE


def test_assignment_is_audited_per_unit_status(
    core: DeskCore, calltaker: Actor, dispatcher: Actor
) -> None:
    incident = create_incident(core, calltaker)
    [unit] = free_units(core, 1)
    core.store.write_sync(core.units.assign, dispatcher, unit.id, incident.id, core.clock())
    [assigned] = core.store.read_sync(
        lambda s: audit.list_events(s, entity_id=incident.id, action="unit.assign")
    )
    assert (assigned.username, assigned.outcome) == ("dispatcher", "ok")
    assert assigned.detail["unit"] == unit.call_sign
    [status] = core.store.read_sync(
        lambda s: audit.list_events(s, entity_id=unit.id, action="unit.status")
    )
    assert status.detail["previous"] == "available" and status.detail["status"] == "dispatched"


def test_record_and_list(core: DeskCore, supervisor: Actor, clock: FakeClock) -> None:
    at = clock.advance(minutes=1)
    core.store.write_sync(
        lambda s: audit.record(
            s,
            supervisor,
            at,
            "test.action",
            entity_type="thing",
            entity_id="T-1",
            note="é ünïcode",
            count=3,
        )
    )
    [row] = core.store.read_sync(lambda s: audit.list_events(s, entity_id="T-1"))
    assert row == audit.AuditRow(
        at=at,
        username="supervisor",
        workstation=core.workstation,
        action="test.action",
        entity_type="thing",
        entity_id="T-1",
        outcome="ok",
        detail={"note": "é ünïcode", "count": 3},
    )
    assert core.store.read_sync(lambda s: audit.list_events(s, entity_id="T-2")) == []
