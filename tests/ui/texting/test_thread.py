"""The thread of one conversation: bubbles updated in place, statuses and notices, odd texts."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from pytestqt.qtbot import QtBot

from dispatch_desk.services.conversations import TextMessageView
from ui.texting.thread import ERROR_TEXT, ThreadModel, ThreadView, is_rtl, status_line

T0 = datetime(2026, 3, 14, 15, 0, tzinfo=UTC)


def _msg(n: int, direction: str = "in", body: str = "", **kw: object) -> TextMessageView:
    fields: dict[str, object] = {
        "id": uuid.UUID(int=n),
        "direction": direction,
        "body": body or f"text {n}",
        "at": T0 + timedelta(seconds=n),
        "status": "received" if direction == "in" else "queued",
        "error": "",
        "author": "" if direction == "in" else "Casey",
        "notices": (),
    }
    fields.update(kw)
    return TextMessageView(**fields)  # type: ignore[arg-type]


def _view(qtbot: QtBot) -> tuple[ThreadModel, ThreadView]:
    model = ThreadModel()
    view = ThreadView(model)
    qtbot.addWidget(view)
    view.resize(520, 400)
    view.show()
    qtbot.waitExposed(view)
    return model, view


def test_status_lines_say_where_each_text_stands() -> None:
    out = _msg(1, "out")
    assert status_line(out)[0] == "◷ queued"
    assert status_line(replace(out, status="delivered"))[0] == "✓✓ delivered"
    failed = replace(out, status="failed", error="30003 Unreachable destination handset")
    assert status_line(failed)[0] == "✗ failed: 30003 Unreachable destination handset"
    assert status_line(replace(out, status="undelivered", error="30005"))[0] == (
        "✗ not delivered: 30005"
    )
    # The transport's own wording already says it: not said twice.
    said = "Not delivered: the phone is off or out of reach (error 30003)"
    assert status_line(replace(out, status="undelivered", error=said)) == (f"✗ {said}", ERROR_TEXT)


def test_right_to_left_detection() -> None:
    assert is_rtl("مرحبا، أين أنت؟")
    assert is_rtl("  123 שלום")  # digits and spaces have no direction of their own
    assert not is_rtl("Hola, ¿dónde está?")
    assert not is_rtl("😀 123")


def test_model_appends_and_repaints_in_place(qtbot: QtBot) -> None:
    model, _ = _view(qtbot)
    conversation = uuid.uuid4()
    assert model.show(conversation, [_msg(1), _msg(2, "out")]) == 2
    resets: list[int] = []
    inserted: list[tuple[int, int]] = []
    changed: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    model.dataChanged.connect(lambda a, _b, _r=(): changed.append(a.row()))
    delivered = replace(_msg(2, "out"), status="delivered")
    assert model.show(conversation, [_msg(1), delivered, _msg(3)]) == 1
    assert resets == [] and inserted == [(2, 2)] and changed == [1]
    assert model.messages()[1].status == "delivered"
    # Another conversation: a fresh model.
    assert model.show(uuid.uuid4(), [_msg(9)]) == 1
    assert resets == [1] and model.rowCount() == 1


def test_bubbles_fit_long_odd_and_noticed_texts(qtbot: QtBot) -> None:
    model, view = _view(qtbot)
    messages = [
        _msg(1, body="x" * 10_000),  # 10 kB without a space: wrapped anywhere
        _msg(2, body="مرحبا، أين أنت؟ أحتاج المساعدة"),
        _msg(3, body="Help 😀🚑 at 12 Main", notices=("Emoji may not reach all phones.",)),
        _msg(4, "out", status="failed", error="30003 Unreachable destination handset"),
        _msg(5, body="Photo", notices=("1 photo not shown: media is not received.",)),
    ]
    model.show(uuid.uuid4(), messages)
    qtbot.waitUntil(lambda: view.visualRect(model.index(4)).height() > 0)
    heights = [view.sizeHintForIndex(model.index(i)).height() for i in range(5)]
    line = view.fontMetrics().lineSpacing()
    # 10,000 characters at ~400 px a line: hundreds of lines, all of it shown.
    chars_per_line = max(1, int(520 * 0.78) // max(1, view.fontMetrics().averageCharWidth()))
    assert heights[0] >= (10_000 // chars_per_line // 2) * line
    assert heights[2] > heights[1]  # the notice takes a line of its own
    assert all(h >= 2 * line for h in heights)
    view.grab()  # paints every visible bubble: no warning, no crash
