"""The review window on a recorded incident made by the desk's own recorder: opened from the
call-taker window by a supervisor (never offered to a call-taker), found by search, played,
scrubbed, bookmarked; the map's trail follows the playhead exactly."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from dispatch_desk.review import bookmarks
from dispatch_desk.review.timeline import TRACKS
from dispatch_desk.services import audit
from dispatch_desk.storage.models import CitizenMedia, ReviewBookmark
from tests.helpers.core import FakeClock, actor_for
from tests.ui.conftest import Make, keys, press, sign_in
from tests.ui.review.recorded import VIDEO_FROM_S, make_recorded
from ui.review.timeline_view import AXIS_H, LABEL_W, ROW_H
from ui.review.video import NO_RECORDING
from ui.review.window import ReviewWindow

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def _review_action(window) -> QAction | None:  # type: ignore[no-untyped-def]
    return next((a for a in window.actions() if a.text() == "Review…"), None)


def test_a_call_taker_is_not_offered_review(qtbot: QtBot, make_desk: Make) -> None:
    desk = make_desk(FakeClock())
    window = sign_in(qtbot, desk, "calltaker", "calltaker-demo")
    assert _review_action(window) is None


def test_review_plays_scrubs_follows_the_trail_and_bookmarks(qtbot: QtBot, make_desk: Make) -> None:
    clock = FakeClock()
    desk = make_desk(clock)
    core = desk.core
    made = make_recorded(core, clock, actor_for(core, "dispatcher"))
    window = sign_in(qtbot, desk, "supervisor", "supervisor-demo")
    action = _review_action(window)
    assert action is not None and action.shortcut().toString() == "Ctrl+Shift+R"
    press(qtbot, Qt.Key.Key_R, CTRL | SHIFT)
    qtbot.waitUntil(lambda: QApplication.activeWindow().__class__ is ReviewWindow)
    review: ReviewWindow = QApplication.activeWindow()  # type: ignore[assignment]

    # -- found by the caller's number, opened with Enter
    qtbot.waitUntil(lambda: made.incident_id in review.search.row_ids(), timeout=10000)
    review.search.caller.setFocus()
    keys(qtbot, "555-0101")
    with qtbot.waitSignal(review.search.searched, timeout=10000) as searched:
        press(qtbot, Qt.Key.Key_Return)
    assert [r.id for r in searched.args[0].rows] == [made.incident_id]
    review.search.table.setFocus()
    with qtbot.waitSignal(review.session.loaded, timeout=10000):
        press(qtbot, Qt.Key.Key_Return)
    session = review.session
    line = session.timeline
    assert line is not None and len(line.spans) == 1
    assert QApplication.focusWidget() is session.timeline_view

    # -- it opens at the recording: its first picture, paused; the look is audited
    qtbot.waitUntil(lambda: session.video.painted_frames >= 1, timeout=10000)
    views = core.store.read_sync(audit.list_events, action="recording.view")
    assert [(v.username, v.entity_id, v.outcome) for v in views] == [
        ("supervisor", str(made.media.id), "ok")
    ]
    assert views[0].detail["incident"] == str(made.incident_id)

    # -- Space plays: frames appear, the playhead follows the video
    start = session.playhead
    first = QImage(session.video.image)
    qtbot.waitUntil(lambda: session.video.position_s() is not None, timeout=10000)
    began = session.video.position_s()
    press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: (session.video.position_s() or 0) >= began + 1.5, timeout=10000)
    press(qtbot, Qt.Key.Key_Space)
    assert not session.playing
    assert session.video.image != first  # the picture moved on
    played = session.video.position_s()
    assert session.playhead is not None and start is not None
    # The playhead is the video's own clock (to within VLC's clock steps).
    at_video = line.spans[0].start + timedelta(seconds=played)  # type: ignore[arg-type]
    assert abs((session.playhead - at_video).total_seconds()) < 0.5
    assert session.playhead - start >= timedelta(seconds=1.0)

    # -- a click on the timeline scrubs there; a drag follows the mouse; marks have tooltips
    view = session.timeline_view
    chat_y = AXIS_H + TRACKS.index("chat") * ROW_H + ROW_H // 2
    chat_x = round(view.x_of(made.chat_at[0]))
    mark = view.mark_at(QPointF(chat_x, chat_y))
    assert mark is not None and mark.text == "Caller: line 1"
    pixel_s = view.view_s / (view.width() - LABEL_W - 6)  # seconds a pixel stands for
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(chat_x, chat_y))
    assert abs((session.playhead - made.chat_at[0]).total_seconds()) <= pixel_s
    drawn = [p.at for p in session.map.caller(made.incident_id).fixes]
    # the fixes the recording made up to the playhead (not the code under test's own answer)
    expected = [f.at for f in made.fixes if f.at <= session.playhead]
    assert drawn == expected and 0 < len(drawn) < len(made.fixes)
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(chat_x, chat_y))
    far = round(view.x_of(made.chat_at[2]))
    qtbot.mouseMove(view, QPoint(far, chat_y))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(far, chat_y))
    assert abs((session.playhead - made.chat_at[2]).total_seconds()) <= pixel_s

    # -- Home, then Ctrl+Right mark by mark to the second chat line
    press(qtbot, Qt.Key.Key_Home)
    assert session.playhead == line.start
    target = made.chat_at[1]
    for _ in range(len(line.marks)):
        if session.playhead == target:
            break
        press(qtbot, Qt.Key.Key_Right, CTRL)
    assert session.playhead == target
    drawn = [p.at for p in session.map.caller(made.incident_id).fixes]
    expected = [f.at for f in made.fixes if f.at <= target]
    assert drawn == expected and len(drawn) < len(made.fixes)
    assert all(f.at > target for f in made.fixes[len(drawn) :])  # the next fix is not drawn
    current = session.events.currentItem()
    assert current is not None and "line 2" in current.text()
    # In the recording: the video is there, sought to the same instant.
    offset = (target - (made.t0 + timedelta(seconds=VIDEO_FROM_S))).total_seconds()
    qtbot.waitUntil(lambda: abs((session.video.position_s() or -99) - offset) < 0.5, timeout=10000)

    # -- the third chat line is after the recording: no video, but the map still moves
    press(qtbot, Qt.Key.Key_Right, CTRL)
    while session.playhead < made.chat_at[2]:
        press(qtbot, Qt.Key.Key_Right, CTRL)
    assert session.video.message == NO_RECORDING and session.video.path is None
    assert len(session.map.caller(made.incident_id).fixes) > len(drawn)

    # -- Left goes back five seconds; B asks for a note, Enter keeps it
    press(qtbot, Qt.Key.Key_Left)
    assert session.playhead == made.chat_at[2] - timedelta(seconds=5)
    marked = session.playhead
    press(qtbot, Qt.Key.Key_B)
    assert QApplication.focusWidget() is session.bookmark_bar.note
    keys(qtbot, "caller unsure of the street")
    with qtbot.waitSignal(session.bookmarked, timeout=10000):
        press(qtbot, Qt.Key.Key_Return)
    rows = core.store.read_sync(
        lambda s: s.scalars(select(ReviewBookmark)).all()  # type: ignore[no-any-return]
    )
    assert [(r.at, r.note, r.author_name) for r in rows] == [
        (marked, "caller unsure of the street", review.actor.display_name)
    ]
    listed = core.store.read_sync(bookmarks.list_for, made.incident_id)
    assert len(listed) == 1
    assert any(m.track == "bookmark" for m in session.timeline.marks)  # type: ignore[union-attr]
    assert QApplication.focusWidget() is session.timeline_view

    # -- an incident chosen in the QA queue opens in Sessions, with the QA panel on it
    review.tabs.setCurrentIndex(1)
    with qtbot.waitSignal(session.loaded, timeout=10000):
        review.qa_queue.incident_chosen.emit(made.incident_id)
    assert review.tabs.currentIndex() == 0
    qtbot.waitUntil(lambda: review.qa_panel.incident_id == made.incident_id, timeout=10000)
    review.close()


def test_a_recording_held_elsewhere_is_named_in_the_pane(qtbot: QtBot, make_desk: Make) -> None:
    clock = FakeClock()
    desk = make_desk(clock)
    core = desk.core
    made = make_recorded(core, clock, actor_for(core, "dispatcher"))

    def move_away(session) -> None:  # type: ignore[no-untyped-def]
        session.get(CitizenMedia, made.media.id).workstation = "console-7"

    core.store.write_sync(move_away)
    sign_in(qtbot, desk, "supervisor", "supervisor-demo")
    press(qtbot, Qt.Key.Key_R, CTRL | SHIFT)
    qtbot.waitUntil(lambda: QApplication.activeWindow().__class__ is ReviewWindow)
    review: ReviewWindow = QApplication.activeWindow()  # type: ignore[assignment]
    with qtbot.waitSignal(review.session.loaded, timeout=10000):
        review.open_incident(made.incident_id)
    video = review.session.video
    qtbot.waitUntil(lambda: "console-7" in video.message, timeout=10000)
    assert "held on workstation console-7" in video.message and video.pipeline is None
    assert "console-7" in review.statusBar().currentMessage()
    (row,) = core.store.read_sync(audit.list_events, action="recording.view")
    assert (row.username, row.outcome) == ("supervisor", "elsewhere")
    review.close()


def test_review_hides_when_the_console_locks_comes_back_on_unlock_and_closes_on_sign_out(
    qtbot: QtBot, make_desk: Make
) -> None:
    desk = make_desk(FakeClock())
    sign_in(qtbot, desk, "admin", "admin-demo-only")
    press(qtbot, Qt.Key.Key_R, CTRL | SHIFT)
    qtbot.waitUntil(lambda: QApplication.activeWindow().__class__ is ReviewWindow)
    review: ReviewWindow = QApplication.activeWindow()  # type: ignore[assignment]
    closed: list[object] = []
    review.closed.connect(closed.append)
    desk.lock()
    qtbot.waitUntil(lambda: not review.isVisible())
    unlocked = asyncio.ensure_future(desk.unlock("admin-demo-only"))
    qtbot.waitUntil(unlocked.done, timeout=5000)
    assert unlocked.result() is True
    qtbot.waitUntil(review.isVisible)  # the supervisor's work is where it was left
    desk.lock()
    qtbot.waitUntil(lambda: not review.isVisible())
    run_task = desk.tasks.spawn(desk.sign_out(), "sign-out")
    qtbot.waitUntil(run_task.done, timeout=10000)
    assert closed == [review]
