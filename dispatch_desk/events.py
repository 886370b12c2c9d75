"""Change notices: after a change is stored, one notice goes out; each window decides itself.

Services record what they changed on the session (`note_change`); the store publishes the
collected notices once the transaction has committed, on the event loop's thread.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    kind: str  # "incident", "unit", "narrative", "user", "audit"
    ids: frozenset[uuid.UUID] = field(default_factory=frozenset)


Listener = Callable[[list[Change]], None]


def note_change(session: Any, kind: str, entity_id: uuid.UUID) -> None:
    pending: dict[str, set[uuid.UUID]] = session.info.setdefault("changes", {})
    pending.setdefault(kind, set()).add(entity_id)


def take_changes(session: Any) -> list[Change]:
    pending: dict[str, set[uuid.UUID]] = session.info.pop("changes", {})
    return [Change(kind, frozenset(ids)) for kind, ids in sorted(pending.items())]


class ChangeBus:
    """Fan-out of change notices to whoever listens; a failing listener does not stop others."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def publish(self, changes: Iterable[Change]) -> None:
        batch = list(changes)
        if not batch:
            return
        for listener in list(self._listeners):
            try:
                listener(batch)
            except Exception:
                logger.exception("change listener %r failed", listener)
