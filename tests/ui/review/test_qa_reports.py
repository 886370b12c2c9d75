"""The QA reports view on a constructed set: the plots are drawn, the summary says whether the
NENA standard is met, and the CSV and PDF exports are written (audited first) and read back."""

from __future__ import annotations

import asyncio
import csv
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtPdf import QPdfDocument
from pytestqt.qtbot import QtBot

from dispatch_desk.desk import DeskCore
from dispatch_desk.services import audit
from tests.helpers.core import FakeClock, actor_for, make_core
from tests.helpers.live import run
from tests.helpers.qa_data import constructed_set
from ui.review.qa_plots import BAR
from ui.review.qa_queue import QaQueueView
from ui.review.qa_reports import QaReportsView


@pytest.fixture
def core(tmp_path: Path, qloop: asyncio.AbstractEventLoop) -> Iterator[DeskCore]:
    desk = make_core(tmp_path, clock=FakeClock())
    yield desk
    desk.close()


def _view(qtbot: QtBot, core: DeskCore) -> QaReportsView:
    supervisor = actor_for(core, "supervisor")
    constructed_set(core, supervisor, core.clock())
    view = QaReportsView(core, supervisor)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    with qtbot.waitSignal(view.loaded, timeout=10000):
        view.since.setDate(QDate(2025, 3, 3))
        view.until.setDate(QDate(2025, 3, 16))
    qtbot.waitUntil(lambda: view.report is not None and len(view.report.rows) == 2)
    return view


def test_report_shows_nena_and_exports_csv_and_pdf(
    qtbot: QtBot, core: DeskCore, tmp_path: Path
) -> None:
    view = _view(qtbot, core)
    assert "30 calls answered: 90.0 % within 15 s, 96.7 % within 20 s — meets" in (
        view.summary.text()
    )
    assert "3 evaluations, mean 86.7 %" in view.summary.text()
    # the histogram is really painted: bar colour in the plot's pixels
    image = view.answer_plot.grab().toImage()
    bar = QColor(BAR).rgb()
    assert any(
        image.pixel(x, y) == bar
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
    )
    csv_path = tmp_path / "qa.csv"
    assert run(qtbot, view.export(csv_path, "csv"))
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert [r["period"] for r in rows] == ["2025-W10", "2025-W11", "total"]
    assert rows[0]["nena_15s_90pct_met"] == "no" and rows[2]["nena_15s_90pct_met"] == "yes"
    pdf_path = tmp_path / "qa.pdf"
    assert run(qtbot, view.export(pdf_path, "pdf"))
    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5000
    document = QPdfDocument()
    assert document.load(str(pdf_path)) == QPdfDocument.Error.None_
    assert document.pageCount() == 2
    assert "NENA" in document.getAllText(0).text()
    assert "2025-W11" in document.getAllText(1).text()
    page: QImage = document.render(0, document.pagePointSize(0).toSize())
    colours = {
        page.pixel(x, y) for x in range(0, page.width(), 3) for y in range(0, page.height(), 3)
    }
    assert len(colours) > 4  # plots drawn, not a blank page
    document.close()
    exports = core.store.read_sync(audit.list_events, action="qa.export")
    assert [(e.username, e.detail["format"], e.detail["file"]) for e in exports] == [
        ("supervisor", "csv", "qa.csv"),
        ("supervisor", "pdf", "qa.pdf"),
    ]


def test_export_refused_to_a_call_taker_writes_nothing(
    qtbot: QtBot, core: DeskCore, tmp_path: Path
) -> None:
    view = _view(qtbot, core)
    view.actor = actor_for(core, "calltaker")  # a view that somehow reached a call-taker
    target = tmp_path / "no.csv"
    assert not run(qtbot, view.export(target, "csv"))
    assert not target.exists() and "may not" in view.note.text()
    denied = core.store.read_sync(audit.list_events, action="qa.export")
    assert [(e.username, e.outcome) for e in denied] == [("calltaker", "denied")]


def test_queue_view_lists_and_opens_by_enter(
    qtbot: QtBot, tmp_path: Path, qloop: asyncio.AbstractEventLoop
) -> None:
    # every incident sampled (100 %), so the list is known whatever ids the rows got
    core = make_core(tmp_path / "all", clock=FakeClock(), qa__sample_percent=100)
    try:
        supervisor = actor_for(core, "supervisor")
        constructed_set(core, supervisor, core.clock())
        view = QaQueueView(core, supervisor)
        qtbot.addWidget(view)
        view.show()
        qtbot.waitExposed(view)
        with qtbot.waitSignal(view.loaded, timeout=10000):
            view.since.setDate(QDate(2025, 3, 1))
        with qtbot.waitSignal(view.loaded, timeout=10000):
            view.until.setDate(QDate(2025, 3, 20))
        entries = view.entries()
        # 32 incidents of a type that is not high-acuity, 3 of them evaluated already
        assert len(entries) == 29 and all(e.reasons == ("sampled",) for e in entries)
        assert "29 to review · 0 high-acuity · sample 100 %" in view.summary.text()
        assert {e.call_taker for e in entries} == {
            actor_for(core, "calltaker").display_name,
            actor_for(core, "dispatcher").display_name,
        }
        view.table.setFocus()
        view.table.selectRow(3)
        with qtbot.waitSignal(view.incident_chosen, timeout=3000) as chosen:
            qtbot.keyClick(view.table, Qt.Key.Key_Return)
        assert chosen.args[0] == entries[3].incident_id
    finally:
        view.tasks.cancel_all()
        core.close()


