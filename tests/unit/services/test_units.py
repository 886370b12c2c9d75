"""Units: assignment, one incident at a time, status times, clearing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import IncidentStatus, UnitStatus
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, RuleViolation
from dispatch_desk.services.incidents import IncidentSummary
from dispatch_desk.services.units import UnitView
from dispatch_desk.storage.models import Assignment, UnitStatusEvent
from tests.helpers.core import FakeClock, create_incident, free_units


@pytest.fixture
def incident(core: DeskCore, calltaker: Actor) -> IncidentSummary:
    return create_incident(core, calltaker)


def assign(core: DeskCore, actor: Actor, unit: UnitView, incident: IncidentSummary) -> UnitView:
    view, _ = core.store.write_sync(core.units.assign, actor, unit.id, incident.id, core.clock())
    return view


def set_status(core: DeskCore, actor: Actor, unit: UnitView, status: UnitStatus) -> UnitView:
    view, _ = core.store.write_sync(core.units.set_status, actor, unit.id, status, core.clock())
    return view


def board(core: DeskCore) -> dict[object, UnitView]:
    return {u.id: u for u in core.store.read_sync(core.units.list)}


def test_assign_two_units(
    core: DeskCore, dispatcher: Actor, incident: IncidentSummary, clock: FakeClock
) -> None:
    first, second = free_units(core, 2)
    view = assign(core, dispatcher, first, incident)
    assert view.status == UnitStatus.DISPATCHED
    assert view.incident_id == incident.id and view.incident_number == incident.number
    assert view.status_changed_at == clock()
    clock.advance(seconds=40)
    assign(core, dispatcher, second, incident)
    summary = core.store.read_sync(core.incidents.summary, incident.id)
    assert summary.status == IncidentStatus.ACTIVE
    assert summary.units == (first.call_sign, second.call_sign)
    units = board(core)
    assert {units[first.id].status, units[second.id].status} == {UnitStatus.DISPATCHED}


def test_unit_on_another_incident_is_refused(
    core: DeskCore, calltaker: Actor, dispatcher: Actor, incident: IncidentSummary
) -> None:
    other = create_incident(core, calltaker, address="90 River Road", incident_type="MVA")
    [unit] = free_units(core, 1)
    assign(core, dispatcher, unit, incident)
    with pytest.raises(RuleViolation) as caught:
        assign(core, dispatcher, unit, other)
    assert f"{unit.call_sign} is dispatched on {incident.number}" in str(caught.value)
    assert board(core)[unit.id].incident_id == incident.id
    assert core.store.read_sync(core.incidents.summary, other.id).status == IncidentStatus.PENDING


def test_unit_cannot_be_assigned_twice_to_the_same_incident(
    core: DeskCore, dispatcher: Actor, incident: IncidentSummary
) -> None:
    [unit] = free_units(core, 1)
    assign(core, dispatcher, unit, incident)
    with pytest.raises(RuleViolation, match="already assigned"):
        assign(core, dispatcher, unit, incident)


def test_out_of_service_unit_is_refused(
    core: DeskCore, dispatcher: Actor, incident: IncidentSummary
) -> None:
    [unit] = free_units(core, 1)
    set_status(core, dispatcher, unit, UnitStatus.OUT_OF_SERVICE)
    with pytest.raises(RuleViolation, match="out of service"):
        assign(core, dispatcher, unit, incident)


def test_status_progression_is_recorded_with_times(
    core: DeskCore, dispatcher: Actor, incident: IncidentSummary, clock: FakeClock
) -> None:
    [unit] = free_units(core, 1)
    t_dispatched = clock()
    assign(core, dispatcher, unit, incident)
    t_en_route = clock.advance(minutes=1)
    set_status(core, dispatcher, unit, UnitStatus.EN_ROUTE)
    t_on_scene = clock.advance(minutes=6)
    view = set_status(core, dispatcher, unit, UnitStatus.ON_SCENE)
    assert view.status == UnitStatus.ON_SCENE and view.status_changed_at == t_on_scene

    history = core.store.read_sync(core.units.history, incident.id)
    assert [(e.call_sign, e.status, e.at) for e in history] == [
        (unit.call_sign, UnitStatus.DISPATCHED, t_dispatched),
        (unit.call_sign, UnitStatus.EN_ROUTE, t_en_route),
        (unit.call_sign, UnitStatus.ON_SCENE, t_on_scene),
    ]
    events = core.store.read_sync(
        lambda s: list(
            s.scalars(
                select(UnitStatusEvent)
                .where(UnitStatusEvent.unit_id == unit.id)
                .order_by(UnitStatusEvent.at)
            )
        )
    )
    assert all(e.user_id == dispatcher.user_id for e in events)
    assert all(e.workstation == core.workstation for e in events)
    assert all(e.at.tzinfo is not None for e in events)


def test_setting_the_same_status_again_records_nothing(
    core: DeskCore, dispatcher: Actor, incident: IncidentSummary
) -> None:
    [unit] = free_units(core, 1)
    assign(core, dispatcher, unit, incident)
    set_status(core, dispatcher, unit, UnitStatus.DISPATCHED)
    assert len(core.store.read_sync(core.units.history, incident.id)) == 1


def test_a_status_can_be_set_back_to_correct_a_mistake_and_is_audited(
    core: DeskCore, dispatcher: Actor, incident: IncidentSummary
) -> None:
    [unit] = free_units(core, 1)
    assign(core, dispatcher, unit, incident)
    set_status(core, dispatcher, unit, UnitStatus.ON_SCENE)
    view = set_status(core, dispatcher, unit, UnitStatus.EN_ROUTE)
    assert view.status == UnitStatus.EN_ROUTE and view.incident_id == incident.id
    rows = core.store.read_sync(audit.list_events, entity_id=unit.id, action="unit.status")
    assert (rows[-1].detail["previous"], rows[-1].detail["status"]) == ("on-scene", "en-route")


def test_committed_status_needs_an_incident(core: DeskCore, dispatcher: Actor) -> None:
    [unit] = free_units(core, 1)
    with pytest.raises(RuleViolation, match="has no incident"):
        set_status(core, dispatcher, unit, UnitStatus.EN_ROUTE)


def test_unit_on_an_incident_cannot_go_out_of_service(
    core: DeskCore, dispatcher: Actor, incident: IncidentSummary
) -> None:
    [unit] = free_units(core, 1)
    assign(core, dispatcher, unit, incident)
    with pytest.raises(RuleViolation, match="clear it first"):
        set_status(core, dispatcher, unit, UnitStatus.OUT_OF_SERVICE)


def _assignments(core: DeskCore, incident: IncidentSummary) -> dict[object, object]:
    return {
        a.unit_id: a.cleared_at
        for a in core.store.read_sync(
            lambda s: list(
                s.scalars(select(Assignment).where(Assignment.incident_id == incident.id))
            )
        )
    }


def test_clear_ends_the_assignment_and_frees_the_unit(
    core: DeskCore, dispatcher: Actor, incident: IncidentSummary, clock: FakeClock
) -> None:
    first, second = free_units(core, 2)
    assign(core, dispatcher, first, incident)
    assign(core, dispatcher, second, incident)
    t_first_clear = clock.advance(minutes=15)
    view = set_status(core, dispatcher, first, UnitStatus.CLEARED)
    assert view.status == UnitStatus.AVAILABLE and view.incident_id is None
    assert _assignments(core, incident) == {first.id: t_first_clear, second.id: None}
    summary = core.store.read_sync(core.incidents.summary, incident.id)
    assert summary.status == IncidentStatus.ACTIVE  # one unit is still on it
    assert summary.units == (second.call_sign,)

    t_second_clear = clock.advance(minutes=5)
    set_status(core, dispatcher, second, UnitStatus.AVAILABLE)
    assert _assignments(core, incident) == {first.id: t_first_clear, second.id: t_second_clear}
    summary = core.store.read_sync(core.incidents.summary, incident.id)
    assert summary.status == IncidentStatus.PENDING
    assert summary.units == ()
    assert summary.updated_at == t_second_clear
    units = board(core)
    assert units[second.id].status == UnitStatus.AVAILABLE
    assert units[second.id].status_changed_at == t_second_clear
    statuses = [
        (e.call_sign, e.status) for e in core.store.read_sync(core.units.history, incident.id)
    ]
    assert statuses[-1] == (second.call_sign, UnitStatus.CLEARED)


def test_cleared_unit_can_be_assigned_elsewhere(
    core: DeskCore, calltaker: Actor, dispatcher: Actor, incident: IncidentSummary
) -> None:
    other = create_incident(core, calltaker, address="90 River Road", incident_type="MVA")
    [unit] = free_units(core, 1)
    assign(core, dispatcher, unit, incident)
    set_status(core, dispatcher, unit, UnitStatus.CLEARED)
    view = assign(core, dispatcher, unit, other)
    assert view.incident_id == other.id
