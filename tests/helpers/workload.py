"""A dispatcher's work, for the sync fault tests and the benchmark: new incidents, narrative
lines, priority changes and units assigned and cleared, each one write through the store's
writer thread (as the UI's saves are), each timed."""

from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import UnitStatus
from dispatch_desk.services.incidents import IncidentEdit, IncidentSummary
from tests.helpers.core import actor_for, valid_intake

KINDS = ("create", "narrative", "update", "unit")
_tags = itertools.count(1)


@dataclass
class Workload:
    core: DeskCore
    username: str = "dispatcher"
    incidents: list[uuid.UUID] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    narratives: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # seconds, one per write
    ops: int = 0

    def __post_init__(self) -> None:
        self.actor = actor_for(self.core, self.username)
        self.tag = f"{self.core.workstation}-{next(_tags)}"
        self._priority: dict[uuid.UUID, int] = {}
        free = [
            u
            for u in self.core.store.read_sync(self.core.units.list)
            if u.status == UnitStatus.AVAILABLE and u.incident_id is None
        ]
        self.unit: uuid.UUID | None = free[0].id if free else None
        self._unit_busy = False

    def write(self, fn: Any, *args: Any) -> Any:
        """One write on the store's writer thread, as the UI makes it; its latency is kept."""
        started = time.perf_counter()
        result, changes = self.core.store.submit_write(fn, *args).result()
        self.latencies.append(time.perf_counter() - started)
        self.core.bus.publish(changes)
        return result

    def create(self) -> IncidentSummary:
        n = len(self.incidents) + 1
        intake = valid_intake(
            self.core,
            address=f"{n} Fault Street {self.tag}",
            narrative=f"Incident {n} from {self.tag}: caller reports smoke.",
        )
        made: IncidentSummary = self.write(
            self.core.incidents.create, self.actor, intake, self.core.clock()
        )
        self.incidents.append(made.id)
        self.numbers.append(made.number)
        self._priority[made.id] = made.priority
        return made

    def step(self) -> str:
        kind = KINDS[self.ops % len(KINDS)] if self.incidents else "create"
        self.ops += 1
        now = self.core.clock()
        latest = self.incidents[-1] if self.incidents else None
        if kind == "create" or latest is None:
            self.create()
        elif kind == "narrative":
            text = f"Note {self.ops} from {self.tag}."
            self.write(self.core.incidents.add_narrative, self.actor, latest, text, now)
            self.narratives.append(text)
        elif kind == "update":
            priority = self._priority[latest] % 5 + 1
            self.write(
                self.core.incidents.update, self.actor, latest, IncidentEdit(priority=priority), now
            )
            self._priority[latest] = priority
        elif self.unit is not None:
            if self._unit_busy:
                self.write(
                    self.core.units.set_status, self.actor, self.unit, UnitStatus.AVAILABLE, now
                )
            else:
                self.write(self.core.units.assign, self.actor, self.unit, latest, now)
            self._unit_busy = not self._unit_busy
        return kind

    def run(self, count: int) -> None:
        for _ in range(count):
            self.step()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
