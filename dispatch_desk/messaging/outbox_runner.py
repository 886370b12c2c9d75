"""The outbox runner: one asyncio task on the desk that sends its own due texts.

Each attempt is two short transactions around the provider call: the row is marked ``sending``
(committed) before the request goes out, and the outcome is written after. A row found
``sending`` by a runner that is not sending it was interrupted (the desk stopped mid-send): it is
looked up at the provider and takes the sid found there, or becomes ``unknown`` — never sent
again without a person deciding so (:func:`dispatch_desk.messaging.outbox.resend`).

Only rows made on this workstation are sent here (a desk without a central database makes them
with no workstation, and runs with none), so a row that reaches other desks through sync is
never sent twice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.alerts.model import Phrase
from dispatch_desk.domain.texting import Purpose, SmsDirection, SmsStatus
from dispatch_desk.events import note_change
from dispatch_desk.messaging.outbox import is_opted_out, set_consent
from dispatch_desk.messaging.sms import SmsError, SmsSender
from dispatch_desk.storage.models import SmsMessage
from dispatch_desk.waits import settle

logger = logging.getLogger(__name__)

BATCH = 50
INTERRUPTED = (
    "The desk stopped while this text was being sent and the provider could not confirm it; "
    "it was not sent again. Send it again if it is still needed."
)
STUCK = (
    "This text could not be settled ({error}); it was set aside so the texts after it go out, "
    "and was not sent again. Check it and send it again if it is still needed."
)
# Texts the rules decided to send on their own: the rules are asked again when one goes out.
RULED = (Purpose.STATUS, Purpose.SURVEY)
# What Twilio calls a status, as ours.
PROVIDER_STATUS = {
    "accepted": SmsStatus.QUEUED,
    "scheduled": SmsStatus.QUEUED,
    "queued": SmsStatus.QUEUED,
    "sending": SmsStatus.QUEUED,
    "sent": SmsStatus.SENT,
    "delivered": SmsStatus.DELIVERED,
    "undelivered": SmsStatus.UNDELIVERED,
    "failed": SmsStatus.FAILED,
    "read": SmsStatus.DELIVERED,
}


@dataclass(frozen=True)
class _Due:
    id: uuid.UUID
    to_e164: str
    from_e164: str
    body: str
    attempts: int
    lookup_first: bool  # the last attempt may have reached the provider
    sending_at: datetime | None
    incident_id: uuid.UUID | None


@dataclass(frozen=True)
class Failed:
    id: uuid.UUID
    to_e164: str
    error: str
    incident_id: uuid.UUID | None


def _texting(settings: Any) -> Any:
    return getattr(settings, "texting", settings)


class OutboxRunner:
    """``start()`` on the event loop, ``stop()`` at shutdown; ``run_once()`` for tests."""

    def __init__(
        self,
        store: Any,
        sender: SmsSender,
        clock: Any,
        settings: Any,
        *,
        workstation: str = "",
        alerts: Any = None,
        status_callback_url: str = "",
    ) -> None:
        self.store = store
        self.sender = sender
        self.clock = clock
        self.settings = _texting(settings)
        self.workstation = workstation
        self.alerts = alerts
        self.status_callback_url = status_callback_url
        # Why an incident's caller may get no text now ("" when they may): set by the desk to
        # the status-text rules (:meth:`StatusTexts.blocked_now`). A status text or survey that
        # waited in the queue or out a back-off is not sent once the rules say no.
        self.blocked_now: Any = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self.sent_count = 0

    # -- life

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._loop())
            self._task.set_name("outbox")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await settle([task], 2.0)

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the store is busy or gone: keep the desk working
                logger.warning("outbox: %s: %s", type(exc).__name__, exc)
            self._wake.clear()
            waiter = asyncio.ensure_future(self._wake.wait())
            await settle([waiter], self.settings.poll_s)
            waiter.cancel()

    # -- one pass

    async def run_once(self) -> int:
        """Settle interrupted sends, then send every row that is due; how many were sent."""
        async with self._lock:
            for due in await self.store.read(self._interrupted):
                await self._isolated(self._settle_interrupted, due)
            sent = 0
            for due in await self.store.read(self._due, self.clock()):
                if await self._isolated(self._attempt, due):
                    sent += 1
            self.sent_count += sent
            return sent

    async def _isolated(self, step: Any, due: _Due) -> bool:
        """One row's step; a row that breaks it (a provider answer we cannot read, a write the
        database refuses) is set aside as ``unknown`` and alerted, so it cannot hold up the
        texts queued after it pass after pass."""
        try:
            return bool(await step(due))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"
            logger.warning("outbox: text %s set aside: %s", due.id, error)
            failed = await self.store.write(self._set_aside, due.id, error, self.clock())
            if failed is not None:
                self._alert(failed)
            return False

    def _mine(self) -> Any:
        # With a central database, rows carry their workstation and only it sends them; a
        # standalone desk makes rows with none and is the only one that can see them.
        return SmsMessage.workstation == self.workstation

    def _interrupted(self, session: Session) -> list[_Due]:
        rows = session.scalars(
            select(SmsMessage).where(
                SmsMessage.direction == SmsDirection.OUT,
                SmsMessage.status == SmsStatus.SENDING,
                SmsMessage.provider_sid.is_(None),
                self._mine(),
            )
        )
        return [_due(r) for r in rows]

    def _due(self, session: Session, now: datetime) -> list[_Due]:
        rows = session.scalars(
            select(SmsMessage)
            .where(
                SmsMessage.status == SmsStatus.QUEUED,
                SmsMessage.direction == SmsDirection.OUT,
                SmsMessage.provider_sid.is_(None),
                SmsMessage.next_attempt_at <= now,
                self._mine(),
            )
            .order_by(SmsMessage.next_attempt_at, SmsMessage.created_at)
            .limit(BATCH)
        )
        return [_due(r) for r in rows]

    async def _lookup(self, due: _Due) -> tuple[str, str] | bool | None:
        """(sid, status) the provider has for this text; None: it has none; False: cannot say."""
        find = getattr(self.sender, "find_sent", None)
        if find is None or due.sending_at is None:
            return False
        # Sids other texts to this number already hold: the same words sent before (a preset,
        # a repeated status) are not this text, and adopting one would break the unique sid.
        held = await self.store.read(self._held_sids, due.to_e164)
        try:
            found = await find(
                due.to_e164, due.body, due.sending_at, from_e164=due.from_e164, exclude=held
            )
        except SmsError as exc:
            logger.info("outbox: could not look up an interrupted text: %s", exc)
            return False
        return None if found is None else (found.sid, found.status)

    async def _settle_interrupted(self, due: _Due) -> None:
        found = await self._lookup(due)
        now = self.clock()
        if isinstance(found, tuple):
            await self.store.write(self._adopt, due.id, found[0], found[1], now)
        else:
            await self.store.write(self._mark_unknown, due.id, now)

    async def _attempt(self, due: _Due) -> bool:
        if due.lookup_first:
            found = await self._lookup(due)
            if isinstance(found, tuple):
                await self.store.write(self._adopt, due.id, found[0], found[1], self.clock())
                return True
        claimed = await self.store.write(self._claim, due.id, self.clock())
        if not claimed:
            return False
        try:
            sid = await self.sender.send(
                due.to_e164,
                due.body,
                from_e164=due.from_e164 or None,
                status_callback=self.status_callback_url or None,
            )
        except SmsError as exc:
            failed = await self.store.write(self._failed, due.id, exc, self.clock())
            if failed is not None:
                self._alert(failed)
            return False
        except Exception as exc:
            logger.warning("outbox: sender raised %s: %s", type(exc).__name__, exc)
            error = SmsError(
                f"Sending failed ({type(exc).__name__})", code="network", retryable=True
            )
            await self.store.write(self._failed, due.id, error, self.clock())
            return False
        await self.store.write(self._sent, due.id, sid, self.clock())
        return True

    def _held_sids(self, session: Session, to_e164: str) -> frozenset[str]:
        rows = session.scalars(
            select(SmsMessage.provider_sid).where(
                SmsMessage.to_e164 == to_e164, SmsMessage.provider_sid.is_not(None)
            )
        )
        return frozenset(str(sid) for sid in rows)

    # -- the writes (on the store's writer thread)

    def _claim(self, session: Session, message_id: uuid.UUID, now: datetime) -> bool:
        row = session.get(SmsMessage, message_id)
        if row is None or row.status != SmsStatus.QUEUED or row.provider_sid is not None:
            return False
        if row.purpose in RULED:
            reason = self._blocked(session, row)
            if reason:  # the dispatcher's or caller's own decision: plain, no alert
                row.status, row.next_attempt_at = SmsStatus.FAILED, None
                row.error_code, row.error_message = "blocked", f"Not sent: {reason}"
                row.updated_at = now
                note_change(session, "sms_message", row.id)
                return False
        row.status, row.sending_at, row.updated_at = SmsStatus.SENDING, now, now
        row.attempts += 1
        note_change(session, "sms_message", row.id)
        return True

    def _blocked(self, session: Session, row: SmsMessage) -> str:
        if row.incident_id is not None and self.blocked_now is not None:
            reason = self.blocked_now(session, row.incident_id)
            if reason:
                return str(reason)
        if is_opted_out(session, row.to_e164):
            return "The number replied STOP."
        return ""

    def _sent(self, session: Session, message_id: uuid.UUID, sid: str, now: datetime) -> None:
        row = session.get(SmsMessage, message_id)
        if row is None:
            return
        reports = getattr(self.sender, "reports_status", False) and self.status_callback_url
        row.provider_sid = sid
        row.status = SmsStatus.QUEUED if reports else SmsStatus.SENT
        row.next_attempt_at, row.error_code, row.error_message = None, "", ""
        row.updated_at = now
        note_change(session, "sms_message", row.id)

    def _adopt(
        self, session: Session, message_id: uuid.UUID, sid: str, status: str, now: datetime
    ) -> None:
        row = session.get(SmsMessage, message_id)
        if row is None:
            return
        row.provider_sid = sid
        row.status = PROVIDER_STATUS.get(status, SmsStatus.QUEUED)
        row.next_attempt_at, row.error_code, row.error_message = None, "", ""
        row.updated_at = now
        note_change(session, "sms_message", row.id)

    def _mark_unknown(self, session: Session, message_id: uuid.UUID, now: datetime) -> None:
        row = session.get(SmsMessage, message_id)
        if row is None or row.status != SmsStatus.SENDING:
            return
        row.status, row.next_attempt_at = SmsStatus.UNKNOWN, None
        row.error_code, row.error_message, row.updated_at = "interrupted", INTERRUPTED, now
        note_change(session, "sms_message", row.id)

    def _set_aside(
        self, session: Session, message_id: uuid.UUID, error: str, now: datetime
    ) -> Failed | None:
        row = session.get(SmsMessage, message_id)
        if (
            row is None
            or row.provider_sid is not None
            or row.status
            not in (
                SmsStatus.QUEUED,
                SmsStatus.SENDING,
            )
        ):
            return None
        row.status, row.next_attempt_at = SmsStatus.UNKNOWN, None
        row.error_code, row.error_message = "stuck", STUCK.format(error=error)
        row.updated_at = now
        note_change(session, "sms_message", row.id)
        return Failed(row.id, row.to_e164, row.error_message, row.incident_id)

    def _failed(
        self, session: Session, message_id: uuid.UUID, exc: SmsError, now: datetime
    ) -> Failed | None:
        row = session.get(SmsMessage, message_id)
        if row is None:
            return None
        row.error_code, row.error_message, row.updated_at = exc.code[:16], str(exc), now
        note_change(session, "sms_message", row.id)
        if exc.retryable and row.attempts < self.settings.max_attempts:
            delay = min(
                self.settings.retry_max_s, self.settings.retry_base_s * 2 ** (row.attempts - 1)
            )
            if exc.retry_after_s is not None:
                delay = max(delay, min(exc.retry_after_s, self.settings.retry_max_s))
            row.status, row.next_attempt_at = SmsStatus.QUEUED, now + timedelta(seconds=delay)
            return None
        row.status, row.next_attempt_at = SmsStatus.FAILED, None
        if exc.retryable:
            row.error_message = f"Gave up after {row.attempts} tries: {exc}"
        if exc.code == "21610":  # the carrier says the number unsubscribed: remember it
            set_consent(session, row.to_e164, opted_out=True, keyword="carrier 21610", now=now)
        return Failed(row.id, row.to_e164, row.error_message, row.incident_id)

    def _alert(self, failed: Failed) -> None:
        if self.alerts is None:
            return
        text = f"Text to {failed.to_e164} not sent: {failed.error}"
        self.alerts.raise_alert(
            "text.failed",
            text,
            phrase=Phrase("text", {"text": "A text to a caller could not be sent"}),
            incident_id=failed.incident_id,
            key=str(failed.id),
            source="outbox",
        )


def _due(row: SmsMessage) -> _Due:
    return _Due(
        id=row.id,
        to_e164=row.to_e164,
        from_e164=row.from_e164,
        body=row.body,
        attempts=row.attempts,
        lookup_first=row.error_code == "network" and row.attempts > 0,
        sending_at=row.sending_at,
        incident_id=row.incident_id,
    )
