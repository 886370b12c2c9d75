"""The closed vocabularies of the dispatch floor."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CALL_TAKER = "call-taker"
    DISPATCHER = "dispatcher"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").capitalize()


class IncidentStatus(StrEnum):
    PENDING = "pending"  # created, no unit assigned yet
    ACTIVE = "active"  # at least one unit assigned
    CLOSED = "closed"


class UnitStatus(StrEnum):
    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en-route"
    ON_SCENE = "on-scene"
    TRANSPORTING = "transporting"
    CLEARED = "cleared"
    OUT_OF_SERVICE = "out-of-service"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").title()

    @property
    def committed(self) -> bool:
        """True while the unit is working an incident."""
        return self in (
            UnitStatus.DISPATCHED,
            UnitStatus.EN_ROUTE,
            UnitStatus.ON_SCENE,
            UnitStatus.TRANSPORTING,
        )


# The order a unit normally moves through while on an incident. A unit may skip steps (arrives
# without reporting en route), and a dispatcher may set an earlier status to correct a mis-key or
# a unit sent on to another spot: allowed, and audited with the status it replaced.
UNIT_PROGRESSION: tuple[UnitStatus, ...] = (
    UnitStatus.DISPATCHED,
    UnitStatus.EN_ROUTE,
    UnitStatus.ON_SCENE,
    UnitStatus.TRANSPORTING,
)


class CallKind(StrEnum):
    PHONE = "phone"
    TEXT = "text"
    VIDEO = "video"


class LocationSource(StrEnum):
    CARRIER = "carrier"  # ALI from the carrier: often a cell-sector centroid
    DEVICE = "device"  # the phone's own GPS
    GEOCODED = "geocoded"  # an address verified against the agency's GIS
    MANUAL = "manual"  # typed by the call-taker


class CameraOwner(StrEnum):
    PUBLIC = "public"  # the city's own cameras
    PRIVATE = "private"  # a business or resident shares it with the centre


class CameraSharing(StrEnum):
    LIVE = "live"  # may be viewed live at any time (audited)
    ALARM = "alarm"  # may be viewed only while tied to an incident
    REGISTRY = "registry"  # known to exist (for canvassing); never opened from the desk


class Discipline(StrEnum):
    POLICE = "police"
    FIRE = "fire"
    EMS = "ems"
    OTHER = "other"


PRIORITIES: tuple[int, ...] = (1, 2, 3, 4, 5)
