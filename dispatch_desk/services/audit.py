"""The audit trail: every change and every refusal, with who, what, when and where from."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, event, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

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
    if session.info.get("sync_capture") is not None:
        # Synced: the head must be an object of the session, so that capture queues it.
        head = _head(session, actor.workstation, at)
        link = seal(fields, Link(head.seq, head.hash))
        head.seq, head.hash, head.at = link.seq, link.hash, at
    else:
        _advance(session, actor.workstation, fields, at)
    event = AuditEvent(**fields)
    session.add(event)
    note_change(session, "audit", event.id)
    return event


_HEADS = AuditChainHead.__table__
_READ_HEAD = select(_HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.id == bindparam("key"))
_MOVE_HEAD = (
    update(_HEADS)
    .where(_HEADS.c.id == bindparam("key"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"), at=bindparam("new_at"))
)


# The last committed head of each chain this process wrote, per database: a guess that saves
# reading the head; the move below only succeeds if the head still is what the guess says.
_LAST: dict[tuple[str, str], Link] = {}
_MOVE_HEAD_IF = _MOVE_HEAD.where(
    _HEADS.c.seq == bindparam("old_seq"), _HEADS.c.hash == bindparam("old_hash")
)


def _advance(session: Session, workstation: str, fields: dict[str, Any], at: datetime) -> None:
    """Seal ``fields`` after the head and move the head, with plain statements (a standalone
    cache: nothing to queue for sync). Writes hold the database's write lock from BEGIN
    (storage.database), so nobody moves the head between the read and the move; another
    process that moved it since this one last committed makes the guess fail, and the head is
    read instead."""
    key = head_id(workstation)
    txn = session.get_transaction()
    held = session.info.get("audit_heads")
    if held is None or held[0] is not txn:
        held = session.info["audit_heads"] = (txn, {})
    if session.in_nested_transaction():
        # A savepoint may roll back what is moved in it: from here on this transaction reads
        # the head every time and remembers nothing.
        held = session.info["audit_heads"] = (txn, None)
    links: dict[str, Link] | None = held[1]
    conn = session.connection()
    if links is None:
        _read_and_move(conn, key, workstation, fields, at)
        return
    link = links.get(workstation)
    if link is not None:  # this transaction already moved it
        links[workstation] = seal(fields, link)
        conn.execute(_MOVE_HEAD, _moved(key, fields, at))
        return
    memo = (str(conn.engine.url), workstation)
    guess = _LAST.get(memo)
    if guess is not None:
        links[workstation] = seal(fields, guess)
        params = {**_moved(key, fields, at), "old_seq": guess.seq, "old_hash": guess.hash}
        if conn.execute(_MOVE_HEAD_IF, params).rowcount == 1:
            session.info["audit_memo"] = conn.engine.url
            return
    links[workstation] = _read_and_move(conn, key, workstation, fields, at)
    session.info["audit_memo"] = conn.engine.url


def _read_and_move(
    conn: Any, key: uuid.UUID, workstation: str, fields: dict[str, Any], at: datetime
) -> Link:
    found = conn.execute(_READ_HEAD, {"key": key}).first()
    if found is None:
        # A missing head starts the chain again at 1: after a deleted head that makes a second
        # seq 1 that `audit verify` names, rather than a quiet continuation.
        link = seal(fields, Link())
        conn.execute(
            insert(_HEADS).values(
                id=key, workstation=workstation, seq=fields["seq"], hash=fields["hash"], at=at
            )
        )
        return link
    link = seal(fields, Link(found.seq, found.hash))
    conn.execute(_MOVE_HEAD, _moved(key, fields, at))
    return link


def _moved(key: uuid.UUID, fields: dict[str, Any], at: datetime) -> dict[str, Any]:
    return {"key": key, "new_seq": fields["seq"], "new_hash": fields["hash"], "new_at": at}


@event.listens_for(Session, "after_commit")
def _remember(session: Session) -> None:
    url = session.info.pop("audit_memo", None)
    held = session.info.pop("audit_heads", None)
    if url is not None and held is not None and held[1] is not None:
        for workstation, link in held[1].items():
            _LAST[(str(url), workstation)] = link


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("audit_memo", None)
    session.info.pop("audit_heads", None)


def _head(session: Session, workstation: str, at: datetime) -> AuditChainHead:
    """The workstation's chain head as an object of this session (updated at flush and queued
    by sync capture), read with one plain query rather than an ORM load."""
    key = head_id(workstation)
    held = session.identity_map.get(session.identity_key(AuditChainHead, key))
    if held is not None:
        return held  # type: ignore[no-any-return]
    found = session.execute(_READ_HEAD, {"key": key}).first()
    if found is None:
        # A missing head starts the chain again at 1 (see _advance).
        head = AuditChainHead(id=key, workstation=workstation, seq=0, hash=GENESIS, at=at)
        session.add(head)
        return head
    head = AuditChainHead(id=key, workstation=workstation, seq=found.seq, hash=found.hash, at=at)
    make_transient_to_detached(head)  # an existing row: the flush updates it
    session.add(head)
    return head


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
