"""Alerts raised by today's call-taking: a new P1/P2 incident stored (from any workstation, via
the change notices), a text or video call offered, a call left ringing too long."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from dispatch_desk.alerts.centre import AlertCentre
from dispatch_desk.alerts.model import Phrase
from dispatch_desk.domain.agency import IncidentTypeCatalog
from dispatch_desk.domain.calls import IncomingCall
from dispatch_desk.domain.enums import CallKind, IncidentStatus
from dispatch_desk.events import Change, ChangeBus
from dispatch_desk.services.context import Clock
from dispatch_desk.services.incidents import IncidentService, IncidentSummary
from dispatch_desk.storage.database import StoreUnavailable
from dispatch_desk.storage.store import Store

logger = logging.getLogger(__name__)


class NewIncidentAlerts:
    """Raises "incident.new" for each incident of priority ``max_priority`` or more urgent
    created since this source started; listens to the change bus and reads what changed."""

    def __init__(
        self,
        centre: AlertCentre,
        store: Store,
        incidents: IncidentService,
        catalog: IncidentTypeCatalog,
        clock: Clock,
        *,
        max_priority: int = 2,
    ) -> None:
        self._centre = centre
        self._store = store
        self._incidents = incidents
        self._catalog = catalog
        self._since = clock()
        self._max_priority = max_priority
        self._seen: set[uuid.UUID] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._unsubscribe: Callable[[], None] = lambda: None

    def start(self, bus: ChangeBus) -> None:
        self._unsubscribe = bus.subscribe(self._on_changes)

    def close(self) -> None:
        self._unsubscribe()
        for task in list(self._tasks):
            task.cancel()

    def _on_changes(self, changes: list[Change]) -> None:
        ids = [i for c in changes if c.kind == "incident" for i in c.ids if i not in self._seen]
        if not ids:
            return
        task = asyncio.get_running_loop().create_task(self._check(ids))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _check(self, ids: list[uuid.UUID]) -> None:
        try:
            fresh = await self._store.read(self._incidents.summaries, ids)
        except StoreUnavailable as exc:
            logger.warning("new-incident alerts: %s", exc.user_message)
            return
        self.consider(fresh)

    def consider(self, summaries: Iterable[IncidentSummary]) -> None:
        for s in summaries:
            if s.id in self._seen or s.created_at < self._since:
                continue
            self._seen.add(s.id)
            if s.priority > self._max_priority or s.status == IncidentStatus.CLOSED:
                continue
            kind = self._catalog.get(s.type_code)
            discipline = kind.discipline.value if kind else "other"
            self._centre.raise_alert(
                "incident.new",
                f"New P{s.priority} {s.type_label} — {s.address}",
                phrase=Phrase(
                    "incident.new",
                    {"priority": s.priority, "discipline": discipline, "address": s.address},
                ),
                priority=s.priority,
                incident_id=s.id,
                incident_number=s.number,
                source="incidents",
            )


# Calls that are announced the moment they are offered: (alert kind, text before the number).
_OFFERED = {
    CallKind.TEXT: ("text.inbound", "Text to 911 from"),
    CallKind.VIDEO: ("video.live", "Caller video live from"),
}


class CallAlerts:
    """Alerts about calls offered to this workstation: texts and video straight away (they make
    no sound of their own), any call once it has rung ``unanswered_after_s`` unanswered."""

    def __init__(self, centre: AlertCentre, *, unanswered_after_s: float = 20.0) -> None:
        self._centre = centre
        self._after = timedelta(seconds=unanswered_after_s)
        self._flagged: set[uuid.UUID] = set()

    def offered(self, call: IncomingCall) -> None:
        heard = _OFFERED.get(call.kind)
        if heard is None:
            return
        kind, label = heard
        self._centre.raise_alert(
            kind,
            f"{label} {call.ani}",
            phrase=Phrase(kind, {}),
            key=str(call.id),
            source="calls",
        )

    def check_ringing(self, ringing: Iterable[IncomingCall], now: datetime) -> None:
        waiting = list(ringing)
        self._flagged &= {c.id for c in waiting}
        for call in waiting:
            age = now - call.received_at
            if call.id in self._flagged or age < self._after:
                continue
            self._flagged.add(call.id)
            seconds = int(age.total_seconds())
            self._centre.raise_alert(
                "call.unanswered",
                f"{call.kind.value.capitalize()} call from {call.ani} ringing {seconds} s",
                phrase=Phrase("call.unanswered", {"seconds": seconds}),
                key=str(call.id),
                source="calls",
            )
