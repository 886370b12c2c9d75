"""What the webhooks deliver, processed once per MessageSid, inside one store transaction.

* A text to the agency's **911 number** goes to its conversation (a new one waits in the
  call-taker queue). Keywords are not acted on there: "HELP" or "STOP" texted to 911 is a person
  to answer, not a subscription to manage.
* A text to the **status-text number**: STOP / START / HELP (and synonyms) change and remember
  the number's consent and get the fixed answer; anything else is offered to the survey (an
  answer, or a language switch), else gets one fixed "not monitored" answer a day.
* A text to a number that is neither is stored as it came, for the record, and not answered.
* A **delivery status** moves the outgoing text forward (never back: callbacks can arrive out of
  order); ``undelivered`` and ``failed`` carry the carrier's reason.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.domain.texting import STATUS_RANK, Purpose, SmsDirection, SmsStatus
from dispatch_desk.events import note_change
from dispatch_desk.messaging.keywords import Keyword, classify
from dispatch_desk.messaging.outbox import enqueue, normalise_phone, set_consent
from dispatch_desk.messaging.outbox_runner import PROVIDER_STATUS
from dispatch_desk.storage.models import SmsMessage, stable_id

logger = logging.getLogger(__name__)

ANSWERS = {
    "en": {
        Keyword.STOP: "{agency}: you will get no more texts about your request from this number. "
        "Reply START to resume. For an emergency, call or text 911.",
        Keyword.START: "{agency}: texts about your request are on again. Reply STOP to stop, "
        "HELP for help.",
        Keyword.HELP: "{agency}: texts about your request for service. This number is not "
        "monitored; for an emergency, call or text 911. Reply STOP to stop. "
        "Msg & data rates may apply.",
        "unmonitored": "{agency}: this number only sends updates and is not monitored. "
        "For an emergency, call or text 911.",
    },
    "es": {
        Keyword.STOP: "{agency}: no recibirá más mensajes sobre su solicitud desde este número. "
        "Responda INICIAR para reanudar. En una emergencia, llame o escriba al 911.",
        Keyword.START: "{agency}: los mensajes sobre su solicitud vuelven a estar activos. "
        "Responda PARAR para detenerlos, AYUDA para ayuda.",
        Keyword.HELP: "{agency}: mensajes sobre su solicitud de servicio. Este número no se "
        "atiende; en una emergencia, llame o escriba al 911. Responda PARAR para detenerlos. "
        "Pueden aplicarse tarifas de mensajes y datos.",
        "unmonitored": "{agency}: este número solo envía avisos y no se atiende. "
        "En una emergencia, llame o escriba al 911.",
    },
}

# Twilio's delivery error codes a dispatcher may see, in plain words.
CARRIER_ERRORS = {
    "30003": "the phone is off or out of reach",
    "30004": "the number blocks texts from us",
    "30005": "the number does not exist",
    "30006": "the number is a landline or cannot receive texts",
    "30007": "the carrier filtered the text",
    "30008": "the carrier gave no reason",
    "21610": "the number has unsubscribed (STOP)",
}


@dataclass(frozen=True)
class InboundText:
    sid: str
    from_e164: str
    to_e164: str
    body: str
    media_count: int = 0


@dataclass(frozen=True)
class Received:
    """What became of an incoming text. ``kind``: duplicate | conversation | keyword | survey |
    auto_reply | unknown_number."""

    kind: str
    message_id: uuid.UUID
    conversation_id: uuid.UUID | None = None
    reply_id: uuid.UUID | None = None


@dataclass(frozen=True)
class StatusApplied:
    message_id: uuid.UUID
    status: SmsStatus
    changed: bool
    failed: bool  # it has just become undelivered or failed
    to_e164: str
    error: str
    incident_id: uuid.UUID | None


def receive(
    session: Session,
    text: InboundText,
    *,
    now: datetime,
    text911_number: str,
    status_number: str,
    conversations: Any,
    agency: str = "911",
    try_answer: Any = None,
) -> Received:
    """Store and act on one incoming text; the same MessageSid again does nothing."""
    existing = session.scalar(select(SmsMessage).where(SmsMessage.provider_sid == text.sid))
    if existing is not None:
        return Received("duplicate", existing.id, existing.conversation_id)
    to = normalise_phone(text.to_e164)
    if to == normalise_phone(text911_number):
        conversation_id = conversations.receive(
            session,
            from_e164=text.from_e164,
            to_e164=text.to_e164,
            body=text.body,
            media_count=text.media_count,
            sid=text.sid,
            now=now,
        )
        row = session.scalar(select(SmsMessage).where(SmsMessage.provider_sid == text.sid))
        return Received(
            "conversation", row.id if row else stable_id("sms_in", text.sid), conversation_id
        )
    if to != normalise_phone(status_number):
        logger.warning("a text arrived for %s, which is not one of the agency's numbers", to)
        row = _store(session, text, Purpose.SYSTEM, now)
        return Received("unknown_number", row.id)
    match = classify(text.body)
    if match is not None:
        row = _store(session, text, Purpose.AUTO_REPLY, now)
        if match.keyword != Keyword.HELP:
            set_consent(
                session,
                text.from_e164,
                opted_out=match.keyword == Keyword.STOP,
                keyword=match.word,
                now=now,
            )
        reply = _reply(
            session,
            text,
            ANSWERS[match.language][match.keyword],
            agency,
            now,
            key=f"auto:{text.sid}",
        )
        return Received("keyword", row.id, reply_id=reply)
    row = _store(session, text, Purpose.SURVEY, now)
    if try_answer is None:
        from dispatch_desk.services.surveys import try_answer
    if try_answer(session, from_e164=text.from_e164, body=text.body, now=now):
        return Received("survey", row.id)
    row.purpose = Purpose.AUTO_REPLY
    # One "not monitored" answer per number a day: two machines answering each other stop.
    key = f"auto:unmonitored:{normalise_phone(text.from_e164)}:{now.date().isoformat()}"
    reply = _reply(session, text, ANSWERS["en"]["unmonitored"], agency, now, key=key)
    return Received("auto_reply", row.id, reply_id=reply)


def _store(session: Session, text: InboundText, purpose: Purpose, now: datetime) -> SmsMessage:
    row = SmsMessage(
        id=stable_id("sms_in", text.sid),
        direction=SmsDirection.IN,
        purpose=purpose,
        from_e164=normalise_phone(text.from_e164),
        to_e164=normalise_phone(text.to_e164),
        body=text.body,
        status=SmsStatus.RECEIVED,
        provider_sid=text.sid,
        error_code="",
        error_message="",
        attempts=0,
        next_attempt_at=None,
        sending_at=None,
        idempotency_key=f"in:{text.sid}",
        incident_id=None,
        conversation_id=None,
        user_id=None,
        media_count=text.media_count,
        workstation="",
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    note_change(session, "sms_message", row.id)
    return row


def _reply(
    session: Session, text: InboundText, template: str, agency: str, now: datetime, *, key: str
) -> uuid.UUID:
    return enqueue(
        session,
        to_e164=text.from_e164,
        body=template.format(agency=agency),
        purpose=Purpose.AUTO_REPLY,
        key=key,
        now=now,
        from_e164=normalise_phone(text.to_e164),
    )


def apply_status(
    session: Session, *, sid: str, status: str, error_code: str = "", now: datetime
) -> StatusApplied | None:
    """A delivery status callback; None when no text of ours has that sid."""
    row = session.scalar(select(SmsMessage).where(SmsMessage.provider_sid == sid))
    if row is None or row.direction != SmsDirection.OUT:
        return None
    new = PROVIDER_STATUS.get(status.strip().lower())
    current = SmsStatus(row.status)
    if new is None or current.final or STATUS_RANK[new] < STATUS_RANK[current] or new == current:
        return StatusApplied(
            row.id, current, False, False, row.to_e164, row.error_message, row.incident_id
        )
    row.status, row.updated_at = new, now
    failed = new in (SmsStatus.UNDELIVERED, SmsStatus.FAILED)
    if failed:
        code = error_code.strip()[:16]
        reason = CARRIER_ERRORS.get(code, "the carrier gave no reason")
        row.error_code = code
        row.error_message = f"Not delivered: {reason}" + (f" (error {code})" if code else "")
        if code == "21610":
            set_consent(session, row.to_e164, opted_out=True, keyword="carrier 21610", now=now)
    note_change(session, "sms_message", row.id)
    return StatusApplied(row.id, new, True, failed, row.to_e164, row.error_message, row.incident_id)
