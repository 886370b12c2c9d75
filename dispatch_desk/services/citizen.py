"""Citizen live sessions in the incident record: the invite, every state it goes through, the
chat both ways and every file, each with a narrative line and an audit event.

Functions take the open database session first, like the other services, and run in one store
write. Audit details carry ids, kinds and sizes, never the caller's number, words or pictures
(those stay in the incident record itself).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.domain.citizen import (
    Direction,
    InviteKind,
    MediaKind,
    SessionState,
    may_move,
)
from dispatch_desk.domain.enums import IncidentStatus, Role
from dispatch_desk.events import note_change
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, NotFound, RuleViolation
from dispatch_desk.services.incidents import TAKE_CALLS, IncidentService
from dispatch_desk.storage.models import CitizenMedia, CitizenMessage, CitizenSession, Incident

# What the narrative says when a session reaches a state (None: audited, not narrated).
_NARRATED: dict[SessionState, str | None] = {
    SessionState.OPENED: "Caller opened the {kind} link.",
    SessionState.CONSENTED: "Caller agreed to share: {shares}.",
    SessionState.LIVE: None,
    SessionState.DARK: "Caller made their screen look off; the video continues.",
    SessionState.RECONNECTING: None,
    SessionState.PAUSED: "Caller ended the {kind} session (the link works until it expires).",
    SessionState.ENDED: "{Kind} session ended by {by}.",
    SessionState.DECLINED: "Caller declined the {kind} request.",
    SessionState.EXPIRED: "{Kind} link expired before the caller agreed.",
    SessionState.REVOKED: "{Kind} link revoked by {by}.",
}

SHARE_WORDS = {
    "camera": "camera video",
    "microphone": "sound",
    "location": "location",
    "chat": "chat",
    "uploads": "photos and videos",
}


def caller_actor(workstation: str) -> Actor:
    """Who acts when the caller's phone does something: recorded as the caller, through this
    workstation."""
    return Actor(None, "caller", "Caller", Role.CALL_TAKER, workstation)


@dataclass(frozen=True)
class SessionView:
    id: uuid.UUID
    incident_id: uuid.UUID
    incident_number: str
    kind: InviteKind
    state: SessionState
    phone_e164: str | None
    language: str
    created_at: datetime
    expires_at: datetime
    opened_at: datetime | None
    consented_at: datetime | None
    ended_at: datetime | None
    ended_by: str
    token_hash: str
    device_hash: str | None
    workstation: str


@dataclass(frozen=True)
class MessageView:
    id: uuid.UUID
    session_id: uuid.UUID
    direction: Direction
    text: str
    author_name: str
    at: datetime


@dataclass(frozen=True)
class MediaView:
    id: uuid.UUID
    session_id: uuid.UUID
    incident_id: uuid.UUID
    kind: MediaKind
    mime: str
    size_bytes: int
    sha256: str
    file_name: str
    duration_s: float | None
    at: datetime
    opened_at: datetime | None


def _session_view(row: CitizenSession, number: str) -> SessionView:
    return SessionView(
        id=row.id,
        incident_id=row.incident_id,
        incident_number=number,
        kind=row.kind,
        state=row.state,
        phone_e164=row.phone_e164,
        language=row.language,
        created_at=row.created_at,
        expires_at=row.expires_at,
        opened_at=row.opened_at,
        consented_at=row.consented_at,
        ended_at=row.ended_at,
        ended_by=row.ended_by,
        token_hash=row.token_hash,
        device_hash=row.device_hash,
        workstation=row.workstation,
    )


def _message_view(row: CitizenMessage) -> MessageView:
    return MessageView(row.id, row.session_id, row.direction, row.text, row.author_name, row.at)


def _media_view(row: CitizenMedia) -> MediaView:
    return MediaView(
        id=row.id,
        session_id=row.session_id,
        incident_id=row.incident_id,
        kind=row.kind,
        mime=row.mime,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        file_name=row.file_name,
        duration_s=row.duration_s,
        at=row.at,
        opened_at=row.opened_at,
    )


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    return f"{max(1, round(n / 1000))} KB"


class CitizenService:
    def __init__(self, incidents: IncidentService) -> None:
        self.incidents = incidents

    # -- reading

    def view(self, session: Session, session_id: uuid.UUID) -> SessionView:
        row = self._get(session, session_id)
        return _session_view(row, self._number(session, row.incident_id))

    def active(self, session: Session, workstation: str) -> list[SessionView]:
        """Sessions of this workstation that are not over (to re-register with a gateway)."""
        rows = session.execute(
            select(CitizenSession, Incident.number)
            .join(Incident, Incident.id == CitizenSession.incident_id)
            .where(
                CitizenSession.workstation == workstation,
                CitizenSession.state.not_in([s for s in SessionState if s.final]),
            )
            .order_by(CitizenSession.created_at)
        ).all()
        return [_session_view(row, number) for row, number in rows]

    def for_incident(self, session: Session, incident_id: uuid.UUID) -> list[SessionView]:
        rows = session.execute(
            select(CitizenSession, Incident.number)
            .join(Incident, Incident.id == CitizenSession.incident_id)
            .where(CitizenSession.incident_id == incident_id)
            .order_by(CitizenSession.created_at)
        ).all()
        return [_session_view(row, number) for row, number in rows]

    def messages(self, session: Session, session_id: uuid.UUID) -> list[MessageView]:
        rows = session.scalars(
            select(CitizenMessage)
            .where(CitizenMessage.session_id == session_id)
            .order_by(CitizenMessage.at, CitizenMessage.id)
        )
        return [_message_view(r) for r in rows]

    def media(self, session: Session, session_id: uuid.UUID) -> list[MediaView]:
        rows = session.scalars(
            select(CitizenMedia)
            .where(CitizenMedia.session_id == session_id)
            .order_by(CitizenMedia.at, CitizenMedia.id)
        )
        return [_media_view(r) for r in rows]

    def media_item(self, session: Session, media_id: uuid.UUID) -> MediaView:
        row = session.get(CitizenMedia, media_id)
        if row is None:
            raise NotFound(f"No media {media_id}")
        return _media_view(row)

    # -- writing

    def invite(
        self,
        session: Session,
        actor: Actor,
        incident_id: uuid.UUID,
        kind: InviteKind,
        token_hash: str,
        now: datetime,
        expires_at: datetime,
        *,
        phone_e164: str | None,
        language: str,
        sent_by_sms: bool,
    ) -> SessionView:
        audit.require(actor, now, "citizen.invite", TAKE_CALLS, incident=str(incident_id))
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFound(f"No incident {incident_id}")
        if incident.status == IncidentStatus.CLOSED:
            raise RuleViolation(f"{incident.number} is closed; no live session can start.")
        row = CitizenSession(
            incident_id=incident_id,
            kind=kind,
            state=SessionState.INVITED,
            phone_e164=phone_e164,
            language=language,
            token_hash=token_hash,
            created_at=now,
            expires_at=expires_at,
            ended_by="",
            created_by=actor.user_id,
            workstation=actor.workstation,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        minutes = max(1, round((expires_at - now).total_seconds() / 60))
        how = "texted to the caller" if sent_by_sms else "made (link copied by the dispatcher)"
        self._narrate(
            session, actor, incident_id, f"{kind.label} link {how}; valid {minutes} min.", now
        )
        audit.record(
            session,
            actor,
            now,
            "citizen.invite",
            entity_type="citizen_session",
            entity_id=row.id,
            incident=str(incident_id),
            kind=kind.value,
            sms=sent_by_sms,
        )
        note_change(session, "citizen", row.id)
        return _session_view(row, incident.number)

    def move(
        self,
        session: Session,
        actor: Actor,
        session_id: uuid.UUID,
        state: SessionState,
        now: datetime,
        *,
        by: str = "",
        device_hash: str | None = None,
    ) -> SessionView:
        """Move a session to ``state``; a move the rules do not allow (a late message about a
        session already over) changes nothing and returns the session as it is."""
        row = self._get(session, session_id)
        number = self._number(session, row.incident_id)
        if row.state == state or not may_move(row.state, state):
            return _session_view(row, number)
        before = row.state
        row.state = state
        row.updated_at = now
        if state == SessionState.OPENED:
            row.opened_at = now
            if device_hash:
                row.device_hash = device_hash
        elif state == SessionState.CONSENTED:
            row.consented_at = now
        elif state in (SessionState.PAUSED, SessionState.ENDED):
            row.ended_at = now
            row.ended_by = by or ("caller" if state == SessionState.PAUSED else "dispatcher")
        elif state.final:
            row.ended_at = now
            row.ended_by = by
        template = _NARRATED.get(state)
        if template:
            who = "the caller" if by == "caller" else (actor.display_name or actor.username)
            text = template.format(
                kind=row.kind.label.lower(),
                Kind=row.kind.label,
                shares=", ".join(SHARE_WORDS[s] for s in row.kind.shares),
                by=who,
            )
            self._narrate(session, actor, row.incident_id, text, now)
        audit.record(
            session,
            actor,
            now,
            f"citizen.{state.value}",
            entity_type="citizen_session",
            entity_id=row.id,
            incident=str(row.incident_id),
            before=before.value,
            by=by,
        )
        note_change(session, "citizen", row.id)
        return _session_view(row, number)

    def expire_due(self, session: Session, actor: Actor, now: datetime) -> list[SessionView]:
        """Expire every link of this workstation not agreed to in time."""
        rows = session.scalars(
            select(CitizenSession).where(
                CitizenSession.workstation == actor.workstation,
                CitizenSession.state.in_(
                    [SessionState.INVITED, SessionState.OPENED, SessionState.PAUSED]
                ),
                CitizenSession.expires_at <= now,
            )
        ).all()
        return [
            self.move(session, actor, r.id, SessionState.EXPIRED, now, by="expiry") for r in rows
        ]

    def add_message(
        self,
        session: Session,
        actor: Actor,
        session_id: uuid.UUID,
        direction: Direction,
        text: str,
        now: datetime,
        *,
        message_id: uuid.UUID | None = None,
    ) -> tuple[MessageView, bool]:
        """Store a chat line (plain text, as typed); returns it and whether it is new (a phone
        that reconnects sends its unacknowledged lines again)."""
        if message_id is not None:
            existing = session.get(CitizenMessage, message_id)
            if existing is not None:
                return _message_view(existing), False
        row = self._get(session, session_id)
        if direction == Direction.TO_CALLER:
            audit.require(actor, now, "citizen.chat", TAKE_CALLS, citizen_session=str(session_id))
        author = "Caller" if direction == Direction.FROM_CALLER else actor.display_name
        message = CitizenMessage(
            session_id=row.id,
            incident_id=row.incident_id,
            direction=direction,
            text=text,
            author_name=author or actor.username,
            at=now,
        )
        if message_id is not None:
            message.id = message_id
        session.add(message)
        prefix = "Chat from caller" if direction == Direction.FROM_CALLER else "Chat to caller"
        self._narrate(session, actor, row.incident_id, f"{prefix}: {text}", now)
        audit.record(
            session,
            actor,
            now,
            f"citizen.chat.{'in' if direction == Direction.FROM_CALLER else 'out'}",
            entity_type="citizen_session",
            entity_id=row.id,
            chars=len(text),
        )
        note_change(session, "citizen_message", row.id)
        return _message_view(message), True

    def add_media(
        self,
        session: Session,
        actor: Actor,
        session_id: uuid.UUID,
        kind: MediaKind,
        now: datetime,
        *,
        mime: str,
        size_bytes: int,
        sha256: str,
        file_name: str,
        duration_s: float | None = None,
        detail: str = "",
        at: datetime | None = None,
    ) -> MediaView:
        """Record a file of the session. ``at`` is when the media itself ends (a recording's
        last frame), when that is earlier than ``now`` (the moment it is recorded)."""
        row = self._get(session, session_id)
        media = CitizenMedia(
            session_id=row.id,
            incident_id=row.incident_id,
            kind=kind,
            mime=mime,
            size_bytes=size_bytes,
            sha256=sha256,
            file_name=file_name,
            workstation=actor.workstation,
            duration_s=duration_s,
            at=at or now,
        )
        session.add(media)
        session.flush()
        size = _size(size_bytes)
        text = {
            MediaKind.PHOTO: f"Caller sent a photo ({mime}, {size}); hidden until opened.",
            MediaKind.VIDEO: f"Caller sent a video ({mime}, {size}); hidden until opened.",
            MediaKind.STILL: f"Still taken from the live video{detail} ({size}).",
            MediaKind.RECORDING: (
                f"Live video recorded{detail}: {duration_s or 0:.0f} s, {size}, "
                f"SHA-256 {sha256[:16]}…"
            ),
            MediaKind.EVENTS: f"Session log kept ({size}, SHA-256 {sha256[:16]}…).",
        }[kind]
        self._narrate(session, actor, row.incident_id, text, now)
        audit.record(
            session,
            actor,
            now,
            f"citizen.media.{kind.value}",
            entity_type="citizen_media",
            entity_id=media.id,
            citizen_session=str(row.id),
            mime=mime,
            size=size_bytes,
            sha256=sha256,
        )
        note_change(session, "citizen_media", row.id)
        return _media_view(media)

    def open_media(
        self, session: Session, actor: Actor, media_id: uuid.UUID, now: datetime
    ) -> MediaView:
        """A dispatcher chose to look at a file: recorded, every time."""
        audit.require(actor, now, "citizen.media.view", TAKE_CALLS, media=str(media_id))
        media = session.get(CitizenMedia, media_id)
        if media is None:
            raise NotFound(f"No media {media_id}")
        if media.opened_at is None:
            media.opened_at = now
        audit.record(
            session,
            actor,
            now,
            "citizen.media.view",
            entity_type="citizen_media",
            entity_id=media.id,
            citizen_session=str(media.session_id),
        )
        note_change(session, "citizen_media", media.session_id)
        return _media_view(media)

    def refused(
        self, session: Session, actor: Actor, session_id: uuid.UUID, reason: str, now: datetime
    ) -> None:
        """The gateway turned a phone away from this session's link (another device, say)."""
        row = self._get(session, session_id)
        if reason == "other-device":
            self._narrate(
                session,
                actor,
                row.incident_id,
                f"A second phone tried to open the {row.kind.label.lower()} link; refused.",
                now,
            )
        audit.record(
            session,
            actor,
            now,
            "citizen.refused",
            entity_type="citizen_session",
            entity_id=row.id,
            outcome="denied",
            reason=reason,
        )

    # -- helpers

    def _narrate(
        self, session: Session, actor: Actor, incident_id: uuid.UUID, text: str, now: datetime
    ) -> None:
        self.incidents.add_narrative(session, actor, incident_id, text, now)

    def _get(self, session: Session, session_id: uuid.UUID) -> CitizenSession:
        row = session.get(CitizenSession, session_id)
        if row is None:
            raise NotFound(f"No live session {session_id}")
        return row

    @staticmethod
    def _number(session: Session, incident_id: uuid.UUID) -> str:
        return session.scalar(select(Incident.number).where(Incident.id == incident_id)) or ""