def test_summary_share_agrees_with_its_verdict() -> None:
    from datetime import UTC, date, datetime

    from dispatch_desk.qa.reports import AnswerTally, PeriodRow, QaReport, ScoreTally, Sessions
    from ui.review.qa_reports import summary_line

    tally = AnswerTally(answered=10000, within_15=8996, within_20=9600)
    row = PeriodRow(date(2026, 1, 1), "total", tally, ScoreTally(), Sessions(10000, 0, 0))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    line = summary_line(QaReport(start, start, "month", (row,), row, (0,) * 61, {}))
    assert "89.9 % within 15 s" in line and "does NOT meet" in line


def test_queue_reloads_once_for_a_burst_of_changes(
    qtbot: QtBot, tmp_path: Path, qloop: asyncio.AbstractEventLoop
) -> None:
    """Evaluations arriving by sync and dates being typed come in bursts: the queue is read
    once for the burst, not once per notice (each read holds the store's only reader)."""
    import uuid

    from dispatch_desk.events import Change

    core = make_core(tmp_path / "burst", clock=FakeClock())
    view = None
    try:
        view = QaQueueView(core, actor_for(core, "supervisor"))
        qtbot.addWidget(view)
        view.show()
        qtbot.waitExposed(view)
        reads: list[int] = []
        real_load = view.load

        def counted(seq: int = 0):  # type: ignore[no-untyped-def]
            reads.append(seq)
            return real_load(seq)

        view.load = counted  # type: ignore[method-assign]
        with qtbot.waitSignal(view.loaded, timeout=10000):
            for _n in range(20):  # twenty evaluations pulled by sync, one notice each
                core.bus.publish([Change("qa_evaluation", frozenset({uuid.uuid4()}))])
            for day in (1, 2, 3):  # and a date typed digit by digit
                view.since.setDate(QDate(2026, 1, day))
        qtbot.wait(800)  # nothing more comes after the burst
        assert len(reads) == 1
        core.bus.publish([Change("incident", frozenset({uuid.uuid4()}))])  # not the queue's
        qtbot.wait(800)
        assert len(reads) == 1
    finally:
        if view is not None:
            view.tasks.cancel_all()
        core.close()


def _a_year_by_day(takers: int = 40):  # type: ignore[no-untyped-def]
    import random
    from datetime import UTC, date, datetime, timedelta

    from dispatch_desk.qa.reports import AnswerTally, PeriodRow, QaReport, ScoreTally, Sessions

    rng = random.Random(1)
    first = date(2026, 1, 1)
    rows = tuple(
        PeriodRow(
            first + timedelta(days=i),
            (first + timedelta(days=i)).isoformat(),
            AnswerTally(300, 280, 295, 3),
            ScoreTally(5, 85.0, 80.0),
            Sessions(300, 20, 5),
        )
        for i in range(365)
    )
    by_taker = {
        f"Taker {n:02d}": tuple(
            ScoreTally(rng.randint(0, 3), rng.uniform(60, 100), 50.0) for _ in rows
        )
        for n in range(takers)
    }
    histogram = tuple(rng.randint(0, 5000) for _ in range(61))
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    return QaReport(start, end, "day", rows, rows[0], histogram, by_taker)


def test_a_big_pdf_export_leaves_the_gui_responsive(
    qtbot: QtBot, core: DeskCore, tmp_path: Path
) -> None:
    """A year by day for 40 call-takers: the GUI thread is never held 100 ms at a stretch
    while the PDF is made, and the PDF is whole (two pages)."""
    import time

    from PySide6.QtCore import QTimer

    view = _view(qtbot, core)
    view.report = _a_year_by_day()
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    path = tmp_path / "year.pdf"
    for _ in range(2):  # the first paint loads fonts: measure the second
        ticks.clear()
        timer.start()
        assert run(qtbot, view.export(path, "pdf"))
        timer.stop()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    longest = max(gaps) * 1000
    print(f"\nlongest GUI gap during the PDF export: {longest:.0f} ms over {len(ticks)} ticks")
    assert longest < 100
    document = QPdfDocument()
    assert document.load(str(path)) == QPdfDocument.Error.None_
    assert document.pageCount() == 2
