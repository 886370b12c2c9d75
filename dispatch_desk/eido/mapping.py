"""How each EIDO component becomes rows of the local store (see importer for the whole)."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dispatch_desk.domain.enums import CallKind, LocationSource
from dispatch_desk.domain.location import Position, PositionError
from dispatch_desk.domain.phone import normalize_phone
from dispatch_desk.eido.checks import COMPONENT_LISTS, Problem, clean_text, printable
from dispatch_desk.eido.ids import (
    LOCATION_INCIDENT,
    PURPOSE_CLASS_OF_SERVICE,
    PURPOSE_TIMES,
    parse_stamp,
)
from dispatch_desk.geo.pidf import PidfError, from_pidf
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.models import (
    Call,
    Caller,
    Incident,
    Location,
    NarrativeEntry,
)

NOTE_LIMIT = 20_000
_KINDS = {"voice": CallKind.PHONE, "text": CallKind.TEXT, "video": CallKind.VIDEO}
_METHOD_SOURCE = {"GPS": LocationSource.DEVICE, "CELL": LocationSource.CARRIER}
# What the importer reads of each component; every other field present is reported.
_READ: dict[str, set[str]] = {
    "incidentComponent": {
        "incidentTypeCommonRegistryText",
        "incidentTypeInternalCode",
        "incidentTypeInternalText",
        "incidentStatusInternalText",
        "internalIncidentId",
        "incidentPriorityInternalText",
        "incidentCommonPriorityNumber",
        "locationReference",
        "personReference",
        "notesReference",
        "agentReference",
        "dispositionComponent",
    },
    "callComponent": {
        "callStartTimestamp",
        "answerDate",
        "direction",
        "standardPrimaryCallType",
        "standardSecondaryCallType",
        "localCallType",
        "callStateRegistryText",
        "callBackReference",
        "locationReference",
        "personReference",
        "agentReference",
        "agencyReference",
        "additionalDataReference",
    },
    "callbackComponent": {"callBackInformationUri", "deviceContactHeader"},
    "locationComponent": {
        "locationTypeDescriptionRegistryText",
        "locationByValue",
        "locationDescriptionText",
        "localIdentifier",
    },
    "personComponent": {
        "personIncidentRoleRegistryText",
        "ncPersonComponent",
        "callIdentifier",
        "callBackReference",
        "locationReference",
    },
    "notesComponent": {"notesActionComments", "agentReference"},
    "agencyComponent": {
        "agencyJcard",
        "agencyRoleDescriptionRegistryText",
        "agencyType",
        "incidentOwningAgencyIndicator",
    },
    "agentComponent": {
        "agentJcard",
        "agentRoleRegistryText",
        "agencyReference",
        "agentWorkstationPositionIdentification",
    },
    "emergencyResourceComponent": {
        "emergencyResourceName",
        "emergencyResourceTypeCommonRegistryText",
        "emergencyResourceTypeInternalText",
        "primaryUnitStatusRegistryText",
        "unitStatusInternal",
        "secondaryUnitStatusRegistryText",
        "resourceAttributeRegistryText",
        "agentReference",
        "activeOnIncidentId",
    },
    "dispatchComponent": {"agencyReference", "agentReference", "emergencyResourceReference"},
    "additionalDataComponent": {"urlPurpose", "additionalDataByValue"},
}
_PROLOGUE = {"$id", "lastUpdateTimeStamp", "updatedByAgencyReference", "updatedByAgentReference"}
_TOP = {
    "$id",
    "lastUpdateTimeStamp",
    "updatedByAgencyReference",
    "updatedByAgentReference",
    "eidoVersion",
    "issuingElementIdentification",
    "@context",
}


@dataclass
class ImportReport:
    incident_id: uuid.UUID
    number: str
    eido_id: str
    created: bool  # False: the incident was already here (re-import, or our own)
    calls: int = 0
    callers: int = 0
    locations: int = 0
    notes: int = 0
    not_mapped: list[Problem] = field(default_factory=list)

    def lines(self) -> list[str]:
        if not self.created:
            shown = printable(self.eido_id)
            return [f"{shown} is already here as incident {self.number}; nothing imported"]
        out = [
            f"imported {printable(self.eido_id)} as incident {self.number}: {self.calls} call(s), "
            f"{self.callers} caller(s), {self.locations} location(s), {self.notes} note(s)"
        ]
        if self.not_mapped:
            out.append(f"not mapped ({len(self.not_mapped)}):")
            out.extend(f"  {p}" for p in self.not_mapped)
        return out


def _name_from_jcard(text: Any) -> str:
    try:
        card = json.loads(text) if isinstance(text, str) else None
        for prop in card[1]:  # type: ignore[index]
            if prop[0] == "fn" and isinstance(prop[3], str):
                return str(prop[3])
    except (ValueError, TypeError, IndexError, KeyError, RecursionError):
        pass
    return ""


def _person_name(component: Any) -> str:
    if not isinstance(component, dict):
        return ""
    name = component.get("PersonName", component.get("nc:PersonName"))
    if not isinstance(name, dict):
        return ""
    full = name.get("PersonFullName", name.get("nc:PersonFullName"))
    if isinstance(full, str):
        return full
    parts = [
        name.get(k, name.get(f"nc:{k}"))
        for k in ("PersonGivenName", "PersonMiddleName", "PersonSurName")
    ]
    return " ".join(p for p in parts if isinstance(p, str) and p)


def _tel(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    raw = value.strip()
    raw = raw.split(":", 1)[1] if raw.lower().startswith(("tel:", "sip:")) else raw
    raw = raw.split(";", 1)[0].split("@", 1)[0]
    phone = normalize_phone(raw)
    return phone if isinstance(phone, str) else None


class ImportJob:
    def __init__(self, session: Session, actor: Actor, doc: dict[str, Any], at: datetime) -> None:
        self.session, self.actor, self.doc, self.at = session, actor, doc, at
        self.report_items: list[Problem] = []
        self.index: dict[str, tuple[str, dict[str, Any]]] = {}
        for name in COMPONENT_LISTS:  # checked: lists of objects, each with its own $id
            for n, item in enumerate(doc.get(name, [])):
                self.index[item["$id"]] = (f"$.{name}[{n}]", item)
        self.used: set[str] = set()

    def skip(self, path: str, reason: str) -> None:
        self.report_items.append(Problem(path, reason))

    def get(self, reference: Any, component: str) -> dict[str, Any] | None:
        """The object a reference names, if it is one of ``component`` (a reference to
        something of another kind is treated as a reference to nothing)."""
        target = reference.get("$ref") if isinstance(reference, dict) else None
        found = self.index.get(target) if isinstance(target, str) else None
        if found is None or not found[0].startswith(f"$.{component}["):
            return None
        return found[1]

    def text(self, value: Any, path: str, limit: int) -> str:
        if not isinstance(value, str):
            return ""
        cleaned, changed = clean_text(value, limit)
        if changed:
            self.skip(path, f"control characters removed or cut to {limit:,} characters")
        return cleaned

    def extras(self, name: str, path: str, obj: dict[str, Any]) -> None:
        for key in sorted(set(obj) - _PROLOGUE - _READ.get(name, set())):
            self.skip(f"{path}.{key}", "not mapped: the desk has no place for it")


def narrate(
    session: Session, incident: Incident, at: datetime, author: str, text: str, actor: Actor | None
) -> None:
    session.add(
        NarrativeEntry(
            incident_id=incident.id,
            at=at,
            author_id=actor.user_id if actor else None,
            author_name=author[:128],
            text=text,
        )
    )


def map_times(job: ImportJob) -> dict[str, datetime]:
    found: dict[str, datetime] = {}
    for path, item in job.index.values():
        if path.startswith("$.additionalDataComponent") and item.get("urlPurpose") == PURPOSE_TIMES:
            job.used.add(item["$id"])
            try:
                values = json.loads(item.get("additionalDataByValue", ""))
                for key in ("created", "closed"):
                    if key in values:
                        found[key] = parse_stamp(values[key])
            except (ValueError, TypeError, AttributeError, RecursionError):
                job.skip(
                    f"{path}.additionalDataByValue", "not the incident's times as we write them"
                )
    return found


def earliest_call(doc: dict[str, Any]) -> datetime | None:
    starts = [parse_stamp(c["callStartTimestamp"]) for c in doc.get("callComponent", [])]
    return min(starts) if starts else None


def _position(job: ImportJob, location: dict[str, Any], path: str) -> Position | None:
    xml = location.get("locationByValue")
    if not xml:
        return None
    try:
        found = from_pidf(xml)
        first = found[0]
        position = Position.checked(first.lat, first.lon, first.radius_m)
    except (PidfError, PositionError) as exc:
        job.skip(f"{path}.locationByValue", f"not used: {exc}")
        return None
    if len(found) > 1:
        job.skip(f"{path}.locationByValue", f"{len(found)} shapes; the first is used")
    return position


def _source(location: dict[str, Any]) -> LocationSource | None:
    for ident in location.get("localIdentifier", []):
        if ident.startswith("source:"):
            try:
                return LocationSource(ident.removeprefix("source:"))
            except ValueError:
                return None
    xml = location.get("locationByValue") or ""
    method = re.search(r"<(?:\w+:)?method>([^<]*)<", xml)
    return _METHOD_SOURCE.get(method.group(1).strip().upper()) if method else None


def map_place(job: ImportJob, component: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The incident's place: the first location the incident refers to (the doc's own)."""
    for n, ref in enumerate(component.get("locationReference", [])):
        location = job.get(ref, "locationComponent")
        if location is None:
            job.skip(
                f"$.incidentComponent.locationReference[{n}]",
                "refers to no location in the document",
            )
            continue
        path = job.index[location["$id"]][0]
        position = _position(job, location, path)
        source = _source(location) or (
            LocationSource.GEOCODED if position else LocationSource.MANUAL
        )
        return (
            {
                "address": job.text(location.get("locationDescriptionText", ""), path, 300),
                "lat": position.lat if position else None,
                "lon": position.lon if position else None,
                "source": source,
            },
            location["$id"],
        )
    job.skip(
        "$.incidentComponent.locationReference",
        "no place for the incident: it is listed as not on the map",
    )
    return {"address": "", "lat": None, "lon": None, "source": LocationSource.MANUAL}, None


