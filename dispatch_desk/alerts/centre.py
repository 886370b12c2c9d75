"""The alert centre: one list of what needs the dispatcher's attention, without repeats.

Sources call :meth:`AlertCentre.raise_alert`; the list, the status-bar counter and the speaker
subscribe. The same alert (kind, incident, key) raised again within the repeat window is not
shown or spoken again: the first one counts the repeat instead. Runs on the event loop's thread.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from dispatch_desk.alerts.model import KINDS, Alert, AlertEvent, Phrase
from dispatch_desk.services.context import Clock

logger = logging.getLogger(__name__)

Listener = Callable[[AlertEvent], None]
DedupeKey = tuple[str, uuid.UUID | None, str]


class AlertCentre:
    def __init__(self, clock: Clock, *, repeat_window_s: float = 60.0, keep: int = 200) -> None:
        self._clock = clock
        self._window = timedelta(seconds=repeat_window_s)
        self._keep = keep
        self._alerts: dict[uuid.UUID, Alert] = {}  # insertion order: oldest first
        self._latest: dict[DedupeKey, uuid.UUID] = {}
        self._listeners: list[Listener] = []

    # -- raising and acknowledging

    def raise_alert(
        self,
        kind: str,
        text: str,
        *,
        phrase: Phrase | None = None,
        priority: int | None = None,
        incident_id: uuid.UUID | None = None,
        incident_number: str = "",
        key: str = "",
        source: str = "",
    ) -> Alert | None:
        """Add an alert; None when the same one was raised within the repeat window."""
        if kind not in KINDS:
            raise ValueError(f"unknown alert kind {kind!r} (known: {', '.join(sorted(KINDS))})")
        now = self._clock()
        dedupe: DedupeKey = (kind, incident_id, key or text)
        earlier_id = self._latest.get(dedupe)
        earlier = self._alerts.get(earlier_id) if earlier_id else None
        if earlier is not None and now - earlier.raised_at < self._window:
            repeated = replace(earlier, repeats=earlier.repeats + 1, last_repeat_at=now)
            self._alerts[repeated.id] = repeated
            self._emit(AlertEvent("repeated", repeated))
            return None
        alert = Alert(
            id=uuid.uuid4(),
            kind=kind,
            priority=priority if priority is not None else KINDS[kind].priority,
            text=text,
            phrase=phrase or Phrase(kind, {}),
            raised_at=now,
            key=key or text,
            source=source,
            incident_id=incident_id,
            incident_number=incident_number,
        )
        self._alerts[alert.id] = alert
        self._latest[dedupe] = alert.id
        self._emit(AlertEvent("raised", alert))
        self._trim()
        return alert

    def acknowledge(self, alert_id: uuid.UUID, by: str) -> Alert | None:
        alert = self._alerts.get(alert_id)
        if alert is None or alert.acknowledged:
            return None
        done = replace(alert, acknowledged_at=self._clock(), acknowledged_by=by)
        self._alerts[alert_id] = done
        self._emit(AlertEvent("acknowledged", done))
        return done

    def acknowledge_all(self, by: str) -> int:
        pending = [a.id for a in self._alerts.values() if not a.acknowledged]
        for alert_id in pending:
            self.acknowledge(alert_id, by)
        return len(pending)

    # -- reading

    def get(self, alert_id: uuid.UUID) -> Alert | None:
        return self._alerts.get(alert_id)

    def alerts(self) -> list[Alert]:
        """Unacknowledged first, most urgent first, newest first."""
        return sorted(
            self._alerts.values(),
            key=lambda a: (a.acknowledged, a.priority, -a.raised_at.timestamp()),
        )

    def unacknowledged(self) -> list[Alert]:
        return [a for a in self.alerts() if not a.acknowledged]

    # -- listeners

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, event: AlertEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                logger.exception("alert listener %r failed", listener)

    def _trim(self) -> None:
        # Oldest acknowledged alerts go first; unacknowledged ones only if there are too many.
        excess = len(self._alerts) - self._keep
        if excess <= 0:
            return
        order = sorted(self._alerts.values(), key=lambda a: (not a.acknowledged, a.raised_at))
        for alert in order[:excess]:
            del self._alerts[alert.id]
            self._emit(AlertEvent("dropped", alert))
        live = set(self._alerts)
        self._latest = {k: v for k, v in self._latest.items() if v in live}
