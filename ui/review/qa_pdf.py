"""The QA report as a PDF (QPdfWriter), with the same plots as on screen: page 1 answer times
and sessions, page 2 the scores by call-taker and the figures per period.

Painted into memory on the GUI thread (QPdfWriter paints there only), in parts: the desk's export
uses :func:`report_pdf_async`, which lets the event loop run between the parts (a year by day for
40 call-takers held the GUI thread most of a second in one go); the caller writes the bytes to
disk off the GUI thread."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from datetime import timedelta

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF
from PySide6.QtGui import QColor, QFontMetricsF, QPageLayout, QPageSize, QPainter, QPdfWriter

from dispatch_desk.qa.reports import QaReport, csv_rows
from ui.review.qa_plots import (
    BACKGROUND,
    MUTED,
    TEXT,
    draw_answer_times,
    draw_scores,
    draw_sessions,
)

PAD = 28  # px at RESOLUTION: about 7 mm of dark border around everything
RESOLUTION = 96  # points as on screen, so fonts and line widths match the widgets
TABLE_COLUMNS = (
    "Period",
    "Answered",
    "≤15 s %",
    "≤20 s %",
    "NENA",
    "Evals",
    "Mean %",
    "Pass %",
    "Calls",
    "Texts",
    "Live",
)


async def report_pdf_async(report: QaReport, title: str) -> bytes:
    """The PDF, painted part by part with the event loop running in between."""
    steps = pdf_steps(report, title)
    try:
        while True:
            try:
                next(steps)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            await asyncio.sleep(0.001)  # a turn of the loop: paint, keys, timers
    finally:
        steps.close()  # cancelled: the painter is ended, nothing half-made is kept


def pdf_steps(report: QaReport, title: str) -> Generator[None, None, bytes]:
    """Paint the PDF, yielding after each part (a plot, the table); returns the bytes."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(RESOLUTION)
    writer.setTitle(title)
    writer.setCreator("Dispatch Desk")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape,
            QMarginsF(0, 0, 0, 0),
            QPageLayout.Unit.Millimeter,
        )
    )
    p = QPainter(writer)
    try:
        sheet = QRectF(writer.pageLayout().fullRectPixels(RESOLUTION))
        sheet.moveTo(0, 0)
        page = sheet.adjusted(PAD, PAD, -PAD, -PAD)  # the whole sheet is dark; text inside
        font = p.font()
        font.setPointSizeF(8.5)
        p.setFont(font)
        line = QFontMetricsF(p.font()).height()
        since = report.since.date().isoformat()
        last = (report.until - timedelta(days=1)).date().isoformat()
        heading = f"{title} · {since} to {last} · by {report.period}"
        metrics = QFontMetricsF(p.font())

        def header(number: int) -> QRectF:
            p.fillRect(sheet, QColor(BACKGROUND))
            p.setPen(QColor(TEXT))
            p.drawText(QPointF(page.left(), page.top() + line), heading)
            p.setPen(QColor(MUTED))
            pages = f"page {number} of 2"
            p.drawText(
                QPointF(page.right() - metrics.horizontalAdvance(pages), page.top() + line), pages
            )
            return page.adjusted(0, line * 1.8, 0, 0)

        body = header(1)
        half = (body.height() - 8) / 2
        draw_answer_times(p, QRectF(body.left(), body.top(), body.width(), half), report)
        yield
        draw_sessions(p, QRectF(body.left(), body.top() + half + 8, body.width(), half), report)
        yield
        writer.newPage()
        body = header(2)
        plot_height = body.height() * 0.5
        draw_scores(p, QRectF(body.left(), body.top(), body.width(), plot_height), report)
        yield
        _table(
            p,
            QRectF(
                body.left(),
                body.top() + plot_height + 10,
                body.width(),
                body.height() - plot_height - 10,
            ),
            report,
            line,
        )
    finally:
        p.end()
    buffer.close()
    return bytes(data.data())


def _table(p: QPainter, rect: QRectF, report: QaReport, line: float) -> None:
    """The figures per period (the CSV's rows), as many as fit."""
    widths = (0.12, 0.08, 0.08, 0.08, 0.09, 0.07, 0.08, 0.08, 0.08, 0.08, 0.08)
    xs = [rect.left()]
    for w in widths[:-1]:
        xs.append(xs[-1] + rect.width() * w)
    p.setPen(QColor(TEXT))
    y = rect.top() + line
    for x, text in zip(xs, TABLE_COLUMNS, strict=True):
        p.drawText(QPointF(x, y), text)
    rows = csv_rows(report)
    room = int((rect.height() - line * 2) // line)
    shown = rows if len(rows) <= room else [*rows[: room - 2], rows[-1]]
    for row in shown:
        y += line
        nena = "met" if row[5] == "yes" and row[6] == "yes" else ("—" if not row[5] else "not met")
        cells = (
            row[0],
            row[2],
            row[3],
            row[4],
            nena,
            row[8],
            row[9],
            row[10],
            row[11],
            row[12],
            row[13],
        )
        p.setPen(QColor(TEXT if row[0] == "total" else MUTED))
        for x, text in zip(xs, cells, strict=True):
            p.drawText(QPointF(x, y), text)
    if len(shown) < len(rows):
        p.drawText(
            QPointF(rect.left(), y + line),
            f"{len(rows) - len(shown)} more period(s) in the CSV export.",
        )