def map_calls(job: ImportJob, incident: Incident, report: ImportReport) -> dict[str, uuid.UUID]:
    ids: dict[str, uuid.UUID] = {}
    persons = {
        cid: person
        for person in job.doc.get("personComponent", [])
        for cid in person.get("callIdentifier", [])
    }
    for n, call in enumerate(job.doc.get("callComponent", [])):
        path = f"$.callComponent[{n}]"
        job.used.add(call["$id"])
        job.extras("callComponent", path, call)
        callback = job.get(call.get("callBackReference"), "callbackComponent") or {}
        if callback:
            job.used.add(callback["$id"])
            job.extras("callbackComponent", job.index[callback["$id"]][0], callback)
        uris = callback.get("callBackInformationUri", [])
        callback_e164 = _tel(uris[0]) if uris else None
        ani = _tel(callback.get("deviceContactHeader"))
        if uris and callback_e164 is None:
            job.skip(
                f"{job.index[callback['$id']][0]}.callBackInformationUri",
                f"{uris[0]!r} is not a phone number"[:200],
            )
        kind = _KINDS.get(str(call.get("standardSecondaryCallType", "")).lower(), CallKind.PHONE)
        if call.get("localCallType") in {k.value for k in CallKind}:
            kind = CallKind(call["localCallType"])
        if call["direction"] != "incoming":
            job.skip(
                f"{path}.direction",
                f"a {call['direction']} call is kept as a call about the incident",
            )
        cos = ""
        for ref in call.get("additionalDataReference", []):
            extra = job.get(ref, "additionalDataComponent")
            if extra and extra.get("urlPurpose") == PURPOSE_CLASS_OF_SERVICE:
                job.used.add(extra["$id"])
                cos = job.text(
                    extra.get("additionalDataByValue", ""), f"{path}.additionalDataReference", 8
                )
        person = None
        for ref in call.get("personReference", []):
            person = person or job.get(ref, "personComponent")
        person = person or persons.get(call["$id"])
        caller_id = None
        if person is not None:
            job.used.add(person["$id"])
            person_path = job.index[person["$id"]][0]
            job.extras("personComponent", person_path, person)
            name = job.text(_person_name(person.get("ncPersonComponent")), person_path, 200)
            caller = Caller(
                phone_e164=callback_e164,
                name=name,
                created_at=parse_stamp(person["lastUpdateTimeStamp"]),
            )
            job.session.add(caller)
            job.session.flush()  # parents first: the models have no relationship()s to order them
            caller_id = caller.id
            report.callers += 1
        ali = ""
        for ref in call.get("locationReference", []):
            location = job.get(ref, "locationComponent")
            if location and _source(location) == LocationSource.CARRIER:
                ali = job.text(
                    location.get("locationDescriptionText", ""), job.index[location["$id"]][0], 2000
                )
                break
        row = Call(
            incident_id=incident.id,
            caller_id=caller_id,
            kind=kind,
            ani_e164=ani,
            callback_e164=callback_e164,
            ali_text=ali,
            received_at=parse_stamp(call["callStartTimestamp"]),
            answered_at=parse_stamp(call["answerDate"]) if call.get("answerDate") else None,
            taken_by=None,
            workstation=job.actor.workstation,
            created_at=parse_stamp(call["lastUpdateTimeStamp"]),
            class_of_service=cos,
        )
        job.session.add(row)
        job.session.flush()
        ids[call["$id"]] = row.id
        for ref in call.get("locationReference", []):
            if isinstance(ref.get("$ref"), str):
                ids.setdefault(ref["$ref"], row.id)
        report.calls += 1
    return ids


