"""What callers said in their surveys, summed up for supervisors: response rate, scores by
incident type and by week, and the answers as CSV. Pure functions over the survey rows.

A survey counts as sent once it left the desk; answered once a score came back. Weeks are ISO
weeks (Monday first) in the agency's time zone, by the incident's closing time.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from dispatch_desk.services.surveys import SurveyRow

CSV_COLUMNS = (
    "incident_number",
    "incident_type",
    "incident_type_label",
    "closed_at",
    "survey_due_at",
    "survey_sent_at",
    "answered_at",
    "score",
    "comment",
    "language",
)
# A cell a spreadsheet would run as a formula: callers write the comments (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Tally:
    label: str
    sent: int
    answered: int
    mean_score: float | None  # None: no score yet

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.sent if self.sent else None


@dataclass(frozen=True)
class FeedbackStats:
    overall: Tally
    by_type: tuple[Tally, ...]  # most surveys sent first
    by_week: tuple[Tally, ...]  # oldest week first, every week in the range (even empty)
    scores: tuple[int, int, int, int, int]  # how many answers gave 1, 2, 3, 4, 5


def _answered(row: SurveyRow) -> bool:
    return row.score is not None


def _tally(label: str, rows: Sequence[SurveyRow]) -> Tally:
    sent = [r for r in rows if r.sent_at is not None]
    scores = [r.score for r in sent if r.score is not None]
    mean = sum(scores) / len(scores) if scores else None
    return Tally(label, len(sent), len(scores), mean)


def week_start(moment: datetime, zone: tzinfo) -> date:
    day = moment.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def week_label(monday: date) -> str:
    return f"{monday:%d %b}"  # "09 Mar": the Monday the week starts


def summarise(
    rows: Iterable[SurveyRow],
    zone: tzinfo,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> FeedbackStats:
    """Sum up ``rows``; with ``since``/``until`` every week between them is listed, empty or not."""
    rows = list(rows)
    by_type: dict[str, list[SurveyRow]] = defaultdict(list)
    by_week: dict[date, list[SurveyRow]] = defaultdict(list)
    for row in rows:
        by_type[row.incident_type_label or row.incident_type].append(row)
        when = row.closed_at or row.due_at
        by_week[week_start(when, zone)].append(row)
    weeks = set(by_week)
    if since is not None and until is not None and since < until:
        monday = week_start(since, zone)
        last = week_start(until - timedelta(microseconds=1), zone)
        while monday <= last and len(weeks) < 530:  # ten years of weeks at most
            weeks.add(monday)
            monday += timedelta(days=7)
    types = sorted(
        (_tally(label, group) for label, group in by_type.items()),
        key=lambda t: (-t.sent, t.label),
    )
    counts = [0, 0, 0, 0, 0]
    for row in rows:
        if row.sent_at is not None and row.score is not None and 1 <= row.score <= 5:
            counts[row.score - 1] += 1
    return FeedbackStats(
        overall=_tally("All", rows),
        by_type=tuple(types),
        by_week=tuple(_tally(week_label(w), by_week.get(w, [])) for w in sorted(weeks)),
        scores=(counts[0], counts[1], counts[2], counts[3], counts[4]),
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def to_csv(rows: Iterable[SurveyRow]) -> str:
    """Every survey as one CSV line (answered or not), UTF-8 text with a header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    row.incident_number,
                    row.incident_type,
                    row.incident_type_label,
                    row.closed_at,
                    row.due_at,
                    row.sent_at,
                    row.answered_at,
                    row.score,
                    row.comment,
                    row.language,
                )
            ]
        )
    return out.getvalue()


def answered_rows(rows: Iterable[SurveyRow]) -> list[SurveyRow]:
    """The answers, newest first: what the view's table lists."""
    done = [r for r in rows if _answered(r)]
    return sorted(done, key=lambda r: r.answered_at or r.due_at, reverse=True)
