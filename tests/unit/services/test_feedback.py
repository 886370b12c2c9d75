"""Feedback statistics and the CSV export, from survey rows."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dispatch_desk.services.feedback import CSV_COLUMNS, answered_rows, summarise, to_csv
from dispatch_desk.services.surveys import SurveyRow

NY = ZoneInfo("America/New_York")
MON = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # a Monday afternoon in New York


def row(
    n: int,
    closed: datetime,
    *,
    label: str = "Burglary",
    sent: bool = True,
    score: int | None = None,
    comment: str = "",
) -> SurveyRow:
    due = closed + timedelta(hours=24)
    return SurveyRow(
        incident_id=uuid.UUID(int=n),
        incident_number=f"26-{n:06d}",
        incident_type=label.upper()[:6],
        incident_type_label=label,
        closed_at=closed,
        due_at=due,
        sent_at=due if sent else None,
        answered_at=due + timedelta(hours=1) if score is not None else None,
        score=score,
        comment=comment,
        language="en",
    )


ROWS = [
    row(1, MON, score=5, comment="Quick and kind"),
    row(2, MON + timedelta(days=1), score=3),
    row(3, MON + timedelta(days=2)),  # sent, no answer
    row(4, MON + timedelta(days=2), sent=False),  # not yet due: not counted as sent
    row(5, MON + timedelta(days=7), label="Medical fall", score=4),
    row(6, MON + timedelta(days=8), label="Medical fall", score=1, comment="=HYPERLINK(evil)"),
    row(7, MON + timedelta(days=8), label="Medical fall"),
]


def test_response_rate_and_mean_overall() -> None:
    stats = summarise(ROWS, NY)
    assert (stats.overall.sent, stats.overall.answered) == (6, 4)
    assert stats.overall.response_rate == 4 / 6
    assert stats.overall.mean_score == (5 + 3 + 4 + 1) / 4
    assert stats.scores == (1, 0, 1, 1, 1)


def test_by_incident_type() -> None:
    stats = summarise(ROWS, NY)
    by = {t.label: t for t in stats.by_type}
    assert (by["Burglary"].sent, by["Burglary"].answered, by["Burglary"].mean_score) == (3, 2, 4.0)
    assert (by["Medical fall"].sent, by["Medical fall"].answered) == (3, 2)
    assert by["Medical fall"].mean_score == 2.5


def test_by_week_in_the_agency_time_zone() -> None:
    # Sunday 23:30 in New York is Monday 04:30 UTC: it belongs to the week before.
    late_sunday = datetime(2026, 3, 16, 3, 30, tzinfo=UTC)
    stats = summarise([*ROWS, row(8, late_sunday, score=2)], NY)
    labels = [w.label for w in stats.by_week]
    assert labels == ["09 Mar", "16 Mar"]
    first, second = stats.by_week
    assert (first.sent, first.answered) == (4, 3)
    assert first.mean_score == (5 + 3 + 2) / 3
    assert (second.sent, second.answered, second.mean_score) == (3, 2, 2.5)


def test_every_week_of_the_range_is_listed_even_empty() -> None:
    since = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    until = datetime(2026, 3, 30, 4, 0, tzinfo=UTC)
    stats = summarise(ROWS, NY, since=since, until=until)
    assert [w.label for w in stats.by_week] == ["02 Mar", "09 Mar", "16 Mar", "23 Mar"]
    assert stats.by_week[0].sent == 0 and stats.by_week[0].response_rate is None


def test_no_rows_is_no_rate_not_a_division_by_zero() -> None:
    stats = summarise([], NY)
    assert stats.overall.response_rate is None and stats.overall.mean_score is None
    assert stats.by_type == () and stats.by_week == ()


def test_csv_has_every_survey_and_neutralises_formulas() -> None:
    text = to_csv(ROWS)
    lines = list(csv.reader(io.StringIO(text)))
    assert tuple(lines[0]) == CSV_COLUMNS
    assert len(lines) == 1 + len(ROWS)
    first = dict(zip(CSV_COLUMNS, lines[1], strict=True))
    assert first["incident_number"] == "26-000001"
    assert first["score"] == "5" and first["comment"] == "Quick and kind"
    assert first["closed_at"] == "2026-03-09T14:00:00+00:00"
    unsent = dict(zip(CSV_COLUMNS, lines[4], strict=True))
    assert unsent["survey_sent_at"] == "" and unsent["score"] == ""
    evil = dict(zip(CSV_COLUMNS, lines[6], strict=True))
    assert evil["comment"] == "'=HYPERLINK(evil)"


def test_csv_keeps_commas_quotes_newlines_and_accents() -> None:
    tricky = row(9, MON, score=4, comment='Rápido, "muy" amable\nGracias 🙏')
    parsed = list(csv.reader(io.StringIO(to_csv([tricky]))))
    assert parsed[1][CSV_COLUMNS.index("comment")] == 'Rápido, "muy" amable\nGracias 🙏'


def test_answered_rows_newest_first() -> None:
    assert [r.incident_number for r in answered_rows(ROWS)] == [
        "26-000006",
        "26-000005",
        "26-000002",
        "26-000001",
    ]
