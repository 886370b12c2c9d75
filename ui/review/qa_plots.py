"""The QA report's plots, drawn with QPainter into any rectangle: a widget on screen and a PDF
page use the same code, so the printed report shows what the supervisor saw.

Answer times: a histogram of seconds to answer, the 15 s and 20 s lines and the NENA
percentages. Scores: each call-taker's mean QA score per period. Sessions: phone calls, text
conversations and live sessions per period. Dark on screen, dark on paper alike (calm, and the
PDF is read on screens); painted on the GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from dispatch_desk.qa.reports import HISTOGRAM_MAX_S, NENA_15, NENA_20, QaReport, shown_share

BACKGROUND = "#12161b"
GRID = "#262d36"
TEXT = "#d9dfe7"
MUTED = "#8b96a5"
BAR = "#3f6f9e"
LINE_15 = "#e0b15a"
LINE_20 = "#e5534b"
MET = "#57ab5a"
SERIES = ("#4c9be8", "#e0b15a", "#57ab5a", "#b083f0", "#e0823d", "#5fb3b3", "#e5534b", "#c8b43c")
MARKER_MIN_STEP = 6.0  # px per period below which a score series has no point markers
SESSION_COLOURS = ("#4c9be8", "#e0b15a", "#57ab5a")

Draw = Callable[[QPainter, QRectF, QaReport], None]


def _frame(p: QPainter, rect: QRectF, title: str) -> QRectF:
    """Fill the box, write its title; the plot area inside, with room for axis labels."""
    p.fillRect(rect, QColor(BACKGROUND))
    metrics = QFontMetricsF(p.font())
    line = metrics.height()
    p.setPen(QColor(TEXT))
    bold = p.font()
    bold.setBold(True)
    p.save()
    p.setFont(bold)
    p.drawText(
        rect.adjusted(8, 4, -8, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, title
    )
    p.restore()
    left = metrics.horizontalAdvance("100 %") + 14
    return rect.adjusted(left, line * 2.6, -12, -line * 1.8)


def _y_axis(p: QPainter, plot: QRectF, top: float, ticks: int, fmt: Callable[[float], str]) -> None:
    metrics = QFontMetricsF(p.font())
    for i in range(ticks + 1):
        value = top * i / ticks
        y = plot.bottom() - plot.height() * i / ticks
        p.setPen(QPen(QColor(GRID), 1))
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        p.setPen(QColor(MUTED))
        text = fmt(value)
        p.drawText(
            QPointF(
                plot.left() - metrics.horizontalAdvance(text) - 6, y + metrics.ascent() / 2 - 1
            ),
            text,
        )


def _nice_top(value: float) -> float:
    if value <= 0:
        return 1.0
    for step in (
        1,
        2,
        5,
        10,
        20,
        25,
        50,
        100,
        200,
        250,
        500,
        1000,
        2000,
        5000,
        10000,
        20000,
        50000,
        100000,
    ):
        if value <= step * 5:
            return float(step * 5)
    return float(value)


def _x_labels(p: QPainter, plot: QRectF, labels: Sequence[str]) -> None:
    """Period labels under the plot, thinned so none overlap."""
    if not labels:
        return
    metrics = QFontMetricsF(p.font())
    width = plot.width() / len(labels)
    widest = max(metrics.horizontalAdvance(t) for t in labels) + 8
    every = max(1, int(widest // max(width, 1)) + 1)
    p.setPen(QColor(MUTED))
    for i, text in enumerate(labels):
        if i % every:
            continue
        advance = metrics.horizontalAdvance(text)
        x = plot.left() + width * (i + 0.5) - advance / 2
        x = max(plot.left() - 4, min(x, plot.right() + 8 - advance))  # never past the box
        p.drawText(QPointF(x, plot.bottom() + metrics.ascent() + 4), text)


def _no_data(p: QPainter, plot: QRectF, text: str) -> None:
    p.setPen(QColor(MUTED))
    p.drawText(plot, Qt.AlignmentFlag.AlignCenter, text)


def draw_answer_times(p: QPainter, rect: QRectF, report: QaReport) -> None:
    total = report.total.answers
    plot = _frame(
        p,
        rect,
        "Answer time (phone calls, seconds) against NENA: 90 % within 15 s, 95 % within 20 s",
    )
    counts = report.histogram
    if not total.answered:
        _no_data(p, plot, "No answered phone call in this range.")
        return
    top = _nice_top(max(counts))
    _y_axis(p, plot, top, 5, lambda v: f"{v:.0f}")
    bins = HISTOGRAM_MAX_S + 1
    width = plot.width() / bins
    for second, count in enumerate(counts):
        if not count:
            continue
        height = plot.height() * count / top
        colour = BAR if second < HISTOGRAM_MAX_S else MUTED
        p.fillRect(
            QRectF(
                plot.left() + width * second + 0.5,
                plot.bottom() - height,
                max(width - 1.0, 0.5),
                height,
            ),
            QColor(colour),
        )
    metrics = QFontMetricsF(p.font())
    p.setPen(QColor(MUTED))
    for second in range(0, bins, 5):
        text = f"{second}" if second < HISTOGRAM_MAX_S else f"{second}+"
        x = plot.left() + width * second - metrics.horizontalAdvance(text) / 2  # on its tick
        p.drawText(QPointF(x, plot.bottom() + metrics.ascent() + 4), text)
    lines = (
        (NENA_15, LINE_15, total.pct_15, total.met_15),
        (NENA_20, LINE_20, total.pct_20, total.met_20),
    )
    # the axis is continuous: bin s holds [s, s + 1) seconds, so the 15 s mark is at x(15)
    for (limit, _goal), colour, _pct, _met in lines:
        x = plot.left() + width * limit
        p.setPen(QPen(QColor(colour), 2, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
    text_x = plot.left() + width * NENA_20[0] + 8  # the words right of both lines
    for n, ((limit, goal), colour, pct, met) in enumerate(lines, 1):
        verdict = "met" if met else "NOT met"
        p.setPen(QColor(colour))
        p.drawText(
            QPointF(text_x, plot.top() + metrics.height() * n),
            f"≤{limit:.0f} s: {shown_share(pct, goal)} % (goal {goal:.0f} %) {verdict}",
        )
    p.setPen(QColor(MUTED))
    summary = f"{total.answered} answered · {total.unanswered} never answered"
    p.drawText(QPointF(plot.right() - metrics.horizontalAdvance(summary), plot.top() - 4), summary)


def draw_scores(p: QPainter, rect: QRectF, report: QaReport) -> None:
    plot = _frame(p, rect, "QA score by call-taker (mean %, by when the incident happened)")
    labels = [r.label for r in report.rows]
    if not report.by_taker or not labels:
        _no_data(p, plot, "No evaluation in this range.")
        return
    _y_axis(p, plot, 100.0, 5, lambda v: f"{v:.0f} %")
    step = plot.width() / len(labels)
    metrics = QFontMetricsF(p.font())
    legend_x = plot.left() + 4
    # Dense series (a year by day) are thinned: one polyline per run of periods, and the point
    # markers only where there is room for them (14 600 markers made a PDF of 1.2 MB that took
    # most of a second to paint, on the GUI thread).
    markers = step >= MARKER_MIN_STEP
    for n, (name, tallies) in enumerate(report.by_taker.items()):
        colour = QColor(SERIES[n % len(SERIES)])
        p.setPen(QPen(colour, 2 if markers else 1.2))
        p.setBrush(colour)
        run: list[QPointF] = []
        for i, tally in enumerate((*tallies, None)):
            if tally is None or tally.mean is None:  # a gap: no evaluation that period
                if len(run) > 1:
                    p.drawPolyline(QPolygonF(run))
                elif run and not markers:
                    p.drawEllipse(run[0], 1.5, 1.5)  # a lone period still shows
                run = []
                continue
            point = QPointF(
                plot.left() + step * (i + 0.5), plot.bottom() - plot.height() * tally.mean / 100.0
            )
            run.append(point)
            if markers:
                p.drawEllipse(point, 3, 3)
        p.setBrush(Qt.BrushStyle.NoBrush)
        text = f"{name} ({sum(t.count for t in tallies)})"
        p.fillRect(QRectF(legend_x, plot.top() - metrics.height() + 2, 10, 8), colour)
        p.setPen(QColor(TEXT))
        p.drawText(QPointF(legend_x + 14, plot.top() - 4), text)
        legend_x += metrics.horizontalAdvance(text) + 30
    _x_labels(p, plot, labels)


def draw_sessions(p: QPainter, rect: QRectF, report: QaReport) -> None:
    plot = _frame(p, rect, "Sessions per period")
    labels = [r.label for r in report.rows]
    series = [
        ("Phone calls", [r.sessions.phone_calls for r in report.rows]),
        ("Text conversations", [r.sessions.text_conversations for r in report.rows]),
        ("Live sessions", [r.sessions.live_sessions for r in report.rows]),
    ]
    highest = max((v for _, values in series for v in values), default=0)
    if not labels or not highest:
        _no_data(p, plot, "No session in this range.")
        return
    top = _nice_top(highest)
    _y_axis(p, plot, top, 5, lambda v: f"{v:.0f}")
    group = plot.width() / len(labels)
    bar = group * 0.8 / len(series)
    for s, (_name, values) in enumerate(series):
        colour = QColor(SESSION_COLOURS[s])
        for i, value in enumerate(values):
            height = plot.height() * value / top
            x = plot.left() + group * i + group * 0.1 + bar * s
            p.fillRect(QRectF(x, plot.bottom() - height, max(bar - 1, 0.5), height), colour)
    metrics = QFontMetricsF(p.font())
    legend_x = plot.left() + 4
    for s, (name, values) in enumerate(series):
        text = f"{name} ({sum(values)})"
        p.fillRect(
            QRectF(legend_x, plot.top() - metrics.height() + 2, 10, 8), QColor(SESSION_COLOURS[s])
        )
        p.setPen(QColor(TEXT))
        p.drawText(QPointF(legend_x + 14, plot.top() - 4), text)
        legend_x += metrics.horizontalAdvance(text) + 30
    _x_labels(p, plot, labels)


class PlotWidget(QWidget):
    """A plot on screen; empty until a report is set."""

    def __init__(self, draw: Draw, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._draw = draw
        self.report: QaReport | None = None
        self.setMinimumSize(360, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_report(self, report: QaReport | None) -> None:
        self.report = report
        self.update()

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect())
        if self.report is None:
            p.fillRect(rect, QColor(BACKGROUND))
            p.setPen(QColor(MUTED))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "Reading…")
        else:
            self._draw(p, rect, self.report)
        p.end()
