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
    # The ALI class of service: WPH1/WPH2 wireless, RESD/BUSN wireline, VOIP...; "" unknown.
    class_of_service: str = ""
    # The caller's language when the network or the text says ("en", "es"); "" unknown.
    language: str = ""
    id: uuid.UUID = field(default_factory=uuid.uuid4)


WIRELESS_CLASSES = frozenset({"WPH1", "WPH2", "WRLS", "CELL"})
WIRELINE_CLASSES = frozenset({"RESD", "BUSN", "PBXB", "PBXR", "CNTX", "COIN", "PAY1", "PAY2"})


def class_of_service_from_ali(ali: str) -> str:
    """The class of service an ALI text shows, when the phone system did not deliver it on its
    own: a known code in the text, or the words WIRELESS / LANDLINE; "" when it cannot tell."""
    words = set(ali.upper().replace("·", " ").replace("/", " ").split())
    for code in sorted(WIRELESS_CLASSES | WIRELINE_CLASSES | {"VOIP"}):
        if code in words:
            return code
    if "WIRELESS" in words:
        return "WPH1"
    if "LANDLINE" in words or "WIRELINE" in words:
        return "RESD"
    return ""


def is_mobile(class_of_service: str) -> bool:
    """True only for a wireless class of service: the only calls status texts may go to."""
    return class_of_service.strip().upper() in WIRELESS_CLASSES
