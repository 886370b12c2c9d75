"""Citizen sessions in the incident record: every state, chat line and file narrated and
audited; the rules of which state may follow which; expiry; nothing personal in the audit."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.citizen import Direction, InviteKind, MediaKind, SessionState, may_move
from dispatch_desk.gateway import tokens
from dispatch_desk.services import audit
from dispatch_desk.services.citizen import CitizenService, SessionView, caller_actor
from dispatch_desk.services.context import Actor, RuleViolation
from dispatch_desk.sync import codec
from tests.helpers.core import actor_for, create_incident, make_core


@pytest.fixture
def core(tmp_path: Path) -> DeskCore:
    made = make_core(tmp_path)
    yield made  # type: ignore[misc]
    made.close()


def _invite(core: DeskCore, actor: Actor, **options: object) -> SessionView:
    incident = create_incident(core, actor)
    now = core.clock()
    view, _ = core.store.write_sync(
        CitizenService(core.incidents).invite,
        actor,
        incident.id,
        options.pop("kind", InviteKind.VIDEO),
        tokens.token_hash(tokens.new_token()),
        now,
        now + timedelta(minutes=30),
        phone_e164="+16175550101",
        language="es",
        sent_by_sms=True,
        **options,
    )
    return view


def _move(core: DeskCore, view: SessionView, state: SessionState, **kw: object) -> SessionView:
    moved, _ = core.store.write_sync(
        CitizenService(core.incidents).move,
        caller_actor(core.workstation),
        view.id,
        state,
        core.clock(),
        **kw,
    )
    return moved


def _narrative(core: DeskCore, incident_id: uuid.UUID) -> list[str]:
    return [n.text for n in core.store.read_sync(core.incidents.detail, incident_id).narrative]


def test_an_invite_is_stored_by_hash_narrated_and_audited_without_the_number(
    core: DeskCore,
) -> None:
    actor = actor_for(core, "calltaker")
    view = _invite(core, actor)
    assert view.state == SessionState.INVITED and len(view.token_hash) == 64
    assert view.expires_at - view.created_at == timedelta(minutes=30)
    assert "Live video link texted to the caller; valid 30 min." in _narrative(
        core, view.incident_id
    )
    events = core.store.read_sync(audit.list_events, entity_id=view.id)
    assert [e.action for e in events] == ["citizen.invite"]
    assert "555" not in json.dumps(events[0].detail)


def test_no_invite_on_a_closed_incident(core: DeskCore) -> None:
    actor = actor_for(core, "dispatcher")
    incident = create_incident(core, actor)
    core.store.write_sync(core.incidents.close, actor, incident.id, "Report taken", core.clock())
    service = CitizenService(core.incidents)
    now = core.clock()
    with pytest.raises(RuleViolation):
        core.store.write_sync(
            service.invite,
            actor,
            incident.id,
            InviteKind.VIDEO,
            "0" * 64,
            now,
            now,
            phone_e164=None,
            language="en",
            sent_by_sms=False,
        )


def test_the_session_states_follow_the_rules() -> None:
    s = SessionState
    assert may_move(s.INVITED, s.OPENED) and not may_move(s.INVITED, s.LIVE)
    assert may_move(s.PAUSED, s.CONSENTED)  # the caller may agree again
    for final in (s.ENDED, s.DECLINED, s.EXPIRED, s.REVOKED):
        assert final.final and not any(may_move(final, other) for other in s if other != final)
    assert s.RECONNECTING.consented and not s.PAUSED.consented


def test_each_step_is_narrated_once_and_a_late_message_changes_nothing(core: DeskCore) -> None:
    actor = actor_for(core, "dispatcher")
    view = _invite(core, actor)
    view = _move(core, view, SessionState.OPENED, device_hash="d" * 64)
    assert view.device_hash == "d" * 64 and view.opened_at is not None
    view = _move(core, view, SessionState.CONSENTED, by="caller")
    view = _move(core, view, SessionState.LIVE, by="caller")
    view = _move(core, view, SessionState.DARK, by="caller")
    view = _move(core, view, SessionState.DARK, by="caller")  # again: nothing new
    view = _move(core, view, SessionState.PAUSED, by="caller")
    assert view.ended_by == "caller"
    view = _move(core, view, SessionState.CONSENTED, by="caller")
    view = _move(core, view, SessionState.ENDED, by="dispatcher")
    late = _move(core, view, SessionState.LIVE, by="caller")
    assert late.state == SessionState.ENDED
    lines = _narrative(core, view.incident_id)
    assert lines.count("Caller made their screen look off; the video continues.") == 1
    assert (
        lines.count(
            "Caller agreed to share: camera video, sound, location, chat, photos and videos."
        )
        == 2
    )
    assert "Caller ended the live video session (the link works until it expires)." in lines
    actions = [e.action for e in core.store.read_sync(audit.list_events, entity_id=view.id)]
    assert actions == [
        "citizen.invite",
        "citizen.opened",
        "citizen.consented",
        "citizen.live",
        "citizen.dark",
        "citizen.paused",
        "citizen.consented",
        "citizen.ended",
    ]


def test_chat_is_kept_as_typed_once_and_audited_by_length_only(core: DeskCore) -> None:
    actor = actor_for(core, "dispatcher")
    view = _invite(core, actor)
    service = CitizenService(core.incidents)
    msg_id = uuid.uuid4()
    text = "<script>alert('x')</script> I'm at the back"
    for _ in range(2):  # a reconnecting phone sends it again
        (_, new), _ = core.store.write_sync(
            service.add_message,
            caller_actor(core.workstation),
            view.id,
            Direction.FROM_CALLER,
            text,
            core.clock(),
            message_id=msg_id,
        )
    assert new is False
    messages = core.store.read_sync(service.messages, view.id)
    assert [(m.id, m.text, m.author_name) for m in messages] == [(msg_id, text, "Caller")]
    assert f"Chat from caller: {text}" in _narrative(core, view.incident_id)
    detail = [e.detail for e in core.store.read_sync(audit.list_events, action="citizen.chat.in")]
    assert detail == [{"chars": len(text)}]


def test_only_links_not_agreed_to_expire(core: DeskCore) -> None:
    actor = actor_for(core, "dispatcher")
    waiting = _invite(core, actor)
    agreed = _move(
        core, _move(core, _invite(core, actor), SessionState.OPENED), SessionState.CONSENTED
    )
    service = CitizenService(core.incidents)
    expired, _ = core.store.write_sync(
        service.expire_due, core.system_actor(), core.clock() + timedelta(minutes=29)
    )
    assert expired == []
    expired, _ = core.store.write_sync(
        service.expire_due, core.system_actor(), core.clock() + timedelta(minutes=31)
    )
    assert [v.id for v in expired] == [waiting.id] and expired[0].state == SessionState.EXPIRED
    assert [v.id for v in core.store.read_sync(service.active, core.workstation)] == [agreed.id]


def test_looking_at_a_file_is_audited_every_time(core: DeskCore) -> None:
    actor = actor_for(core, "dispatcher")
    view = _invite(core, actor)
    service = CitizenService(core.incidents)
    media, _ = core.store.write_sync(
        service.add_media,
        caller_actor(core.workstation),
        view.id,
        MediaKind.PHOTO,
        core.clock(),
        mime="image/jpeg",
        size_bytes=183_000,
        sha256="a" * 64,
        file_name="x/photo.jpg",
    )
    assert media.opened_at is None
    assert "Caller sent a photo (image/jpeg, 183 KB); hidden until opened." in _narrative(
        core, view.incident_id
    )
    for _ in range(2):
        opened, _ = core.store.write_sync(service.open_media, actor, media.id, core.clock())
    assert opened.opened_at is not None
    views = core.store.read_sync(audit.list_events, action="citizen.media.view")
    assert [e.username for e in views] == ["dispatcher", "dispatcher"]


def test_the_citizen_tables_travel_with_the_incident() -> None:
    order = codec.SYNCED_TABLES
    for name in ("citizen_session", "citizen_message", "citizen_media"):
        assert order.index(name) > order.index("incident")
    assert order.index("citizen_session") < order.index("citizen_message")
    assert "token" not in " ".join(codec.COLUMN_KINDS["citizen_session"]).replace("token_hash", "")
