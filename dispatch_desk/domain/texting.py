"""What a text message is: which way it went, why it was sent, and where it stands.

A text is one row of ``sms_message`` whatever its direction or purpose; an outgoing one moves
``queued -> sending -> sent -> delivered`` (or ``undelivered`` / ``failed``), an incoming one is
``received``. ``unknown`` is an outgoing text whose send was interrupted (a crash while the request
was in flight) and that the provider could not confirm either way: it is never resent blindly.
"""

from __future__ import annotations

from enum import StrEnum


class SmsDirection(StrEnum):
    IN = "in"
    OUT = "out"


class Purpose(StrEnum):
    CONVERSATION = "conversation"  # a text-to-911 conversation, either way
    STATUS = "status"  # automatic status texts about a request for service
    INVITE = "invite"  # a live-session link
    SURVEY = "survey"  # the survey after an incident closed, and its answers
    AUTO_REPLY = "auto_reply"  # the fixed answers to STOP / START / HELP and to replies
    SYSTEM = "system"  # anything else the centre sends on its own


class SmsStatus(StrEnum):
    QUEUED = "queued"  # in the outbox (or accepted by the provider, not yet on its way)
    SENDING = "sending"  # handed to the provider, outcome not yet known
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    RECEIVED = "received"
    UNKNOWN = "unknown"

    @property
    def final(self) -> bool:
        return self in (SmsStatus.DELIVERED, SmsStatus.UNDELIVERED, SmsStatus.FAILED)


# How far along a status is: a late callback never moves a text backwards (Twilio may post
# "sent" after "delivered").
STATUS_RANK = {
    SmsStatus.QUEUED: 0,
    SmsStatus.SENDING: 1,
    SmsStatus.UNKNOWN: 1,
    SmsStatus.SENT: 2,
    SmsStatus.DELIVERED: 3,
    SmsStatus.UNDELIVERED: 3,
    SmsStatus.FAILED: 3,
    SmsStatus.RECEIVED: 3,
}
