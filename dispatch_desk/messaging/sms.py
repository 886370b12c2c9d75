"""Sending an SMS: a small interface, and a loopback sender for the embedded default and tests.

The texting issue brings the Twilio sender; until then the loopback keeps what would have been
sent, where a test (and later a phone simulator) can read it, and the dispatcher copies the link.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


class SmsError(RuntimeError):
    """The provider refused or could not be reached; the message was not sent."""


class SmsSender(Protocol):
    async def send(self, to_e164: str, body: str) -> str:
        """Send ``body`` to ``to_e164``; returns the provider's message id."""
        ...


@dataclass(frozen=True)
class SentSms:
    sid: str
    to_e164: str
    body: str
    at: datetime


class LoopbackSms:
    """Keeps every message instead of sending it. Safe to read from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: list[SentSms] = []
        self._ids = itertools.count(1)

    async def send(self, to_e164: str, body: str) -> str:
        with self._lock:
            sid = f"LB{next(self._ids):08d}"
            self._sent.append(SentSms(sid, to_e164, body, datetime.now(UTC)))
        return sid

    @property
    def sent(self) -> list[SentSms]:
        with self._lock:
            return list(self._sent)

    def last_to(self, to_e164: str) -> SentSms | None:
        with self._lock:
            return next((m for m in reversed(self._sent) if m.to_e164 == to_e164), None)
