"""Scoring an evaluation: each question's weight times its share (yes 1, no 0, a scale value
over its maximum), summed over the questions answered; N/A leaves a question out of both the
points and the denominator. Pass when the score reaches the form's pass mark."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dispatch_desk.qa.forms import SCALE, YES_NO, Form, Question

NA = "na"
YES = "yes"
NO = "no"


class AnswerError(ValueError):
    """An answer the form does not allow, or a question left unanswered."""


@dataclass(frozen=True)
class Score:
    percent: float | None  # None while nothing scorable is answered
    passed: bool
    earned: float
    possible: float
    answered: int
    unanswered: tuple[str, ...]  # question ids still open

    @property
    def complete(self) -> bool:
        return not self.unanswered and self.percent is not None


def check_answer(question: Question, answer: Any) -> Any:
    """The answer as stored ("yes" / "no" / "na" / an int), or :class:`AnswerError`."""
    if answer == NA:
        if not question.allow_na:
            raise AnswerError(f"{question.id}: N/A is not allowed for this question")
        return NA
    if question.kind == YES_NO:
        if answer in (YES, NO):
            return answer
        raise AnswerError(f"{question.id}: answer yes or no" + (" or N/A" * question.allow_na))
    if question.kind == SCALE:
        whole = isinstance(answer, int) and not isinstance(answer, bool)
        if whole and 0 <= answer <= question.scale_max:
            return answer
        raise AnswerError(f"{question.id}: answer a whole number from 0 to {question.scale_max}")
    raise AnswerError(f"{question.id}: unknown kind {question.kind!r}")


def share(question: Question, answer: Any) -> float:
    if question.kind == YES_NO:
        return 1.0 if answer == YES else 0.0
    return answer / question.scale_max


def score(form: Form, answers: Mapping[str, Any]) -> Score:
    """The weighted score of ``answers`` (question id → answer); questions not in ``answers``
    are unanswered; an answer to a question the form does not have is an error."""
    extra = set(answers) - {q.id for q in form.questions}
    if extra:
        raise AnswerError(f"not on form {form.name!r}: {', '.join(sorted(extra))}")
    earned = possible = 0.0
    answered = 0
    unanswered = []
    for question in form.questions:
        if question.id not in answers or answers[question.id] is None:
            unanswered.append(question.id)
            continue
        answer = check_answer(question, answers[question.id])
        answered += 1
        if answer == NA:
            continue
        possible += question.weight
        earned += question.weight * share(question, answer)
    if possible <= 0:
        return Score(None, False, earned, possible, answered, tuple(unanswered))
    exact = 100.0 * earned / possible
    passed = exact >= form.pass_mark  # the verdict on the exact score, never on a rounded one
    percent = round(exact, 2)
    if not passed and percent >= form.pass_mark:  # 79.996 is shown 79.99, not 80.00 FAIL
        percent = math.floor(exact * 100.0) / 100.0
    return Score(percent, passed, earned, possible, answered, tuple(unanswered))


def shown_percent(percent: float, *, passed: bool, pass_mark: float, places: int = 1) -> str:
    """A score as shown beside its verdict: rounded, except that a failing score is never
    rounded up to the pass mark (79.99 % with a mark of 80 reads 79.9, not "80.0 % FAIL")."""
    shown = round(percent, places)
    if not passed and shown >= pass_mark:
        shown = math.floor(percent * 10**places) / 10**places
    return f"{shown:.{places}f}"
