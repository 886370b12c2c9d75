"""QA reports for a date range, by period: answer times against the NENA call-answering
standard, evaluation scores (overall and per call-taker), and how many sessions came in.

NENA-STA-020 (911 call processing): 90 % of 911 calls answered within 15 seconds, 95 % within
20 seconds. Answer time is ``answered_at - received_at`` of phone calls received in the range;
calls never answered (abandoned) are counted apart, not in the percentages.
"""

from __future__ import annotations

import bisect
import csv
import io
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from dispatch_desk.domain.enums import CallKind
from dispatch_desk.qa import periods
from dispatch_desk.qa.access import QA_ROLES
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.models import (
    Call,
    CitizenSession,
    QaEvaluation,
    SmsConversation,
)

NENA_15 = (15.0, 90.0)  # seconds, per cent of calls
NENA_20 = (20.0, 95.0)
HISTOGRAM_MAX_S = 60  # one bin per second, 0..59, and one for 60 s and over
# A name a spreadsheet would run as a formula (OWASP CSV injection): written with a quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AnswerTally:
    answered: int = 0
    within_15: int = 0
    within_20: int = 0
    unanswered: int = 0

    @property
    def pct_15(self) -> float | None:
        return 100.0 * self.within_15 / self.answered if self.answered else None

    @property
    def pct_20(self) -> float | None:
        return 100.0 * self.within_20 / self.answered if self.answered else None

    @property
    def met_15(self) -> bool | None:
        pct = self.pct_15
        return None if pct is None else pct >= NENA_15[1]

    @property
    def met_20(self) -> bool | None:
        pct = self.pct_20
        return None if pct is None else pct >= NENA_20[1]

    @property
    def met(self) -> bool | None:
        if self.met_15 is None:
            return None
        return bool(self.met_15 and self.met_20)


@dataclass(frozen=True)
class ScoreTally:
    count: int = 0
    mean: float | None = None
    pass_rate: float | None = None  # per cent


@dataclass(frozen=True)
class Sessions:
    phone_calls: int = 0
    text_conversations: int = 0
    live_sessions: int = 0


@dataclass(frozen=True)
class PeriodRow:
    start: date
    label: str
    answers: AnswerTally
    scores: ScoreTally
    sessions: Sessions


@dataclass(frozen=True)
class QaReport:
    since: datetime
    until: datetime
    period: str
    rows: tuple[PeriodRow, ...]
    total: PeriodRow
    histogram: tuple[int, ...]  # answered calls per second of answer time; last bin: 60 s+
    by_taker: dict[str, tuple[ScoreTally, ...]]  # call-taker → a tally per row (same order)


def _count(values: list[float]) -> AnswerTally:
    return AnswerTally(
        answered=len(values),
        within_15=sum(1 for v in values if v <= NENA_15[0]),
        within_20=sum(1 for v in values if v <= NENA_20[0]),
    )


def answer_tally(seconds: list[float], unanswered: int = 0) -> AnswerTally:
    tally = _count(seconds)
    return AnswerTally(tally.answered, tally.within_15, tally.within_20, unanswered)


def _scores(values: list[tuple[float, bool]]) -> ScoreTally:
    if not values:
        return ScoreTally()
    return ScoreTally(
        len(values),
        round(sum(s for s, _ in values) / len(values), 2),
        round(100.0 * sum(1 for _, p in values if p) / len(values), 2),
    )


def _raw(column: Any) -> Any:
    """A time column read as stored, without the column type's processing of every row (on
    SQLite that processing was most of a report's time: 45k rows, a third of a second)."""
    return type_coerce(column, String)


def _utc(raw: Any) -> datetime:
    """A time read by :func:`_raw`, as a naive UTC datetime: SQLite's text (UTC, as the store
    writes it) parsed as it is, or a datetime made naive UTC."""
    if isinstance(raw, str):
        return datetime.fromisoformat(raw)
    return raw.astimezone(UTC).replace(tzinfo=None) if raw.tzinfo is not None else raw


