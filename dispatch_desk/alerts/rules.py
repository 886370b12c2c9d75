"""Which alerts are spoken aloud on this workstation, for the role of whoever is signed in.

The rules come from the workstation's settings ([speech] speak_<role> and max_priority), so a
call-taker's console and a dispatcher's console in the same room can say different things.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from dispatch_desk.alerts.model import KINDS, Alert
from dispatch_desk.config.settings import SpeechSettings
from dispatch_desk.domain.enums import Role

logger = logging.getLogger(__name__)

ALL = "*"


def parse_kinds(text: str, where: str = "") -> frozenset[str]:
    """``"incident.new, text.inbound"``, ``"*"`` (every kind) or ``""`` (none)."""
    names = {part.strip() for part in text.replace(";", ",").split(",") if part.strip()}
    if ALL in names:
        return frozenset(KINDS)
    unknown = sorted(names - set(KINDS))
    if unknown:
        logger.warning(
            "%s: unknown alert kind(s) %s ignored (known: %s)",
            where or "speech rules",
            ", ".join(unknown),
            ", ".join(sorted(KINDS)),
        )
    return frozenset(names & set(KINDS))


@dataclass(frozen=True)
class SpeechRules:
    by_role: Mapping[Role, frozenset[str]]
    max_priority: int = 2

    def speaks(self, alert: Alert, role: Role) -> bool:
        return alert.priority <= self.max_priority and alert.kind in self.by_role.get(
            role, frozenset()
        )

    @classmethod
    def from_settings(cls, speech: SpeechSettings) -> SpeechRules:
        by_role = {}
        for role in Role:
            name = f"speak_{role.value.replace('-', '_')}"
            by_role[role] = parse_kinds(getattr(speech, name), f"speech.{name}")
        return cls(by_role, speech.max_priority)
