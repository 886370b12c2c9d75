"""Text-to-911 conversations: a text from a new number waits in the queue, a call-taker claims
it (up to a limit), answers through the outbox, ties it to an incident and closes it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from dispatch_desk.services.context import Actor, Clock


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


class ConversationService:
    def __init__(self, clock: Clock, limit: int = 3) -> None:
        self.clock = clock
        self.limit = limit

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
        raise NotImplementedError

    def waiting(self, session: Session) -> list[ConversationSummary]:
        raise NotImplementedError

    def held_by(self, session: Session, user_id: uuid.UUID) -> list[ConversationSummary]:
        raise NotImplementedError

    def get(self, session: Session, conversation_id: uuid.UUID) -> ConversationSummary:
        raise NotImplementedError

    def messages(self, session: Session, conversation_id: uuid.UUID) -> list[TextMessageView]:
        raise NotImplementedError

    def claim(
        self, session: Session, actor: Actor, conversation_id: uuid.UUID, now: datetime
    ) -> ConversationSummary:
        raise NotImplementedError

    def start(
        self, session: Session, actor: Actor, phone_e164: str, now: datetime
    ) -> ConversationSummary:
        raise NotImplementedError

    def reply(
        self, session: Session, actor: Actor, conversation_id: uuid.UUID, body: str, now: datetime
    ) -> TextMessageView:
        raise NotImplementedError

    def attach(
        self,
        session: Session,
        actor: Actor,
        conversation_id: uuid.UUID,
        incident_id: uuid.UUID,
        now: datetime,
    ) -> None:
        raise NotImplementedError

    def mark_read(
        self, session: Session, actor: Actor, conversation_id: uuid.UUID, now: datetime
    ) -> None:
        raise NotImplementedError

    def close(
        self, session: Session, actor: Actor, conversation_id: uuid.UUID, now: datetime
    ) -> None:
        raise NotImplementedError
