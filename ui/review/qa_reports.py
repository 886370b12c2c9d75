"""QA reports in the review window: a date range and a period (day / week / month), the
answer-time histogram against the NENA standard, QA scores per call-taker over time, session
counts; CSV and PDF export. Read off the GUI thread; each export is put on record (audit) before
the file is written, and the file is written off the GUI thread.

Signals: loaded(QaReport), exported(Path), failed(str).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.desk import DeskCore
from dispatch_desk.qa import access, reports
from dispatch_desk.qa.periods import PERIODS
from dispatch_desk.qa.reports import QaReport
from dispatch_desk.services.context import Actor
from ui.errors import EXPECTED, user_message
from ui.review.qa_pdf import report_pdf_async
from ui.review.qa_plots import PlotWidget, draw_answer_times, draw_scores, draw_sessions
from ui.review.qa_queue import agency_zone, day_bounds, debounced
from ui.tasks import TaskOwner
from ui.theme import restyle


def summary_line(report: QaReport) -> str:
    a, s, n = report.total.answers, report.total.scores, report.total.sessions
    if a.answered:
        verdict = "meets" if a.met else "does NOT meet"
        in_15 = reports.shown_share(a.pct_15, reports.NENA_15[1])
        in_20 = reports.shown_share(a.pct_20, reports.NENA_20[1])
        answers = (
            f"{a.answered} calls answered: {in_15} % within 15 s, {in_20} % "
            f"within 20 s — {verdict} the NENA standard"
        )
    else:
        answers = "No answered phone call"
    scores = (
        f"{s.count} evaluations, mean {s.mean:.1f} %, {s.pass_rate:.0f} % passed"
        if s.count
        else "no evaluation"
    )
    return (
        f"{answers} · {scores} · {n.phone_calls} calls, {n.text_conversations} text "
        f"conversations, {n.live_sessions} live sessions"
    )


class QaReportsView(QWidget):
    loaded = Signal(object)
    exported = Signal(object)
    failed = Signal(str)

    def __init__(self, core: DeskCore, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("qaReports")
        self.core, self.actor = core, actor
        self.tasks = TaskOwner("qa-reports")
        self.zone = agency_zone(core)
        self.report: QaReport | None = None
        self._seq = 0
        self.reload_soon = debounced(self, self.reload)
        today = core.clock().astimezone(self.zone).date()
        start = today - timedelta(weeks=12) + timedelta(days=1)
        self.since = QDateEdit(QDate(start.year, start.month, start.day), objectName="qaRepSince")
        self.until = QDateEdit(QDate(today.year, today.month, today.day), objectName="qaRepUntil")
        for edit in (self.since, self.until):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setCalendarPopup(True)
            edit.dateChanged.connect(lambda _d: self.reload_soon.start())
        self.period = QComboBox(objectName="qaPeriod")
        self.period.addItems(list(PERIODS))
        self.period.setCurrentText("week")
        self.period.currentTextChanged.connect(lambda _t: self.reload_soon.start())
        self.csv_button = QPushButton("Export CSV…", objectName="qaExportCsv")
        self.csv_button.clicked.connect(lambda: self.choose_export("csv"))
        self.pdf_button = QPushButton("Export PDF…", objectName="qaExportPdf")
        self.pdf_button.clicked.connect(lambda: self.choose_export("pdf"))
        self.summary = QLabel("", objectName="qaReportSummary")
        self.summary.setWordWrap(True)
        self.note = QLabel(objectName="banner")
        self.note.setWordWrap(True)
        self.note.hide()
        self.answer_plot = PlotWidget(draw_answer_times, "qaAnswerPlot")
        self.score_plot = PlotWidget(draw_scores, "qaScorePlot")
        self.session_plot = PlotWidget(draw_sessions, "qaSessionPlot")

        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(QLabel("From"))
        top.addWidget(self.since)
        top.addWidget(QLabel("to"))
        top.addWidget(self.until)
        top.addWidget(QLabel("by"))
        top.addWidget(self.period)
        top.addStretch(1)
        top.addWidget(self.csv_button)
        top.addWidget(self.pdf_button)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.score_plot)
        lower.addWidget(self.session_plot)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.answer_plot)
        split.addWidget(lower)
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        column.setSpacing(4)
        column.addLayout(top)
        column.addWidget(self.summary)
        column.addWidget(self.note)
        column.addWidget(split, 1)

    # -- reading

    def bounds(self) -> tuple[Any, Any]:
        return day_bounds(self.since.date(), self.until.date(), self.zone)

    def reload(self) -> None:
        self.reload_soon.stop()
        self._seq += 1
        self.tasks.spawn(self.load(self._seq), "qa-report-load")

    async def load(self, seq: int = 0) -> QaReport | None:
        since, until = self.bounds()
        try:
            report = await access.read(
                self.core.store,
                reports.build_report,
                self.actor,
                self.core.clock(),
                since,
                until,
                self.period.currentText(),
                self.zone,
            )
        except EXPECTED as exc:
            self.say("error", f"Report not read. {user_message(exc)}")
            self.failed.emit(user_message(exc))
            return None
        if seq and seq != self._seq:
            return None
        self.report = report
        for plot in (self.answer_plot, self.score_plot, self.session_plot):
            plot.set_report(report)
        self.summary.setText(summary_line(report))
        self.say("", "")
        self.loaded.emit(report)
        return report

    # -- export

    def choose_export(self, kind: str) -> None:
        if self.report is None:
            return
        first, last = self.since.date().toString("yyyyMMdd"), self.until.date().toString("yyyyMMdd")
        name, _ = QFileDialog.getSaveFileName(
            self,
            f"Export QA report ({kind.upper()})",
            f"qa-{first}-{last}.{kind}",
            f"{kind.upper()} (*.{kind})",
        )
        if name:
            self.tasks.spawn(self.export(Path(name), kind), f"qa-export-{kind}")

    async def export(self, path: Path, kind: str) -> bool:
        """The report shown, as CSV or PDF, to ``path``: on record first, then written."""
        report = self.report
        if report is None:
            return False
        try:
            await self.core.store.write(
                reports.record_export, self.actor, self.core.clock(), report, path.name, kind
            )
        except EXPECTED as exc:
            self.say("error", f"Not exported: {user_message(exc)}")
            self.failed.emit(user_message(exc))
            return False
        if kind == "pdf":
            # painted on the GUI thread (QPdfWriter), part by part, the loop running between
            data = await report_pdf_async(report, f"QA report — {self.core.profile.name}")
        else:
            data = reports.to_csv(report).encode("utf-8")
        try:
            await asyncio.to_thread(path.write_bytes, data)
        except OSError as exc:
            self.say("error", f"Not exported: {exc.strerror or exc} ({path}).")
            self.failed.emit(str(exc))
            return False
        self.say("ok", f"QA report exported to {path}.")
        self.exported.emit(path)
        return True

    def say(self, kind: str, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))
        restyle(self.note, "kind", kind)
