"""Live caller positions: shown at once, kept as a trail, recorded; accepted only by a person."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import LocationSource
from dispatch_desk.domain.location import Position, PositionError
from dispatch_desk.geo.pidf import PidfError
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, RuleViolation
from dispatch_desk.services.locations import Fix, fixes_from_pidf, pidf_for, stored_trail
from dispatch_desk.storage.models import Location, NarrativeEntry
from tests.helpers.core import FakeClock, create_incident


def _fix(incident_id: object, clock: FakeClock, n: int) -> Fix:
    return Fix(
        incident_id,  # type: ignore[arg-type]
        42.3736 + n * 0.0001,
        -71.1190 + n * 0.0001,
        5.0 + n,
        clock() + timedelta(seconds=n),
        origin="test",
    )


def test_a_fix_reaches_listeners_before_it_is_written_and_builds_the_trail(
    core: DeskCore, calltaker: Actor, clock: FakeClock
) -> None:
    incident = create_incident(core, calltaker)
    seen: list[Fix] = []
    threads: list[str] = []

    def listener(fix: Fix) -> None:
        seen.append(fix)
        threads.append(threading.current_thread().name)

    unsubscribe = core.locations.subscribe(listener)
    for n in range(5):
        core.locations.report(_fix(incident.id, clock, n))
    unsubscribe()
    core.locations.report(_fix(incident.id, clock, 5))

    assert [f.lat for f in seen] == [42.3736 + n * 0.0001 for n in range(5)]
    assert set(threads) == {threading.current_thread().name}  # told on the reporting thread
    assert len(core.locations.trail(incident.id)) == 6
    assert core.locations.latest(incident.id) == _fix(incident.id, clock, 5)

    core.store.submit_write(lambda s: None).result(timeout=10)  # the writer has caught up
    recorded = core.store.read_sync(stored_trail, incident.id)
    assert [(f.lat, f.lon, f.accuracy_m) for f in recorded] == [
        (f.lat, f.lon, f.accuracy_m) for f in core.locations.trail(incident.id)
    ]
    # A reported fix is evidence, not a decision: the incident has not moved.
    summary = core.store.read_sync(core.incidents.summary, incident.id)
    assert summary.location_source == LocationSource.MANUAL and summary.latitude is None


@pytest.mark.parametrize(
    ("lat", "lon", "accuracy", "message"),
    [
        (91.0, 0.0, None, "latitude"),
        (0.0, -181.0, None, "longitude"),
        (float("nan"), 0.0, None, "finite"),
        (42.0, -71.0, -3.0, "uncertainty"),
        (42.0, -71.0, float("inf"), "uncertainty"),
    ],
)
def test_an_impossible_fix_is_refused_and_keeps_nothing(
    core: DeskCore, calltaker: Actor, clock: FakeClock, lat, lon, accuracy, message
) -> None:
    incident = create_incident(core, calltaker)
    seen: list[Fix] = []
    core.locations.subscribe(seen.append)
    with pytest.raises(PositionError, match=message):
        core.locations.report(Fix(incident.id, lat, lon, accuracy, clock()))
    assert seen == [] and core.locations.trail(incident.id) == []


def test_accepting_a_device_location_moves_the_incident_and_says_so(
    core: DeskCore, calltaker: Actor, clock: FakeClock
) -> None:
    incident = create_incident(core, calltaker)
    fix = _fix(incident.id, clock, 3)
    summary, _ = core.store.write_sync(
        core.incidents.place,
        calltaker,
        incident.id,
        fix.position,
        LocationSource.DEVICE,
        clock(),
    )
    assert (summary.latitude, summary.longitude) == (fix.lat, fix.lon)
    assert summary.location_source == LocationSource.DEVICE
    assert summary.address == incident.address  # the typed address stays

    def rows(session):
        accepted = session.scalars(
            select(Location).where(
                Location.incident_id == incident.id, Location.source == LocationSource.DEVICE
            )
        ).all()
        lines = session.scalars(
            select(NarrativeEntry.text).where(NarrativeEntry.incident_id == incident.id)
        ).all()
        return accepted, lines, audit.list_events(session, entity_id=incident.id)

    accepted, lines, events = core.store.read_sync(rows)
    assert [(r.accepted, r.uncertainty_m) for r in accepted] == [(True, 8.0)]
    assert any("caller's device location" in line and "±8 m" in line for line in lines)
    assert "incident.locate" in [e.action for e in events]


def test_a_closed_incident_cannot_be_moved(
    core: DeskCore, calltaker: Actor, clock: FakeClock
) -> None:
    incident = create_incident(core, calltaker)
    core.store.write_sync(core.incidents.close, calltaker, incident.id, "Report taken", clock())
    with pytest.raises(RuleViolation, match="closed"):
        core.store.write_sync(
            core.incidents.place,
            calltaker,
            incident.id,
            Position(42.37, -71.11),
            LocationSource.MANUAL,
            clock(),
        )


def test_a_verified_address_places_the_incident_and_records_the_carrier_point(
    core: DeskCore, calltaker: Actor
) -> None:
    incident = create_incident(
        core,
        calltaker,
        position=Position(42.3736, -71.1190),
        carrier_position=Position(42.3750, -71.1200, 800.0),
        ali="WIRELESS SECTOR 2 NE · UNC 800M",
    )
    assert incident.location_source == LocationSource.GEOCODED
    assert incident.position == Position(42.3736, -71.1190)

    def carrier(session):
        return session.scalars(
            select(Location).where(
                Location.incident_id == incident.id, Location.source == LocationSource.CARRIER
            )
        ).one()

    row = core.store.read_sync(carrier)
    assert (row.latitude, row.longitude, row.uncertainty_m, row.accepted) == (
        42.3750,
        -71.1200,
        800.0,
        False,
    )


def test_pidf_lo_round_trip_and_method_decides_the_source(clock: FakeClock) -> None:
    incident_id = uuid.uuid4()
    at = clock()
    device = pidf_for(
        Position(42.3736, -71.119, 9.0), "pres:caller@example", at, LocationSource.DEVICE
    )
    carrier = pidf_for(Position(42.37, -71.12, 800.0), "pres:x@y", at, LocationSource.CARRIER)
    [gps] = fixes_from_pidf(device, incident_id, at)
    [cell] = fixes_from_pidf(carrier, incident_id, at)
    assert (gps.lat, gps.lon, gps.accuracy_m, gps.source, gps.at) == (
        42.3736,
        -71.119,
        9.0,
        LocationSource.DEVICE,
        at,
    )
    assert (cell.source, cell.accuracy_m) == (LocationSource.CARRIER, 800.0)
    point = pidf_for(Position(42.0, -71.0), "pres:x@y", at, None)
    assert fixes_from_pidf(point, incident_id, at)[0].accuracy_m is None


def test_a_hostile_or_impossible_pidf_is_refused(clock: FakeClock) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><presence>&lol2;</presence>'
    )
    with pytest.raises(PidfError):
        fixes_from_pidf(bomb, uuid.uuid4(), clock())
    outside = pidf_for(Position(42.0, -71.0), "pres:x@y", clock(), None).replace(
        "42.0 -71.0", "142.0 -71.0"
    )
    with pytest.raises((PidfError, PositionError)):
        fixes_from_pidf(outside, uuid.uuid4(), clock())
