"""First start in demo mode: the demo users, and a few weeks of past incidents to look back on."""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dispatch_desk.demo.calls import SCENARIOS, DemoCallFeed
from dispatch_desk.domain.enums import LocationSource, UnitStatus
from dispatch_desk.domain.intake import IntakeDraft, ValidIntake, validate_intake
from dispatch_desk.events import note_change
from dispatch_desk.services import accounts
from dispatch_desk.storage.models import Incident
from dispatch_desk.sync.capture import mark_genesis

if TYPE_CHECKING:
    from dispatch_desk.desk import DeskCore
    from dispatch_desk.geo.geocoder import GeocodeMatch


# The incidents open when the demo starts: a spread of priorities and disciplines.
OPEN_TYPES = ("MEDCARD", "FIRESTR", "BURG", "MVAI", "DISTRB", "WELF", "NOISE")


def _intake(
    core: DeskCore, call_index: int, at: datetime, rng: random.Random, type_code: str | None = None
) -> ValidIntake:
    feed = DemoCallFeed(lambda: at, seed=call_index)
    call = feed.next_call()
    draft = IntakeDraft(
        callback_number=call.ani,
        ani=call.ani,
        ali=call.ali,
        caller_name=call.caller_name,
        address=call.scenario_address.split(" (")[0],
        incident_type=type_code or call.scenario_type,
        narrative=dict(SCENARIOS)[type_code] if type_code else call.scenario_text,
        received_at=at,
        answered_at=at + timedelta(seconds=rng.randrange(3, 25)),
        class_of_service=call.class_of_service,
    )
    valid = validate_intake(draft, core.catalog, core.settings.intake.narrative_max_chars)
    assert isinstance(valid, ValidIntake), valid
    return valid


def _seed_user(session: Session, *args: Any, **kwargs: Any) -> accounts.UserView:
    # Every demo workstation makes the same accounts; the copies merge into one.
    mark_genesis(session)
    return accounts.create_user(session, *args, **kwargs)


def seed_demo(
    core: DeskCore, now: datetime, *, past: int = 60, open_now: int = len(OPEN_TYPES)
) -> None:
    system = core.system_actor()
    for user in core.profile.users:
        core.store.write_sync(
            functools.partial(_seed_user, clock=lambda: now),
            system,
            user.username,
            user.display_name,
            user.role,
            user.password,
        )
    if core.settings.central.url:
        return  # a centre's incidents are real; demo history is for a standalone workstation
    rng = random.Random(911)
    dispositions = core.profile.dispositions
    for i in range(past):
        at = now - timedelta(days=rng.uniform(1, 45), minutes=rng.randrange(0, 600))
        summary, _ = core.store.write_sync(
            core.incidents.create, system, _intake(core, i, at, rng), at
        )
        core.store.write_sync(
            core.incidents.close,
            system,
            summary.id,
            rng.choice(dispositions),
            at + timedelta(minutes=rng.randrange(10, 90)),
        )
    units = core.store.read_sync(core.units.list)
    free = [u for u in units if u.status == UnitStatus.AVAILABLE]
    steps = (UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE)
    for i in range(open_now):
        at = now - timedelta(minutes=rng.randrange(2, 40))
        intake = _intake(core, 1000 + i, at, rng, OPEN_TYPES[i % len(OPEN_TYPES)])
        summary, _ = core.store.write_sync(core.incidents.create, system, intake, at)
        same = [u for u in free if u.discipline == intake.incident_type.discipline]
        if i % 3 != 2 and same:
            unit = same[0]
            free.remove(unit)
            core.store.write_sync(
                core.units.assign, system, unit.id, summary.id, at + timedelta(seconds=45)
            )
            for step in steps[1 : 1 + i % 3]:
                core.store.write_sync(
                    core.units.set_status,
                    system,
                    unit.id,
                    step,
                    at + timedelta(minutes=2 + steps.index(step)),
                )


def place_demo_incidents(
    session: Session, locate: Callable[[str], GeocodeMatch | None], now: datetime
) -> int:
    """Put the demo's history on the map once the town is loaded (it is seeded before)."""
    placed = 0
    for incident in session.scalars(
        select(Incident).where(
            Incident.latitude.is_(None),
            or_(Incident.location_source.is_(None), Incident.location_source == "manual"),
        )
    ):
        match = locate(incident.address)
        if match is not None:
            incident.latitude, incident.longitude = match.lat, match.lon
            incident.location_source = LocationSource.GEOCODED
            note_change(session, "incident", incident.id)
            placed += 1
    return placed
