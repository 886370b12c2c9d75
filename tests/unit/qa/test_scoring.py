"""Scoring maths: weights, N/A out of the denominator, scales, the pass mark's edge."""

from __future__ import annotations

import pytest

from dispatch_desk.qa.forms import SCALE, Form, Question
from dispatch_desk.qa.scoring import NA, NO, YES, AnswerError, score

FORM = Form(
    name="T",
    pass_mark=75.0,
    questions=(
        Question("a", "A", 3.0),
        Question("b", "B", 1.0, allow_na=True),
        Question("c", "C", 2.0, SCALE, 4, allow_na=True),
    ),
)


def test_weighted_score() -> None:
    result = score(FORM, {"a": YES, "b": NO, "c": 2})
    # 3*1 + 1*0 + 2*(2/4) = 4 of 6
    assert (result.earned, result.possible) == (4.0, 6.0)
    assert result.percent == pytest.approx(66.67)
    assert not result.passed and result.complete


def test_na_leaves_the_denominator() -> None:
    with_na = score(FORM, {"a": YES, "b": NA, "c": 2})
    assert (with_na.earned, with_na.possible) == (4.0, 5.0)
    assert with_na.percent == 80.0 and with_na.passed
    # N/A is not "no": answering no instead lowers the score
    assert score(FORM, {"a": YES, "b": NO, "c": 2}).percent < with_na.percent


def test_pass_mark_is_inclusive() -> None:
    # a yes (3) + c at 0 of 2 → 3/5 = 60 %; move the pass mark onto it
    at_mark = Form("T", FORM.questions, 60.0)
    result = score(at_mark, {"a": YES, "b": NA, "c": 0})
    assert result.percent == 60.0 and result.passed
    just_above = Form("T", FORM.questions, 60.01)
    assert not score(just_above, {"a": YES, "b": NA, "c": 0}).passed


def test_all_na_has_no_score_and_does_not_pass() -> None:
    only_na = Form("N", (Question("x", "X", 1.0, allow_na=True),), 0.0)
    result = score(only_na, {"x": NA})
    assert result.percent is None and not result.passed and not result.complete


def test_unanswered_are_listed() -> None:
    result = score(FORM, {"a": NO})
    assert result.unanswered == ("b", "c") and not result.complete
    assert result.percent == 0.0  # what is answered so far


def test_full_and_zero_marks() -> None:
    assert score(FORM, {"a": YES, "b": YES, "c": 4}).percent == 100.0
    assert score(FORM, {"a": NO, "b": NO, "c": 0}).percent == 0.0


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"a": NA}, "a: N/A is not allowed"),
        ({"a": "maybe"}, "a: answer yes or no"),
        ({"c": 5}, "c: answer a whole number from 0 to 4"),
        ({"c": -1}, "c: answer a whole number from 0 to 4"),
        ({"c": True}, "c: answer a whole number"),
        ({"c": 2.5}, "c: answer a whole number"),
        ({"zz": YES}, "not on form 'T': zz"),
    ],
)
def test_bad_answers_are_refused(answers: dict[str, object], message: str) -> None:
    with pytest.raises(AnswerError, match=message):
        score(FORM, answers)


def test_pass_is_decided_on_the_unrounded_score() -> None:
    """79.996 % is below a pass mark of 80 although it rounds to 80.00; the stored figure
    never reads as reaching the mark when the verdict is a fail."""
    form = Form("F", (Question("q1", "one", 79.996), Question("q2", "two", 20.004)), pass_mark=80.0)
    result = score(form, {"q1": YES, "q2": NO})
    assert 100 * result.earned / result.possible == pytest.approx(79.996)
    assert not result.passed
    assert result.percent is not None and result.percent < 80.0
    exact = score(
        Form("G", (Question("q", "q", 4.0), Question("r", "r", 1.0)), 80.0), {"q": YES, "r": NO}
    )
    assert exact.passed and exact.percent == 80.0  # the mark itself still passes


def test_a_failing_score_is_never_shown_at_the_pass_mark() -> None:
    from dispatch_desk.qa.scoring import shown_percent

    assert shown_percent(79.99, passed=False, pass_mark=80.0) == "79.9"  # not "80.0 % FAIL"
    assert shown_percent(83.333, passed=True, pass_mark=80.0) == "83.3"
    assert shown_percent(59.96, passed=False, pass_mark=70.0) == "60.0"  # far from the mark
