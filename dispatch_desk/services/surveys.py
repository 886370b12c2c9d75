"""Surveys after an incident closes: answers by reply (a number 1-5, a comment after it),
stored per incident, and the rows the supervisors' feedback view plots and exports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session


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


def feedback_rows(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> list[SurveyRow]:
    raise NotImplementedError


def try_answer(session: Session, *, from_e164: str, body: str, now: datetime) -> bool:
    """True when ``body`` from this number answered an open survey (and it is stored)."""
    raise NotImplementedError
