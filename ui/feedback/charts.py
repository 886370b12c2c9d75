"""The feedback view's two charts (QtCharts), dark and plain: by week, and by incident type.

By week: the response rate as bars (left axis, per cent) and the mean score as a line (right
axis, 1 to 5). By type: the mean score as horizontal bars, each type labelled with how many
answers it rests on. No gradients, no animation: a chart read in a dim room at a glance.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget

from dispatch_desk.services.feedback import Tally
from ui.theme import ACCENT, MUTED, TEXT

PLOT_BACKGROUND = "#12161b"
GRID = "#262d36"
RATE_COLOUR = "#3f6f9e"
SCORE_COLOUR = "#e0b15a"


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.setTitleBrush(QBrush(QColor(TEXT)))
    font = QFont(chart.titleFont())
    font.setBold(True)
    chart.setTitleFont(font)
    chart.setBackgroundBrush(QBrush(QColor(PLOT_BACKGROUND)))
    chart.setBackgroundRoundness(3)
    chart.setPlotAreaBackgroundVisible(False)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    legend = chart.legend()
    legend.setLabelColor(QColor(TEXT))
    legend.setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


def _style_axis(axis: QValueAxis | QBarCategoryAxis) -> None:
    axis.setLabelsColor(QColor(MUTED))
    axis.setLinePen(QPen(QColor(GRID)))
    axis.setGridLinePen(QPen(QColor(GRID)))
    axis.setTitleBrush(QBrush(QColor(MUTED)))


class ChartBox(QChartView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(220)
        self.setBackgroundBrush(QBrush(QColor(PLOT_BACKGROUND)))


def weekly_chart(weeks: Sequence[Tally]) -> QChart:
    chart = _chart("By week: response rate and mean score")
    rate = QBarSet("Response rate %")
    rate.setColor(QColor(RATE_COLOUR))
    rate.setBorderColor(QColor(RATE_COLOUR))
    rate.setLabelColor(QColor(TEXT))
    line = QLineSeries()
    line.setName("Mean score (1-5)")
    line.setPen(QPen(QColor(SCORE_COLOUR), 2.5))
    line.setPointsVisible(True)
    for i, week in enumerate(weeks):
        rate.append(round(100 * week.response_rate, 1) if week.response_rate is not None else 0)
        if week.mean_score is not None:
            line.append(QPointF(i, week.mean_score))
    bars = QBarSeries()
    bars.append(rate)
    bars.setBarWidth(0.6)
    chart.addSeries(bars)
    chart.addSeries(line)
    weeks_axis = QBarCategoryAxis()
    weeks_axis.append([w.label for w in weeks] or ["—"])
    weeks_axis.setTruncateLabels(False)  # a week's date stays whole, slanted when crowded
    if len(weeks) > 8:
        weeks_axis.setLabelsAngle(-50)
    percent = QValueAxis()
    percent.setRange(0, 100)
    percent.setTickCount(6)
    percent.setLabelFormat("%d%%")
    score = QValueAxis()
    score.setRange(0, 5)
    score.setTickCount(6)
    score.setLabelFormat("%.0f")
    for axis in (weeks_axis, percent, score):
        _style_axis(axis)
    score.setGridLineVisible(False)
    score.setLabelsColor(QColor(SCORE_COLOUR))
    chart.addAxis(weeks_axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(percent, Qt.AlignmentFlag.AlignLeft)
    chart.addAxis(score, Qt.AlignmentFlag.AlignRight)
    bars.attachAxis(weeks_axis)
    bars.attachAxis(percent)
    line.attachAxis(weeks_axis)
    line.attachAxis(score)
    return chart


def type_chart(types: Sequence[Tally], most: int = 8) -> QChart:
    """Mean score per incident type: the ``most`` types with the most answers."""
    chart = _chart("By incident type: mean score (answers)")
    shown = [t for t in types if t.answered][:most]
    scores = QBarSet("Mean score (1-5)")
    scores.setColor(QColor(ACCENT))
    scores.setBorderColor(QColor(ACCENT))
    for tally in reversed(shown):  # the top of the chart is the last category
        scores.append(round(tally.mean_score or 0.0, 2))
    bars = QHorizontalBarSeries()
    bars.append(scores)
    bars.setBarWidth(0.6)
    chart.addSeries(bars)
    types_axis = QBarCategoryAxis()
    types_axis.append([f"{t.label} ({t.answered})" for t in reversed(shown)] or ["—"])
    value = QValueAxis()
    value.setRange(0, 5)
    value.setTickCount(6)
    value.setLabelFormat("%.0f")
    for axis in (types_axis, value):
        _style_axis(axis)
    chart.addAxis(types_axis, Qt.AlignmentFlag.AlignLeft)
    chart.addAxis(value, Qt.AlignmentFlag.AlignBottom)
    bars.attachAxis(types_axis)
    bars.attachAxis(value)
    chart.legend().hide()
    return chart
