"""Automatic status texts to the caller: confirmation, dispatched, en route, on scene, delay
notices, outcome; never where a text could endanger the caller.

The rules read the incident as it is stored (not the event that changed it), so the same check
serves a change made here, one that arrived by sync from another desk, and a sweep after a
restart: :meth:`StatusTexts.evaluate` works out what is owed and queues it in the outbox with the
key ``status:<incident>:<rule>``, so a text is queued once however often it is looked at. One
workstation sends an incident's texts (``incident_texting.sender``: the desk that created it).

What a dispatcher expects, made precise:

* Each step (dispatched, en route, on scene) goes once per incident, for the first unit to reach
  it; a step passed over (a unit on scene before its "en route" was texted) is not sent late.
* Nothing is sent whose moment passed more than ``stale_after`` ago (the desk was off): a late
  "on the way" is worse than none. Delay notices and the survey follow their timers.
* No text for an in-progress call, a sensitive call type (as the type is now, so a call
  reclassified as domestic stops texting), a suppressed incident, a number that is not a mobile,
  or a number that said STOP.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch_desk.domain.agency import AgencyProfile, IncidentTypeCatalog
from dispatch_desk.domain.enums import Discipline, IncidentStatus, UnitStatus
from dispatch_desk.domain.texting import Purpose
from dispatch_desk.events import note_change
from dispatch_desk.messaging import templates as words
from dispatch_desk.messaging.outbox import enqueue
from dispatch_desk.messaging.texting_state import (
    TAKE_CALLS,
    IncidentTexting,
    SentText,
    blocked_reason,
    conversing_incidents,
    open_texting,
    rule_of_key,
    set_in_progress,
    set_suppressed,
    state_of,
    status_key,
    survey_key,
    texting_state,
    with_blocked,
)
from dispatch_desk.storage.chunks import chunks
from dispatch_desk.storage.models import (
    Incident,
    SmsConsent,
    SmsMessage,
    Survey,
    TextingState,
    TextTimer,
    Unit,
    UnitStatusEvent,
    stable_id,
)

__all__ = [
    "TAKE_CALLS",
    "IncidentTexting",
    "RulesConfig",
    "SentText",
    "StatusTexts",
    "open_texting",
    "parse_delays",
    "rule_of_key",
    "set_in_progress",
    "set_suppressed",
    "status_key",
    "survey_key",
    "texting_state",
]

# The unit steps texted, in order; a transporting unit has been on scene.
STEPS = (words.DISPATCHED, words.EN_ROUTE, words.ON_SCENE)
_STEP_OF = {
    UnitStatus.DISPATCHED: 0,
    UnitStatus.EN_ROUTE: 1,
    UnitStatus.ON_SCENE: 2,
    UnitStatus.TRANSPORTING: 2,
}
ARRIVED = (UnitStatus.ON_SCENE, UnitStatus.TRANSPORTING)


def delay_rule(minutes: int) -> str:
    return f"delay_{minutes}"


def parse_delays(text: str) -> tuple[int, ...]:
    """``"15, 30"`` -> (15, 30); a clear ValueError for anything else."""
    found: set[int] = set()
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= 1440:
            raise ValueError(
                f"texting.delay_minutes: {part!r} is not a number of minutes from 1 to 1440 "
                "(write e.g. '15, 30')"
            )
        found.add(int(part))
    return tuple(sorted(found))


@dataclass(frozen=True)
class RulesConfig:
    enabled: bool = True
    agency: str = "911"
    default_language: str = "en"
    delays: tuple[int, ...] = (15, 30)
    stale_after: timedelta = timedelta(minutes=60)
    survey_delay: timedelta = timedelta(hours=24)
    survey_mode: str = "reply"  # reply | link | both | off
    survey_url: str = ""
    survey_window: timedelta = timedelta(days=7)
    status_number: str = ""
    workstation: str = ""

    @classmethod
    def from_settings(cls, settings: object, profile: AgencyProfile) -> RulesConfig:
        texting = settings.texting  # type: ignore[attr-defined]
        workstation = settings.workstation.id  # type: ignore[attr-defined]
        return cls(
            enabled=texting.status_texts,
            agency=texting.sender_name or profile.name,
            default_language=texting.default_language,
            delays=parse_delays(texting.delay_minutes),
            stale_after=timedelta(minutes=texting.stale_after_min),
            survey_delay=timedelta(hours=texting.survey_delay_hours),
            survey_mode=texting.survey_mode,
            survey_url=texting.survey_url,
            survey_window=timedelta(days=texting.survey_window_days),
            status_number=texting.status_number,
            workstation=workstation,
        )


# -- the rules


class StatusTexts:
    """The rules with the agency's catalogue, wording and settings; run on the store's writer
    (``await core.store.write(core.status_texts.evaluate, ids, now)``)."""

    def __init__(
        self,
        catalog: IncidentTypeCatalog,
        config: RulesConfig,
        templates: words.Templates | None = None,
    ) -> None:
        self.catalog = catalog
        self.config = config
        self.templates = templates or words.Templates()

    def state(self, session: Session, incident_id: uuid.UUID) -> IncidentTexting | None:
        found = texting_state(session, incident_id, self.catalog)
        if found is not None and not self.config.enabled:
            return with_blocked(found, "Status texts are turned off for this centre.")
        return found

    def blocked_now(self, session: Session, incident_id: uuid.UUID) -> str:
        """Why the incident's caller may get no status text or survey now ("" if they may): the
        outbox asks again just before one goes out."""
        incident = session.get(Incident, incident_id)
        if incident is None:
            return ""
        return blocked_reason(
            session,
            state_of(session, incident_id),
            self.catalog.get(incident.type_code),
            enabled=self.config.enabled,
        )

    def try_answer(self, session: Session, *, from_e164: str, body: str, now: datetime) -> bool:
        """:func:`dispatch_desk.services.surveys.try_answer` signed with this agency's name."""
        from dispatch_desk.services.surveys import try_answer

        return try_answer(
            session,
            from_e164=from_e164,
            body=body,
            now=now,
            agency=self.config.agency,
            templates=self.templates,
        )

    # -- which incidents a change is about

    @staticmethod
    def incidents_of_units(session: Session, unit_ids: set[uuid.UUID]) -> set[uuid.UUID]:
        if not unit_ids:
            return set()
        return {
            i
            for i in session.scalars(select(Unit.incident_id).where(Unit.id.in_(list(unit_ids))))
            if i is not None
        }

    def evaluate_changes(
        self,
        session: Session,
        incident_ids: set[uuid.UUID],
        unit_ids: set[uuid.UUID],
        now: datetime,
    ) -> int:
        ids = set(incident_ids) | self.incidents_of_units(session, unit_ids)
        return self.evaluate(session, ids, now)

    def evaluate(self, session: Session, incident_ids: set[uuid.UUID], now: datetime) -> int:
        """Queue what these incidents' callers are owed now; returns how many texts."""
        if not incident_ids:
            return 0
        states = session.scalars(
            select(TextingState).where(
                TextingState.incident_id.in_(list(incident_ids)),
                TextingState.finished.is_(False),
                TextingState.sender == self.config.workstation,
            )
        ).all()
        facts = _Facts.gather(session, states)
        return sum(self._evaluate_one(session, state, facts, now) for state in states)

    def sweep(self, session: Session, now: datetime) -> int:
        """Everything owed: every unfinished incident this desk sends for (changes that arrived
        while the bus was not listening, or by sync), then the due timers and surveys."""
        ids = set(
            session.scalars(
                select(TextingState.incident_id).where(
                    TextingState.finished.is_(False),
                    TextingState.sender == self.config.workstation,
                )
            )
        )
        return self.evaluate(session, ids, now) + self.process_due(session, now)

    def _evaluate_one(
        self, session: Session, state: TextingState, facts: _Facts, now: datetime
    ) -> int:
        incident = facts.incidents.get(state.incident_id)
        if incident is None:
            return 0
        kind = self.catalog.get(incident.type_code)
        blocked = blocked_reason(
            session,
            state,
            kind,
            enabled=self.config.enabled,
            opted_out=state.phone_e164 in facts.opted_out,
            texting_911=incident.id in facts.texting_911,
        )
        sent = facts.sent.get(incident.id, set())
        if incident.status == IncidentStatus.CLOSED:
            count = 0
            if not blocked and words.OUTCOME not in sent and self._fresh(incident.closed_at, now):
                count += self._send(session, state, incident, words.OUTCOME, words.OUTCOME, now)
            # A close learnt of long after (history, a desk off for days) gets no survey.
            if not blocked and self._fresh(incident.closed_at, now):
                self._schedule_survey(session, state, incident, now)
            for timer in self._open_timers(session, incident.id):
                timer.done_at, timer.outcome = now, "cancelled"
            state.finished = True
            state.updated_at = now
            return count
        if blocked:
            return 0
        self._ensure_timers(session, incident, facts.timers.get(incident.id, set()))
        reached = facts.reached.get(incident.id, {})
        if not reached:
            if words.CONFIRM not in sent and self._fresh(incident.created_at, now):
                return self._send(session, state, incident, words.CONFIRM, words.CONFIRM, now)
            return 0
        highest = max(reached)
        if any(STEPS[i] in sent for i in range(highest, len(STEPS))):
            return 0
        if not self._fresh(reached[highest], now):
            return 0
        rule = STEPS[highest]
        return self._send(session, state, incident, rule, rule, now)

    # -- timers: delay notices and surveys

    def process_due(self, session: Session, now: datetime) -> int:
        return self._due_delays(session, now) + self._due_surveys(session, now)

    def _ensure_timers(self, session: Session, incident: Incident, have: set[str]) -> None:
        for minutes in self.config.delays:
            rule = delay_rule(minutes)
            if rule not in have:
                session.add(
                    TextTimer(
                        id=stable_id("text_timer", f"{incident.id}:{rule}"),
                        incident_id=incident.id,
                        rule=rule,
                        due_at=incident.created_at + timedelta(minutes=minutes),
                        done_at=None,
                        outcome="",
                    )
                )

    @staticmethod
    def _open_timers(session: Session, incident_id: uuid.UUID) -> list[TextTimer]:
        return list(
            session.scalars(
                select(TextTimer).where(
                    TextTimer.incident_id == incident_id, TextTimer.done_at.is_(None)
                )
            )
        )

    def _due_delays(self, session: Session, now: datetime) -> int:
        due = session.execute(
            select(TextTimer, TextingState)
            .join(TextingState, TextingState.incident_id == TextTimer.incident_id)
            .where(
                TextTimer.done_at.is_(None),
                TextTimer.due_at <= now,
                TextingState.sender == self.config.workstation,
            )
            .order_by(TextTimer.due_at)
        ).all()
        count = 0
        for timer, state in due:
            incident = session.get(Incident, timer.incident_id)
            if incident is None:
                continue
            later = any(
                t.due_at > timer.due_at
                for t, _ in due
                if t.incident_id == timer.incident_id and t is not timer
            )
            kind = self.catalog.get(incident.type_code)
            if (
                incident.status == IncidentStatus.CLOSED
                or self._arrived(session, incident.id)
                or blocked_reason(session, state, kind, enabled=self.config.enabled)
            ):
                outcome = "cancelled"
            elif later or not self._fresh(timer.due_at, now):
                outcome = "skipped"  # a later notice is due too (the desk was off): send that
            else:
                count += self._send(session, state, incident, timer.rule, words.DELAY, now)
                outcome = "sent"
            timer.done_at, timer.outcome = now, outcome
        return count

    def _schedule_survey(
        self, session: Session, state: TextingState, incident: Incident, now: datetime
    ) -> None:
        if self.config.survey_mode == "off" or not state.phone_e164:
            return
        if session.scalar(select(Survey.id).where(Survey.incident_id == incident.id)):
            return  # one survey per incident
        closed_at = incident.closed_at or now
        session.add(
            Survey(
                id=stable_id("survey", str(incident.id)),
                incident_id=incident.id,
                phone_e164=state.phone_e164,
                language=self._language(state),
                state="scheduled",
                due_at=closed_at + self.config.survey_delay,
                created_at=now,
                updated_at=now,
            )
        )
        note_change(session, "texting", incident.id)

    def _due_surveys(self, session: Session, now: datetime) -> int:
        due = session.execute(
            select(Survey, TextingState)
            .join(TextingState, TextingState.incident_id == Survey.incident_id)
            .where(
                Survey.state == "scheduled",
                Survey.due_at <= now,
                TextingState.sender == self.config.workstation,
            )
            .order_by(Survey.due_at)
        ).all()
        count = 0
        for survey, state in due:
            incident = session.get(Incident, survey.incident_id)
            if incident is None:
                continue
            kind = self.catalog.get(incident.type_code)
            blocked = blocked_reason(session, state, kind, enabled=self.config.enabled)
            if self.config.survey_mode == "off":
                blocked = "Surveys are turned off."
            if not blocked and now - survey.due_at > self.config.survey_window:
                blocked = "Too late: the desk was off past the survey's window."
            if blocked:
                survey.state, survey.note = "cancelled", blocked[:200]
            else:
                survey.language = self._language(state)
                count += self._send_survey(session, state, incident, survey, now)
                survey.state, survey.sent_at = "sent", now
            survey.updated_at = now
            note_change(session, "texting", incident.id)
        return count

    # -- sending

    def _language(self, state: TextingState) -> str:
        return words.language_of(state.language, self.config.default_language)

    def context(self, incident: Incident) -> words.TextContext:
        kind = self.catalog.get(incident.type_code)
        url = self.config.survey_url
        return words.TextContext(
            agency=self.config.agency,
            number=incident.number,
            type_code=incident.type_code,
            discipline=kind.discipline if kind else Discipline.OTHER,
            outcome=incident.disposition or "",
            link=url.replace("{number}", incident.number) if url else "",
        )

    def _send(
        self,
        session: Session,
        state: TextingState,
        incident: Incident,
        rule: str,
        template: str,
        now: datetime,
    ) -> int:
        assert state.phone_e164
        body = self.templates.render(self._language(state), template, self.context(incident))
        enqueue(
            session,
            to_e164=state.phone_e164,
            body=body,
            purpose=Purpose.STATUS,
            key=status_key(incident.id, rule),
            now=now,
            from_e164=self.config.status_number or None,
            incident_id=incident.id,
        )
        note_change(session, "texting", incident.id)
        return 1

    def _send_survey(
        self,
        session: Session,
        state: TextingState,
        incident: Incident,
        survey: Survey,
        now: datetime,
    ) -> int:
        mode = self.config.survey_mode
        if mode in ("link", "both") and not self.config.survey_url:
            mode = "reply"  # no form to link to: the reply survey still works
        template = {
            "reply": words.SURVEY_REPLY,
            "link": words.SURVEY_LINK,
            "both": words.SURVEY_BOTH,
        }[mode]
        body = self.templates.render(survey.language, template, self.context(incident))
        assert state.phone_e164
        enqueue(
            session,
            to_e164=survey.phone_e164,
            body=body,
            purpose=Purpose.SURVEY,
            key=survey_key(incident.id),
            now=now,
            from_e164=self.config.status_number or None,
            incident_id=incident.id,
        )
        return 1

    # -- what happened so far

    def _fresh(self, at: datetime | None, now: datetime) -> bool:
        return at is not None and now - at <= self.config.stale_after

    @staticmethod
    def _arrived(session: Session, incident_id: uuid.UUID) -> bool:
        return (
            session.scalar(
                select(UnitStatusEvent.id)
                .where(
                    UnitStatusEvent.incident_id == incident_id,
                    UnitStatusEvent.status.in_(ARRIVED),
                )
                .limit(1)
            )
            is not None
        )


