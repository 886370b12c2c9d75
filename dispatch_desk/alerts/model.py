"""What an alert is: a kind, a priority, the incident it belongs to, what to show and what to say.

The spoken form is a :class:`Phrase` (a template name and its fields), not a sentence: it is put
into words at the moment it is spoken, in the language of whoever is listening.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal


@dataclass(frozen=True)
class AlertKind:
    name: str  # dotted, stable: used in settings and in the phrase book
    label: str  # shown in the alert list
    priority: int  # when the source does not give one (1 most urgent .. 5)


KINDS: dict[str, AlertKind] = {
    k.name: k
    for k in (
        AlertKind("incident.new", "New incident", 2),
        AlertKind("call.unanswered", "Call not answered", 2),
        AlertKind("text.inbound", "Text to 911", 2),
        AlertKind("text.failed", "Text not delivered", 3),
        AlertKind("video.live", "Caller video live", 2),
        AlertKind("camera.lost", "Camera offline", 2),
        AlertKind("unit.no_response", "Unit not answering", 1),
    )
}


@dataclass(frozen=True)
class Phrase:
    """A spoken form: the phrase book's template ``template`` filled with ``fields``."""

    template: str
    fields: Mapping[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class Alert:
    id: uuid.UUID
    kind: str
    priority: int
    text: str  # the one line shown in the alert list
    phrase: Phrase
    raised_at: datetime
    key: str  # with kind and incident: what makes two alerts "the same"
    source: str = ""
    incident_id: uuid.UUID | None = None
    incident_number: str = ""
    repeats: int = 0  # raised again within the repeat window, and suppressed
    last_repeat_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str = ""

    @property
    def label(self) -> str:
        kind = KINDS.get(self.kind)
        return kind.label if kind else self.kind

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


AlertChange = Literal["raised", "repeated", "acknowledged", "dropped"]


@dataclass(frozen=True)
class AlertEvent:
    change: AlertChange
    alert: Alert
