"""Text-to-911 conversations: a text from a new number waits in the queue, a call-taker claims
it (up to a limit), answers through the outbox, ties it to an incident and closes it.

A conversation is a row of ``sms_conversation``; its texts are ``sms_message`` rows with its id.
Every change notes ``("conversation", id)``; a new conversation also raises a "Text to 911"
alert once it is stored (the bus listener :meth:`ConversationService.on_changes`). Audit records
carry ids, never the number or what was written.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch_desk.domain.enums import Role
from dispatch_desk.domain.texting import Purpose, SmsDirection, SmsStatus
from dispatch_desk.events import Change, note_change
from dispatch_desk.evidence import holds
from dispatch_desk.messaging.outbox import E164, enqueue, normalise_phone
from dispatch_desk.messaging.segments import count as count_segments
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, Clock, NotFound, RuleViolation
from dispatch_desk.storage.models import (
    Incident,
    NarrativeEntry,
    SmsConversation,
    SmsMessage,
    User,
    stable_id,
)

TAKE_TEXTS = (Role.CALL_TAKER, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
WAITING, ACTIVE, CLOSED = "waiting", "active", "closed"
MAX_REPLY_CHARS = 1600  # ten GSM-7 segments: Twilio's own limit for one message
PREVIEW_CHARS = 80


@dataclass(frozen=True)
class ConversationSummary:
    id: uuid.UUID
    phone_e164: str
    state: str  # "waiting" | "active" | "closed"
    holder_id: uuid.UUID | None
    holder_name: str
    incident_id: uuid.UUID | None
    incident_number: str
    started_by: str  # "caller" | "centre"
    language: str  # "en" | "es"
    opened_at: datetime
    last_at: datetime
    unread: int
    preview: str


@dataclass(frozen=True)
class TextMessageView:
    id: uuid.UUID
    direction: str  # "in" | "out"
    body: str
    at: datetime
    status: str
    error: str
    author: str
    notices: tuple[str, ...]


class ConversationLimitReached(Exception):
    """The call-taker already holds as many conversations as allowed."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"You already hold {limit} text conversations; close one before taking another."
        )
        self.limit = limit


def notices_of(direction: str, body: str, media_count: int) -> tuple[str, ...]:
    """Plain notes on what the carrier path does to a text: media it drops, emoji it may."""
    notes: list[str] = []
    if media_count:
        what = "a picture or file" if media_count == 1 else f"{media_count} pictures or files"
        notes.append(f"The caller sent {what}; text-to-911 carries text only, so it is not here.")
    odd = count_segments(body).ucs2_chars if body else ()
    emoji = [c for c in odd if ord(c[0]) >= 0x2190]
    if emoji and direction == "in":
        notes.append("This text held emoji or symbols; some carriers drop them on the way to 911.")
    elif emoji:
        notes.append("Emoji or symbols may not reach the caller: some carriers drop them.")
    return tuple(notes)


