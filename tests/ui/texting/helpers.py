"""Texts arriving as the gateway delivers them: through inbound.receive, in a store write, with
the change notices published on the loop's thread afterwards (as DeskTexts does)."""

from __future__ import annotations

import uuid
from typing import Any

from dispatch_desk.desk import DeskCore
from dispatch_desk.messaging import inbound
from dispatch_desk.messaging.inbound import InboundText


def new_sid() -> str:
    return f"SM{uuid.uuid4().hex}"


def text_in(core: DeskCore, from_e164: str, body: str, *, media: int = 0, sid: str = "") -> Any:
    """One text to the agency's 911 number, stored and announced; returns inbound's Received."""
    texting = core.settings.texting
    result, changes = core.store.write_sync(
        inbound.receive,
        InboundText(sid or new_sid(), from_e164, texting.text911_number, body, media),
        now=core.clock(),
        text911_number=texting.text911_number,
        status_number=texting.status_number,
        conversations=core.conversations,
    )
    core.bus.publish(changes)
    return result


def delivery(core: DeskCore, sid: str, status: str, error_code: str = "") -> Any:
    """A delivery status callback for one of our texts."""
    result, changes = core.store.write_sync(
        inbound.apply_status, sid=sid, status=status, error_code=error_code, now=core.clock()
    )
    core.bus.publish(changes)
    return result
