"""What the map shows, read in one go: open incidents that have a place, units with a
position, cameras, and everything known of where one caller is."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.domain.enums import CameraSharing, LocationSource
from dispatch_desk.domain.location import Position
from dispatch_desk.services.incidents import IncidentService, IncidentSummary
from dispatch_desk.services.locations import Fix, stored_trail
from dispatch_desk.storage.models import Camera, Location, Unit


@dataclass(frozen=True)
class UnitPlace:
    id: uuid.UUID
    call_sign: str
    discipline: str
    status: str
    lat: float
    lon: float


@dataclass(frozen=True)
class CameraPlace:
    id: uuid.UUID
    name: str
    lat: float
    lon: float
    heading_deg: float | None
    fov_deg: float
    openable: bool


@dataclass(frozen=True)
class MapSnapshot:
    incidents: list[IncidentSummary]  # open, with a place
    unplaced: list[IncidentSummary]  # open, address not verified: listed beside the map
    units: list[UnitPlace]
    cameras: list[CameraPlace]


@dataclass(frozen=True)
class CallerPlaces:
    carrier: Position | None
    address: Position | None  # where the typed address was placed, if it was
    address_text: str
    device: list[Fix]


def snapshot(session: Session, incidents: IncidentService) -> MapSnapshot:
    summaries = incidents.open_queue(session)
    units = [
        UnitPlace(u.id, u.call_sign, u.discipline.value, u.status.value, u.latitude, u.longitude)
        for u in session.scalars(select(Unit).where(Unit.latitude.is_not(None)))
        if u.latitude is not None and u.longitude is not None
    ]
    cameras = [
        CameraPlace(
            c.id,
            c.name,
            c.latitude,
            c.longitude,
            c.heading_deg,
            c.fov_deg,
            c.sharing != CameraSharing.REGISTRY,
        )
        for c in session.scalars(select(Camera).where(Camera.enabled.is_(True)))
    ]
    return MapSnapshot(
        [s for s in summaries if s.position is not None],
        [s for s in summaries if s.position is None],
        units,
        cameras,
    )


def caller_places(session: Session, incident_id: uuid.UUID) -> CallerPlaces:
    rows = session.scalars(
        select(Location)
        .where(Location.incident_id == incident_id)
        .order_by(Location.recorded_at, Location.id)
    ).all()
    carrier = address = None
    address_text = ""
    for row in rows:
        has_point = row.latitude is not None and row.longitude is not None
        if row.source == LocationSource.CARRIER and has_point:
            carrier = Position(row.latitude, row.longitude, row.uncertainty_m)  # type: ignore[arg-type]
        elif row.source in (LocationSource.GEOCODED, LocationSource.MANUAL) and row.address:
            address_text = row.address
            address = (
                Position(row.latitude, row.longitude)  # type: ignore[arg-type]
                if has_point and row.source == LocationSource.GEOCODED
                else None
            )
    return CallerPlaces(carrier, address, address_text, stored_trail(session, incident_id))
