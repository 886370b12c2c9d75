"""Incidents: created from a call, edited, narrated, looked up by caller or place, closed.

Every change writes an audit event in the same transaction. Audit details carry ids, codes and
numbers, not the caller's phone number or name (those stay in the incident record itself).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dispatch_desk.domain.address import normalize_address
from dispatch_desk.domain.agency import IncidentTypeCatalog
from dispatch_desk.domain.calls import class_of_service_from_ali
from dispatch_desk.domain.enums import PRIORITIES, IncidentStatus, LocationSource, Role
from dispatch_desk.domain.intake import ValidEdit, ValidIntake
from dispatch_desk.domain.location import Position
from dispatch_desk.events import note_change
from dispatch_desk.messaging.status_texts import open_texting
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, NotFound, RuleViolation
from dispatch_desk.services.numbering import next_incident_number
from dispatch_desk.services.units import UnitService
from dispatch_desk.storage.models import (
    Assignment,
    Call,
    Caller,
    Incident,
    Location,
    NarrativeEntry,
    Unit,
)

TAKE_CALLS = (Role.CALL_TAKER, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True)
class IncidentSummary:
    id: uuid.UUID
    number: str
    type_code: str
    type_label: str
    priority: int
    status: IncidentStatus
    address: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    disposition: str | None
    units: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    location_source: LocationSource | None = None

    @property
    def position(self) -> Position | None:
        if self.latitude is None or self.longitude is None:
            return None
        return Position(self.latitude, self.longitude)


@dataclass(frozen=True)
class NarrativeView:
    at: datetime
    author_name: str
    text: str


@dataclass(frozen=True)
class CallView:
    kind: str
    ani_e164: str | None
    callback_e164: str | None
    caller_name: str
    ali_text: str
    received_at: datetime | None
    answered_at: datetime | None


@dataclass(frozen=True)
class IncidentDetail:
    summary: IncidentSummary
    calls: tuple[CallView, ...]
    narrative: tuple[NarrativeView, ...]


@dataclass(frozen=True)
class HistoryItem:
    incident: IncidentSummary
    matched_by: frozenset[str] = field(default_factory=frozenset)  # {"phone", "address"}


@dataclass(frozen=True)
class IncidentEdit:
    type_code: str | None = None
    priority: int | None = None
    address: str | None = None
    address_key: str | None = None
    position: Position | None = None  # where the new address is, if the geocoder verified it


class IncidentService:
    """The incident rules, configured with the agency's catalogue and limits."""

    def __init__(
        self,
        catalog: IncidentTypeCatalog,
        dispositions: tuple[str, ...],
        units: UnitService,
        *,
        leased_numbers: bool = False,
    ) -> None:
        self.catalog = catalog
        # With a central database, numbers come from leased blocks (see services.numbering).
        self.leased_numbers = leased_numbers
        self.dispositions = dispositions
        self.units = units

    # -- reading

    def _label(self, code: str) -> str:
        kind = self.catalog.get(code)
        return kind.label if kind else code

    def _summaries(self, session: Session, incidents: list[Incident]) -> list[IncidentSummary]:
        if not incidents:
            return []
        ids = [i.id for i in incidents]
        rows = session.execute(
            select(Assignment.incident_id, Unit.call_sign)
            .join(Unit, Unit.id == Assignment.unit_id)
            .where(Assignment.incident_id.in_(ids), Assignment.cleared_at.is_(None))
            .order_by(Assignment.assigned_at)
        ).all()
        units: dict[uuid.UUID, list[str]] = {}
        for incident_id, call_sign in rows:
            units.setdefault(incident_id, []).append(call_sign)
        return [
            IncidentSummary(
                id=i.id,
                number=i.number,
                type_code=i.type_code,
                type_label=self._label(i.type_code),
                priority=i.priority,
                status=i.status,
                address=i.address,
                created_at=i.created_at,
                updated_at=i.updated_at,
                closed_at=i.closed_at,
                disposition=i.disposition,
                units=tuple(units.get(i.id, ())),
                latitude=i.latitude,
                longitude=i.longitude,
                location_source=i.location_source,
            )
            for i in incidents
        ]

    def summary(self, session: Session, incident_id: uuid.UUID) -> IncidentSummary:
        return self._summaries(session, [self._get(session, incident_id)])[0]

    def summaries(self, session: Session, ids: list[uuid.UUID]) -> list[IncidentSummary]:
        """Current summaries of these incidents (closed ones included), for in-place refresh."""
        if not ids:
            return []
        return self._summaries(
            session, list(session.scalars(select(Incident).where(Incident.id.in_(ids))))
        )

    def open_queue(self, session: Session) -> list[IncidentSummary]:
        """Pending and active incidents, most urgent first, then oldest first."""
        incidents = list(
            session.scalars(
                select(Incident)
                .where(Incident.status != IncidentStatus.CLOSED)
                .order_by(Incident.priority, Incident.created_at)
            )
        )
        return self._summaries(session, incidents)

    def detail(self, session: Session, incident_id: uuid.UUID) -> IncidentDetail:
        incident = self._get(session, incident_id)
        calls = session.execute(
            select(Call, Caller.name)
            .outerjoin(Caller, Caller.id == Call.caller_id)
            .where(Call.incident_id == incident_id)
            .order_by(Call.created_at)
        ).all()
        notes = session.scalars(
            select(NarrativeEntry)
            .where(NarrativeEntry.incident_id == incident_id)
            .order_by(NarrativeEntry.at, NarrativeEntry.id)
        )
        return IncidentDetail(
            summary=self._summaries(session, [incident])[0],
            calls=tuple(
                CallView(
                    c.kind.value,
                    c.ani_e164,
                    c.callback_e164,
                    name or "",
                    c.ali_text,
                    c.received_at,
                    c.answered_at,
                )
                for c, name in calls
            ),
            narrative=tuple(NarrativeView(n.at, n.author_name, n.text) for n in notes),
        )

    def history(
        self,
        session: Session,
        *,
        phone_e164: str | None = None,
        address_key: str | None = None,
        limit: int = 25,
        exclude: uuid.UUID | None = None,
    ) -> list[HistoryItem]:
        """Earlier incidents for this number (caller or callback) or at this address."""
        matched: dict[uuid.UUID, set[str]] = {}
        if phone_e164:
            for (incident_id,) in session.execute(
                select(Call.incident_id)
                .where(or_(Call.ani_e164 == phone_e164, Call.callback_e164 == phone_e164))
                .order_by(Call.created_at.desc())
                .limit(limit)
            ):
                matched.setdefault(incident_id, set()).add("phone")
        if address_key:
            for (incident_id,) in session.execute(
                select(Incident.id)
                .where(Incident.address_key == address_key)
                .order_by(Incident.created_at.desc())
                .limit(limit)
            ):
                matched.setdefault(incident_id, set()).add("address")
        if exclude is not None:
            matched.pop(exclude, None)
        if not matched:
            return []
        incidents = list(
            session.scalars(
                select(Incident)
                .where(Incident.id.in_(list(matched)))
                .order_by(Incident.created_at.desc())
                .limit(limit)
            )
        )
        return [
            HistoryItem(s, frozenset(matched[s.id])) for s in self._summaries(session, incidents)
        ]

    def possible_duplicates(
        self, session: Session, type_code: str, address_key: str, now: datetime, window_min: int
    ) -> list[IncidentSummary]:
        """Open incidents of the same type at the same address within the window."""
        if not address_key or window_min <= 0:
            return []
        since = now - timedelta(minutes=window_min)
        incidents = list(
            session.scalars(
                select(Incident)
                .where(
                    Incident.status != IncidentStatus.CLOSED,
                    Incident.address_key == address_key,
                    Incident.type_code == type_code,
                    Incident.created_at >= since,
                )
                .order_by(Incident.created_at.desc())
            )
        )
        return self._summaries(session, incidents)

    # -- writing

    def create_checked(
        self,
        session: Session,
        actor: Actor,
        intake: ValidIntake,
        now: datetime,
        *,
        duplicate_window_min: int,
        allow_duplicate: bool,
    ) -> IncidentSummary | list[IncidentSummary]:
        """Create the incident, unless it looks like a duplicate the call-taker has not yet seen.

        Check and insert are one transaction, so two call-takers cannot both miss each other's
        incident; the duplicates found are returned instead of creating anything.
        """
        if not allow_duplicate:
            duplicates = self.possible_duplicates(
                session, intake.incident_type.code, intake.address_key, now, duplicate_window_min
            )
            if duplicates:
                return duplicates
        return self.create(session, actor, intake, now)

    def create(
        self, session: Session, actor: Actor, intake: ValidIntake, now: datetime
    ) -> IncidentSummary:
        audit.require(actor, now, "incident.create", TAKE_CALLS)
        incident = Incident(
            number=next_incident_number(
                session, now, leased=self.leased_numbers, workstation=actor.workstation
            ),
            type_code=intake.incident_type.code,
            apco_code=intake.incident_type.apco_code,
            priority=intake.priority,
            status=IncidentStatus.PENDING,
            address=intake.address,
            address_key=intake.address_key,
            created_at=now,
            updated_at=now,
            created_by=actor.user_id,
            workstation=actor.workstation,
        )
        if intake.position is not None:
            incident.latitude, incident.longitude = intake.position.lat, intake.position.lon
            incident.location_source = LocationSource.GEOCODED
        else:  # only the typed text: listed as "not on the map" until someone places it
            incident.location_source = LocationSource.MANUAL
        session.add(incident)
        session.flush()  # parents first: without relationship()s the ORM does not order inserts
        call = self._add_call(session, actor, incident, intake, now)
        # Whether and where the caller gets status texts is settled with the incident.
        open_texting(session, actor, incident, intake, call, now)
        audit.record(
            session,
            actor,
            now,
            "incident.create",
            entity_type="incident",
            entity_id=incident.id,
            number=incident.number,
            type=incident.type_code,
            priority=incident.priority,
        )
        note_change(session, "incident", incident.id)
        return self._summaries(session, [incident])[0]

    def add_call(
        self,
        session: Session,
        actor: Actor,
        incident_id: uuid.UUID,
        intake: ValidIntake,
        now: datetime,
    ) -> IncidentSummary:
        """Attach another caller's call to an existing incident (a duplicate call)."""
        audit.require(actor, now, "incident.add_call", TAKE_CALLS, incident=str(incident_id))
        incident = self._get(session, incident_id)
        if incident.status == IncidentStatus.CLOSED:
            raise RuleViolation(f"{incident.number} is closed; create a new incident instead.")
        self._add_call(session, actor, incident, intake, now)
        incident.updated_at = now
        audit.record(
            session,
            actor,
            now,
            "incident.add_call",
            entity_type="incident",
            entity_id=incident.id,
            number=incident.number,
        )
        note_change(session, "incident", incident.id)
        return self._summaries(session, [incident])[0]

    def _add_call(
        self, session: Session, actor: Actor, incident: Incident, intake: ValidIntake, now: datetime
    ) -> Call:
        caller = Caller(phone_e164=intake.callback_e164, name=intake.caller_name, created_at=now)
        session.add(caller)
        session.flush()
        call = Call(
            incident_id=incident.id,
            caller_id=caller.id,
            kind=intake.call_kind,
            ani_e164=intake.ani_e164,
            callback_e164=intake.callback_e164,
            ali_text=intake.ali,
            received_at=intake.received_at,
            answered_at=intake.answered_at,
            taken_by=actor.user_id,
            workstation=actor.workstation,
            created_at=now,
            class_of_service=intake.class_of_service or class_of_service_from_ali(intake.ali),
        )
        session.add(call)
        session.flush()
        carrier = intake.carrier_position
        if intake.ali or carrier is not None:
            session.add(
                Location(
                    incident_id=incident.id,
                    call_id=call.id,
                    source=LocationSource.CARRIER,
                    address=intake.ali[:300],
                    latitude=carrier.lat if carrier else None,
                    longitude=carrier.lon if carrier else None,
                    uncertainty_m=carrier.uncertainty_m if carrier else None,
                    recorded_at=now,
                )
            )
        typed = intake.position
        session.add(
            Location(
                incident_id=incident.id,
                call_id=call.id,
                source=LocationSource.GEOCODED if typed else LocationSource.MANUAL,
                address=intake.address,
                latitude=typed.lat if typed else None,
                longitude=typed.lon if typed else None,
                accepted=True,
                recorded_at=now,
            )
        )
        if intake.narrative:
            self._narrate(session, actor, incident, intake.narrative, now)
        return call

    def _narrate(
        self, session: Session, actor: Actor, incident: Incident, text: str, now: datetime
    ) -> None:
        entry = NarrativeEntry(
            incident_id=incident.id,
            at=now,
            author_id=actor.user_id,
            author_name=actor.display_name or actor.username,
            text=text,
        )
        session.add(entry)
        note_change(session, "narrative", incident.id)
        audit.record(
            session,
            actor,
            now,
            "incident.narrative",
            entity_type="incident",
            entity_id=incident.id,
            number=incident.number,
            chars=len(text),
        )

    def add_narrative(
        self, session: Session, actor: Actor, incident_id: uuid.UUID, text: str, now: datetime
    ) -> None:
        audit.require(actor, now, "incident.narrative", TAKE_CALLS, incident=str(incident_id))
        incident = self._get(session, incident_id)
        if text.strip():
            self._narrate(session, actor, incident, text.strip(), now)
            incident.updated_at = now
            note_change(session, "incident", incident.id)

    def update(
        self,
        session: Session,
        actor: Actor,
        incident_id: uuid.UUID,
        edit: IncidentEdit,
        now: datetime,
    ) -> IncidentSummary:
        audit.require(actor, now, "incident.update", TAKE_CALLS, incident=str(incident_id))
        incident = self._get(session, incident_id)
        if incident.status == IncidentStatus.CLOSED:
            raise RuleViolation(f"{incident.number} is closed and cannot be changed.")
        changed: dict[str, list[object]] = {}
        if edit.type_code is not None and edit.type_code != incident.type_code:
            kind = self.catalog.get(edit.type_code)
            if kind is None:
                raise RuleViolation(f"Unknown incident type {edit.type_code!r}.")
            changed["type"] = [incident.type_code, kind.code]
            incident.type_code, incident.apco_code = kind.code, kind.apco_code
        if edit.priority is not None and edit.priority != incident.priority:
            if edit.priority not in PRIORITIES:
                raise RuleViolation("Priority is a number from 1 to 5.")
            changed["priority"] = [incident.priority, edit.priority]
            incident.priority = edit.priority
        if edit.address is not None and edit.address != incident.address:
            changed["address"] = ["(changed)", "(changed)"]  # the text itself stays in the record
            incident.address = edit.address
            incident.address_key = edit.address_key or normalize_address(edit.address)
            typed = edit.position
            # A location the dispatcher accepted from the phone or the carrier stays: a note
            # added to the address ("rear door") must not move the incident or hide it.
            # Otherwise the old point is wrong for the new address; an unverified address puts
            # the incident off the map (listed as "not placed") rather than at the old place.
            keep = incident.location_source in (LocationSource.DEVICE, LocationSource.CARRIER)
            if not keep:
                incident.latitude = typed.lat if typed else None
                incident.longitude = typed.lon if typed else None
                incident.location_source = (
                    LocationSource.GEOCODED if typed else LocationSource.MANUAL
                )
            session.add(
                Location(
                    incident_id=incident.id,
                    source=LocationSource.GEOCODED if typed else LocationSource.MANUAL,
                    address=edit.address,
                    latitude=typed.lat if typed else None,
                    longitude=typed.lon if typed else None,
                    accepted=not keep,
                    recorded_at=now,
                )
            )
        if changed:
            incident.updated_at = now
            audit.record(
                session,
                actor,
                now,
                "incident.update",
                entity_type="incident",
                entity_id=incident.id,
                number=incident.number,
                changed=changed,
            )
            note_change(session, "incident", incident.id)
        return self._summaries(session, [incident])[0]

    def place(
        self,
        session: Session,
        actor: Actor,
        incident_id: uuid.UUID,
        position: Position,
        source: LocationSource,
        now: datetime,
        *,
        address: str = "",
    ) -> IncidentSummary:
        """The dispatcher accepts a location (a phone's GPS fix, the carrier's point, a point on
        the map) as where the incident is. The typed address stays; the record says which."""
        audit.require(actor, now, "incident.locate", TAKE_CALLS, incident=str(incident_id))
        incident = self._get(session, incident_id)
        if incident.status == IncidentStatus.CLOSED:
            raise RuleViolation(f"{incident.number} is closed and cannot be changed.")
        incident.latitude, incident.longitude = position.lat, position.lon
        incident.location_source = source
        incident.updated_at = now
        session.add(
            Location(
                incident_id=incident.id,
                source=source,
                address=address[:300],
                latitude=position.lat,
                longitude=position.lon,
                uncertainty_m=position.uncertainty_m,
                accepted=True,
                recorded_at=now,
            )
        )
        label = {
            LocationSource.DEVICE: "caller's device location",
            LocationSource.CARRIER: "carrier location",
            LocationSource.GEOCODED: "verified address",
            LocationSource.MANUAL: "point set on the map",
        }[source]
        line = f"Location accepted: {label} {position.text()}"
        self._narrate(session, actor, incident, line, now)
        audit.record(
            session,
            actor,
            now,
            "incident.locate",
            entity_type="incident",
            entity_id=incident.id,
            number=incident.number,
            source=source.value,
        )
        note_change(session, "incident", incident.id)
        return self._summaries(session, [incident])[0]

    def amend(
        self, session: Session, actor: Actor, incident_id: uuid.UUID, edit: ValidEdit, now: datetime
    ) -> IncidentSummary:
        """Save the call-taker's follow-up (changes and a narrative entry) in one go."""
        summary = self.update(
            session,
            actor,
            incident_id,
            IncidentEdit(
                type_code=edit.incident_type.code,
                priority=edit.priority,
                address=edit.address,
                address_key=edit.address_key,
                position=edit.position,
            ),
            now,
        )
        if edit.narrative:
            self.add_narrative(session, actor, incident_id, edit.narrative, now)
            summary = self.summary(session, incident_id)
        return summary

    def close(
        self,
        session: Session,
        actor: Actor,
        incident_id: uuid.UUID,
        disposition: str,
        now: datetime,
    ) -> IncidentSummary:
        """Close with a disposition; units still assigned are cleared first (each audited)."""
        audit.require(actor, now, "incident.close", TAKE_CALLS, incident=str(incident_id))
        incident = self._get(session, incident_id)
        if incident.status == IncidentStatus.CLOSED:
            raise RuleViolation(f"{incident.number} is already closed.")
        if disposition not in self.dispositions:
            raise RuleViolation(f"Choose a disposition from the list; {disposition!r} is not one.")
        assigned = session.scalars(
            select(Assignment.unit_id).where(
                Assignment.incident_id == incident.id, Assignment.cleared_at.is_(None)
            )
        ).all()
        for unit_id in assigned:
            self.units.clear(session, actor, unit_id, now)
        incident.status = IncidentStatus.CLOSED
        incident.disposition = disposition
        incident.closed_at = incident.updated_at = now
        audit.record(
            session,
            actor,
            now,
            "incident.close",
            entity_type="incident",
            entity_id=incident.id,
            number=incident.number,
            disposition=disposition,
            units_cleared=len(assigned),
        )
        note_change(session, "incident", incident.id)
        return self._summaries(session, [incident])[0]

    def _get(self, session: Session, incident_id: uuid.UUID) -> Incident:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFound(f"No incident {incident_id}")
        return incident
