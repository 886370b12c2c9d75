"""The outbox: every outgoing text is first a row of ``sms_message``; one runner sends them.

``enqueue`` is called inside the caller's own transaction (a status change, a reply), so a text
exists exactly when what caused it was stored. The :class:`OutboxRunner` (one asyncio task on the
desk that made the row) sends rows that are due, retries with backoff on rate limits, server and
network errors, and gives up with a visible ``failed`` row and an alert.

Crash safety. Twilio has no idempotency key, so a row is marked ``sending`` (committed) before
the request goes out. A row still ``sending`` when the runner starts was interrupted: the runner
asks the provider whether a text to that number with that body was created since the attempt
began; found, the row takes its sid and status; not found (or the provider cannot be asked), it
becomes ``unknown`` for the dispatcher to look at — never resent blindly.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.domain.texting import Purpose, SmsDirection, SmsStatus
from dispatch_desk.events import note_change
from dispatch_desk.storage.models import SmsConsent, SmsMessage, stable_id

__all__ = [
    "OutboxRunner",
    "Purpose",
    "enqueue",
    "is_opted_out",
    "message_id_for_key",
    "normalise_phone",
]

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
OPTED_OUT_ERROR = (
    "Not sent: this number replied STOP. Nothing is texted to it until it sends START."
)
# Texts still allowed to a number that opted out: the caller's own 911 conversation, and the
# one confirmation carriers require after STOP / the HELP answer.
_ALLOWED_WHEN_OPTED_OUT = (Purpose.CONVERSATION, Purpose.AUTO_REPLY)


def normalise_phone(raw: str) -> str:
    """``+1 (555) 010-0199`` -> ``+15550100199``; what is not a number is returned stripped."""
    text = raw.strip()
    digits = re.sub(r"[\s().\-]", "", text)
    return digits if re.fullmatch(r"\+?[0-9]+", digits) else text


def message_id_for_key(key: str) -> uuid.UUID:
    """The id of the outgoing text with idempotency key ``key``: the same on every desk."""
    return stable_id("sms_out", key)


def is_opted_out(session: Session, phone_e164: str) -> bool:
    phone = normalise_phone(phone_e164)
    row = session.scalar(select(SmsConsent.opted_out).where(SmsConsent.phone_e164 == phone))
    return bool(row)


def _workstation(session: Session, explicit: str) -> str:
    if explicit:
        return explicit
    capture = session.info.get("sync_capture")
    return capture.clock.node if capture is not None else ""


def enqueue(
    session: Session,
    *,
    to_e164: str,
    body: str,
    purpose: Purpose,
    key: str,
    now: datetime,
    from_e164: str | None = None,
    incident_id: uuid.UUID | None = None,
    conversation_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
    workstation: str = "",
) -> uuid.UUID:
    """Queue one text; returns the id of its ``sms_message`` row.

    The same ``key`` twice gives the same row and no second text. A number that opted out (or
    is not a number) gets a row marked ``failed`` with a plain reason and nothing is sent."""
    if not key:
        raise ValueError("an outgoing text needs an idempotency key")
    existing = session.scalar(select(SmsMessage).where(SmsMessage.idempotency_key == key))
    if existing is not None:
        return existing.id
    to = normalise_phone(to_e164)
    status, code, error = SmsStatus.QUEUED, "", ""
    if not E164.match(to):
        status, code = SmsStatus.FAILED, "invalid_number"
        error = f"Not sent: {to_e164!r} is not a phone number in international form (+1...)."
    elif purpose not in _ALLOWED_WHEN_OPTED_OUT and is_opted_out(session, to):
        status, code, error = SmsStatus.FAILED, "opted_out", OPTED_OUT_ERROR
    row = SmsMessage(
        id=message_id_for_key(key),
        direction=SmsDirection.OUT,
        purpose=Purpose(purpose),
        from_e164=from_e164 or "",
        to_e164=to,
        body=body,
        status=status,
        provider_sid=None,
        error_code=code,
        error_message=error,
        attempts=0,
        next_attempt_at=now if status is SmsStatus.QUEUED else None,
        sending_at=None,
        idempotency_key=key,
        incident_id=incident_id,
        conversation_id=conversation_id,
        user_id=user_id,
        media_count=0,
        workstation=_workstation(session, workstation),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    note_change(session, "sms_message", row.id)
    return row.id


def resend(session: Session, message_id: uuid.UUID, now: datetime) -> bool:
    """Queue a failed or ``unknown`` outgoing text again (the dispatcher decided to); False
    when it is not one of those. Opt-outs still hold."""
    row = session.get(SmsMessage, message_id)
    if row is None or row.direction != SmsDirection.OUT:
        return False
    if row.status not in (SmsStatus.FAILED, SmsStatus.UNKNOWN, SmsStatus.UNDELIVERED):
        return False
    if row.purpose not in _ALLOWED_WHEN_OPTED_OUT and is_opted_out(session, row.to_e164):
        row.error_code, row.error_message, row.updated_at = "opted_out", OPTED_OUT_ERROR, now
        note_change(session, "sms_message", row.id)
        return False
    row.status, row.provider_sid, row.next_attempt_at = SmsStatus.QUEUED, None, now
    row.error_code, row.error_message, row.attempts, row.updated_at = "", "", 0, now
    note_change(session, "sms_message", row.id)
    return True


def set_consent(
    session: Session, phone_e164: str, *, opted_out: bool, keyword: str, now: datetime
) -> bool:
    """Remember a STOP (``opted_out``) or START for a number; True when it changed."""
    phone = normalise_phone(phone_e164)
    row = session.scalar(select(SmsConsent).where(SmsConsent.phone_e164 == phone))
    if row is None:
        row = SmsConsent(
            id=stable_id("sms_consent", phone),
            phone_e164=phone,
            opted_out=False,
            keyword="",
            changed_at=now,
        )
        session.add(row)
    elif row.opted_out == opted_out:
        return False
    row.opted_out, row.keyword, row.changed_at = opted_out, keyword[:32], now
    session.flush()
    return True


from dispatch_desk.messaging.outbox_runner import OutboxRunner  # noqa: E402 - re-exported
