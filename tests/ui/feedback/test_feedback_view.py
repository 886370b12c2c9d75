"""The supervisors' feedback view on surveys made by the real rules: incidents closed, surveys
sent 24 hours later by the sweep, answers texted back to the status number."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import Any

from PySide6.QtCharts import QBarSeries, QHorizontalBarSeries, QLineSeries
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from dispatch_desk.desk import DeskCore
from dispatch_desk.messaging import inbound
from dispatch_desk.messaging.inbound import InboundText
from dispatch_desk.services import audit
from dispatch_desk.services.feedback import CSV_COLUMNS
from tests.helpers.core import FakeClock, actor_for, create_incident
from tests.ui.conftest import Make, press, sign_in
from tests.ui.texting.helpers import new_sid
from ui.feedback.view import FeedbackWindow

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier

# (type, the caller's reply or None) — two weeks of closed incidents, one caller each.
CASES = [
    ("BURG", "5 quick and kind"),
    ("BURG", "3"),
    ("BURG", None),
    ("MEDFALL", "4 thank you"),
    ("MEDFALL", None),
    ("MEDFALL", '1 =HYPERLINK("http://x") nobody came'),
]


def _surveys(core: DeskCore, clock: FakeClock) -> None:
    """One incident every three days: closed, its survey sent a day later, answered (or not)
    an hour after that."""
    dispatcher = actor_for(core, "dispatcher")
    texting = core.settings.texting
    for n, (kind, reply) in enumerate(CASES):
        phone = f"+1617555{n + 600:04d}"
        incident = create_incident(
            core,
            actor_for(core, "calltaker"),
            incident_type=kind,
            class_of_service="WPH2",
            callback_number=phone,
            ani=phone,
        )
        core.store.write_sync(core.status_texts.sweep, clock())
        clock.advance(minutes=20)
        core.store.write_sync(
            core.incidents.close, dispatcher, incident.id, "Report taken", clock()
        )
        core.store.write_sync(core.status_texts.sweep, clock())
        clock.advance(hours=24, minutes=1)
        core.store.write_sync(core.status_texts.sweep, clock())
        clock.advance(hours=1)
        if reply is not None:
            result, _ = core.store.write_sync(
                inbound.receive,
                InboundText(new_sid(), phone, texting.status_number, reply),
                now=clock(),
                text911_number=texting.text911_number,
                status_number=texting.status_number,
                conversations=core.conversations,
                try_answer=core.status_texts.try_answer,
            )
            assert result.kind == "survey", (phone, result)
        clock.advance(days=2)


def _open(qtbot: QtBot, window: Any) -> FeedbackWindow:
    press(qtbot, Qt.Key.Key_F, CTRL_SHIFT)
    qtbot.waitUntil(
        lambda: (
            window.supervisor.feedback is not None and window.supervisor.feedback.stats is not None
        ),
        timeout=10_000,
    )
    view = window.supervisor.feedback
    assert view.isVisible()
    # (closed with the call-taker window)
    return view


def test_feedback_stats_charts_table_and_csv(qtbot: QtBot, make_desk: Make, tmp_path: Path) -> None:
    clock = FakeClock()
    desk = make_desk(clock=clock)
    _surveys(desk.core, clock)
    window = sign_in(qtbot, desk, "supervisor", "supervisor-demo")
    view = _open(qtbot, window)

    assert view.summary.text() == (
        f"Surveys sent 6 · answered 4 · response rate 67% · mean score {13 / 4:.1f} / 5"
    )
    # The answers, newest first, as the callers wrote them.
    rows = [
        [view.table.item(r, c).text() for c in range(view.table.columnCount())]
        for r in range(view.table.rowCount())
    ]
    assert [(r[2], r[3], r[4]) for r in rows] == [
        ("Fall", "1", '=HYPERLINK("http://x") nobody came'),
        ("Fall", "4", "thank you"),
        ("Burglary", "3", ""),
        ("Burglary", "5", "quick and kind"),
    ]
    # By type: mean scores Burglary 4.0 (2 answers), Fall 2.5 (2 answers).
    type_series = view.by_type.chart().series()[0]
    assert isinstance(type_series, QHorizontalBarSeries)
    values = [type_series.barSets()[0].at(i) for i in range(type_series.barSets()[0].count())]
    labels = view.by_type.chart().axes(Qt.Orientation.Vertical)[0].categories()
    assert dict(zip(labels, values, strict=True)) == {"Burglary (2)": 4.0, "Fall (2)": 2.5}
    # By week: every week of the range; the response rate in the weeks with surveys.
    weekly = view.weekly.chart().series()
    bars = next(s for s in weekly if isinstance(s, QBarSeries))
    line = next(s for s in weekly if isinstance(s, QLineSeries))
    rates = [bars.barSets()[0].at(i) for i in range(bars.barSets()[0].count())]
    assert len(rates) == len(view.stats.by_week) >= 12  # type: ignore[union-attr]
    assert sum(1 for r in rates if r > 0) >= 2
    assert line.count() == sum(1 for w in view.stats.by_week if w.mean_score is not None)  # type: ignore[union-attr]

    # CSV: every survey in the range, formulas neutralised, the export audited.
    target = tmp_path / "feedback.csv"
    task = asyncio.ensure_future(view.export(target))
    qtbot.waitUntil(task.done, timeout=5000)
    assert task.result() is True
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: spreadsheets read the accents right
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(lines[0]) == CSV_COLUMNS and len(lines) == 1 + len(CASES)
    comments = [line[CSV_COLUMNS.index("comment")] for line in lines[1:]]
    assert '\'=HYPERLINK("http://x") nobody came' in comments
    scores = sorted(line[CSV_COLUMNS.index("score")] for line in lines[1:])
    assert scores == ["", "", "1", "3", "4", "5"]
    events = desk.core.store.read_sync(audit.list_events, action="feedback.export")
    assert [(e.username, e.detail["rows"]) for e in events] == [("supervisor", 6)]


def test_a_narrower_range_and_an_empty_one(qtbot: QtBot, make_desk: Make) -> None:
    clock = FakeClock()
    desk = make_desk(clock=clock)
    _surveys(desk.core, clock)
    window = sign_in(qtbot, desk, "supervisor", "supervisor-demo")
    view = _open(qtbot, window)
    with qtbot.waitSignal(view.loaded, timeout=5000) as loaded:
        view.since.setDate(view.until.date().addDays(-6))  # the last week only
    assert 0 < loaded.args[0].overall.sent < len(CASES)
    assert len(loaded.args[0].by_week) in (1, 2)  # seven days straddle one or two weeks
    view.since.setDate(QDate(2020, 1, 1))
    view.until.setDate(QDate(2020, 1, 31))  # long before any incident
    qtbot.waitUntil(lambda: view.stats is not None and view.stats.overall.sent == 0)
    assert view.summary.text() == "No survey was sent for incidents closed in this range."
    assert view.table.rowCount() == 0
    view.grab()  # empty charts paint too


def test_only_supervisors_and_admins_have_the_view(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk()
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    titles = [a.text() for a in window.menuBar().actions()]
    assert "S&upervisor" not in titles
    press(qtbot, Qt.Key.Key_F, CTRL_SHIFT)
    assert window.supervisor.feedback is None
