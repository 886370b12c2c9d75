"""The audit trail: every change and every refusal, with who, what, when and where from."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.audit.chain import GENESIS, Link, head_id, seal
from dispatch_desk.domain.enums import Role
from dispatch_desk.events import note_change
from dispatch_desk.services.context import Actor, PermissionDenied
from dispatch_desk.storage.models import AuditChainHead, AuditEvent, new_id


def record(
    session: Session,
    actor: Actor,
    at: datetime,
    action: str,
    *,
    entity_type: str = "",
    entity_id: uuid.UUID | str | None = None,
    outcome: str = "ok",
    **detail: Any,
) -> AuditEvent:
    """Append an event to the actor's workstation's hash chain (dispatch_desk.audit.chain)."""
    fields = {
        "id": new_id(),
        "at": at,
        "user_id": actor.user_id,
        "username": actor.username,
        "workstation": actor.workstation,
        "action": action,
        "entity_type": entity_type,
        "entity_id": str(entity_id or ""),
        "detail": json.dumps(detail, default=str, ensure_ascii=False, sort_keys=True),
        "outcome": outcome,
    }
    head = session.get(AuditChainHead, head_id(actor.workstation))
    if head is None:
        # A missing head starts the chain again at 1: after a deleted head that makes a second
        # seq 1 that `audit verify` names, rather than a quiet continuation.
        head = AuditChainHead(
            id=head_id(actor.workstation), workstation=actor.workstation, seq=0, hash=GENESIS
        )
        session.add(head)
    link = seal(fields, Link(head.seq, head.hash))
    event = AuditEvent(**fields)
    session.add(event)
    head.seq, head.hash, head.at = link.seq, link.hash, at
    note_change(session, "audit", event.id)
    return event


def require(actor: Actor, at: datetime, action: str, roles: Sequence[Role], **detail: Any) -> None:
    """Refuse unless the actor holds one of ``roles``.

    The refusal must be on record even though the transaction it happened in is rolled back,
    so the exception carries it and the store writes it in a transaction of its own.
    """
    if actor.role in roles:
        return
    denied = PermissionDenied(f"A {actor.role.label.lower()} may not do this ({action}).")
    denied.record_after_rollback = lambda session: record(
        session, actor, at, action, outcome="denied", role=actor.role.value, **detail
    )
    raise denied


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    username: str
    workstation: str
    action: str
    entity_type: str
    entity_id: str
    outcome: str
    detail: dict[str, Any]


def list_events(
    session: Session,
    *,
    entity_id: uuid.UUID | str | None = None,
    action: str | None = None,
    limit: int = 500,
) -> list[AuditRow]:
    query = select(AuditEvent).order_by(AuditEvent.at, AuditEvent.id).limit(limit)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == str(entity_id))
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return [
        AuditRow(
            e.at,
            e.username,
            e.workstation,
            e.action,
            e.entity_type,
            e.entity_id,
            e.outcome,
            json.loads(e.detail),
        )
        for e in session.scalars(query)
    ]
