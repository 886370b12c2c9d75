"""Incidents: creation with everything that belongs to it, look-ups by caller and place,
duplicate warnings, closing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import IncidentStatus, LocationSource, UnitStatus
from dispatch_desk.domain.phone import normalize_phone
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, RuleViolation
from dispatch_desk.storage.models import Call, Caller, Incident, Location, NarrativeEntry
from tests.helpers.core import (
    FakeClock,
    actor_for,
    create_incident,
    free_units,
    make_core,
    valid_intake,
)


def _rows(core: DeskCore, model: type, incident_id: object) -> list:
    column = model.id if model is Incident else model.incident_id
    return core.store.read_sync(
        lambda s: list(s.scalars(select(model).where(column == incident_id)))
    )


def test_create_stores_incident_call_caller_locations_and_narrative(
    core: DeskCore, calltaker: Actor, clock: FakeClock
) -> None:
    summary = create_incident(core, calltaker)
    assert summary.status == IncidentStatus.PENDING
    assert summary.type_code == "MEDFALL" and summary.type_label == "Fall"
    assert summary.priority == 3
    assert summary.created_at == clock()

    [incident] = _rows(core, Incident, summary.id)
    assert incident.address == "12 Main Street" and incident.address_key == "12 MAIN ST"
    assert incident.apco_code == "FALL"
    assert incident.workstation == core.workstation
    assert incident.created_by == calltaker.user_id

    [call] = _rows(core, Call, summary.id)
    assert call.callback_e164 == "+16175550101" and call.ani_e164 == "+16175550101"
    assert call.taken_by == calltaker.user_id
    caller = core.store.read_sync(lambda s: s.get(Caller, call.caller_id))
    assert caller.name == "Pat Tester" and caller.phone_e164 == "+16175550101"

    locations = _rows(core, Location, summary.id)
    by_source = {loc.source: loc for loc in locations}
    assert set(by_source) == {LocationSource.CARRIER, LocationSource.MANUAL}
    assert by_source[LocationSource.MANUAL].accepted is True
    assert by_source[LocationSource.MANUAL].address == "12 Main Street"
    assert by_source[LocationSource.CARRIER].accepted is False

    [note] = _rows(core, NarrativeEntry, summary.id)
    assert note.text.startswith("Elderly man fell")
    assert note.author_name == calltaker.display_name == "Casey Morgan"

    detail = core.store.read_sync(core.incidents.detail, summary.id)
    assert [c.caller_name for c in detail.calls] == ["Pat Tester"]
    assert [n.text for n in detail.narrative] == [note.text]


def test_numbers_are_formatted_unique_and_increasing(
    core: DeskCore, calltaker: Actor, clock: FakeClock
) -> None:
    numbers = []
    for _ in range(3):
        numbers.append(create_incident(core, calltaker).number)
        clock.advance(seconds=30)
    assert all(re.fullmatch(r"26-\d{6}", n) for n in numbers), numbers
    values = [int(n[3:]) for n in numbers]
    assert values == sorted(values) and len(set(values)) == 3
    assert values[1] == values[0] + 1
    stored = core.store.read_sync(lambda s: list(s.scalars(select(Incident.number))))
    assert len(stored) == len(set(stored))


def test_create_is_audited_with_workstation_and_user(core: DeskCore, calltaker: Actor) -> None:
    summary = create_incident(core, calltaker)
    [event] = core.store.read_sync(
        lambda s: audit.list_events(s, entity_id=summary.id, action="incident.create")
    )
    assert event.username == "calltaker"
    assert event.workstation == core.workstation == "test-ws-1"
    assert event.outcome == "ok"
    assert event.detail == {"number": summary.number, "type": "MEDFALL", "priority": 3}
    # The caller's number and name stay out of the audit trail.
    everything = core.store.read_sync(lambda s: audit.list_events(s, entity_id=summary.id))
    assert all("555" not in str(e.detail) and "Pat" not in str(e.detail) for e in everything)


def test_a_failed_create_leaves_nothing_behind(core: DeskCore, calltaker: Actor) -> None:
    def count(s: Session) -> int:
        return s.scalar(select(func.count()).select_from(Incident))

    before = core.store.read_sync(count)
    intake = valid_intake(core)
    with pytest.raises(StatementError, match="naive datetime"):
        core.store.write_sync(
            core.incidents.create, calltaker, intake, core.clock().replace(tzinfo=None)
        )
    assert core.store.read_sync(count) == before


# -- history


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("(617) 555-0101", "617.555.0101"),
        ("617.555.0101", "1 (617) 555-0101"),
    ],
)
def test_history_by_phone_however_typed(
    core: DeskCore, calltaker: Actor, clock: FakeClock, stored: str, typed: str
) -> None:
    first = create_incident(
        core, calltaker, callback_number=stored, ani="", address="31 Elm Street"
    )
    clock.advance(minutes=5)
    other = create_incident(
        core, calltaker, callback_number="(617) 555-0188", ani="", address="33 Elm Street"
    )
    phone = normalize_phone(typed)
    assert isinstance(phone, str)
    found = core.store.read_sync(lambda s: core.incidents.history(s, phone_e164=phone))
    ids = {item.incident.id for item in found}
    assert first.id in ids and other.id not in ids
    [item] = [i for i in found if i.incident.id == first.id]
    assert item.matched_by == frozenset({"phone"})


def test_history_by_ani_as_well_as_callback(core: DeskCore, calltaker: Actor) -> None:
    made = create_incident(core, calltaker, ani="(617) 555-0177", callback_number="617 555 0199")
    found = core.store.read_sync(lambda s: core.incidents.history(s, phone_e164="+16175550177"))
    assert [i.incident.id for i in found] == [made.id]


def test_history_by_address_however_typed(
    core: DeskCore, calltaker: Actor, clock: FakeClock
) -> None:
    here = create_incident(core, calltaker, address="12 Main Street")
    clock.advance(minutes=1)
    again = create_incident(core, calltaker, address="12 MAIN ST", callback_number="6175550111")
    clock.advance(minutes=1)
    elsewhere = create_incident(core, calltaker, address="14 Main Street")
    key = valid_intake(core, address="12 main st.").address_key
    found = core.store.read_sync(lambda s: core.incidents.history(s, address_key=key))
    ids = [i.incident.id for i in found]
    assert again.id in ids and here.id in ids and elsewhere.id not in ids
    assert ids.index(again.id) < ids.index(here.id), "newest first"
    matched = {i.incident.id: i.matched_by for i in found}
    assert matched[here.id] == frozenset({"address"})


def test_history_marks_both_matches_and_excludes_the_current(
    core: DeskCore, calltaker: Actor
) -> None:
    earlier = create_incident(core, calltaker)
    current = create_incident(core, calltaker)
    found = core.store.read_sync(
        lambda s: core.incidents.history(
            s, phone_e164="+16175550101", address_key="12 MAIN ST", exclude=current.id
        )
    )
    assert [i.incident.id for i in found] == [earlier.id]
    assert found[0].matched_by == frozenset({"phone", "address"})


# -- duplicates


def _duplicates(core: DeskCore, type_code: str = "MEDFALL", key: str = "12 MAIN ST") -> list:
    window = core.settings.intake.duplicate_window_min
    return core.store.read_sync(
        core.incidents.possible_duplicates, type_code, key, core.clock(), window
    )


def test_duplicate_within_the_window(core: DeskCore, calltaker: Actor, clock: FakeClock) -> None:
    made = create_incident(core, calltaker)
    assert [d.id for d in _duplicates(core)] == [made.id]
    clock.advance(minutes=core.settings.intake.duplicate_window_min - 1)
    assert [d.id for d in _duplicates(core)] == [made.id]


def test_no_duplicate_outside_the_window(
    core: DeskCore, calltaker: Actor, clock: FakeClock
) -> None:
    create_incident(core, calltaker)
    clock.advance(minutes=core.settings.intake.duplicate_window_min, seconds=1)
    assert _duplicates(core) == []


def test_no_duplicate_for_another_type_or_address(core: DeskCore, calltaker: Actor) -> None:
    create_incident(core, calltaker)
    assert _duplicates(core, type_code="MEDCARD") == []
    assert _duplicates(core, key="14 MAIN ST") == []


def test_closed_incident_is_no_duplicate(
    core: DeskCore, calltaker: Actor, clock: FakeClock
) -> None:
    made = create_incident(core, calltaker)
    clock.advance(minutes=2)
    core.store.write_sync(core.incidents.close, calltaker, made.id, "Duplicate call", clock())
    assert _duplicates(core) == []


def test_duplicate_window_setting_is_used(tmp_path: Path) -> None:
    clock = FakeClock()
    narrow = make_core(tmp_path / "narrow", clock=clock, intake__duplicate_window_min=5)
    try:
        create_incident(narrow, actor_for(narrow, "calltaker"))
        clock.advance(minutes=6)
        assert _duplicates(narrow) == []
    finally:
        narrow.close()


# -- closing


def test_close_needs_a_disposition_from_the_list(core: DeskCore, calltaker: Actor) -> None:
    made = create_incident(core, calltaker)
    with pytest.raises(RuleViolation, match="Choose a disposition from the list"):
        core.store.write_sync(
            core.incidents.close, calltaker, made.id, "Sorted it out", core.clock()
        )
    assert core.store.read_sync(core.incidents.summary, made.id).status == IncidentStatus.PENDING


def test_close_clears_remaining_units(
    core: DeskCore, calltaker: Actor, dispatcher: Actor, clock: FakeClock
) -> None:
    made = create_incident(core, calltaker)
    first, second = free_units(core, 2)
    for unit in (first, second):
        core.store.write_sync(core.units.assign, dispatcher, unit.id, made.id, clock())
    clock.advance(minutes=20)
    closed, _ = core.store.write_sync(
        core.incidents.close, dispatcher, made.id, "Transported", clock()
    )
    assert closed.status == IncidentStatus.CLOSED
    assert closed.disposition == "Transported"
    assert closed.closed_at == clock()
    assert closed.units == ()
    board = {u.id: u for u in core.store.read_sync(core.units.list)}
    for unit in (first, second):
        assert board[unit.id].status == UnitStatus.AVAILABLE
        assert board[unit.id].incident_id is None
    [event] = core.store.read_sync(
        lambda s: audit.list_events(s, entity_id=made.id, action="incident.close")
    )
    assert event.detail["units_cleared"] == 2
    assert made.id not in {i.id for i in core.store.read_sync(core.incidents.open_queue)}


def test_closed_incident_cannot_be_closed_again_or_get_units(
    core: DeskCore, calltaker: Actor, dispatcher: Actor
) -> None:
    made = create_incident(core, calltaker)
    core.store.write_sync(core.incidents.close, calltaker, made.id, "Unfounded", core.clock())
    with pytest.raises(RuleViolation, match="already closed"):
        core.store.write_sync(core.incidents.close, calltaker, made.id, "Unfounded", core.clock())
    [unit] = free_units(core, 1)
    with pytest.raises(RuleViolation, match="closed"):
        core.store.write_sync(core.units.assign, dispatcher, unit.id, made.id, core.clock())


def test_open_queue_is_most_urgent_then_oldest(
    core: DeskCore, calltaker: Actor, clock: FakeClock
) -> None:
    low = create_incident(core, calltaker, incident_type="NOISE")
    clock.advance(minutes=1)
    urgent = create_incident(core, calltaker, incident_type="MEDCARD")
    queue = core.store.read_sync(core.incidents.open_queue)
    order = [s.id for s in queue]
    assert order.index(urgent.id) < order.index(low.id)
    assert [s.priority for s in queue] == sorted(s.priority for s in queue)
