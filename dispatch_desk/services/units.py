"""Units: the status board. Assignments, status changes with their times, and the rule that a
unit works one incident at a time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.domain.agency import UnitSpec
from dispatch_desk.domain.enums import Discipline, IncidentStatus, Role, UnitStatus
from dispatch_desk.events import note_change
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, NotFound, RuleViolation
from dispatch_desk.storage.models import Assignment, Incident, Unit, UnitStatusEvent, stable_id
from dispatch_desk.sync.capture import mark_genesis

DISPATCH = (Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True)
class UnitView:
    id: uuid.UUID
    call_sign: str
    discipline: Discipline
    station: str
    status: UnitStatus
    status_changed_at: datetime
    incident_id: uuid.UUID | None
    incident_number: str | None


@dataclass(frozen=True)
class StatusEventView:
    call_sign: str
    status: UnitStatus
    at: datetime
    incident_number: str | None


class UnitService:
    def list(self, session: Session) -> list[UnitView]:
        rows = session.execute(
            select(Unit, Incident.number)
            .outerjoin(Incident, Incident.id == Unit.incident_id)
            .order_by(Unit.discipline, Unit.call_sign)
        ).all()
        return [self._view(u, number) for u, number in rows]

    def history(self, session: Session, incident_id: uuid.UUID) -> list[StatusEventView]:
        rows = session.execute(
            select(UnitStatusEvent, Unit.call_sign, Incident.number)
            .join(Unit, Unit.id == UnitStatusEvent.unit_id)
            .outerjoin(Incident, Incident.id == UnitStatusEvent.incident_id)
            .where(UnitStatusEvent.incident_id == incident_id)
            .order_by(UnitStatusEvent.at, UnitStatusEvent.id)
        ).all()
        return [StatusEventView(sign, e.status, e.at, number) for e, sign, number in rows]

    def ensure_units(self, session: Session, specs: tuple[UnitSpec, ...], now: datetime) -> int:
        """Create the agency's units that the store does not know yet.

        Every workstation makes the same unit with the same id and the genesis clock, so the
        copies merge into one and never override a real status change."""
        known = set(session.scalars(select(Unit.call_sign)))
        mark_genesis(session)
        added = 0
        for spec in specs:
            if spec.call_sign not in known:
                session.add(
                    Unit(
                        id=stable_id("unit", spec.call_sign),
                        call_sign=spec.call_sign,
                        discipline=spec.discipline,
                        station=spec.station,
                        status=UnitStatus.AVAILABLE,
                        status_changed_at=now,
                    )
                )
                added += 1
        return added

    def place_at_stations(
        self, session: Session, stations: dict[str, tuple[float, float]], now: datetime
    ) -> int:
        """Put units with no known position at their station (lat, lon by station name).

        A default every workstation computes alike, stamped with the genesis clock so that any
        real position report wins over it."""
        mark_genesis(session)
        placed = 0
        for unit in session.scalars(select(Unit).where(Unit.latitude.is_(None))):
            where = stations.get(unit.station)
            if where is not None:
                unit.latitude, unit.longitude = where
                unit.position_at = now
                note_change(session, "unit", unit.id)
                placed += 1
        return placed

    def assign(
        self,
        session: Session,
        actor: Actor,
        unit_id: uuid.UUID,
        incident_id: uuid.UUID,
        now: datetime,
    ) -> UnitView:
        audit.require(
            actor, now, "unit.assign", DISPATCH, unit=str(unit_id), incident=str(incident_id)
        )
        unit = self._get(session, unit_id)
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFound(f"No incident {incident_id}")
        if incident.status == IncidentStatus.CLOSED:
            raise RuleViolation(f"{incident.number} is closed; units cannot be assigned to it.")
        if unit.incident_id == incident.id:
            raise RuleViolation(f"{unit.call_sign} is already assigned to {incident.number}.")
        if unit.status.committed or unit.incident_id is not None:
            other = session.get(Incident, unit.incident_id) if unit.incident_id else None
            where = f" on {other.number}" if other else ""
            raise RuleViolation(
                f"{unit.call_sign} is {unit.status.label.lower()}{where}; "
                "clear it there before assigning it here."
            )
        if unit.status == UnitStatus.OUT_OF_SERVICE:
            raise RuleViolation(f"{unit.call_sign} is out of service.")
        session.add(
            Assignment(
                incident_id=incident.id, unit_id=unit.id, assigned_at=now, assigned_by=actor.user_id
            )
        )
        unit.incident_id = incident.id
        self._set(session, actor, unit, UnitStatus.DISPATCHED, incident.id, now)
        if incident.status == IncidentStatus.PENDING:
            incident.status = IncidentStatus.ACTIVE
        incident.updated_at = now
        note_change(session, "incident", incident.id)
        audit.record(
            session,
            actor,
            now,
            "unit.assign",
            entity_type="incident",
            entity_id=incident.id,
            number=incident.number,
            unit=unit.call_sign,
        )
        return self._view(unit, incident.number)

    def set_status(
        self, session: Session, actor: Actor, unit_id: uuid.UUID, status: UnitStatus, now: datetime
    ) -> UnitView:
        audit.require(actor, now, "unit.status", DISPATCH, unit=str(unit_id), status=status.value)
        unit = self._get(session, unit_id)
        if status == unit.status:
            return self._view_of(session, unit)
        if status in (UnitStatus.CLEARED, UnitStatus.AVAILABLE) and unit.incident_id:
            self.clear(session, actor, unit.id, now)
            return self._view_of(session, unit)
        if status.committed and unit.incident_id is None:
            raise RuleViolation(f"{unit.call_sign} has no incident; assign it to one first.")
        if status == UnitStatus.OUT_OF_SERVICE and unit.incident_id is not None:
            raise RuleViolation(f"{unit.call_sign} is on an incident; clear it first.")
        if status == UnitStatus.CLEARED:
            status = UnitStatus.AVAILABLE
        self._set(session, actor, unit, status, unit.incident_id, now)
        return self._view_of(session, unit)

    def clear(self, session: Session, actor: Actor, unit_id: uuid.UUID, now: datetime) -> None:
        """End the unit's assignment: a 'cleared' event on the incident, then available.

        The caller has checked the actor's role (set_status and closing an incident do)."""
        unit = self._get(session, unit_id)
        incident_id = unit.incident_id
        if incident_id is None:
            return
        for assignment in session.scalars(
            select(Assignment).where(
                Assignment.unit_id == unit.id,
                Assignment.incident_id == incident_id,
                Assignment.cleared_at.is_(None),
            )
        ):
            assignment.cleared_at = now
        self._set(session, actor, unit, UnitStatus.CLEARED, incident_id, now)
        unit.incident_id = None
        self._set(session, actor, unit, UnitStatus.AVAILABLE, None, now)
        incident = session.get(Incident, incident_id)
        if incident is not None and incident.status == IncidentStatus.ACTIVE:
            session.flush()
            still = session.scalar(
                select(Assignment.id)
                .where(Assignment.incident_id == incident_id, Assignment.cleared_at.is_(None))
                .limit(1)
            )
            if still is None:
                incident.status = IncidentStatus.PENDING
            incident.updated_at = now
            note_change(session, "incident", incident_id)

    def _set(
        self,
        session: Session,
        actor: Actor,
        unit: Unit,
        status: UnitStatus,
        incident_id: uuid.UUID | None,
        now: datetime,
    ) -> None:
        previous = unit.status
        unit.status = status
        unit.status_changed_at = now
        session.add(
            UnitStatusEvent(
                unit_id=unit.id,
                incident_id=incident_id,
                status=status,
                at=now,
                user_id=actor.user_id,
                workstation=actor.workstation,
            )
        )
        audit.record(
            session,
            actor,
            now,
            "unit.status",
            entity_type="unit",
            entity_id=unit.id,
            unit=unit.call_sign,
            incident=str(incident_id or ""),
            previous=previous.value,
            status=status.value,
        )
        note_change(session, "unit", unit.id)

    def _get(self, session: Session, unit_id: uuid.UUID) -> Unit:
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise NotFound(f"No unit {unit_id}")
        return unit

    def _view_of(self, session: Session, unit: Unit) -> UnitView:
        number = None
        if unit.incident_id:
            incident = session.get(Incident, unit.incident_id)
            number = incident.number if incident else None
        return self._view(unit, number)

    @staticmethod
    def _view(unit: Unit, number: str | None) -> UnitView:
        return UnitView(
            unit.id,
            unit.call_sign,
            unit.discipline,
            unit.station,
            unit.status,
            unit.status_changed_at,
            unit.incident_id,
            number,
        )
