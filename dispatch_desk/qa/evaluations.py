"""Evaluations: a supervisor scores how an incident's call was taken with a form version.

Stored with the form version, the answers, the score and the verdict, and audited
(``qa.evaluate``). Only supervisors and administrators evaluate or read evaluations.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.events import note_change
from dispatch_desk.qa.access import QA_ROLES
from dispatch_desk.qa.forms import Form, form_by_id, form_from_spec, latest_forms
from dispatch_desk.qa.scoring import AnswerError, score
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, NotFound, RuleViolation
from dispatch_desk.storage.models import Call, Incident, QaEvaluation, User

MAX_COMMENT_CHARS = 4000


@dataclass(frozen=True)
class Evaluated:
    """Who took an incident's (first) call, the one an evaluation is about."""

    call_id: uuid.UUID | None
    user_id: uuid.UUID | None
    name: str


@dataclass(frozen=True)
class EvaluationView:
    id: uuid.UUID
    incident_id: uuid.UUID
    call_id: uuid.UUID | None
    evaluated_id: uuid.UUID | None
    evaluated_name: str
    evaluator_name: str
    form_name: str
    form_version: int
    answers: dict[str, Any]
    score: float
    passed: bool
    comments: str
    at: datetime
    form: Form  # the questions and pass mark it was scored with (copied into the evaluation)


def _view(row: QaEvaluation) -> EvaluationView:
    return EvaluationView(
        row.id,
        row.incident_id,
        row.call_id,
        row.evaluated_id,
        row.evaluated_name,
        row.evaluator_name,
        row.form_name,
        row.form_version,
        json.loads(row.answers),
        row.score,
        row.passed,
        row.comments,
        row.at,
        form_from_spec(row.form_name, row.form_version, row.form_id, row.form_spec),
    )


def evaluated_for(session: Session, incident_id: uuid.UUID) -> Evaluated:
    """The first call of the incident that someone took; else whoever created the incident."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("That incident is not in the store.")
    call = session.scalar(
        select(Call)
        .where(Call.incident_id == incident_id, Call.taken_by.is_not(None))
        .order_by(Call.received_at.is_(None), Call.received_at, Call.created_at)
        .limit(1)
    )
    user_id = call.taken_by if call is not None else incident.created_by
    user = session.get(User, user_id) if user_id is not None else None
    return Evaluated(call.id if call else None, user_id, user.display_name if user else "")


def evaluate(
    session: Session,
    actor: Actor,
    now: datetime,
    incident_id: uuid.UUID,
    form_id: uuid.UUID,
    answers: Mapping[str, Any],
    comments: str = "",
) -> EvaluationView:
    """Store a complete evaluation; an unanswered question or a bad answer is refused."""
    audit.require(actor, now, "qa.evaluate", QA_ROLES, incident=str(incident_id))
    form = form_by_id(session, form_id)
    try:
        result = score(form, answers)
    except AnswerError as exc:
        raise RuleViolation(f"Not saved: {exc}.") from None
    if result.unanswered:
        raise RuleViolation(
            f"Not saved: {len(result.unanswered)} question(s) unanswered "
            f"({', '.join(result.unanswered)})."
        )
    if result.percent is None:
        raise RuleViolation("Not saved: every answer is N/A, there is nothing to score.")
    text = comments.strip()
    if len(text) > MAX_COMMENT_CHARS:
        raise RuleViolation(f"Not saved: comments are limited to {MAX_COMMENT_CHARS} characters.")
    who = evaluated_for(session, incident_id)
    incident = session.get(Incident, incident_id)
    assert incident is not None  # evaluated_for refused a missing one
    row = QaEvaluation(
        incident_id=incident_id,
        call_id=who.call_id,
        evaluated_id=who.user_id,
        evaluated_name=who.name,
        evaluator_id=actor.user_id,
        evaluator_name=actor.display_name or actor.username,
        form_id=form.id,
        form_name=form.name,
        form_version=form.version,
        form_spec=form.spec(),
        answers=json.dumps(dict(answers), sort_keys=True),
        score=result.percent,
        passed=result.passed,
        comments=text,
        workstation=actor.workstation,
        at=now,
        incident_created_at=incident.created_at,
    )
    session.add(row)
    audit.record(
        session,
        actor,
        now,
        "qa.evaluate",
        entity_type="incident",
        entity_id=incident_id,
        evaluation=str(row.id),
        form=form.name,
        version=form.version,
        score=result.percent,
        passed=result.passed,
    )
    note_change(session, "qa_evaluation", row.id)
    return _view(row)


def for_incident(
    session: Session, actor: Actor, now: datetime, incident_id: uuid.UUID
) -> list[EvaluationView]:
    audit.require(actor, now, "qa.read", QA_ROLES, incident=str(incident_id))
    rows = session.scalars(
        select(QaEvaluation)
        .where(QaEvaluation.incident_id == incident_id)
        .order_by(QaEvaluation.at, QaEvaluation.id)
    )
    return [_view(r) for r in rows]


@dataclass(frozen=True)
class ScoringSheet:
    """What scoring an incident starts from: which incident, who is evaluated, the earlier
    evaluations, and the forms to score with (empty when the desk has none yet)."""

    number: str
    type_code: str
    evaluated: Evaluated
    earlier: list[EvaluationView]
    forms: list[Form]


def scoring_sheet(
    session: Session, actor: Actor, now: datetime, incident_id: uuid.UUID
) -> ScoringSheet:
    """A QA read (the role is checked, and a refusal audited, before anything is read)."""
    earlier = for_incident(session, actor, now, incident_id)
    evaluated = evaluated_for(session, incident_id)  # NotFound for an incident not held
    incident = session.get(Incident, incident_id)
    assert incident is not None
    return ScoringSheet(
        incident.number, incident.type_code, evaluated, earlier, latest_forms(session)
    )
