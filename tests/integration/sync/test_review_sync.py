"""Review data travels between workstations through the real central PostgreSQL: a bookmark
made on one is on the other's timeline, and a recording made on one is named as held there when
a supervisor on the other asks to play it (its row travels, its file does not)."""

from __future__ import annotations

from datetime import timedelta

from dispatch_desk.domain.citizen import InviteKind, MediaKind
from dispatch_desk.gateway import tokens
from dispatch_desk.review import bookmarks, timeline
from dispatch_desk.review.access import open_recording
from dispatch_desk.services import audit
from dispatch_desk.services.citizen import CitizenService
from tests.helpers.core import actor_for, create_incident
from tests.helpers.pg import wait_until


def test_bookmark_and_recording_seen_from_the_other_workstation(workstation) -> None:
    a, b = workstation("ws-a"), workstation("ws-b")
    made = create_incident(a, actor_for(a, "dispatcher"))
    now = a.clock()
    service = CitizenService(a.incidents)
    view, _ = a.store.write_sync(
        service.invite,
        actor_for(a, "dispatcher"),
        made.id,
        InviteKind.VIDEO,
        tokens.token_hash(tokens.new_token()),
        now,
        now + timedelta(minutes=30),
        phone_e164="+16175550101",
        language="en",
        sent_by_sms=True,
    )
    name = f"{view.id}/video-01.mp4"
    (a.paths.media_dir / name).parent.mkdir(parents=True, exist_ok=True)
    (a.paths.media_dir / name).write_bytes(b"\0" * 64)
    media, _ = a.store.write_sync(
        service.add_media,
        a.system_actor(),
        view.id,
        MediaKind.RECORDING,
        now + timedelta(seconds=30),
        mime="video/mp4",
        size_bytes=64,
        sha256="c" * 64,
        file_name=name,
        duration_s=25.0,
    )
    mark, _ = a.store.write_sync(
        bookmarks.add,
        actor_for(a, "supervisor"),
        made.id,
        now + timedelta(seconds=12),
        "greeting took 9 s",
        a.clock(),
        media_id=media.id,
    )

    supervisor_b = actor_for(b, "supervisor")
    seen = wait_until(
        lambda: b.store.read_sync(bookmarks.list_for, made.id),
        what="the bookmark on ws-b",
        timeout=30,
    )
    assert [(m.id, m.note, m.media_id, m.workstation) for m in seen] == [
        (mark.id, "greeting took 9 s", media.id, "ws-a")
    ]
    line, _ = b.store.write_sync(timeline.build, supervisor_b, made.id, b.clock())
    assert [s.media_id for s in line.spans] == [media.id]
    assert line.spans[0].start == now + timedelta(seconds=5)
    assert any(m.track == "bookmark" and m.id == mark.id for m in line.marks)

    access, _ = b.store.write_sync(
        open_recording, supervisor_b, media.id, b.clock(), media_dir=b.paths.media_dir
    )
    assert access.path is None and access.held_on == "ws-a"
    assert "held on workstation ws-a" in access.message
    (row,) = b.store.read_sync(audit.list_events, action="recording.view")
    assert (row.workstation, row.outcome) == ("ws-b", "elsewhere")
