"""The demo town's cameras: a dozen, at places a city would watch, looking at them.

Each plays a clip the project makes itself (``demo:<slug>``, and ``demo:<slug>/sub`` for small
tiles; see dispatch_desk/cameras/demo_clips.py), so a new user sees a working wall with no
camera. Made alike on every demo workstation (stable ids, genesis clock), so the copies merge
into one registry. A thirteenth, private and "registry only", is shown but never opened.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch_desk.cameras.demo_clips import slugify
from dispatch_desk.domain.enums import CameraOwner, CameraSharing
from dispatch_desk.events import note_change
from dispatch_desk.geo.geometry import LatLon, bearing_deg, offset
from dispatch_desk.geo.layers import GisLayers
from dispatch_desk.storage.models import Camera, stable_id
from dispatch_desk.sync.capture import mark_genesis

# (name, place kind or name to look at, east and north offset in metres, owner, sharing)
_PLAN = (
    ("High School Main Entrance", "school", (-45, 30), CameraOwner.PUBLIC, CameraSharing.LIVE),
    ("Hospital ER Bay", "hospital", (40, -35), CameraOwner.PUBLIC, CameraSharing.LIVE),
    ("Transit Center Platform", "TRANSIT", (-30, -30), CameraOwner.PUBLIC, CameraSharing.LIVE),
    ("Food King Parking Lot", "FOOD KING", (35, 40), CameraOwner.PRIVATE, CameraSharing.ALARM),
    ("Riverside Park Gate", "PARK", (25, -45), CameraOwner.PUBLIC, CameraSharing.LIVE),
    (
        "Central Police Sallyport",
        "police_station",
        (-25, 25),
        CameraOwner.PUBLIC,
        CameraSharing.LIVE,
    ),
    ("Station 1 Apron", "fire_station", (30, 20), CameraOwner.PUBLIC, CameraSharing.LIVE),
)


def seed_demo_cameras(session: Session, layers: GisLayers, now: datetime) -> int:
    if session.scalar(select(func.count()).select_from(Camera)):
        return 0
    mark_genesis(session)
    added = 0
    for name, target, (east, north), owner, sharing in _PLAN:
        place = next(
            (p for p in layers.places if p.kind == target or target in p.name.upper()), None
        )
        if place is None:
            continue
        added += _add(session, name, LatLon(place.lat, place.lon), east, north, owner, sharing, now)
    # Major intersections along the main streets, looking down the street.
    majors = [s for s in layers.streets if s.major and len(s.coords) >= 2]
    for n, street in enumerate(majors[:: max(1, len(majors) // 5)][:5]):
        lon, lat = street.coords[0]
        nxt_lon, nxt_lat = street.coords[1]
        name = f"{street.label} Corridor {n + 1}"
        start = LatLon(lat, lon)
        heading = bearing_deg(start, LatLon(nxt_lat, nxt_lon))
        camera = Camera(
            id=stable_id("camera", name),
            name=name,
            latitude=lat,
            longitude=lon,
            heading_deg=round(heading, 1),
            fov_deg=70.0,
            owner=CameraOwner.PUBLIC,
            sharing=CameraSharing.LIVE,
            updated_at=now,
            **demo_urls(name),
        )
        session.add(camera)
        note_change(session, "camera", camera.id)
        added += 1
    # One private camera a business registered but does not share live: shown, never opened.
    for place in layers.places[:1]:
        added += _add(
            session,
            "Registry only: Pharmacy rear door",
            LatLon(place.lat, place.lon),
            60,
            60,
            CameraOwner.PRIVATE,
            CameraSharing.REGISTRY,
            now,
        )
    return added


def demo_urls(name: str) -> dict[str, str]:
    """The generated clip a demo camera plays: main stream and the sub-stream for small tiles."""
    slug = slugify(name)
    return {"main_url": f"demo:{slug}", "sub_url": f"demo:{slug}/sub"}


def _add(
    session: Session,
    name: str,
    target: LatLon,
    east: float,
    north: float,
    owner: CameraOwner,
    sharing: CameraSharing,
    now: datetime,
) -> int:
    at = offset(target, east, north)
    camera = Camera(
        id=stable_id("camera", name),
        name=name,
        latitude=at.lat,
        longitude=at.lon,
        heading_deg=round(bearing_deg(at, target), 1),
        fov_deg=60.0,
        owner=owner,
        sharing=sharing,
        updated_at=now,
        **demo_urls(name),
    )
    session.add(camera)
    note_change(session, "camera", camera.id)
    return 1
