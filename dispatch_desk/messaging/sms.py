"""Sending an SMS: a small interface, and a loopback sender for the embedded default and tests.

Two implementations: :class:`LoopbackSms` keeps what would have been sent where a test and the
gateway's phone simulator can read it; :mod:`dispatch_desk.messaging.twilio_sms` sends through
Twilio. Either raises :class:`SmsError`, which says whether trying again later can help.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


class SmsError(RuntimeError):
    """The provider refused or could not be reached; the message was not sent.

    ``code`` is the provider's error code (Twilio's 21610, an HTTP status, "network"...);
    ``retryable`` says whether the same text may be tried again later (rate limits, server
    errors, the network); ``retry_after_s`` is the provider's own wish, when it gave one."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        retryable: bool = False,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        self.retry_after_s = retry_after_s


class SmsSender(Protocol):
    async def send(
        self,
        to_e164: str,
        body: str,
        *,
        from_e164: str | None = None,
        status_callback: str | None = None,
    ) -> str:
        """Send ``body`` to ``to_e164``; returns the provider's message id."""
        ...


@dataclass(frozen=True)
class SentSms:
    sid: str
    to_e164: str
    body: str
    at: datetime
    from_e164: str = ""


class LoopbackSms:
    """Keeps every message instead of sending it. Safe to read from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: list[SentSms] = []
        self._ids = itertools.count(1)
        # Unique across restarts too: the store keeps provider sids unique.
        self._prefix = secrets.token_hex(6)

    async def send(
        self,
        to_e164: str,
        body: str,
        *,
        from_e164: str | None = None,
        status_callback: str | None = None,
    ) -> str:
        with self._lock:
            sid = f"LB{self._prefix}{next(self._ids):08d}"
            self._sent.append(SentSms(sid, to_e164, body, datetime.now(UTC), from_e164 or ""))
        return sid

    @property
    def sent(self) -> list[SentSms]:
        with self._lock:
            return list(self._sent)

    def last_to(self, to_e164: str) -> SentSms | None:
        with self._lock:
            return next((m for m in reversed(self._sent) if m.to_e164 == to_e164), None)

    def to(self, to_e164: str) -> list[SentSms]:
        """Every text sent to one number, oldest first (the phone simulator's inbox)."""
        with self._lock:
            return [m for m in self._sent if m.to_e164 == to_e164]

    def numbers(self) -> list[str]:
        """Every number something was sent to, most recent first."""
        with self._lock:
            seen: dict[str, None] = {}
            for m in reversed(self._sent):
                seen.setdefault(m.to_e164, None)
            return list(seen)