def build_report(
    session: Session,
    actor: Actor,
    now: datetime,
    since: datetime,
    until: datetime,
    period: str,
    zone: tzinfo,
) -> QaReport:
    """The report for ``since <= t < until`` by ``period`` (day / week / month, agency time)."""
    audit.require(actor, now, "qa.read", QA_ROLES, report=period)
    starts = periods.starts_between(since, until, period, zone)
    # Which period a moment is in: by the periods' first instants in UTC (agency midnights),
    # a bisection per row; the range reads take the times raw (see _utc).
    edges = [
        datetime.combine(start, time(0), zone).astimezone(UTC).replace(tzinfo=None)
        for start in starts
    ]

    def bucket(at: datetime) -> date:
        return starts[max(0, bisect.bisect_right(edges, at) - 1)]

    seconds: dict[date, list[float]] = defaultdict(list)
    missed: dict[date, int] = defaultdict(int)
    histogram = [0] * (HISTOGRAM_MAX_S + 1)
    phone: dict[date, int] = defaultdict(int)
    calls = session.execute(
        select(_raw(Call.received_at), _raw(Call.answered_at)).where(
            Call.kind == CallKind.PHONE, Call.received_at >= since, Call.received_at < until
        )
    )
    for received_raw, answered_raw in calls:
        received = _utc(received_raw)
        answered = _utc(answered_raw) if answered_raw is not None else None
        start = bucket(received)
        phone[start] += 1
        if answered is None:
            missed[start] += 1
            continue
        wait = max(0.0, (answered - received).total_seconds())
        seconds[start].append(wait)
        histogram[min(int(wait), HISTOGRAM_MAX_S)] += 1

    texts: dict[date, int] = defaultdict(int)
    for (opened,) in session.execute(
        select(_raw(SmsConversation.opened_at)).where(
            SmsConversation.opened_at >= since, SmsConversation.opened_at < until
        )
    ):
        texts[bucket(_utc(opened))] += 1
    live: dict[date, int] = defaultdict(int)
    for (created,) in session.execute(
        select(_raw(CitizenSession.created_at)).where(
            CitizenSession.created_at >= since, CitizenSession.created_at < until
        )
    ):
        live[bucket(_utc(created))] += 1

    # Scores by when the incident happened, so a trend shows the work of that time.
    scored: dict[date, list[tuple[float, bool]]] = defaultdict(list)
    taker_scored: dict[str, dict[date, list[tuple[float, bool]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    evaluations = session.execute(
        select(
            _raw(QaEvaluation.incident_created_at),
            QaEvaluation.evaluated_name,
            QaEvaluation.score,
            QaEvaluation.passed,
        ).where(QaEvaluation.incident_created_at >= since, QaEvaluation.incident_created_at < until)
    )
    for created, name, score, passed in evaluations:
        start = bucket(_utc(created))
        scored[start].append((score, passed))
        taker_scored[name or "(unknown)"][start].append((score, passed))

    rows = tuple(
        PeriodRow(
            start,
            periods.label(start, period),
            answer_tally(seconds.get(start, []), missed.get(start, 0)),
            _scores(scored.get(start, [])),
            Sessions(phone.get(start, 0), texts.get(start, 0), live.get(start, 0)),
        )
        for start in starts
    )
    every = [v for values in seconds.values() for v in values]
    total = PeriodRow(
        starts[0] if starts else since.date(),
        "total",
        answer_tally(every, sum(missed.values())),
        _scores([v for values in scored.values() for v in values]),
        Sessions(sum(phone.values()), sum(texts.values()), sum(live.values())),
    )
    by_taker = {
        name: tuple(_scores(per.get(start, [])) for start in starts)
        for name, per in sorted(taker_scored.items())
    }
    return QaReport(since, until, period, rows, total, tuple(histogram), by_taker)


CSV_COLUMNS = (
    "period",
    "period_start",
    "calls_answered",
    "answered_within_15s_pct",
    "answered_within_20s_pct",
    "nena_15s_90pct_met",
    "nena_20s_95pct_met",
    "calls_unanswered",
    "evaluations",
    "mean_score_pct",
    "pass_rate_pct",
    "phone_calls",
    "text_conversations",
    "live_sessions",
)


def shown_share(pct: float | None, goal: float, places: int = 1) -> str:
    """A NENA share as shown beside its verdict against ``goal``: rounded, except that a share
    below the goal is never rounded up to it (89.96 % reads 89.9, not 90.0 "does NOT meet")."""
    if pct is None:
        return ""
    shown = round(pct, places)
    if pct < goal <= shown:
        shown = math.floor(pct * 10**places) / 10**places
    return f"{shown:.{places}f}"


def _cell(value: float | bool | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:.2f}"


def csv_rows(report: QaReport) -> list[list[str]]:
    out = []
    for row in (*report.rows, report.total):
        a, s, n = row.answers, row.scores, row.sessions
        out.append(
            [
                row.label,
                row.start.isoformat(),
                str(a.answered),
                shown_share(a.pct_15, NENA_15[1], 2),
                shown_share(a.pct_20, NENA_20[1], 2),
                _cell(a.met_15),
                _cell(a.met_20),
                str(a.unanswered),
                str(s.count),
                _cell(s.mean),
                _cell(s.pass_rate),
                str(n.phone_calls),
                str(n.text_conversations),
                str(n.live_sessions),
            ]
        )
    return out


def to_csv(report: QaReport) -> str:
    """One row per period and a ``total`` row; no free text, so nothing a spreadsheet runs."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(report))
    return buffer.getvalue()


SCORE_COLUMNS = (
    "call_taker",
    "period",
    "period_start",
    "evaluations",
    "mean_score_pct",
    "pass_rate_pct",
)


def scores_csv(report: QaReport) -> str:
    """Each call-taker's evaluations per period (periods with none are left out)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(SCORE_COLUMNS)
    for name, tallies in report.by_taker.items():
        safe = "'" + name if name.startswith(_FORMULA_START) else name
        for row, tally in zip(report.rows, tallies, strict=True):
            if tally.count:
                writer.writerow(
                    [
                        safe,
                        row.label,
                        row.start.isoformat(),
                        str(tally.count),
                        _cell(tally.mean),
                        _cell(tally.pass_rate),
                    ]
                )
    return buffer.getvalue()


def record_export(
    session: Session, actor: Actor, now: datetime, report: QaReport, target: str, kind: str
) -> None:
    """Put an export of ``report`` on record (refused unless supervisor / admin)."""
    audit.require(actor, now, "qa.export", QA_ROLES, file=target)
    audit.record(
        session,
        actor,
        now,
        "qa.export",
        entity_type="qa_report",
        since=report.since.isoformat(),
        until=report.until.isoformat(),
        period=report.period,
        format=kind,
        file=target,
    )