def map_locations(
    job: ImportJob,
    incident: Incident,
    call_ids: dict[str, uuid.UUID],
    place_id: str | None,
    report: ImportReport,
) -> None:
    for n, location in enumerate(job.doc.get("locationComponent", [])):
        path = f"$.locationComponent[{n}]"
        job.used.add(location["$id"])
        job.extras("locationComponent", path, location)
        if location["$id"] == place_id:
            continue  # the incident's own place: on the incident row
        position = _position(job, location, path)
        address = job.text(location.get("locationDescriptionText", ""), path, 300)
        if position is None and not address:
            job.skip(path, "neither an address nor a position by value: not kept")
            continue
        kind = location["locationTypeDescriptionRegistryText"]
        source = _source(location) or (
            LocationSource.MANUAL if kind == LOCATION_INCIDENT else LocationSource.CARRIER
        )
        call_id = call_ids.get(location["$id"])
        job.session.add(
            Location(
                incident_id=incident.id,
                call_id=call_id,
                source=source,
                address=address,
                latitude=position.lat if position else None,
                longitude=position.lon if position else None,
                uncertainty_m=position.uncertainty_m if position else None,
                accepted="accepted" in location.get("localIdentifier", []),
                recorded_at=parse_stamp(location["lastUpdateTimeStamp"]),
            )
        )
        report.locations += 1