@dataclass
class _Facts:
    """What the rules need about a batch of incidents, read in a few queries for the batch
    rather than several per incident (the sweep holds the writer thread a dispatcher's save
    waits on)."""

    incidents: dict[uuid.UUID, Incident] = field(default_factory=dict)
    sent: dict[uuid.UUID, set[str]] = field(default_factory=dict)  # status rules queued
    reached: dict[uuid.UUID, dict[int, datetime]] = field(default_factory=dict)  # step -> first
    timers: dict[uuid.UUID, set[str]] = field(default_factory=dict)  # timer rules made
    opted_out: set[str | None] = field(default_factory=set)
    texting_911: set[uuid.UUID] = field(default_factory=set)  # callers in a 911 conversation

    @classmethod
    def gather(cls, session: Session, states: Sequence[TextingState]) -> _Facts:
        facts = cls()
        ids = [s.incident_id for s in states]
        phones = sorted({s.phone_e164 for s in states if s.phone_e164})
        for part in chunks(ids):
            for incident in session.scalars(select(Incident).where(Incident.id.in_(part))):
                facts.incidents[incident.id] = incident
            for incident_id, key in session.execute(
                select(SmsMessage.incident_id, SmsMessage.idempotency_key).where(
                    SmsMessage.incident_id.in_(part),
                    SmsMessage.idempotency_key.startswith("status:"),
                )
            ):
                facts.sent.setdefault(incident_id, set()).add(rule_of_key(key))
            for incident_id, status, first in session.execute(
                select(
                    UnitStatusEvent.incident_id,
                    UnitStatusEvent.status,
                    func.min(UnitStatusEvent.at),
                )
                .where(
                    UnitStatusEvent.incident_id.in_(part),
                    UnitStatusEvent.status.in_(list(_STEP_OF)),
                )
                .group_by(UnitStatusEvent.incident_id, UnitStatusEvent.status)
            ):
                steps = facts.reached.setdefault(incident_id, {})
                step = _STEP_OF[status]
                if step not in steps or first < steps[step]:
                    steps[step] = first
            for incident_id, rule in session.execute(
                select(TextTimer.incident_id, TextTimer.rule).where(TextTimer.incident_id.in_(part))
            ):
                facts.timers.setdefault(incident_id, set()).add(rule)
            facts.texting_911.update(conversing_incidents(session, part))
        for part in chunks(phones):
            facts.opted_out.update(
                session.scalars(
                    select(SmsConsent.phone_e164).where(
                        SmsConsent.phone_e164.in_(part), SmsConsent.opted_out.is_(True)
                    )
                )
            )
        return facts
