"""A call offered to the call-taker by the phone system (or text gateway, or the demo feed)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from dispatch_desk.domain.enums import CallKind
from dispatch_desk.domain.location import Position


@dataclass(frozen=True)
class IncomingCall:
    ani: str  # the number the network delivered
    ali: str  # the carrier's location text (ALI): often a cell sector, not the address
    received_at: datetime
    kind: CallKind = CallKind.PHONE
    caller_name: str = ""  # what the caller will say when asked; the demo uses it
    # What the simulated caller reports; a real call has neither.
    scenario_type: str = ""
    scenario_text: str = ""
    scenario_address: str = ""
    # Phase II wireless: the carrier's estimate of the handset's position, with its radius.
    ali_position: Position | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