def map_agencies(job: ImportJob) -> str:
    names = []
    for n, agency in enumerate(job.doc.get("agencyComponent", [])):
        path = f"$.agencyComponent[{n}]"
        job.used.add(agency["$id"])
        job.extras("agencyComponent", path, agency)
        name = (
            job.text(_name_from_jcard(agency.get("agencyJcard")), path, 200) or agency["$id"][:200]
        )
        names.append(name + (" (owning)" if agency.get("incidentOwningAgencyIndicator") else ""))
    return ", ".join(names)


def _agent_name(job: ImportJob, reference: Any) -> str:
    agent = job.get(reference, "agentComponent")
    if agent is None:
        return ""
    job.used.add(agent["$id"])
    return _name_from_jcard(agent.get("agentJcard"))


def map_notes(job: ImportJob, incident: Incident, report: ImportReport) -> None:
    for n, note in enumerate(job.doc.get("notesComponent", [])):
        path = f"$.notesComponent[{n}]"
        job.used.add(note["$id"])
        job.extras("notesComponent", path, note)
        text = job.text(note["notesActionComments"], f"{path}.notesActionComments", NOTE_LIMIT)
        if not text.strip():
            continue
        # No author (a caller's text): none is made up, so the line reads as it did there.
        author = job.text(_agent_name(job, note.get("agentReference")), path, 128)
        narrate(
            job.session,
            incident,
            parse_stamp(note["lastUpdateTimeStamp"]),
            author,
            text,
            None,
        )
        report.notes += 1


def map_units(job: ImportJob, incident: Incident, at: datetime) -> None:
    """The sending side's units are not ours to assign: one narrative line names them."""
    lines = []
    for n, unit in enumerate(job.doc.get("emergencyResourceComponent", [])):
        path = f"$.emergencyResourceComponent[{n}]"
        job.used.add(unit["$id"])
        job.extras("emergencyResourceComponent", path, unit)
        name = unit.get("emergencyResourceName") or unit["$id"]
        kind = unit["emergencyResourceTypeCommonRegistryText"]
        changes = (
            "; ".join(unit.get("unitStatusInternal", [])) or unit["primaryUnitStatusRegistryText"]
        )
        lines.append(job.text(f"{name} ({kind}): {changes}", path, 2000))
        job.skip(path, "not assigned: a unit of the sending side (named in the narrative)")
    for n, dispatch in enumerate(job.doc.get("dispatchComponent", [])):
        job.used.add(dispatch["$id"])
        job.extras("dispatchComponent", f"$.dispatchComponent[{n}]", dispatch)
    if lines:
        narrate(job.session, incident, at, "EIDO import", "EIDO units: " + " | ".join(lines), None)


def report_unread(job: ImportJob) -> None:
    """Report what no mapping used: whole components and unknown top-level fields."""
    for key in sorted(set(job.doc) - _TOP - {"incidentComponent"}):
        value = job.doc[key]
        if key not in COMPONENT_LISTS:
            job.skip(f"$.{key}", "not mapped: not a field of an EIDO the desk knows")
            continue
        for n, item in enumerate(value):
            if item["$id"] in job.used:
                continue
            if key == "agentComponent":
                continue  # agents are named where they acted (note authors)
            if key == "personComponent":
                reason = "not mapped: a person who is not the caller of a call"
            elif key == "mediaComponent":
                reason = "not mapped: a media file is not in the document (only named by it)"
            elif key == "additionalDataComponent":
                reason = "not mapped: additional data the desk does not read"
            else:
                reason = "not mapped: the desk has no place for it"
            job.skip(f"$.{key}[{n}]", reason)
