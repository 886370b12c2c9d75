"""The EIDO export of a worked incident: valid against NENA's published schema, and carrying
what the incident record holds (type, priority, calls, caller, places and trail, units with
their status changes, narrative, texts and chat)."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from dispatch_desk.desk import DeskCore
from dispatch_desk.eido.export import build_document
from dispatch_desk.eido.service import export_incident
from dispatch_desk.geo.pidf import from_pidf
from dispatch_desk.services import audit
from dispatch_desk.services.context import NotFound, PermissionDenied
from dispatch_desk.storage.models import Incident
from tests.helpers.core import actor_for
from tests.helpers.eido_schema import validate
from tests.unit.eido.scenario import TRAIL, worked_incident


@pytest.fixture
def document(core: DeskCore) -> dict[str, Any]:
    incident_id = worked_incident(core)
    return core.store.read_sync(
        build_document, incident_id, issuer=core.workstation, agency=core.profile
    )


def _by_id(doc: dict[str, Any], component: str) -> dict[str, dict[str, Any]]:
    return {item["$id"]: item for item in doc.get(component, [])}


def test_export_of_a_worked_incident_validates_against_the_nena_schema(
    document: dict[str, Any],
) -> None:
    assert validate(document) == []
    # JSON as it goes on the wire, not only as a dict.
    assert validate(json.loads(json.dumps(document))) == []


def test_export_carries_the_incident_record(core: DeskCore, document: dict[str, Any]) -> None:
    incident = document["incidentComponent"]
    number = incident["internalIncidentId"]
    stored = core.store.read_sync(
        lambda s: s.scalar(select(Incident).where(Incident.number == number))
    )
    assert incident["$id"] == f"urn:dispatch-desk:{core.workstation}:incident:{stored.id}"
    assert incident["incidentTypeInternalCode"] == "MEDFALL"
    assert incident["incidentTypeInternalText"] == "Fall"
    assert incident["incidentTypeCommonRegistryText"] == "FALL"
    assert incident["incidentCommonPriorityNumber"] == stored.priority
    assert incident["incidentStatusInternalText"] == ["closed"]
    assert (
        incident["dispositionComponent"][0]["dispositionCommonRegistryCode"]
        == (core.profile.dispositions[0])
    )

    calls = document["callComponent"]
    assert len(calls) == 2
    assert [(c["callStartTimestamp"], c["answerDate"]) for c in calls] == [
        ("2026-03-14T14:58:45Z", "2026-03-14T14:58:50Z"),
        ("2026-03-14T15:00:10Z", "2026-03-14T15:00:18Z"),
    ]
    cos = _by_id(document, "additionalDataComponent")
    assert cos[calls[0]["additionalDataReference"][0]["$ref"]]["additionalDataByValue"] == "WPH1"
    callbacks = _by_id(document, "callbackComponent")
    numbers = {
        callbacks[c["callBackReference"]["$ref"]]["callBackInformationUri"][0] for c in calls
    }
    assert numbers == {"tel:+16175550101", "tel:+16175550199"}
    persons = _by_id(document, "personComponent")
    names = {
        persons[c["personReference"][0]["$ref"]]["ncPersonComponent"]["PersonName"][
            "PersonFullName"
        ]
        for c in calls
    }
    assert names == {"Pat Tester", "Dana Witness"}
    agents = _by_id(document, "agentComponent")
    taker = agents[calls[0]["agentReference"][0]["$ref"]]
    assert "calltaker" in taker["$id"] and taker["agentRoleRegistryText"] == ["call-taker"]

    locations = _by_id(document, "locationComponent")
    place = locations[incident["locationReference"][0]["$ref"]]
    assert place["locationDescriptionText"] == "480 N Main St"
    [point] = from_pidf(place["locationByValue"])
    assert (point.lat, point.lon) == TRAIL[-1][:2]
    trail = [
        from_pidf(loc["locationByValue"])[0]
        for loc in document["locationComponent"]
        if loc["locationTypeDescriptionRegistryText"] == "Caller"
        and loc["localIdentifier"] == ["source:device"]
    ]
    assert [(p.lat, p.lon, p.radius_m) for p in trail] == TRAIL

    units = document["emergencyResourceComponent"]
    assert len(units) == 2
    first = units[0]["unitStatusInternal"]
    assert [line.split()[0] for line in first] == ["dispatched", "en-route", "on-scene", "cleared"]
    assert len(document["dispatchComponent"]) == 2

    [media] = document["mediaComponent"]
    digest = base64.urlsafe_b64encode(hashlib.sha256(b"webm").digest()).decode().rstrip("=")
    assert media["uri"] == f"ni:///sha-256;{digest}"
    assert (media["contentType"], media["label"]) == (
        "video/webm",
        "recording: session-1/recording-001.webm",
    )
    assert incident["mediaReferences"] == [{"$ref": media["$id"]}]

    notes = [n["notesActionComments"] for n in document["notesComponent"]]
    assert "Man collapsed outside the pharmacy, breathing, not responding." in notes
    assert "Second caller: bystander doing CPR now." in notes
    assert "Text to +16175550101 (queued): Riverton 911: help is on the way." in notes
    assert "Text from +16175550101: Thank you, he is breathing better" in notes
    # Chat lines are in the narrative already (the live session narrates them): once only.
    assert notes.count("Chat from caller: We are at the side door <b>now</b>") == 1
    assert not any(n.startswith("Live session chat") for n in notes)


def test_one_wrong_field_is_rejected_naming_its_path(document: dict[str, Any]) -> None:
    broken = copy.deepcopy(document)
    broken["callComponent"][1]["direction"] = "sideways"
    problems = validate(broken)
    assert [p.path for p in problems] == ["$.callComponent[1].direction"]
    assert "'sideways' is not one of ['incoming', 'outgoing', 'internal']" in problems[0].message

    late = copy.deepcopy(document)
    late["notesComponent"][0]["lastUpdateTimeStamp"] = "14/03/2026 15:00"
    assert [(p.path, p.message) for p in validate(late)] == [
        ("$.notesComponent[0].lastUpdateTimeStamp", "'14/03/2026 15:00' is not a 'date-time'")
    ]

    missing = copy.deepcopy(document)
    del missing["incidentComponent"]["incidentTypeCommonRegistryText"]
    [problem] = validate(missing)
    assert problem.path == "$.incidentComponent"
    assert "'incidentTypeCommonRegistryText' is a required property" in problem.message


def test_unknown_incident_is_not_found(core: DeskCore) -> None:
    with pytest.raises(NotFound):
        core.store.read_sync(build_document, uuid.uuid4(), issuer="x")


def test_only_supervisors_and_admins_export_and_each_export_is_audited(core: DeskCore) -> None:
    incident_id = worked_incident(core)
    number = core.store.read_sync(core.incidents.summary, incident_id).number
    for name in ("calltaker", "dispatcher"):
        with pytest.raises(PermissionDenied):
            core.store.write_sync(
                export_incident,
                actor_for(core, name),
                number,
                core.clock(),
                issuer="ws",
                agency=None,
            )
    doc, _ = core.store.write_sync(
        export_incident,
        actor_for(core, "supervisor"),
        number,
        core.clock(),
        issuer="ws",
        agency=None,
    )
    assert doc["incidentComponent"]["internalIncidentId"] == number
    events = core.store.read_sync(audit.list_events, action="eido.export")
    assert [(e.username, e.outcome) for e in events] == [
        ("calltaker", "denied"),
        ("dispatcher", "denied"),
        ("supervisor", "ok"),
    ]
    assert events[-1].entity_id == str(incident_id)
