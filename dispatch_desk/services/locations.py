"""Live caller positions: a phone's GPS fixes (and other reports) as they arrive.

A fix is shown at once (listeners are told on the reporting thread, before anything is written),
kept in memory for the breadcrumb trail, and written to the incident record on the store's
writer thread. A fix never moves the incident by itself: the dispatcher accepts a location with
:meth:`IncidentService.place`, so a device position never silently replaces the carrier's.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.domain.enums import LocationSource
from dispatch_desk.domain.location import Position, PositionError
from dispatch_desk.geo.pidf import PidfLocation, from_pidf, to_pidf
from dispatch_desk.storage.models import Location
from dispatch_desk.storage.store import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fix:
    incident_id: uuid.UUID
    lat: float
    lon: float
    accuracy_m: float | None
    at: datetime  # when the device measured it (aware, UTC)
    source: LocationSource = LocationSource.DEVICE
    origin: str = ""  # what delivered it: "citizen-session", "pidf", "ali"...

    @property
    def position(self) -> Position:
        return Position(self.lat, self.lon, self.accuracy_m)


Listener = Callable[[Fix], None]


def _store_fix(session: Session, fix: Fix) -> None:
    session.add(
        Location(
            incident_id=fix.incident_id,
            source=fix.source,
            latitude=fix.lat,
            longitude=fix.lon,
            uncertainty_m=fix.accuracy_m,
            accepted=False,
            recorded_at=fix.at,
        )
    )


def stored_trail(session: Session, incident_id: uuid.UUID, limit: int = 2000) -> list[Fix]:
    """The fixes of an incident as recorded (from this workstation or pulled from others)."""
    rows = session.scalars(
        select(Location)
        .where(
            Location.incident_id == incident_id,
            Location.source == LocationSource.DEVICE,
            Location.latitude.is_not(None),
            Location.longitude.is_not(None),
        )
        .order_by(Location.recorded_at.desc())
        .limit(limit)
    ).all()
    return [
        Fix(r.incident_id, r.latitude, r.longitude, r.uncertainty_m, r.recorded_at, r.source)
        for r in reversed(rows)
        if r.latitude is not None and r.longitude is not None
    ]


class LiveLocations:
    def __init__(self, store: Store, *, trail_limit: int = 2000) -> None:
        self._store = store
        self._trail_limit = trail_limit
        self._trails: dict[uuid.UUID, deque[Fix]] = {}
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def report(self, fix: Fix) -> None:
        """Take a fix from any thread. Raises PositionError (and keeps nothing) for a fix that
        cannot be a place on earth."""
        checked = Position.checked(fix.lat, fix.lon, fix.accuracy_m)
        # Pass on the checked numbers ("42.5" from a web form becomes 42.5), never the raw ones.
        fix = replace(fix, lat=checked.lat, lon=checked.lon, accuracy_m=checked.uncertainty_m)
        if fix.at.tzinfo is None:
            raise PositionError("a fix needs a time zone-aware time stamp")
        with self._lock:
            if fix.source == LocationSource.DEVICE:  # the trail is the phone's own positions
                trail = self._trails.setdefault(fix.incident_id, deque(maxlen=self._trail_limit))
                trail.append(fix)
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(fix)
            except Exception:  # one broken view must not stop the fix reaching the others
                logger.exception("a location listener failed")
        future = self._store.submit_write(_store_fix, fix)
        future.add_done_callback(self._written)

    def _written(self, future: object) -> None:
        exc = future.exception()  # type: ignore[attr-defined]
        if exc is not None:  # kept in memory and on the map; the record misses this one fix
            logger.warning("a location fix could not be recorded: %s", exc)

    def trail(self, incident_id: uuid.UUID) -> list[Fix]:
        with self._lock:
            return list(self._trails.get(incident_id, ()))

    def latest(self, incident_id: uuid.UUID) -> Fix | None:
        with self._lock:
            trail = self._trails.get(incident_id)
            return trail[-1] if trail else None

    def forget(self, incident_id: uuid.UUID) -> None:
        with self._lock:
            self._trails.pop(incident_id, None)


# -- PIDF-LO (RFC 4119 / RFC 5491): how locations travel between centres and systems

DEVICE_METHODS = frozenset({"GPS", "A-GPS", "AGPS", "GNSS", "DEVICE", "WIFI", "DBH", "HELD"})
CARRIER_METHODS = frozenset({"CELL", "NETWORK", "TRIANGULATION", "AFLT", "U-TDOA", "E-OTD"})


def fixes_from_pidf(
    xml: str, incident_id: uuid.UUID, received_at: datetime, origin: str = "pidf"
) -> list[Fix]:
    """The locations of a PIDF-LO document as fixes: GPS-like methods are the device's, cell
    and network ones the carrier's, anything else a manual point. Raises PidfError (from the
    parser) or PositionError with a message that says what is wrong."""
    out = []
    for loc in from_pidf(xml):
        method = (loc.method or "").strip().upper()
        source = (
            LocationSource.DEVICE
            if method in DEVICE_METHODS
            else LocationSource.CARRIER
            if method in CARRIER_METHODS
            else LocationSource.MANUAL
        )
        position = Position.checked(loc.lat, loc.lon, loc.radius_m)
        at = loc.timestamp or received_at
        if at.tzinfo is None:
            at = at.replace(tzinfo=received_at.tzinfo)
        out.append(
            Fix(incident_id, position.lat, position.lon, position.uncertainty_m, at, source, origin)
        )
    return out


def pidf_for(position: Position, entity: str, at: datetime, source: LocationSource | None) -> str:
    """A PIDF-LO document for one position (a circle when it has a radius)."""
    method = (
        {
            LocationSource.DEVICE: "GPS",
            LocationSource.CARRIER: "Cell",
            LocationSource.GEOCODED: "Manual",
            LocationSource.MANUAL: "Manual",
        }.get(source, "Manual")
        if source is not None
        else "Manual"
    )
    return to_pidf(
        PidfLocation(position.lat, position.lon, position.uncertainty_m, at, method, entity)
    )
