"""Surveys after an incident closes: answers by reply (a number 1-5, a comment after it),
stored per incident, and the rows the supervisors' feedback view plots and exports.

Replies to the status-text number come here first (:func:`try_answer`); what is not an answer
to a survey this number was sent (nor ES / EN to switch language) gets the fixed auto reply.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.domain.agency import IncidentTypeCatalog
from dispatch_desk.domain.texting import Purpose
from dispatch_desk.events import note_change
from dispatch_desk.messaging import templates as words
from dispatch_desk.messaging.outbox import enqueue, normalise_phone
from dispatch_desk.storage.models import Incident, Survey, TextingState

# How long after a survey was sent a reply still answers it.
ANSWER_WINDOW = timedelta(days=7)
MAX_COMMENT_CHARS = 1000

# "4", "4 great", "4/5", "4 - quick and kind", "  5." ; the number stands alone.
_ANSWER = re.compile(r"^\s*([1-5])(?:\s*/\s*5)?(?![0-9])[\s.,:;!)\-]*(.*)$", re.DOTALL)
_LANGUAGE_WORDS = {
    "ES": "es",
    "ESPANOL": "es",
    "ESPAÑOL": "es",
    "SPANISH": "es",
    "EN": "en",
    "ENGLISH": "en",
    "INGLES": "en",
    "INGLÉS": "en",
}


@dataclass(frozen=True)
class SurveyRow:
    incident_id: uuid.UUID
    incident_number: str
    incident_type: str
    incident_type_label: str
    closed_at: datetime | None
    due_at: datetime
    sent_at: datetime | None
    answered_at: datetime | None
    score: int | None
    comment: str
    language: str
    state: str = ""


def feedback_rows(
    session: Session,
    since: datetime | None = None,
    until: datetime | None = None,
    catalog: IncidentTypeCatalog | None = None,
) -> list[SurveyRow]:
    """Every survey (scheduled, sent, answered, cancelled), by the incident's closing time;
    ``since`` / ``until`` bound that time. Type labels come from ``catalog`` when given."""
    query = select(Survey, Incident).join(Incident, Incident.id == Survey.incident_id)
    if since is not None:
        query = query.where(Incident.closed_at >= since)
    if until is not None:
        query = query.where(Incident.closed_at < until)
    rows = []
    for survey, incident in session.execute(query.order_by(Incident.closed_at, Survey.id)):
        kind = catalog.get(incident.type_code) if catalog is not None else None
        rows.append(
            SurveyRow(
                incident_id=incident.id,
                incident_number=incident.number,
                incident_type=incident.type_code,
                incident_type_label=kind.label if kind else incident.type_code,
                closed_at=incident.closed_at,
                due_at=survey.due_at,
                sent_at=survey.sent_at,
                answered_at=survey.answered_at,
                score=survey.score,
                comment=survey.comment,
                language=survey.language,
                state=survey.state,
            )
        )
    return rows


def parse_answer(body: str) -> tuple[int, str] | None:
    """(score, comment) from a reply, or None when it does not start with a score 1-5."""
    match = _ANSWER.match(body)
    if match is None:
        return None
    comment = " ".join(match.group(2).split())[:MAX_COMMENT_CHARS]
    return int(match.group(1)), comment


def try_answer(
    session: Session,
    *,
    from_e164: str,
    body: str,
    now: datetime,
    agency: str = "911",
    templates: words.Templates | None = None,
) -> bool:
    """True when ``body`` from this number was for the rules: an answer to the survey it was
    sent (stored, thanked once), or ES / EN to switch its texts' language (acknowledged)."""
    phone = normalise_phone(from_e164)
    table = templates or words.Templates()
    wanted = _LANGUAGE_WORDS.get(body.strip().upper().rstrip(".!"))
    if wanted is not None:
        return _switch_language(session, phone, wanted, now, agency, table)
    answer = parse_answer(body)
    if answer is None:
        return False
    survey = session.scalar(
        select(Survey)
        .where(
            Survey.phone_e164 == phone,
            Survey.state == "sent",
            Survey.sent_at >= now - ANSWER_WINDOW,
        )
        .order_by(Survey.sent_at.desc())
        .limit(1)
    )
    if survey is None:
        return False
    survey.score, survey.comment = answer
    survey.state, survey.answered_at, survey.updated_at = "answered", now, now
    incident = session.get(Incident, survey.incident_id)
    if incident is not None:
        context = words.TextContext(agency, incident.number, incident.type_code, _discipline())
        enqueue(
            session,
            to_e164=phone,
            body=table.render(survey.language, words.SURVEY_THANKS, context),
            purpose=Purpose.SURVEY,
            key=f"survey:{survey.incident_id}:thanks",
            now=now,
            incident_id=survey.incident_id,
        )
    note_change(session, "texting", survey.incident_id)
    return True


def _discipline():  # the thanks and language notes name no unit
    from dispatch_desk.domain.enums import Discipline

    return Discipline.OTHER


def _switch_language(
    session: Session,
    phone: str,
    language: str,
    now: datetime,
    agency: str,
    table: words.Templates,
) -> bool:
    states = list(
        session.scalars(
            select(TextingState).where(
                TextingState.phone_e164 == phone, TextingState.finished.is_(False)
            )
        )
    )
    surveys = list(
        session.scalars(
            select(Survey).where(
                Survey.phone_e164 == phone, Survey.state.in_(("scheduled", "sent"))
            )
        )
    )
    if not states and not surveys:
        return False  # nothing of ours goes to this number: the fixed reply answers it
    for state in states:
        state.language, state.updated_at = language, now
        note_change(session, "texting", state.incident_id)
    for survey in surveys:
        survey.language, survey.updated_at = language, now
        note_change(session, "texting", survey.incident_id)
    context = words.TextContext(agency, "", "", _discipline())
    stamp = now.strftime("%Y%m%dT%H%M%S")
    enqueue(
        session,
        to_e164=phone,
        body=table.render(language, words.LANGUAGE_SET, context),
        purpose=Purpose.STATUS,
        key=f"language:{phone}:{language}:{stamp}",
        now=now,
    )
    return True
