"""EIDO import: export -> import into a fresh store -> export gives the same incident; a second
import is recognised; what cannot be mapped is reported by path; bad documents store nothing;
only supervisors and admins import, and a refusal is audited."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import IncidentStatus, Role
from dispatch_desk.eido.checks import EidoInvalid, check_document, parse
from dispatch_desk.eido.export import build_document, jcard
from dispatch_desk.eido.ids import PURPOSE_TIMES
from dispatch_desk.eido.importer import ImportReport, import_document
from dispatch_desk.geo.pidf import from_pidf
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, PermissionDenied
from dispatch_desk.storage.models import Incident, NarrativeEntry
from tests.helpers.core import FakeClock, actor_for, create_incident, free_units, make_core
from tests.helpers.eido_schema import validate
from tests.unit.eido.scenario import worked_incident

HERE = Path(__file__).parent


def _export(core: DeskCore, incident_id: Any) -> dict[str, Any]:
    return core.store.read_sync(
        build_document, incident_id, issuer=core.workstation, agency=core.profile
    )


def _import(core: DeskCore, actor: Actor, doc: Any) -> ImportReport:
    report, _ = core.store.write_sync(
        import_document, actor, doc, core.clock(), catalog=core.catalog
    )
    return report


def _incidents(core: DeskCore) -> int:
    return core.store.read_sync(lambda s: s.scalar(select(func.count(Incident.id))))


def _ids(doc: dict[str, Any], component: str) -> dict[str, dict[str, Any]]:
    return {item["$id"]: item for item in doc.get(component, [])}


def meaningful(doc: dict[str, Any]) -> dict[str, Any]:
    """What must survive a round trip, free of ids, numbers and issue times."""
    incident = doc["incidentComponent"]
    locations = _ids(doc, "locationComponent")
    callbacks = _ids(doc, "callbackComponent")
    persons = _ids(doc, "personComponent")
    extra = _ids(doc, "additionalDataComponent")
    agents = _ids(doc, "agentComponent")
    place = locations[incident["locationReference"][0]["$ref"]]
    [point] = from_pidf(place["locationByValue"])
    times = next(
        json.loads(e["additionalDataByValue"])
        for e in extra.values()
        if e["urlPurpose"] == "dispatch-desk:incident-times"
    )

    def caller(call: dict[str, Any]) -> str:
        person = persons[call["personReference"][0]["$ref"]]
        return person["ncPersonComponent"]["PersonName"]["PersonFullName"]

    def author(note: dict[str, Any]) -> str:
        agent = agents.get(note.get("agentReference", {}).get("$ref", ""))
        return json.loads(agent["agentJcard"])[1][1][3] if agent else ""

    return {
        "type": (
            incident["incidentTypeInternalCode"],
            incident["incidentTypeInternalText"],
            incident["incidentTypeCommonRegistryText"],
        ),
        "priority": incident["incidentCommonPriorityNumber"],
        "status": incident["incidentStatusInternalText"],
        "disposition": [
            (d["dispositionCommonRegistryCode"], d["lastUpdateTimeStamp"])
            for d in incident.get("dispositionComponent", [])
        ],
        "times": times,
        "address": place["locationDescriptionText"],
        "latlon": (point.lat, point.lon),
        "calls": [
            (
                c["callStartTimestamp"],
                c.get("answerDate"),
                c["localCallType"],
                callbacks[c["callBackReference"]["$ref"]]["callBackInformationUri"],
                callbacks[c["callBackReference"]["$ref"]]["deviceContactHeader"],
                extra[c["additionalDataReference"][0]["$ref"]]["additionalDataByValue"],
                caller(c),
            )
            for c in doc["callComponent"]
        ],
        "reports": sorted(
            (
                loc["lastUpdateTimeStamp"],
                loc["localIdentifier"],
                loc.get("locationDescriptionText", ""),
                [(p.lat, p.lon, p.radius_m) for p in from_pidf(loc["locationByValue"])]
                if "locationByValue" in loc
                else [],
            )
            for loc in doc["locationComponent"][1:]
        ),
        "notes": sorted(
            (n["lastUpdateTimeStamp"], n["notesActionComments"], author(n))
            for n in doc["notesComponent"]
            # the import's own lines: where it came from, the sending side's units
            if not n["notesActionComments"].startswith(("Imported from EIDO", "EIDO units: "))
        ),
    }


def test_export_import_export_gives_the_same_incident(tmp_path: Path) -> None:
    sender = make_core(tmp_path / "a", clock=FakeClock())
    receiver = make_core(tmp_path / "b", clock=FakeClock())
    try:
        first = _export(sender, worked_incident(sender))
        before = _incidents(receiver)
        receiver.clock.advance(hours=2)
        report = _import(receiver, actor_for(receiver, "supervisor"), first)
        receiver.clock.advance(seconds=1)
        assert report.created and _incidents(receiver) == before + 1
        assert (report.calls, report.callers, report.notes) == (2, 2, 8)
        second = _export(receiver, report.incident_id)
        assert validate(second) == []
        original, again = meaningful(first), meaningful(second)
        for key in original:
            assert again[key] == original[key], key
        # Not the same number: the receiver numbers it; the sender's is in the narrative.
        assert second["incidentComponent"]["internalIncidentId"] == report.number
        notes = [n["notesActionComments"] for n in second["notesComponent"]]
        [line] = [n for n in notes if n.startswith("Imported from EIDO")]
        assert first["incidentComponent"]["$id"] in line
        assert first["incidentComponent"]["internalIncidentId"] in line
        supervisor = actor_for(receiver, "supervisor")
        assert "agency Riverton" in line and line.endswith(f"by {supervisor.display_name}.")
        [units] = [n for n in notes if n.startswith("EIDO units: ")]
        assert "on-scene" in units
        # The units of the sender are named, not assigned, and the report says so.
        assert [p.path for p in report.not_mapped if "not assigned" in p.message] == [
            "$.emergencyResourceComponent[0]",
            "$.emergencyResourceComponent[1]",
        ]
        reasons = {p.path: p.message for p in report.not_mapped}
        assert reasons["$.mediaComponent[0]"] == (
            "not mapped: a media file is not in the document (only named by it)"
        )
        events = receiver.store.read_sync(audit.list_events, action="eido.import")
        assert [(e.outcome, e.entity_id, e.detail["eido_id"]) for e in events] == [
            ("ok", str(report.incident_id), first["incidentComponent"]["$id"])
        ]
    finally:
        sender.close()
        receiver.close()


def test_a_second_import_and_our_own_incident_are_recognised(core: DeskCore) -> None:
    admin = actor_for(core, "admin")
    incident_id = worked_incident(core)
    doc = _export(core, incident_id)
    count = _incidents(core)
    own = _import(core, admin, doc)
    assert not own.created and own.incident_id == incident_id and _incidents(core) == count

    foreign = copy.deepcopy(doc)
    foreign["incidentComponent"]["$id"] = "urn:emergency:uid:incidentid:a1b2c3:psap.example.org"
    made = _import(core, admin, foreign)
    assert made.created and _incidents(core) == count + 1
    again = _import(core, admin, foreign)
    assert not again.created and again.number == made.number
    assert again.lines() == [
        f"{again.eido_id} is already here as incident {made.number}; nothing imported"
    ]
    assert _incidents(core) == count + 1


HAND_WRITTEN: dict[str, Any] = {
    "$id": "urn:emergency:uid:eido:77:psap.example.org",
    "lastUpdateTimeStamp": "2026-03-14T10:05:00-05:00",
    "updatedByAgencyReference": {"$ref": "agency-1"},
    "eidoVersion": "1.0",
    "issuingElementIdentification": "cad.psap.example.org",
    "incidentComponent": {
        "$id": "urn:emergency:uid:incidentid:77:psap.example.org",
        "lastUpdateTimeStamp": "2026-03-14T10:05:00-05:00",
        "updatedByAgencyReference": {"$ref": "agency-1"},
        "incidentTypeCommonRegistryText": "STRUCTURE FIRE",
        "incidentCommonPriorityNumber": 1,
        "beatOrDispatchGroupText": "Beat 4",
        "locationReference": [{"$ref": "loc-1"}],
    },
    "callComponent": [
        {
            "$id": "call-1",
            "lastUpdateTimeStamp": "2026-03-14T10:01:30-05:00",
            "updatedByAgencyReference": {"$ref": "agency-1"},
            "callStartTimestamp": "2026-03-14T10:01:00-05:00",
            "direction": "incoming",
            "standardPrimaryCallType": "Emergency",
            "callStateRegistryText": "Answered",
            "verstat": "TN-Validation-Passed",
            "callBackReference": {"$ref": "cb-1"},
            "personReference": [{"$ref": "person-1"}],
        }
    ],
    "callbackComponent": [
        {
            "$id": "cb-1",
            "lastUpdateTimeStamp": "2026-03-14T10:01:00-05:00",
            "updatedByAgencyReference": {"$ref": "agency-1"},
            "callBackInformationUri": ["tel:+1-617-555-0142"],
        }
    ],
    "personComponent": [
        {
            "$id": "person-1",
            "lastUpdateTimeStamp": "2026-03-14T10:01:00-05:00",
            "updatedByAgencyReference": {"$ref": "agency-1"},
            "personIncidentRoleRegistryText": ["Caller"],
            "ncPersonComponent": {
                "PersonName": {"PersonGivenName": "Robin", "PersonSurName": "Ng"}
            },
        },
        {
            "$id": "person-2",
            "lastUpdateTimeStamp": "2026-03-14T10:01:00-05:00",
            "updatedByAgencyReference": {"$ref": "agency-1"},
            "personIncidentRoleRegistryText": ["Victim"],
        },
    ],
    "locationComponent": [
        {
            "$id": "loc-1",
            "lastUpdateTimeStamp": "2026-03-14T10:02:00-05:00",
            "updatedByAgencyReference": {"$ref": "agency-1"},
            "locationTypeDescriptionRegistryText": "Incident",
            "locationDescriptionText": "17 Harbor Rd",
            "crossStreetByValue": ["Pier St"],
        }
    ],
    "notesComponent": [
        {
            "$id": "note-1",
            "lastUpdateTimeStamp": "2026-03-14T10:03:00-05:00",
            "updatedByAgencyReference": {"$ref": "agency-1"},
            "notesActionComments": "Smoke from the second floor.\u202eevil\x07",
            "agentReference": {"$ref": "agent-1"},
        }
    ],
    "agentComponent": [
        {
            "$id": "agent-1",
            "lastUpdateTimeStamp": "2026-03-14T10:00:00-05:00",
            "updatedByAgencyReference": {"$ref": "agency-1"},
            "agentJcard": jcard("Lee Okafor"),
            "agentRoleRegistryText": ["Call Taker"],
            "agencyReference": {"$ref": "agency-1"},
        }
    ],
    "agencyComponent": [
        {
            "$id": "agency-1",
            "lastUpdateTimeStamp": "2026-03-14T10:00:00-05:00",
            "updatedByAgencyReference": {"$ref": "agency-1"},
            "agencyJcard": jcard("Harbor County 911"),
            "agencyRoleDescriptionRegistryText": ["PSAP"],
            "agencyType": ["PSAP"],
        }
    ],
    "vehicleComponent": [
        {
            "$id": "veh-1",
            "lastUpdateTimeStamp": "2026-03-14T10:04:00-05:00",
            "updatedByAgencyReference": {"$ref": "agency-1"},
            "vehicleRelationshipType": ["Involved"],
            "vehicleRelationshipTimeStamp": "2026-03-14T10:04:00-05:00",
        }
    ],
    "cautionComponent": [
        {
            "$id": "caution-1",
            "lastUpdateTimeStamp": "2026-03-14T10:04:00-05:00",
            "updatedByAgencyReference": {"$ref": "agency-1"},
            "cautionTypeInternalText": "Dog",
            "cautionTypeCommonRegistryText": "Animal",
            "cautionSeverity": "normal",
        }
    ],
}


def test_hand_written_eido_is_imported_and_what_is_not_mapped_is_reported(
    core: DeskCore,
) -> None:
    assert validate(HAND_WRITTEN) == []  # a valid NENA document, not one of ours
    report = _import(core, actor_for(core, "admin"), HAND_WRITTEN)
    assert report.created and (report.calls, report.callers, report.notes) == (1, 1, 1)
    reasons = {p.path: p.message for p in report.not_mapped}
    assert set(reasons) == {
        "$.incidentComponent.beatOrDispatchGroupText",
        "$.callComponent[0].verstat",
        "$.locationComponent[0].crossStreetByValue",
        "$.notesComponent[0].notesActionComments",
        "$.personComponent[1]",
        "$.vehicleComponent[0]",
        "$.cautionComponent[0]",
    }
    assert "control characters removed" in reasons["$.notesComponent[0].notesActionComments"]
    assert "not the caller" in reasons["$.personComponent[1]"]

    detail = core.store.read_sync(core.incidents.detail, report.incident_id)
    assert detail.summary.type_code == "FIRESTR"  # the APCO name found the agency's type
    assert detail.summary.address == "17 Harbor Rd" and detail.summary.priority == 1
    assert detail.summary.status == IncidentStatus.PENDING
    assert detail.summary.position is None  # an address only: listed as not on the map
    [call] = detail.calls
    assert call.callback_e164 == "+16175550142" and call.caller_name == "Robin Ng"
    assert call.received_at.isoformat() == "2026-03-14T15:01:00+00:00"
    texts = [(n.author_name, n.text) for n in detail.narrative]
    assert ("Lee Okafor", "Smoke from the second floor.evil") in texts
    assert any("Harbor County 911" in t and "cad.psap.example.org" in t for _, t in texts)

    unknown = copy.deepcopy(HAND_WRITTEN)
    unknown["incidentComponent"]["$id"] = "urn:emergency:uid:incidentid:78:psap.example.org"
    unknown["incidentComponent"]["incidentTypeCommonRegistryText"] = "KAYAK ADRIFT"
    other = _import(core, actor_for(core, "admin"), unknown)
    reasons = {p.path: p.message for p in other.not_mapped}
    assert (
        reasons["$.incidentComponent.incidentTypeCommonRegistryText"]
        == "'KAYAK ADRIFT' is not in the agency's incident types; kept as it is"
    )
    summary = core.store.read_sync(core.incidents.summary, other.incident_id)
    assert summary.type_code == "KAYAK ADRIFT"


@pytest.mark.parametrize(
    ("mutate", "path", "message"),
    [
        (lambda d: d.update(eidoVersion="2.0"), "$.eidoVersion", "must be '1.0'"),
        (lambda d: d.pop("incidentComponent"), "$.incidentComponent", "is missing"),
        (
            lambda d: d["callComponent"][0].update(callStartTimestamp="yesterday"),
            "$.callComponent[0].callStartTimestamp",
            "not an RFC 3339 date-time",
        ),
        (
            lambda d: d["callComponent"][0].update(callStartTimestamp="2026-03-14T10:01:00"),
            "$.callComponent[0].callStartTimestamp",
            "no time zone",
        ),
        (
            lambda d: d["incidentComponent"].update(incidentCommonPriorityNumber="1"),
            "$.incidentComponent.incidentCommonPriorityNumber",
            "must be an integer",
        ),
        (lambda d: d.update(notesComponent={}), "$.notesComponent", "must be a list"),
        (
            lambda d: d["notesComponent"][0].update(notesActionComments="x" * 100_001),
            "$.notesComponent[0].notesActionComments",
            "the limit is 100,000",
        ),
        (lambda d: d["personComponent"][0].pop("$id"), "$.personComponent[0].$id", "is missing"),
    ],
)
def test_invalid_documents_name_the_path_and_store_nothing(
    core: DeskCore, mutate: Any, path: str, message: str
) -> None:
    doc = copy.deepcopy(HAND_WRITTEN)
    mutate(doc)
    count = _incidents(core)
    with pytest.raises(EidoInvalid) as caught:
        _import(core, actor_for(core, "admin"), doc)
    assert [(p.path, message in p.message) for p in caught.value.problems] == [(path, True)]
    assert _incidents(core) == count


def test_unreadable_files_are_refused_with_a_reason() -> None:
    cases = [
        (b"\xff\xfe{", "not UTF-8"),
        (b'{"eidoVersion": "1.0",', "not JSON"),
        (b'{"a": NaN}', "not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b" " * 5_000_001, "the limit is 5,000,000"),
    ]
    for data, reason in cases:
        with pytest.raises(EidoInvalid) as caught:
            parse(data)
        assert reason in str(caught.value), reason
    deep: Any = {"eidoVersion": "1.0"}
    node = deep
    for _ in range(50):
        node["x"] = {}
        node = node["x"]
    assert [str(p) for p in check_document(deep)] == ["$: nested more than 40 levels deep"]


def test_a_call_taker_may_not_import_and_the_refusal_is_audited(core: DeskCore) -> None:
    count = _incidents(core)
    with pytest.raises(PermissionDenied):
        _import(core, actor_for(core, "calltaker"), HAND_WRITTEN)
    assert _incidents(core) == count
    [event] = core.store.read_sync(audit.list_events, action="eido.import")
    assert (event.username, event.outcome) == ("calltaker", "denied")
    narrated = core.store.read_sync(
        lambda s: s.scalar(
            select(func.count(NarrativeEntry.id)).where(NarrativeEntry.text.like("Imported from%"))
        )
    )
    assert narrated == 0
    assert Role.CALL_TAKER.value == event.detail["role"]


def test_hostile_structure_is_refused_or_reported_never_a_crash(core: DeskCore) -> None:
    admin = actor_for(core, "admin")
    twice = copy.deepcopy(HAND_WRITTEN)
    twice["notesComponent"].append(dict(twice["notesComponent"][0]))
    with pytest.raises(EidoInvalid) as caught:
        _import(core, admin, twice)
    assert [str(p) for p in caught.value.problems] == [
        "$.notesComponent[1].$id: the same $id as $.notesComponent[0]"
    ]
    ancient = copy.deepcopy(HAND_WRITTEN)
    ancient["notesComponent"][0]["lastUpdateTimeStamp"] = "0001-01-01T00:00:00+01:00"
    with pytest.raises(EidoInvalid, match=r"lastUpdateTimeStamp: '0001-01-01T00:00:00\+01:00'"):
        _import(core, admin, ancient)

    odd = copy.deepcopy(HAND_WRITTEN)
    odd["incidentComponent"]["$id"] = (
        "urn:dispatch-desk:ws:incident:------------------------------------"
    )
    # A reference to something of another kind is a reference to nothing.
    odd["callComponent"][0]["callBackReference"] = {"$ref": "note-1"}
    odd["callComponent"][0]["personReference"] = [{"$ref": "loc-1"}]
    odd["agentComponent"][0]["agentJcard"] = "[" * 100_000
    odd["\x1b[31mextra"] = [1, "two", {"$id": 3}]
    report = _import(core, admin, odd)
    assert report.created and report.callers == 0
    [call] = core.store.read_sync(core.incidents.detail, report.incident_id).calls
    assert call.callback_e164 is None and call.caller_name == ""
    unread = [str(p) for p in report.not_mapped if "extra" in p.path]
    assert unread == ["$.\\x1b[31mextra: not mapped: not a field of an EIDO the desk knows"]
    notes = core.store.read_sync(core.incidents.detail, report.incident_id).narrative
    assert ("", "Smoke from the second floor.evil") in [(n.author_name, n.text) for n in notes]


def test_deeply_nested_times_are_refused_in_checks_and_nothing_is_stored(
    core: DeskCore,
) -> None:
    admin = actor_for(core, "admin")
    deep = copy.deepcopy(HAND_WRITTEN)
    deep.setdefault("additionalDataComponent", []).append(
        {
            "$id": "urn:x:times",
            "lastUpdateTimeStamp": "2026-11-01T10:00:00Z",
            "updatedByAgencyReference": {"$ref": deep["agencyComponent"][0]["$id"]},
            "urlPurpose": PURPOSE_TIMES,
            "additionalDataByValue": "[" * 99_000,
        }
    )
    n = len(deep["additionalDataComponent"]) - 1
    expected = f"$.additionalDataComponent[{n}].additionalDataByValue: nested more than 40 levels"
    assert [str(p) for p in check_document(deep)] == [f"{expected} deep"]
    before = _incidents(core)
    with pytest.raises(EidoInvalid, match=re.escape(expected)):
        _import(core, admin, deep)
    assert _incidents(core) == before
    # Nesting inside the JSON's own strings is text, not depth.
    fine = copy.deepcopy(deep)
    fine["additionalDataComponent"][n]["additionalDataByValue"] = json.dumps(
        {"created": "2026-11-01T10:00:00Z", "note": "[" * 500}
    )
    assert check_document(fine) == []


def test_an_open_incident_arrives_pending_and_the_report_says_why(tmp_path: Path) -> None:
    sender = make_core(tmp_path / "a", clock=FakeClock())
    receiver = make_core(tmp_path / "b", clock=FakeClock())
    try:
        dispatcher = actor_for(sender, "dispatcher")
        incident = _incident_with_unit(sender, dispatcher)
        doc = _export(sender, incident)
        assert doc["incidentComponent"]["incidentStatusInternalText"] == ["active"]
        assert "dispositionComponent" not in doc["incidentComponent"]
        report = _import(receiver, actor_for(receiver, "admin"), doc)
        summary = receiver.store.read_sync(receiver.incidents.summary, report.incident_id)
        assert summary.status == IncidentStatus.PENDING and summary.closed_at is None
        assert summary.units == ()
        reasons = {p.path: p.message for p in report.not_mapped}
        assert reasons["$.incidentComponent.incidentStatusInternalText"] == (
            "'active': imported as pending (none of our units is on it)"
        )
        # Pending on the receiving floor: in its queue, to be worked there.
        queue = receiver.store.read_sync(receiver.incidents.open_queue)
        assert report.incident_id in [s.id for s in queue]
    finally:
        sender.close()
        receiver.close()


def _incident_with_unit(core: DeskCore, dispatcher: Actor) -> Any:
    incident = create_incident(core, actor_for(core, "calltaker"))
    [unit] = free_units(core, 1)
    core.store.write_sync(core.units.assign, dispatcher, unit.id, incident.id, core.clock())
    return incident.id
