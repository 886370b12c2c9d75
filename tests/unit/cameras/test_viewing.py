"""Audited viewing: who, which camera, from when to when, why; registry-only never opens."""

from __future__ import annotations

import pytest

from dispatch_desk.cameras import registry, viewing
from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import CameraSharing
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor
from tests.helpers.core import FakeClock, create_incident


def _camera(core: DeskCore, sharing: CameraSharing) -> registry.CameraEntry:
    return next(c for c in core.store.read_sync(registry.list_cameras) if c.sharing == sharing)


def test_viewing_records_who_what_when_and_why(
    core: DeskCore, dispatcher: Actor, clock: FakeClock
) -> None:
    cam = _camera(core, CameraSharing.LIVE)
    incident = create_incident(core, dispatcher)
    opened_at = clock.advance(seconds=5)
    view, _ = core.store.write_sync(
        viewing.open_viewing, dispatcher, cam.id, opened_at, incident_id=incident.id
    )
    assert view.main_url == cam.main_url and view.camera_name == cam.name
    closed_at = clock.advance(seconds=42)
    row, _ = core.store.write_sync(viewing.close_viewing, dispatcher, view.id, closed_at)
    assert row is not None
    assert (row.username, row.workstation) == ("dispatcher", core.workstation)
    assert (row.started_at, row.ended_at, row.duration_s) == (opened_at, closed_at, 42.0)
    assert row.incident_id == incident.id
    # Closing again changes nothing.
    again, _ = core.store.write_sync(
        viewing.close_viewing, dispatcher, view.id, clock.advance(seconds=1)
    )
    assert again == row

    trail = core.store.read_sync(audit.list_events, entity_id=cam.id)
    opened = [e for e in trail if e.action == "camera.view.open"]
    closed = [e for e in trail if e.action == "camera.view.close"]
    assert len(opened) == 1 and len(closed) == 1
    assert opened[0].username == "dispatcher" and opened[0].at == opened_at
    assert opened[0].detail["incident_id"] == str(incident.id)
    assert closed[0].detail["duration_s"] == 42.0 and closed[0].at == closed_at
    assert closed[0].detail["started_at"] == opened_at.isoformat()


def test_registry_only_is_refused_and_the_refusal_audited(
    core: DeskCore, dispatcher: Actor
) -> None:
    cam = _camera(core, CameraSharing.REGISTRY)
    incident = create_incident(core, dispatcher)
    with pytest.raises(viewing.ViewingRefused, match="registered only"):
        core.store.write_sync(
            viewing.open_viewing, dispatcher, cam.id, core.clock(), incident_id=incident.id
        )
    assert core.store.read_sync(viewing.list_viewings, camera_id=cam.id) == []
    refusals = core.store.read_sync(audit.list_events, entity_id=cam.id)
    assert [(e.action, e.outcome) for e in refusals] == [("camera.view.open", "refused")]
    assert refusals[0].username == "dispatcher"


def test_alarm_only_needs_an_incident(core: DeskCore, dispatcher: Actor) -> None:
    cam = _camera(core, CameraSharing.ALARM)
    with pytest.raises(viewing.ViewingRefused, match="on alarm only"):
        core.store.write_sync(viewing.open_viewing, dispatcher, cam.id, core.clock())
    incident = create_incident(core, dispatcher)
    view, _ = core.store.write_sync(
        viewing.open_viewing, dispatcher, cam.id, core.clock(), incident_id=incident.id
    )
    assert view.incident_id == incident.id


def test_required_purpose(core: DeskCore, dispatcher: Actor) -> None:
    cam = _camera(core, CameraSharing.LIVE)
    with pytest.raises(viewing.ViewingRefused, match="purpose is required"):
        core.store.write_sync(
            viewing.open_viewing, dispatcher, cam.id, core.clock(), require_purpose=True
        )
    view, _ = core.store.write_sync(
        viewing.open_viewing,
        dispatcher,
        cam.id,
        core.clock(),
        require_purpose=True,
        purpose="  Parade   crowd watch ",
    )
    assert view.purpose == "Parade crowd watch"
    rows = core.store.read_sync(viewing.list_viewings, camera_id=cam.id)
    assert [r.purpose for r in rows] == ["Parade crowd watch"]
    # Without the setting, a viewing with neither is allowed and still recorded.
    core.store.write_sync(viewing.open_viewing, dispatcher, cam.id, core.clock())
    assert len(core.store.read_sync(viewing.list_viewings, camera_id=cam.id)) == 2


def test_a_closed_incident_opens_no_camera(
    core: DeskCore, dispatcher: Actor, clock: FakeClock
) -> None:
    cam = _camera(core, CameraSharing.LIVE)
    incident = create_incident(core, dispatcher)
    core.store.write_sync(
        core.incidents.close, dispatcher, incident.id, core.incidents.dispositions[0], clock()
    )
    with pytest.raises(viewing.ViewingRefused, match="closed"):
        core.store.write_sync(
            viewing.open_viewing, dispatcher, cam.id, clock(), incident_id=incident.id
        )
    assert core.store.read_sync(viewing.list_viewings, camera_id=cam.id) == []
    refused = core.store.read_sync(audit.list_events, entity_id=cam.id)
    assert [(e.action, e.outcome) for e in refused] == [("camera.view.open", "refused")]
