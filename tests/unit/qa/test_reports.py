"""Reports: NENA answer-time percentages on a constructed set, scores per call-taker, session
counts, the CSV read back, and the command line (bad form file, report by a signed-in user)."""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.citizen import InviteKind, SessionState
from dispatch_desk.qa import access, forms, reports
from dispatch_desk.qa.evaluations import evaluate
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, PermissionDenied
from dispatch_desk.storage.models import CitizenSession, SmsConversation
from tests.helpers.core import FakeClock, actor_for
from tests.helpers.qa_data import bulk_incidents

ZONE = ZoneInfo("America/New_York")
MONDAY = datetime(2025, 3, 3, 9, 0, tzinfo=ZONE)  # a Monday, well before the demo's incidents
MIDNIGHT = MONDAY.replace(hour=0)
# Week 1: 20 answered calls, 17 within 15 s (15.0 counts as within), 2 at 18 s, 1 at 25 s,
# and 2 never answered. Week 2: 10 calls, all within 10 s.
WEEK_1 = [3, 5, 6, 7, 8, 8, 9, 10, 10, 11, 12, 12, 13, 14, 14, 15, 15, 18, 18, 25, None, None]
WEEK_2 = [2, 3, 4, 4, 5, 6, 7, 8, 9, 10]


def _calls(core: DeskCore, start: datetime, waits: list[float | None], prefix: str, taker):
    queue = list(waits)
    made, _ = core.store.write_sync(
        bulk_incidents,
        len(waits),
        start=start,
        span=timedelta(days=4),
        types=["MEDFALL"],
        takers=[taker],
        rng=random.Random(5),
        answer_s=lambda _r: queue.pop(0),
        prefix=prefix,
    )
    return made


@pytest.fixture
def constructed(core: DeskCore, clock: FakeClock, supervisor: Actor) -> dict[str, object]:
    calltaker = actor_for(core, "calltaker")
    dispatcher = actor_for(core, "dispatcher")
    week1 = _calls(core, MONDAY, WEEK_1, "W1", calltaker.user_id)
    week2 = _calls(core, MONDAY + timedelta(days=7), WEEK_2, "W2", dispatcher.user_id)
    core.store.write_sync(forms.ensure_default_form, supervisor, clock())
    form = core.store.read_sync(forms.get_form, "Call taking")
    perfect = {q.id: (q.scale_max if q.kind == "scale" else "yes") for q in form.questions}
    poor = {
        **perfect,
        "address": "no",
        "callback": "no",
        "protocol": "no",
    }  # 3 + 2 + 3 of 20 lost: 60 %
    for incident_id, answers in (
        (week1.incident_ids[0], perfect),
        (week1.incident_ids[1], poor),
        (week2.incident_ids[0], perfect),
    ):
        core.store.write_sync(evaluate, supervisor, clock(), incident_id, form.id, answers)

    def sessions(session):
        at = MONDAY + timedelta(days=1)
        session.add(
            SmsConversation(
                phone_e164="+16175550100",
                state="closed",
                started_by="caller",
                opened_at=at,
                last_at=at,
                workstation="w",
                updated_at=at,
            )
        )
        for n in range(2):
            session.add(
                CitizenSession(
                    incident_id=week1.incident_ids[n],
                    kind=InviteKind.VIDEO,
                    state=SessionState.ENDED,
                    token_hash=f"{n:064d}",
                    created_at=at,
                    expires_at=at,
                    workstation="w",
                    updated_at=at,
                )
            )

    core.store.write_sync(sessions)
    return {"calltaker": calltaker.display_name, "dispatcher": dispatcher.display_name}


def _report(core: DeskCore, actor: Actor, period: str = "week") -> reports.QaReport:
    return access.read_sync(
        core.store,
        reports.build_report,
        actor,
        core.clock(),
        MIDNIGHT,
        MIDNIGHT + timedelta(days=14),  # wall-clock days: the DST change on 9 March is inside
        period,
        ZONE,
    )


def test_nena_percentages_scores_and_sessions(
    core: DeskCore, supervisor: Actor, constructed: dict[str, object]
) -> None:
    report = _report(core, supervisor)
    assert [r.label for r in report.rows] == ["2025-W10", "2025-W11"]
    one, two = report.rows
    assert (one.answers.answered, one.answers.within_15, one.answers.within_20) == (20, 17, 19)
    assert one.answers.pct_15 == 85.0 and one.answers.pct_20 == 95.0
    assert (one.answers.met_15, one.answers.met_20, one.answers.met) == (False, True, False)
    assert one.answers.unanswered == 2
    assert (two.answers.pct_15, two.answers.pct_20, two.answers.met) == (100.0, 100.0, True)
    total = report.total.answers
    assert (total.answered, total.within_15, total.within_20) == (30, 27, 29)
    assert total.pct_15 == 90.0 and total.met_15  # exactly 90 % meets the standard
    assert total.pct_20 == pytest.approx(96.667, abs=1e-3) and total.met
    # histogram: one bin per second; 25 s lands in bin 25, nothing is lost
    assert sum(report.histogram) == 30 and report.histogram[25] == 1 and report.histogram[15] == 2
    # scores: week 1 a perfect (100) and a poor (12/20 = 60 %, fail) one; week 2 a perfect one
    assert (one.scores.count, one.scores.mean, one.scores.pass_rate) == (2, 80.0, 50.0)
    assert (two.scores.count, two.scores.mean, two.scores.pass_rate) == (1, 100.0, 100.0)
    assert report.by_taker[constructed["calltaker"]][0].mean == 80.0
    assert report.by_taker[constructed["calltaker"]][1].count == 0
    assert report.by_taker[constructed["dispatcher"]][1].pass_rate == 100.0
    assert (
        one.sessions.phone_calls,
        one.sessions.text_conversations,
        one.sessions.live_sessions,
    ) == (22, 1, 2)
    assert two.sessions.phone_calls == 10
    monthly = _report(core, supervisor, "month")
    assert [r.label for r in monthly.rows] == ["2025-03"]
    assert monthly.rows[0].answers == report.total.answers


def test_csv_reads_back(core: DeskCore, supervisor: Actor, constructed: dict) -> None:
    report = _report(core, supervisor)
    rows = list(csv.DictReader(io.StringIO(reports.to_csv(report))))
    assert [r["period"] for r in rows] == ["2025-W10", "2025-W11", "total"]
    first = rows[0]
    assert first["period_start"] == "2025-03-03"
    assert first["calls_answered"] == "20" and first["calls_unanswered"] == "2"
    assert float(first["answered_within_15s_pct"]) == 85.0
    assert (first["nena_15s_90pct_met"], first["nena_20s_95pct_met"]) == ("no", "yes")
    assert float(first["mean_score_pct"]) == 80.0 and first["evaluations"] == "2"
    assert (first["phone_calls"], first["text_conversations"], first["live_sessions"]) == (
        "22",
        "1",
        "2",
    )
    assert rows[2]["nena_15s_90pct_met"] == "yes" and rows[2]["calls_answered"] == "30"


def test_report_refused_to_a_call_taker(core: DeskCore, calltaker: Actor) -> None:
    with pytest.raises(PermissionDenied):
        _report(core, calltaker)
    denied = core.store.read_sync(audit.list_events, action="qa.read")
    assert [(e.username, e.outcome, e.detail["report"]) for e in denied] == [
        ("calltaker", "denied", "week")
    ]
