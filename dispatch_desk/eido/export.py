"""An incident as a NENA EIDO document (NENA-STA-021, ``EmergencyIncidentDataObjectType``).

What goes where:
- incidentComponent: the agency's type (internal code and label) and its APCO common type, the
  priority, status, number (internalIncidentId), disposition (with the closing time), and
  references to the incident's place, the callers and the agents who worked it;
- callComponent + callbackComponent: each call (received, answered, who took it, kind), its ANI
  (the device's contact) and callback number as tel: URIs; the class of service as additional
  data, since EIDO has no field for it;
- locationComponent: the accepted place (address, and lat/lon as PIDF-LO), then every location
  report (the carrier's ALI, the phone's GPS trail), each with its source and time;
- personComponent: the caller of each call (name in the NIEM person component);
- agencyComponent / agentComponent: the agency of the profile, the users who acted;
- emergencyResourceComponent + dispatchComponent: the units assigned, with every status change
  (time-stamped, in unitStatusInternal) and who assigned them;
- notesComponent: the narrative (author, time), then texts to and from the caller and the live
  session's chat, each line saying which conversation it belongs to.
The incident's creation and closing times travel as additional data (EIDO has no such field).

Reads only; the caller audits the export (it holds caller data).
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.domain.agency import AgencyProfile, IncidentTypeCatalog
from dispatch_desk.domain.citizen import Direction
from dispatch_desk.domain.enums import IncidentStatus, LocationSource
from dispatch_desk.domain.texting import SmsDirection
from dispatch_desk.eido.ids import (
    EIDO_VERSION,
    LOCATION_CALLER,
    LOCATION_INCIDENT,
    PURPOSE_CLASS_OF_SERVICE,
    PURPOSE_TIMES,
    incident_urn,
    ref,
    stamp,
    urn,
)
from dispatch_desk.geo.pidf import PidfLocation, to_pidf
from dispatch_desk.services.context import NotFound
from dispatch_desk.storage.models import (
    Assignment,
    Call,
    Caller,
    CameraStill,
    CitizenMedia,
    CitizenMessage,
    Incident,
    Location,
    NarrativeEntry,
    SmsMessage,
    Unit,
    UnitStatusEvent,
    User,
)

_METHOD = {
    LocationSource.DEVICE: "GPS",
    LocationSource.CARRIER: "Cell",
    LocationSource.GEOCODED: "Manual",
    LocationSource.MANUAL: "Manual",
}
_CALL_TYPE = {"phone": "Voice", "text": "Text", "video": "Video"}
_RESOURCE_TYPE = {"police": "Law Enforcement", "fire": "Fire", "ems": "EMS", "other": "Other"}


def jcard(name: str) -> str:
    """A jCard (RFC 7095) with the formatted name, as the JSON text EIDO carries."""
    return json.dumps(["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", name]]])


def _pidf(lat: float, lon: float, radius: float | None, at: datetime, method: str, who: str) -> str:
    return to_pidf(PidfLocation(lat, lon, radius, at, method, who))


@dataclass
class _Builder:
    session: Session
    incident: Incident
    issuer: str
    agency_id: str
    now: str

    def __post_init__(self) -> None:
        self.agents: dict[str, dict[str, Any]] = {}

    def prologue(self, kind: str, key: uuid.UUID | str, at: datetime | None) -> dict[str, Any]:
        return {
            "$id": urn(self.issuer, kind, key),
            "lastUpdateTimeStamp": stamp(at) if at else self.now,
            "updatedByAgencyReference": ref(self.agency_id),
        }

    def agent(self, user_id: uuid.UUID | None, name: str, workstation: str = "") -> str:
        """The agentComponent entry of a user (or of a name alone: an imported author)."""
        key = str(user_id) if user_id else f"name:{name}"
        found = self.agents.get(key)
        if found is None:
            user = self.session.get(User, user_id) if user_id else None
            found = {
                **self.prologue("agent", user.username if user else key, None),
                "agentJcard": jcard(user.display_name if user else name),
                "agentRoleRegistryText": [user.role.value if user else "unknown"],
                "agencyReference": ref(self.agency_id),
            }
            if workstation:
                found["agentWorkstationPositionIdentification"] = workstation
            self.agents[key] = found
        return str(found["$id"])

    def user_name(self, user_id: uuid.UUID | None) -> str:
        user = self.session.get(User, user_id) if user_id else None
        return user.display_name if user else ""


def build_document(
    session: Session,
    incident_id: uuid.UUID,
    *,
    issuer: str,
    agency: AgencyProfile | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The incident as an EIDO document (a JSON-ready dict). ``issuer`` names the functional
    element issuing it (this workstation); ``agency`` is the profile of the agency (its name
    and code; without it the issuer stands for the agency). NotFound if there is no incident."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"No incident {incident_id}.")
    issued = now or incident.updated_at
    agency_key = agency.code if agency else issuer
    agency_id = urn(issuer, "agency", agency_key)
    b = _Builder(session, incident, issuer, agency_id, stamp(issued))

    label = incident.type_code
    if agency is not None:
        kind = IncidentTypeCatalog(agency).get(incident.type_code)
        label = kind.label if kind else label

    locations, incident_location = _locations(b)
    calls, callbacks, persons, extra = _calls(b)
    resources, dispatches = _units(b)
    notes = _notes(b)
    media = _media(b)

    times: dict[str, str] = {"created": stamp(incident.created_at)}
    if incident.closed_at:
        times["closed"] = stamp(incident.closed_at)
    extra.insert(
        0,
        {
            **b.prologue("times", incident.id, incident.updated_at),
            "urlPurpose": PURPOSE_TIMES,
            "additionalDataByValue": json.dumps(times, sort_keys=True),
        },
    )
    component: dict[str, Any] = {
        **b.prologue("incident", incident.id, incident.updated_at),
        "incidentTypeCommonRegistryText": incident.apco_code,
        "incidentTypeInternalCode": incident.type_code,
        "incidentTypeInternalText": label,
        "incidentStatusInternalText": [incident.status.value],
        "internalIncidentId": incident.number,
        "incidentPriorityInternalText": str(incident.priority),
        "incidentCommonPriorityNumber": incident.priority,
        "locationReference": [ref(incident_location)],
        "personReference": [ref(p["$id"]) for p in persons],
        "notesReference": [ref(n["$id"]) for n in notes],
        "mediaReferences": [ref(m["$id"]) for m in media],
    }
    if incident.created_by:
        component["agentReference"] = [ref(b.agent(incident.created_by, "", incident.workstation))]
    if incident.status == IncidentStatus.CLOSED or incident.disposition:
        component["dispositionComponent"] = [
            {
                **b.prologue("disposition", incident.id, incident.closed_at or incident.updated_at),
                "dispositionCommonRegistryCode": incident.disposition or "",
                "dispositionPrimaryIndicator": True,
            }
        ]
    agency_entry = {
        "$id": agency_id,
        "lastUpdateTimeStamp": b.now,
        "updatedByAgencyReference": ref(agency_id),
        "agencyJcard": jcard(agency.name if agency else issuer),
        "agencyRoleDescriptionRegistryText": ["PSAP"],
        "agencyType": ["PSAP"],
        "incidentOwningAgencyIndicator": True,
    }
    document: dict[str, Any] = {
        "$id": urn(issuer, "eido", f"{incident.id}:{stamp(issued)}"),
        "lastUpdateTimeStamp": b.now,
        "updatedByAgencyReference": ref(agency_id),
        "eidoVersion": EIDO_VERSION,
        "issuingElementIdentification": issuer,
        "incidentComponent": component,
        "callComponent": calls,
        "callbackComponent": callbacks,
        "locationComponent": locations,
        "personComponent": persons,
        "agencyComponent": [agency_entry],
        "agentComponent": list(b.agents.values()),
        "emergencyResourceComponent": resources,
        "dispatchComponent": dispatches,
        "notesComponent": notes,
        "additionalDataComponent": extra,
        "mediaComponent": media,
    }
    if not media:
        del component["mediaReferences"]
    return {k: v for k, v in document.items() if v != []}


def _locations(b: _Builder) -> tuple[list[dict[str, Any]], str]:
    incident = b.incident
    out: list[dict[str, Any]] = []
    place: dict[str, Any] = {
        **b.prologue("place", incident.id, incident.updated_at),
        "locationTypeDescriptionRegistryText": LOCATION_INCIDENT,
        "locationDescriptionText": incident.address,
    }
    if incident.latitude is not None and incident.longitude is not None:
        place["locationByValue"] = _pidf(
            incident.latitude,
            incident.longitude,
            None,
            incident.updated_at,
            _METHOD.get(incident.location_source or LocationSource.MANUAL, "Manual"),
            b.issuer,
        )
    if incident.location_source is not None:
        place["localIdentifier"] = [f"source:{incident.location_source.value}"]
    out.append(place)
    rows = b.session.scalars(
        select(Location)
        .where(Location.incident_id == incident.id)
        .order_by(Location.recorded_at, Location.id)
    )
    for row in rows:
        entry: dict[str, Any] = {
            **b.prologue("location", row.id, row.recorded_at),
            "locationTypeDescriptionRegistryText": LOCATION_CALLER
            if row.source in (LocationSource.CARRIER, LocationSource.DEVICE)
            else LOCATION_INCIDENT,
            "localIdentifier": [f"source:{row.source.value}"] + (["accepted"] * row.accepted),
        }
        if row.address:
            entry["locationDescriptionText"] = row.address
        if row.latitude is not None and row.longitude is not None:
            entry["locationByValue"] = _pidf(
                row.latitude,
                row.longitude,
                row.uncertainty_m,
                row.recorded_at,
                _METHOD[row.source],
                b.issuer,
            )
        out.append(entry)
    return out, str(place["$id"])


def _calls(
    b: _Builder,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    calls, callbacks, persons, extra = [], [], [], []
    rows = b.session.execute(
        select(Call, Caller)
        .outerjoin(Caller, Caller.id == Call.caller_id)
        .where(Call.incident_id == b.incident.id)
        .order_by(Call.created_at, Call.id)
    ).all()
    for call, caller in rows:
        call_id = urn(b.issuer, "call", call.id)
        start = call.received_at or call.created_at
        entry: dict[str, Any] = {
            **b.prologue("call", call.id, call.created_at),
            "callStartTimestamp": stamp(start),
            "direction": "incoming",
            "standardPrimaryCallType": "Emergency",
            "standardSecondaryCallType": _CALL_TYPE.get(call.kind.value, "Voice"),
            "localCallType": call.kind.value,
            "callStateRegistryText": "Answered" if call.answered_at else "Received",
            "agencyReference": [ref(b.agency_id)],
            "locationReference": [
                ref(urn(b.issuer, "location", lid))
                for lid in b.session.scalars(
                    select(Location.id)
                    .where(Location.call_id == call.id)
                    .order_by(Location.recorded_at, Location.id)
                )
            ],
        }
        if call.answered_at:
            entry["answerDate"] = stamp(call.answered_at)
        if call.taken_by:
            entry["agentReference"] = [ref(b.agent(call.taken_by, "", call.workstation))]
        if call.callback_e164 or call.ani_e164:
            callback: dict[str, Any] = b.prologue("callback", call.id, call.created_at)
            if call.callback_e164:
                callback["callBackInformationUri"] = [f"tel:{call.callback_e164}"]
            if call.ani_e164:
                callback["deviceContactHeader"] = f"tel:{call.ani_e164}"
            callbacks.append(callback)
            entry["callBackReference"] = ref(callback["$id"])
        if call.class_of_service:
            cos = {
                **b.prologue("cos", call.id, call.created_at),
                "urlPurpose": PURPOSE_CLASS_OF_SERVICE,
                "additionalDataByValue": call.class_of_service,
            }
            extra.append(cos)
            entry["additionalDataReference"] = [ref(cos["$id"])]
        if caller is not None:
            person: dict[str, Any] = {
                **b.prologue("person", caller.id, caller.created_at),
                "personIncidentRoleRegistryText": ["Caller"],
                "callIdentifier": [call_id],
                "locationReference": entry["locationReference"],
            }
            if caller.name:
                person["ncPersonComponent"] = {"PersonName": {"PersonFullName": caller.name}}
            if "callBackReference" in entry:
                person["callBackReference"] = entry["callBackReference"]
            persons.append(person)
            entry["personReference"] = [ref(person["$id"])]
        calls.append({k: v for k, v in entry.items() if v != []})
    return calls, callbacks, persons, extra


def _units(b: _Builder) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    resources, dispatches = [], []
    assignments = b.session.execute(
        select(Assignment, Unit)
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(Assignment.incident_id == b.incident.id)
        .order_by(Assignment.assigned_at, Assignment.id)
    ).all()
    seen: set[uuid.UUID] = set()
    for assignment, unit in assignments:
        if unit.id not in seen:
            seen.add(unit.id)
            events = list(
                b.session.scalars(
                    select(UnitStatusEvent)
                    .where(
                        UnitStatusEvent.unit_id == unit.id,
                        UnitStatusEvent.incident_id == b.incident.id,
                    )
                    .order_by(UnitStatusEvent.at, UnitStatusEvent.id)
                )
            )
            agents = [ref(b.agent(e.user_id, "", e.workstation)) for e in events if e.user_id]
            last = events[-1].status.value if events else unit.status.value
            resources.append(
                {
                    **b.prologue("unit", unit.call_sign, events[-1].at if events else None),
                    "emergencyResourceTypeCommonRegistryText": _RESOURCE_TYPE.get(
                        unit.discipline.value, "Other"
                    ),
                    "emergencyResourceTypeInternalText": unit.discipline.value,
                    "emergencyResourceName": unit.call_sign,
                    "resourceAttributeRegistryText": [],
                    "primaryUnitStatusRegistryText": last,
                    "secondaryUnitStatusRegistryText": [],
                    # Every status change on this incident, "<status> <time>", oldest first.
                    "unitStatusInternal": [f"{e.status.value} {stamp(e.at)}" for e in events],
                    "agentReference": list({a["$ref"]: a for a in agents}.values()),
                    "activeOnIncidentId": incident_urn(b.issuer, b.incident.id),
                }
            )
        dispatch: dict[str, Any] = {
            **b.prologue("dispatch", assignment.id, assignment.assigned_at),
            "agencyReference": ref(b.agency_id),
            "emergencyResourceReference": [ref(urn(b.issuer, "unit", unit.call_sign))],
        }
        if assignment.assigned_by:
            dispatch["agentReference"] = ref(b.agent(assignment.assigned_by, ""))
        dispatches.append(dispatch)
    return resources, dispatches


def _notes(b: _Builder) -> list[dict[str, Any]]:
    notes: list[tuple[datetime, str, dict[str, Any]]] = []
    narrated: set[tuple[datetime, str]] = set()
    for entry in b.session.scalars(
        select(NarrativeEntry)
        .where(NarrativeEntry.incident_id == b.incident.id)
        .order_by(NarrativeEntry.at, NarrativeEntry.id)
    ):
        note = {**b.prologue("note", entry.id, entry.at), "notesActionComments": entry.text}
        if entry.author_id or entry.author_name:
            note["agentReference"] = ref(b.agent(entry.author_id, entry.author_name))
        notes.append((entry.at, str(entry.id), note))
        narrated.add((entry.at, entry.text))
    for sms in b.session.scalars(
        select(SmsMessage)
        .where(SmsMessage.incident_id == b.incident.id)
        .order_by(SmsMessage.created_at, SmsMessage.id)
    ):
        if sms.direction == SmsDirection.IN:
            line = f"Text from {sms.from_e164 or 'caller'}: {sms.body}"
        else:
            line = f"Text to {sms.to_e164} ({sms.status.value}): {sms.body}"
        note = {**b.prologue("sms", sms.id, sms.created_at), "notesActionComments": line}
        if sms.user_id:
            note["agentReference"] = ref(b.agent(sms.user_id, ""))
        notes.append((sms.created_at, str(sms.id), note))
    for message in b.session.scalars(
        select(CitizenMessage)
        .where(CitizenMessage.incident_id == b.incident.id)
        .order_by(CitizenMessage.at, CitizenMessage.id)
    ):
        # The live session narrates each chat line as it is stored; those are not repeated.
        prefix = (
            "Chat from caller" if message.direction == Direction.FROM_CALLER else "Chat to caller"
        )
        if (message.at, f"{prefix}: {message.text}") in narrated:
            continue
        who = "caller" if message.direction == Direction.FROM_CALLER else "desk"
        if message.author_name:
            who = f"{who}, {message.author_name}"
        line = f"Live session chat ({who}): {message.text}"
        note = {**b.prologue("chat", message.id, message.at), "notesActionComments": line}
        notes.append((message.at, str(message.id), note))
    notes.sort(key=lambda item: (item[0], item[1]))
    return [note for _, _, note in notes]


def named_information(sha256_hex: str) -> str:
    """The RFC 6920 name of a file by its SHA-256 (``ni:///sha-256;...``): the file itself is
    not in the document; whoever holds it (an evidence package) can match it by hash."""
    digest = base64.urlsafe_b64encode(bytes.fromhex(sha256_hex)).decode().rstrip("=")
    return f"ni:///sha-256;{digest}"


def _media(b: _Builder) -> list[dict[str, Any]]:
    """The session's recordings, photos and stills, and camera stills, named by hash."""
    items: list[tuple[datetime, str, dict[str, Any]]] = []
    for row in b.session.scalars(
        select(CitizenMedia).where(CitizenMedia.incident_id == b.incident.id)
    ):
        items.append(
            (
                row.at,
                str(row.id),
                _media_entry(
                    b, row.id, row.at, row.sha256, row.mime, f"{row.kind.value}: {row.file_name}"
                ),
            )
        )
    for still in b.session.scalars(
        select(CameraStill).where(CameraStill.incident_id == b.incident.id)
    ):
        items.append(
            (
                still.at,
                str(still.id),
                _media_entry(
                    b,
                    still.id,
                    still.at,
                    still.sha256,
                    "image/jpeg",
                    f"camera still: {still.file_name}",
                ),
            )
        )
    items.sort(key=lambda item: (item[0], item[1]))
    return [entry for _, _, entry in items if entry]


def _media_entry(
    b: _Builder, key: uuid.UUID, at: datetime, sha256: str, mime: str, label: str
) -> dict[str, Any]:
    try:
        uri = named_information(sha256)
    except ValueError:  # a hash never recorded properly: the file cannot be named
        return {}
    return {
        **b.prologue("media", key, at),
        "uri": uri,
        "contentType": mime or "application/octet-stream",
        "label": label,
    }
