"""An EIDO document from another centre (or our own, back) made into a local incident.

Mapped: the incident (type, by the agency's code or its APCO type; priority; status and
disposition; the place with address and lat/lon), calls with their callback and ANI, callers
(persons referenced by a call), location reports, and notes (as narrative entries with their
author and time). Agencies, agents and units of the sending side are not ours: they are named
in the narrative. Everything else is listed in the report, by path, with the reason.

The EIDO incident's ``$id`` gives the new incident's id (a name-based UUID), so a second import
of the same incident is recognised (on any workstation, as sync carries the row) and creates
nothing; an incident we exported ourselves and still hold is recognised as ours. No schema
change: the EIDO id is kept in the id and in the "Imported from EIDO" narrative line.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dispatch_desk.domain.address import normalize_address
from dispatch_desk.domain.agency import IncidentTypeCatalog
from dispatch_desk.domain.enums import PRIORITIES, IncidentStatus, Role
from dispatch_desk.eido.checks import EidoInvalid, check_document
from dispatch_desk.eido.ids import (
    PREFIX,
    parse_stamp,
)
from dispatch_desk.eido.mapping import (
    ImportJob,
    ImportReport,
    earliest_call,
    map_agencies,
    map_calls,
    map_locations,
    map_notes,
    map_place,
    map_times,
    map_units,
    narrate,
    report_unread,
)
from dispatch_desk.events import note_change
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor
from dispatch_desk.services.numbering import next_incident_number
from dispatch_desk.storage.models import (
    Incident,
    stable_id,
)

__all__ = ["EidoInvalid", "ImportReport", "import_document"]

IMPORTERS = (Role.SUPERVISOR, Role.ADMIN)
_OURS = re.compile(
    rf"^{re.escape(PREFIX)}:.+:incident:"
    r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)


def import_document(
    session: Session,
    actor: Actor,
    doc: Any,
    at: datetime,
    *,
    catalog: IncidentTypeCatalog | None = None,
    leased_numbers: bool = False,
) -> ImportReport:
    """Create the incident the document describes; EidoInvalid (nothing stored) if it cannot be
    read, PermissionDenied (audited) unless a supervisor or admin imports it."""
    audit.require(actor, at, "eido.import", IMPORTERS)
    problems = check_document(doc)
    if problems:
        raise EidoInvalid(problems)
    component = doc["incidentComponent"]
    eido_id = component["$id"]
    ours = _OURS.match(eido_id)
    existing = session.get(Incident, uuid.UUID(ours.group(1))) if ours else None
    if existing is None:
        existing = session.get(Incident, stable_id("eido-incident", eido_id))
    if existing is not None:
        audit.record(
            session,
            actor,
            at,
            "eido.import",
            entity_type="incident",
            entity_id=existing.id,
            number=existing.number,
            eido_id=eido_id[:200],
            outcome_detail="already here",
        )
        return ImportReport(existing.id, existing.number, eido_id, created=False)
    return _create(ImportJob(session, actor, doc, at), catalog, leased_numbers)


def _create(
    job: ImportJob, catalog: IncidentTypeCatalog | None, leased_numbers: bool
) -> ImportReport:
    doc, session, actor, at = job.doc, job.session, job.actor, job.at
    component = doc["incidentComponent"]
    eido_id = component["$id"]
    path = "$.incidentComponent"
    job.extras("incidentComponent", path, component)

    apco = component["incidentTypeCommonRegistryText"].strip()
    internal = str(component.get("incidentTypeInternalCode", "")).strip()
    kind = None
    if catalog is not None:
        kind = (catalog.get(internal) if internal else None) or catalog.resolve(apco)
    if kind is not None:
        type_code, apco_code = kind.code, kind.apco_code
        if internal and kind.code != internal.upper():
            job.skip(
                f"{path}.incidentTypeInternalCode",
                f"{internal!r} is not ours; took {kind.code} by its APCO type",
            )
    else:
        type_code = job.text(internal or apco, path, 16).upper()
        apco_code = job.text(apco, path, 16).upper()
        job.skip(
            f"{path}.incidentTypeCommonRegistryText",
            f"{apco!r} is not in the agency's incident types; kept as it is",
        )
    priority = component.get("incidentCommonPriorityNumber")
    if priority not in PRIORITIES:
        if priority is not None:
            job.skip(f"{path}.incidentCommonPriorityNumber", f"{priority} is not 1 to 5")
        priority = kind.priority if kind else 3

    times = map_times(job)
    disposition = None
    closed_at = None
    for n, item in enumerate(component.get("dispositionComponent", [])):
        where = f"{path}.dispositionComponent[{n}]"
        if disposition is None:
            disposition = job.text(item["dispositionCommonRegistryCode"], where, 100)
            closed_at = parse_stamp(item["lastUpdateTimeStamp"])
            job.extras("dispositionComponent", where, item)
        else:
            job.skip(where, "not mapped: only the first disposition is kept")
    closed = disposition is not None or "closed" in [
        s.lower() for s in component.get("incidentStatusInternalText", [])
    ]
    if closed:
        closed_at = times.get("closed") or closed_at or at
    else:
        said = [
            x for x in component.get("incidentStatusInternalText", []) if x.lower() != "pending"
        ]
        if said:
            job.skip(
                f"{path}.incidentStatusInternalText",
                f"{', '.join(said)[:100]!r}: imported as pending (none of our units is on it)",
            )
    created_at = (
        times.get("created") or earliest_call(doc) or parse_stamp(component["lastUpdateTimeStamp"])
    )

    place, place_id = map_place(job, component)
    incident = Incident(
        id=stable_id("eido-incident", eido_id),
        number=next_incident_number(
            session, at, leased=leased_numbers, workstation=actor.workstation
        ),
        type_code=type_code,
        apco_code=apco_code,
        priority=priority,
        status=IncidentStatus.CLOSED if closed else IncidentStatus.PENDING,
        address=place["address"],
        address_key=normalize_address(place["address"]),
        disposition=disposition,
        created_at=created_at,
        updated_at=at,
        closed_at=closed_at if closed else None,
        created_by=None,
        workstation=actor.workstation,
        latitude=place["lat"],
        longitude=place["lon"],
        location_source=place["source"],
    )
    session.add(incident)
    session.flush()
    report = ImportReport(incident.id, incident.number, eido_id, created=True)
    call_ids = map_calls(job, incident, report)
    map_locations(job, incident, call_ids, place_id, report)
    agencies = map_agencies(job)
    first = (
        f"Imported from EIDO {eido_id} (issued by {doc['issuingElementIdentification']}"
        + (f", agency {agencies}" if agencies else "")
        + (
            f", their number {component['internalIncidentId']}"
            if component.get("internalIncidentId")
            else ""
        )
        + f") by {actor.display_name or actor.username}."
    )
    narrate(
        session,
        incident,
        at,
        actor.display_name or actor.username,
        job.text(first, "$", 2000),
        actor,
    )
    map_notes(job, incident, report)
    map_units(job, incident, at)
    report_unread(job)
    report.not_mapped = job.report_items
    audit.record(
        session,
        actor,
        at,
        "eido.import",
        entity_type="incident",
        entity_id=incident.id,
        number=incident.number,
        eido_id=eido_id[:200],
        calls=report.calls,
        not_mapped=len(report.not_mapped),
    )
    note_change(session, "incident", incident.id)
    note_change(session, "narrative", incident.id)
    return report
