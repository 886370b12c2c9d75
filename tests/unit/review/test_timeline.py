"""The review timeline and the recordings behind it: one axis for everything, recordings placed
where they were recorded, the trail as it was at any instant; supervisors and admins only, and
every look (or refused look) is on record."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.citizen import Direction, MediaKind
from dispatch_desk.domain.enums import LocationSource
from dispatch_desk.review import bookmarks, timeline
from dispatch_desk.review.access import open_recording
from dispatch_desk.services import audit
from dispatch_desk.services.citizen import CitizenService, caller_actor
from dispatch_desk.services.context import Actor, PermissionDenied
from dispatch_desk.services.locations import Fix, _store_fix
from tests.helpers.core import FakeClock, actor_for, create_incident, free_units, invite


def _session_with_everything(core: DeskCore, clock: FakeClock, dispatcher: Actor) -> dict:
    """An incident with a live session: chat, two recorded segments, GPS, a unit."""
    incident = create_incident(core, dispatcher)
    t0 = clock()
    service = CitizenService(core.incidents)
    view = invite(core, dispatcher, incident.id, t0)
    caller = caller_actor(core.workstation)
    for second in range(0, 60, 10):  # a fix every 10 s, walking north
        fix = Fix(incident.id, 42.36 + second * 1e-5, -71.06, 5.0, t0 + timedelta(seconds=second))
        core.store.write_sync(_store_fix, fix)
    core.store.write_sync(
        _store_fix,
        Fix(incident.id, 1.0, 1.0, 900.0, t0, source=LocationSource.CARRIER),  # not the trail
    )
    clock.advance(seconds=25)
    chat, _ = core.store.write_sync(
        service.add_message, caller, view.id, Direction.FROM_CALLER, "behind the shed", clock()
    )
    media_dir = core.paths.media_dir
    segments = []
    for segment, (ends_at_s, length_s) in enumerate([(20.0, 15.0), (50.0, 12.5)], start=1):
        name = f"{view.id}/video-{segment:02d}.mp4"
        (media_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (media_dir / name).write_bytes(b"not really mp4")
        media, _ = core.store.write_sync(
            service.add_media,
            core.system_actor(),
            view.id,
            MediaKind.RECORDING,
            t0 + timedelta(seconds=ends_at_s),
            mime="video/mp4",
            size_bytes=14,
            sha256="b" * 64,
            file_name=name,
            duration_s=length_s,
        )
        segments.append(media)
    unit = free_units(core, 1)[0]
    core.store.write_sync(core.units.assign, dispatcher, unit.id, incident.id, clock())
    return {"incident": incident, "t0": t0, "chat": chat, "segments": segments, "unit": unit}


@pytest.fixture
def made(core: DeskCore, clock: FakeClock, dispatcher: Actor) -> dict:
    return _session_with_everything(core, clock, dispatcher)


def test_one_axis_with_every_kind_of_mark(
    core: DeskCore, made: dict, supervisor: Actor, clock: FakeClock
) -> None:
    line, _ = core.store.write_sync(timeline.build, supervisor, made["incident"].id, clock())
    tracks = {m.track for m in line.marks}
    assert {"video", "chat", "narrative", "status", "units"} <= tracks
    assert [m.at for m in line.marks] == sorted(m.at for m in line.marks)
    chat = next(m for m in line.marks if m.track == "chat")
    assert chat.at == made["t0"] + timedelta(seconds=25) and "behind the shed" in chat.text
    unit = next(m for m in line.marks if m.track == "units")
    assert unit.text == f"{made['unit'].call_sign} dispatched"
    assert any(m.text.startswith("Incident created by dispatcher") for m in line.marks)
    assert line.start <= made["t0"] and line.end >= made["t0"] + timedelta(seconds=50)


def test_a_segment_ends_when_it_was_recorded_and_starts_its_length_before(
    core: DeskCore, made: dict, supervisor: Actor, clock: FakeClock
) -> None:
    line, _ = core.store.write_sync(timeline.build, supervisor, made["incident"].id, clock())
    t0 = made["t0"]
    assert [(s.start - t0, s.end - t0) for s in line.spans] == [
        (timedelta(seconds=5), timedelta(seconds=20)),
        (timedelta(seconds=37.5), timedelta(seconds=50)),
    ]
    span, offset = line.span_at(t0 + timedelta(seconds=40))  # type: ignore[misc]
    assert span.media_id == made["segments"][1].id and offset == pytest.approx(2.5)
    assert line.span_at(t0 + timedelta(seconds=30)) is None  # between the segments: no video


def test_the_trail_as_it_was_at_an_instant(
    core: DeskCore, made: dict, supervisor: Actor, clock: FakeClock
) -> None:
    line, _ = core.store.write_sync(timeline.build, supervisor, made["incident"].id, clock())
    t0 = made["t0"]
    assert len(line.trail) == 6  # the carrier's point is not the phone's trail
    at_chat = line.trail_until(t0 + timedelta(seconds=25))
    assert [f.at - t0 for f in at_chat] == [timedelta(seconds=s) for s in (0, 10, 20)]
    assert len(line.trail_until(t0 + timedelta(seconds=20))) == 3  # a fix at the instant counts
    assert line.trail_until(t0 - timedelta(seconds=1)) == []


def test_previous_and_next_mark(
    core: DeskCore, made: dict, supervisor: Actor, clock: FakeClock
) -> None:
    line, _ = core.store.write_sync(timeline.build, supervisor, made["incident"].id, clock())
    chat_at = made["t0"] + timedelta(seconds=25)
    after = line.next_mark(chat_at - timedelta(microseconds=1))
    assert after is not None and after.track == "chat"
    before = line.previous_mark(chat_at)
    assert before is not None and before.at < chat_at
    assert line.next_mark(line.marks[-1].at) is None
    assert line.previous_mark(line.marks[0].at) is None


def test_building_the_timeline_is_audited(
    core: DeskCore, made: dict, supervisor: Actor, clock: FakeClock
) -> None:
    core.store.write_sync(timeline.build, supervisor, made["incident"].id, clock())
    rows = core.store.read_sync(audit.list_events, action="review.timeline")
    assert [(r.username, r.outcome, r.entity_id) for r in rows] == [
        ("supervisor", "ok", str(made["incident"].id))
    ]
    assert rows[0].detail == {"fixes": 6, "recordings": 2}


@pytest.mark.parametrize("username", ["calltaker", "dispatcher"])
def test_a_call_taker_or_dispatcher_is_refused_the_timeline_and_it_is_audited(
    core: DeskCore, made: dict, clock: FakeClock, username: str
) -> None:
    actor = actor_for(core, username)
    with pytest.raises(PermissionDenied):
        core.store.write_sync(timeline.build, actor, made["incident"].id, clock())
    rows = core.store.read_sync(audit.list_events, action="review.timeline")
    assert [(r.username, r.outcome) for r in rows] == [(username, "denied")]
    assert rows[0].detail["incident"] == str(made["incident"].id)


def test_a_call_taker_is_refused_a_recording_and_it_is_audited(
    core: DeskCore, made: dict, calltaker: Actor, clock: FakeClock
) -> None:
    media = made["segments"][0]
    with pytest.raises(PermissionDenied):
        core.store.write_sync(
            open_recording, calltaker, media.id, clock(), media_dir=core.paths.media_dir
        )
    rows = core.store.read_sync(audit.list_events, action="recording.view")
    assert [(r.username, r.outcome, r.detail["media"]) for r in rows] == [
        ("calltaker", "denied", str(media.id))
    ]


def test_opening_a_recording_records_who_which_incident_and_where(
    core: DeskCore, made: dict, supervisor: Actor, clock: FakeClock
) -> None:
    media = made["segments"][0]
    access, _ = core.store.write_sync(
        open_recording, supervisor, media.id, clock(), media_dir=core.paths.media_dir
    )
    assert access.path == core.paths.media_dir / media.file_name and access.message == ""
    (row,) = core.store.read_sync(audit.list_events, action="recording.view")
    assert (row.username, row.workstation, row.outcome, row.entity_id) == (
        "supervisor",
        core.workstation,
        "ok",
        str(media.id),
    )
    assert row.detail["incident"] == str(made["incident"].id)


def test_a_recording_on_another_workstation_names_it(
    core: DeskCore, made: dict, clock: FakeClock
) -> None:
    elsewhere = Actor(None, "admin", "Admin", actor_for(core, "admin").role, "console-7")
    media = made["segments"][0]
    access, _ = core.store.write_sync(
        open_recording, elsewhere, media.id, clock(), media_dir=core.paths.media_dir
    )
    assert access.path is None and core.workstation in access.message
    assert "held on workstation" in access.message
    (row,) = core.store.read_sync(audit.list_events, action="recording.view")
    assert (row.outcome, row.workstation) == ("elsewhere", "console-7")


def test_a_missing_file_is_said_plainly(
    core: DeskCore, made: dict, supervisor: Actor, clock: FakeClock
) -> None:
    media = made["segments"][1]
    (core.paths.media_dir / media.file_name).unlink()
    access, _ = core.store.write_sync(
        open_recording, supervisor, media.id, clock(), media_dir=core.paths.media_dir
    )
    assert access.path is None and "missing" in access.message
    (row,) = core.store.read_sync(audit.list_events, action="recording.view")
    assert row.outcome == "missing"


def test_bookmarks_are_kept_listed_on_the_timeline_and_audited(
    core: DeskCore, made: dict, supervisor: Actor, calltaker: Actor, clock: FakeClock
) -> None:
    at = made["t0"] + timedelta(seconds=12)
    media_id = made["segments"][0].id
    view, changes = core.store.write_sync(
        bookmarks.add,
        supervisor,
        made["incident"].id,
        at,
        "  greeting late  ",
        clock(),
        media_id=media_id,
    )
    assert view.note == "greeting late" and view.media_id == media_id
    assert any(c.kind == "review_bookmark" for c in changes)
    listed = core.store.read_sync(bookmarks.list_for, made["incident"].id)
    assert [(b.at, b.note, b.author_name) for b in listed] == [
        (at, "greeting late", supervisor.display_name)
    ]
    line, _ = core.store.write_sync(timeline.build, supervisor, made["incident"].id, clock())
    (mark,) = [m for m in line.marks if m.track == "bookmark"]
    assert mark.at == at and "greeting late" in mark.text
    with pytest.raises(PermissionDenied):
        core.store.write_sync(bookmarks.add, calltaker, made["incident"].id, at, "mine", clock())
    rows = core.store.read_sync(audit.list_events, action="review.bookmark")
    assert [(r.username, r.outcome) for r in rows] == [
        ("supervisor", "ok"),
        ("calltaker", "denied"),
    ]


def test_a_bookmark_on_another_incidents_recording_is_refused(
    core: DeskCore, made: dict, supervisor: Actor, dispatcher: Actor, clock: FakeClock
) -> None:
    other = create_incident(core, dispatcher, address="99 Main Street")
    from dispatch_desk.services.context import NotFound

    with pytest.raises(NotFound, match="not part of this incident"):
        core.store.write_sync(
            bookmarks.add,
            supervisor,
            other.id,
            clock(),
            "x",
            clock(),
            media_id=made["segments"][0].id,
        )
    with pytest.raises(NotFound):
        core.store.write_sync(bookmarks.add, supervisor, uuid.uuid4(), clock(), "x", clock())


def test_the_bookmark_table_travels(tmp_path: Path) -> None:
    from dispatch_desk.sync import codec

    order = codec.SYNCED_TABLES
    assert order.index("review_bookmark") > order.index("citizen_media") > order.index("incident")