class ConversationService:
    def __init__(
        self,
        clock: Clock,
        limit: int = 3,
        *,
        alerts: object | None = None,
        center_e164: str = "",
    ) -> None:
        self.clock = clock
        self.limit = limit
        self.alerts = alerts
        # The 911 text number: a conversation the centre starts texts from it, so the caller's
        # answer comes back to the 911 line and joins the conversation (from the status number
        # it would get the "not monitored" answer).
        self.center_e164 = normalise_phone(center_e164) if center_e164 else ""
        # New conversations of transactions not yet committed: alerted once the change is out.
        self._new: dict[uuid.UUID, str] = {}
        self._lock = threading.Lock()

    # -- the alert, after the transaction committed

    def on_changes(self, changes: list[Change]) -> None:
        for change in changes:
            if change.kind != "conversation":
                continue
            for conversation_id in change.ids:
                with self._lock:
                    phone = self._new.pop(conversation_id, None)
                if phone is not None and self.alerts is not None:
                    self.alerts.raise_alert(  # type: ignore[attr-defined]
                        "text.inbound",
                        f"Text to 911 from {phone}",
                        key=str(conversation_id),
                        source="texting",
                    )

    # -- reading

    def _summaries(
        self, session: Session, rows: list[SmsConversation]
    ) -> list[ConversationSummary]:
        if not rows:
            return []
        ids = [c.id for c in rows]
        numbers = dict(
            session.execute(
                select(Incident.id, Incident.number).where(
                    Incident.id.in_([c.incident_id for c in rows if c.incident_id])
                )
            ).all()
        )
        last: dict[uuid.UUID, str] = {}
        for conv_id, body in session.execute(
            select(SmsMessage.conversation_id, SmsMessage.body)
            .where(SmsMessage.conversation_id.in_(ids))
            .order_by(SmsMessage.created_at, SmsMessage.id)
        ):
            last[conv_id] = body
        result = []
        for c in rows:
            unread_q = select(func.count(SmsMessage.id)).where(
                SmsMessage.conversation_id == c.id, SmsMessage.direction == SmsDirection.IN
            )
            if c.read_at is not None:
                unread_q = unread_q.where(SmsMessage.created_at > c.read_at)
            preview = " ".join(last.get(c.id, "").split())
            result.append(
                ConversationSummary(
                    id=c.id,
                    phone_e164=c.phone_e164,
                    state=c.state,
                    holder_id=c.holder_id,
                    holder_name=c.holder_name,
                    incident_id=c.incident_id,
                    incident_number=numbers.get(c.incident_id, "") if c.incident_id else "",
                    started_by=c.started_by,
                    language=c.language,
                    opened_at=c.opened_at,
                    last_at=c.last_at,
                    unread=int(session.scalar(unread_q) or 0),
                    preview=preview[:PREVIEW_CHARS],
                )
            )
        return result

    def waiting(self, session: Session) -> list[ConversationSummary]:
        rows = session.scalars(
            select(SmsConversation)
            .where(SmsConversation.state == WAITING)
            .order_by(SmsConversation.opened_at, SmsConversation.id)
        ).all()
        return self._summaries(session, list(rows))

    def held_by(self, session: Session, user_id: uuid.UUID) -> list[ConversationSummary]:
        rows = session.scalars(
            select(SmsConversation)
            .where(SmsConversation.state == ACTIVE, SmsConversation.holder_id == user_id)
            .order_by(SmsConversation.opened_at, SmsConversation.id)
        ).all()
        return self._summaries(session, list(rows))

    def get(self, session: Session, conversation_id: uuid.UUID) -> ConversationSummary:
        return self._summaries(session, [self._get(session, conversation_id)])[0]

    def messages(self, session: Session, conversation_id: uuid.UUID) -> list[TextMessageView]:
        self._get(session, conversation_id)
        rows = session.execute(
            select(SmsMessage, User.display_name)
            .outerjoin(User, User.id == SmsMessage.user_id)
            .where(SmsMessage.conversation_id == conversation_id)
            .order_by(SmsMessage.created_at, SmsMessage.id)
        ).all()
        return [
            TextMessageView(
                id=m.id,
                direction=m.direction.value,
                body=m.body,
                at=m.created_at,
                status=m.status.value,
                error=m.error_message,
                author="Caller" if m.direction == SmsDirection.IN else (name or "Centre"),
                notices=notices_of(m.direction.value, m.body, m.media_count),
            )
            for m, name in rows
        ]

    # -- writing

    def receive(
        self,
        session: Session,
        *,
        from_e164: str,
        to_e164: str,
        body: str,
        media_count: int,
        sid: str,
        now: datetime,
    ) -> uuid.UUID:
        """A text to the 911 number: appended to the number's open conversation, or a new one
        waiting in the queue. The same ``sid`` twice is stored once."""
        phone = normalise_phone(from_e164)
        message = session.scalar(select(SmsMessage).where(SmsMessage.provider_sid == sid))
        if message is not None and message.conversation_id is not None:
            return message.conversation_id
        conversation = session.scalar(
            select(SmsConversation)
            .where(
                SmsConversation.phone_e164 == phone,
                SmsConversation.state.in_((WAITING, ACTIVE)),
            )
            .order_by(SmsConversation.opened_at.desc())
            .limit(1)
        )
        if conversation is None:
            conversation = SmsConversation(
                phone_e164=phone,
                state=WAITING,
                holder_id=None,
                holder_name="",
                incident_id=None,
                started_by="caller",
                language="en",
                center_e164=normalise_phone(to_e164),
                opened_at=now,
                last_at=now,
                read_at=None,
                updated_at=now,
            )
            session.add(conversation)
            session.flush()
            with self._lock:
                self._new[conversation.id] = phone
        if message is None:
            message = SmsMessage(
                id=stable_id("sms_in", sid),
                direction=SmsDirection.IN,
                purpose=Purpose.CONVERSATION,
                from_e164=phone,
                to_e164=normalise_phone(to_e164),
                body=body,
                status=SmsStatus.RECEIVED,
                provider_sid=sid,
                error_code="",
                error_message="",
                attempts=0,
                next_attempt_at=None,
                sending_at=None,
                idempotency_key=f"in:{sid}",
                media_count=media_count,
                created_at=now,
                updated_at=now,
            )
            session.add(message)
        message.conversation_id = conversation.id
        if message.incident_id is None or holds.active_hold(session, message.incident_id) is None:
            message.incident_id = conversation.incident_id  # a held incident keeps its text
        message.purpose = Purpose.CONVERSATION
        conversation.last_at = conversation.updated_at = now
        session.flush()
        note_change(session, "sms_message", message.id)
        note_change(session, "conversation", conversation.id)
        return conversation.id

    def _held_count(self, session: Session, user_id: uuid.UUID | None) -> int:
        return int(
            session.scalar(
                select(func.count(SmsConversation.id)).where(
                    SmsConversation.state == ACTIVE, SmsConversation.holder_id == user_id
                )
            )
            or 0
        )

    def _take(self, session: Session, actor: Actor, conversation: SmsConversation) -> None:
        if self._held_count(session, actor.user_id) >= self.limit:
            raise ConversationLimitReached(self.limit)
        conversation.state = ACTIVE
        conversation.holder_id = actor.user_id
        conversation.holder_name = actor.display_name

    def claim(
        self, session: Session, actor: Actor, conversation_id: uuid.UUID, now: datetime
    ) -> ConversationSummary:
        audit.require(
            actor, now, "conversation.claim", TAKE_TEXTS, conversation=str(conversation_id)
        )
        conversation = self._get(session, conversation_id)
        if conversation.state == CLOSED:
            raise RuleViolation("This conversation is closed.")
        if conversation.state == ACTIVE:
            if conversation.holder_id == actor.user_id:
                return self._summaries(session, [conversation])[0]
            raise RuleViolation(f"{conversation.holder_name} already has this conversation.")
        self._take(session, actor, conversation)
        conversation.updated_at = now
        self._audit(session, actor, now, "conversation.claim", conversation)
        return self._summaries(session, [conversation])[0]

    def start(
        self, session: Session, actor: Actor, phone_e164: str, now: datetime
    ) -> ConversationSummary:
        """The centre texts a number first (an abandoned or silent call)."""
        audit.require(actor, now, "conversation.start", TAKE_TEXTS)
        phone = normalise_phone(phone_e164)
        if not E164.match(phone):
            raise RuleViolation(
                f"{phone_e164!r} is not a phone number in international form (+1...)."
            )
        existing = session.scalar(
            select(SmsConversation).where(
                SmsConversation.phone_e164 == phone,
                SmsConversation.state.in_((WAITING, ACTIVE)),
            )
        )
        if existing is not None:  # one open conversation per number: take that one
            return self.claim(session, actor, existing.id, now)
        conversation = SmsConversation(
            phone_e164=phone,
            state=WAITING,
            started_by="centre",
            language="en",
            center_e164=self.center_e164,
            opened_at=now,
            last_at=now,
            read_at=now,
            updated_at=now,
        )
        self._take(session, actor, conversation)
        session.add(conversation)
        session.flush()
        self._audit(session, actor, now, "conversation.start", conversation)
        return self._summaries(session, [conversation])[0]

    def reply(
        self, session: Session, actor: Actor, conversation_id: uuid.UUID, body: str, now: datetime
    ) -> TextMessageView:
        audit.require(
            actor, now, "conversation.reply", TAKE_TEXTS, conversation=str(conversation_id)
        )
        conversation = self._held(session, actor, conversation_id)
        text = body.strip()
        if not text:
            raise RuleViolation("Type a message first.")
        if len(text) > MAX_REPLY_CHARS:
            raise RuleViolation(
                f"This message is {len(text):,} characters; one text holds at most "
                f"{MAX_REPLY_CHARS:,}. Shorten it or send it in parts (nothing was removed)."
            )
        message_id = enqueue(
            session,
            to_e164=conversation.phone_e164,
            body=text,
            purpose=Purpose.CONVERSATION,
            key=f"conversation:{conversation.id}:{uuid.uuid4()}",
            now=now,
            from_e164=conversation.center_e164 or self.center_e164 or None,
            incident_id=conversation.incident_id,
            conversation_id=conversation.id,
            user_id=actor.user_id,
        )
        conversation.last_at = conversation.updated_at = conversation.read_at = now
        self._audit(session, actor, now, "conversation.reply", conversation)
        message = session.get(SmsMessage, message_id)
        assert message is not None
        return TextMessageView(
            id=message.id,
            direction="out",
            body=message.body,
            at=message.created_at,
            status=message.status.value,
            error=message.error_message,
            author=actor.display_name,
            notices=notices_of("out", message.body, 0),
        )

    def attach(
        self,
        session: Session,
        actor: Actor,
        conversation_id: uuid.UUID,
        incident_id: uuid.UUID,
        now: datetime,
    ) -> None:
        """Tie the conversation to an incident: its texts become part of the record."""
        audit.require(actor, now, "conversation.attach", TAKE_TEXTS, incident=str(incident_id))
        conversation = self._get(session, conversation_id)
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFound(f"No incident {incident_id}")
        if conversation.incident_id == incident.id:
            return
        holds.refuse_if_held(
            session,
            actor,
            now,
            conversation.incident_id,
            "conversation.attach",
            "its text conversation",
            entity_type="conversation",
            entity_id=conversation.id,
            incident=str(incident.id),
        )
        conversation.incident_id = incident.id
        conversation.updated_at = now
        for message in session.scalars(
            select(SmsMessage).where(SmsMessage.conversation_id == conversation.id)
        ):
            message.incident_id = incident.id
        texts = int(
            session.scalar(
                select(func.count(SmsMessage.id)).where(
                    SmsMessage.conversation_id == conversation.id
                )
            )
            or 0
        )
        session.add(
            NarrativeEntry(
                incident_id=incident.id,
                at=now,
                author_id=actor.user_id,
                author_name=actor.display_name,
                text=f"Text-to-911 conversation with {conversation.phone_e164} attached "
                f"({texts} text{'s' if texts != 1 else ''} so far).",
            )
        )
        note_change(session, "narrative", incident.id)
        note_change(session, "incident", incident.id)
        self._audit(
            session, actor, now, "conversation.attach", conversation, number=incident.number
        )

    def mark_read(
        self, session: Session, actor: Actor, conversation_id: uuid.UUID, now: datetime
    ) -> None:
        conversation = self._get(session, conversation_id)
        if conversation.holder_id != actor.user_id:
            return  # only the holder's reading counts
        conversation.read_at = now
        note_change(session, "conversation", conversation.id)

    def close(
        self, session: Session, actor: Actor, conversation_id: uuid.UUID, now: datetime
    ) -> None:
        audit.require(
            actor, now, "conversation.close", TAKE_TEXTS, conversation=str(conversation_id)
        )
        conversation = self._get(session, conversation_id)
        if conversation.state == CLOSED:
            return
        taken = conversation.state == ACTIVE and conversation.holder_id != actor.user_id
        if taken and not actor.may(Role.SUPERVISOR, Role.ADMIN):
            raise RuleViolation(f"{conversation.holder_name} has this conversation.")
        conversation.state = CLOSED
        conversation.closed_at = conversation.updated_at = now
        self._audit(session, actor, now, "conversation.close", conversation)

    # -- helpers

    def _get(self, session: Session, conversation_id: uuid.UUID) -> SmsConversation:
        conversation = session.get(SmsConversation, conversation_id)
        if conversation is None:
            raise NotFound(f"No conversation {conversation_id}")
        return conversation

    def _held(self, session: Session, actor: Actor, conversation_id: uuid.UUID) -> SmsConversation:
        conversation = self._get(session, conversation_id)
        if conversation.state == CLOSED:
            raise RuleViolation("This conversation is closed; start a new one to text again.")
        if conversation.state == WAITING:
            raise RuleViolation("Take this conversation first (it is waiting in the queue).")
        if conversation.holder_id != actor.user_id:
            raise RuleViolation(f"{conversation.holder_name} has this conversation.")
        return conversation

    @staticmethod
    def _audit(
        session: Session,
        actor: Actor,
        now: datetime,
        action: str,
        conversation: SmsConversation,
        **detail: object,
    ) -> None:
        audit.record(
            session,
            actor,
            now,
            action,
            entity_type="conversation",
            entity_id=conversation.id,
            incident=str(conversation.incident_id or ""),
            **detail,
        )
        note_change(session, "conversation", conversation.id)
