"""What is near a place: the cameras that may see it and the units that can get there first.

Straight-line distance, nearest first, within a radius. The camera wall docks the nearest
cameras for an incident; the dispatcher's unit recommendation starts from the nearest available
units. A unit with no known position is left out, never guessed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.domain.enums import CameraSharing, Discipline, UnitStatus
from dispatch_desk.geo.nearest import PointIndex
from dispatch_desk.storage.models import Camera, Unit


@dataclass(frozen=True)
class NearCamera:
    id: uuid.UUID
    name: str
    distance_m: float
    lat: float
    lon: float
    heading_deg: float | None
    sharing: CameraSharing
    # Whether the camera looks towards the place (within its field of view, or it is a dome).
    facing: bool


@dataclass(frozen=True)
class NearUnit:
    id: uuid.UUID
    call_sign: str
    discipline: Discipline
    status: UnitStatus
    distance_m: float


def _facing(camera: Camera, lat: float, lon: float) -> bool:
    from dispatch_desk.geo.geometry import LatLon, bearing_deg

    if camera.heading_deg is None:
        return True
    bearing = bearing_deg(LatLon(camera.latitude, camera.longitude), LatLon(lat, lon))
    off = abs((bearing - camera.heading_deg + 180) % 360 - 180)
    return off <= camera.fov_deg / 2


def nearest_cameras(
    session: Session,
    lat: float,
    lon: float,
    n: int = 4,
    radius_m: float = 400.0,
    *,
    viewable_only: bool = True,
) -> list[NearCamera]:
    """The n nearest enabled cameras within radius_m; registry-only cameras are left out unless
    ``viewable_only`` is False (for canvassing, where knowing a camera exists is the point)."""
    query = select(Camera).where(Camera.enabled.is_(True))
    if viewable_only:
        query = query.where(Camera.sharing != CameraSharing.REGISTRY)
    cameras = {c.id: c for c in session.scalars(query)}
    index = PointIndex((c.id, c.latitude, c.longitude) for c in cameras.values())
    out = []
    for camera_id, distance in index.nearest(lat, lon, n, radius_m):
        c = cameras[camera_id]
        out.append(
            NearCamera(
                c.id,
                c.name,
                distance,
                c.latitude,
                c.longitude,
                c.heading_deg,
                c.sharing,
                _facing(c, lat, lon),
            )
        )
    return out


def nearest_units(
    session: Session,
    lat: float,
    lon: float,
    n: int = 5,
    radius_m: float | None = None,
    *,
    discipline: Discipline | None = None,
    available_only: bool = True,
) -> list[NearUnit]:
    query = select(Unit).where(Unit.latitude.is_not(None), Unit.longitude.is_not(None))
    if available_only:
        query = query.where(Unit.status == UnitStatus.AVAILABLE)
    if discipline is not None:
        query = query.where(Unit.discipline == discipline)
    units = {u.id: u for u in session.scalars(query)}
    index = PointIndex(
        (u.id, u.latitude, u.longitude)
        for u in units.values()
        if u.latitude is not None and u.longitude is not None
    )
    return [
        NearUnit(u.id, u.call_sign, u.discipline, u.status, distance)
        for unit_id, distance in index.nearest(lat, lon, n, radius_m)
        for u in (units[unit_id],)
    ]
