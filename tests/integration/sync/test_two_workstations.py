"""Two workstations on one central database see each other's work, and concurrent edits end
the same everywhere by the documented rules (dispatch_desk/sync/merge.py)."""

from __future__ import annotations

from sqlalchemy import select

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import IncidentStatus, UnitStatus
from dispatch_desk.storage.models import Incident
from tests.helpers.core import actor_for, create_incident, unit_id
from tests.helpers.pg import wait_until


def incident_row(core: DeskCore, number: str) -> Incident | None:
    return core.store.read_sync(
        lambda s: s.scalar(select(Incident).where(Incident.number == number))
    )


def test_incident_made_on_one_appears_on_the_other(workstation) -> None:
    a, b = workstation("ws-a"), workstation("ws-b")
    made = create_incident(a, actor_for(a, "calltaker"))
    seen = wait_until(lambda: incident_row(b, made.number), what="the incident on ws-b")
    assert seen.id == made.id
    assert seen.address == made.address
    # Numbers are leased centrally: the two workstations hold different blocks.
    other = create_incident(b, actor_for(b, "calltaker"), address="9 Elm Street")
    assert other.number != made.number
    wait_until(lambda: incident_row(a, other.number), what="ws-b's incident on ws-a")


def test_narrative_and_units_travel_both_ways(workstation) -> None:
    a, b = workstation("ws-a"), workstation("ws-b")
    made = create_incident(a, actor_for(a, "calltaker"))
    wait_until(lambda: incident_row(b, made.number))
    dispatcher = actor_for(b, "dispatcher")
    b.store.write_sync(b.units.assign, dispatcher, unit_id(b, "M7"), made.id, b.clock())
    b.store.write_sync(
        b.incidents.add_narrative,
        dispatcher,
        made.id,
        "Second caller says he is bleeding.",
        b.clock(),
    )

    def units_on_a():
        return next(u for u in a.store.read_sync(a.units.list) if u.call_sign == "M7")

    unit = wait_until(lambda: (u := units_on_a()).incident_id == made.id and u, what="M7 on ws-a")
    assert unit.status == UnitStatus.DISPATCHED
    detail = wait_until(
        lambda: (
            (d := a.store.read_sync(a.incidents.detail, made.id))
            .narrative[-1]
            .text.startswith("Second caller")
            and d
        )
    )
    assert detail.summary.status == IncidentStatus.ACTIVE
    assert detail.summary.units == ("M7",)
