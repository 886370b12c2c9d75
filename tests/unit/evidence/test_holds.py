"""Legal holds: supervisors and admins place and release them, with a reason, on the record."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from dispatch_desk.desk import DeskCore
from dispatch_desk.evidence import holds
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, PermissionDenied, RuleViolation
from dispatch_desk.storage.models import LegalHold
from tests.helpers.core import create_incident


def _narrative(core: DeskCore, incident_id: object) -> list[str]:
    detail = core.store.read_sync(core.incidents.detail, incident_id)
    return [entry.text for entry in detail.narrative]


def test_supervisor_places_and_releases_a_hold(core: DeskCore, supervisor: Actor) -> None:
    incident = create_incident(core, supervisor)
    hold, changes = core.store.write_sync(
        holds.place_hold,
        supervisor,
        incident.id,
        "  Subpoena   from county DA ",
        core.clock(),
        case_number="CR-2026-0042",
    )
    assert hold.active and hold.reason == "Subpoena from county DA"
    assert {c.kind for c in changes} >= {"legal_hold", "incident", "narrative", "audit"}
    assert core.store.read_sync(holds.active_hold, incident.id) == hold
    assert "Legal hold placed (case CR-2026-0042): Subpoena from county DA" in _narrative(
        core, incident.id
    )
    with pytest.raises(RuleViolation, match="already on hold"):
        core.store.write_sync(holds.place_hold, supervisor, incident.id, "again", core.clock())

    with pytest.raises(RuleViolation, match="Give the reason for the release"):
        core.store.write_sync(holds.release_hold, supervisor, incident.id, "  ", core.clock())
    (released,), _ = core.store.write_sync(
        holds.release_hold, supervisor, incident.id, "case closed by court", core.clock()
    )
    assert not released.active and released.released_by == supervisor.display_name
    assert core.store.read_sync(holds.active_hold, incident.id) is None
    assert "Legal hold released: case closed by court" in _narrative(core, incident.id)
    events = core.store.read_sync(audit.list_events, entity_id=incident.id)
    actions = [(e.action, e.outcome) for e in events if e.action.startswith("evidence.")]
    assert actions == [("evidence.hold", "ok"), ("evidence.release", "ok")]
    placed = next(e for e in events if e.action == "evidence.hold")
    assert placed.detail["case_number"] == "CR-2026-0042"
    assert placed.username == supervisor.username


def test_a_reason_is_required(core: DeskCore, supervisor: Actor) -> None:
    incident = create_incident(core, supervisor)
    with pytest.raises(RuleViolation, match="Give the reason for the hold"):
        core.store.write_sync(holds.place_hold, supervisor, incident.id, " \n ", core.clock())
    assert core.store.read_sync(holds.active_hold, incident.id) is None


def test_call_taker_hold_is_refused_and_audited(
    core: DeskCore, calltaker: Actor, supervisor: Actor
) -> None:
    incident = create_incident(core, supervisor)
    with pytest.raises(PermissionDenied):
        core.store.write_sync(holds.place_hold, calltaker, incident.id, "mine", core.clock())
    assert core.store.read_sync(holds.active_hold, incident.id) is None
    refused = core.store.read_sync(audit.list_events, action="evidence.hold")
    assert [(e.username, e.outcome, e.detail["role"]) for e in refused] == [
        (calltaker.username, "denied", "call-taker")
    ]
    core.store.write_sync(holds.place_hold, supervisor, incident.id, "court", core.clock())
    with pytest.raises(PermissionDenied):
        core.store.write_sync(holds.release_hold, calltaker, incident.id, "x", core.clock())
    assert core.store.read_sync(holds.active_hold, incident.id) is not None
    released = core.store.read_sync(audit.list_events, action="evidence.release")
    assert [(e.username, e.outcome) for e in released] == [(calltaker.username, "denied")]


def test_releasing_releases_every_active_hold_and_says_so(
    core: DeskCore, supervisor: Actor
) -> None:
    # One hold placed here, one placed on another desk while offline and merged by sync.
    incident = create_incident(core, supervisor)
    core.store.write_sync(holds.place_hold, supervisor, incident.id, "DA letter", core.clock())

    def synced(session: Session) -> None:
        session.add(
            LegalHold(
                incident_id=incident.id,
                reason="civil suit",
                case_number="",
                placed_by=None,
                placed_by_name="Other Sup",
                placed_at=core.clock(),
                workstation="ws-2",
                updated_at=core.clock(),
            )
        )

    core.store.write_sync(synced)
    assert [h.reason for h in core.store.read_sync(holds.active_holds, incident.id)] == [
        "DA letter",
        "civil suit",
    ]
    released, _ = core.store.write_sync(
        holds.release_hold, supervisor, incident.id, "both settled", core.clock()
    )
    assert [(h.reason, h.active) for h in released] == [
        ("DA letter", False),
        ("civil suit", False),
    ]
    assert core.store.read_sync(holds.active_hold, incident.id) is None
    assert "Legal holds released (2: DA letter; civil suit): both settled" in _narrative(
        core, incident.id
    )
    events = core.store.read_sync(audit.list_events, action="evidence.release")
    assert sorted(e.detail["hold"] for e in events) == sorted(str(h.id) for h in released)
