"""Issue 8's review, end to end: a session recorded by the desk from a real headless Chromium
(fake camera video, chat, GPS), opened in the review window by a supervisor: it plays (frames
appear), scrubbing to a chat message's mark shows the caller's trail exactly up to that instant
(a fix after it is not drawn), a bookmark is kept (read back from the store), and the session is
scored with the QA panel docked beside it."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from dispatch_desk.domain.citizen import MediaKind, SessionState
from dispatch_desk.qa.forms import SCALE
from dispatch_desk.services import audit
from dispatch_desk.storage.models import (
    CitizenMedia,
    CitizenMessage,
    CitizenSession,
    Location,
    ReviewBookmark,
)
from tests.helpers.chromium import Chromium, chromium_binary
from tests.helpers.core import actor_for, create_incident
from tests.helpers.live import run
from tests.ui.conftest import Make, keys, press, sign_in
from tests.ui.live.conftest import _LOOPS
from ui.review.window import ReviewWindow

pytestmark = pytest.mark.slow

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
FIRST = (42.360100, -71.058900, 8.0)
SECOND = (42.361150, -71.057020, 5.0)


def real_clock() -> datetime:
    # The phone stamps its GPS fixes with its own (real) clock; the desk's clock must be the
    # same kind for chat and fixes to sit on one axis.
    return datetime.now(UTC)


@pytest.fixture(autouse=True)
def _keep_the_loop(qloop: asyncio.AbstractEventLoop) -> None:
    _LOOPS.append(qloop)  # see tests/ui/live/conftest.py


@pytest.fixture
def browser(qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[Chromium]:
    if chromium_binary() is None:
        pytest.fail("chromium not found; './desk test' installs it")
    launcher = Chromium.launch(tmp_path)
    browser = run(qtbot, launcher.__aenter__(), 30000)
    try:
        yield browser
    finally:
        run(qtbot, launcher.__aexit__(None, None, None), 15000)


def _rows(core, model):  # type: ignore[no-untyped-def]
    return core.store.read_sync(lambda s: s.scalars(select(model)).all())


def _record_a_session(qtbot: QtBot, desk, browser: Chromium) -> tuple:  # type: ignore[no-untyped-def]
    """The dispatcher's live session: video, a GPS fix, a chat line, then a second fix."""
    core = desk.core
    window = sign_in(qtbot, desk, "dispatcher", "dispatcher-demo")
    incident = create_incident(core, desk.actor)
    run(qtbot, window._open_incident(incident.id))
    press(qtbot, Qt.Key.Key_V, CTRL | SHIFT)
    qtbot.waitUntil(lambda: desk.live.dialog is not None and desk.live.dialog.isVisible())
    with qtbot.waitSignal(desk.live.window_opened, timeout=10000) as opened:
        qtbot.mouseClick(desk.live.dialog.send_button, Qt.MouseButton.LeftButton)
    session = opened.args[0]
    # The link's text (a status text to the caller may go out around it: look for the link).
    links = [re.search(r"(http://\S+/s/[A-Za-z0-9_-]+)", m.body) for m in core.sms.sent]
    url = next(found.group(1) for found in reversed(links) if found is not None)
    page = run(qtbot, browser.new_page(url, geolocation=FIRST), 20000)
    run(qtbot, page.wait_for("document.body.dataset.screen === 'consent'"))
    run(qtbot, page.click("#agree"))
    qtbot.waitUntil(lambda: session.video.painted_frames >= 30, timeout=20000)

    def fixes() -> list:  # type: ignore[type-arg]
        return [r for r in _rows(core, Location) if r.latitude is not None]

    qtbot.waitUntil(lambda: len(fixes()) >= 1, timeout=10000)
    qtbot.wait(1500)  # the chat comes a while after the first fix
    run(qtbot, page.evaluate("document.getElementById('chatInput').value = 'I am at the gate'"))
    run(qtbot, page.click("#chatSend"))
    qtbot.waitUntil(lambda: len(_rows(core, CitizenMessage)) == 1, timeout=10000)
    qtbot.wait(1500)
    run(qtbot, page.set_geolocation(*SECOND))
    qtbot.waitUntil(lambda: any(abs(r.latitude - SECOND[0]) < 1e-6 for r in fixes()), timeout=10000)
    painted = session.video.painted_frames
    qtbot.waitUntil(lambda: session.video.painted_frames >= painted + 30, timeout=15000)
    session.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is session)
    press(qtbot, Qt.Key.Key_E, CTRL)
    press(qtbot, Qt.Key.Key_E, CTRL)
    qtbot.waitUntil(lambda: session.view_state.state == SessionState.ENDED)
    qtbot.waitUntil(
        lambda: any(m.kind == MediaKind.RECORDING for m in _rows(core, CitizenMedia)),
        timeout=20000,
    )
    chat = _rows(core, CitizenMessage)[0]
    return incident, chat, sorted(fixes(), key=lambda r: r.recorded_at)


def test_a_recorded_session_is_reviewed_scrubbed_bookmarked_and_scored(
    qtbot: QtBot, make_desk: Make, browser: Chromium
) -> None:
    desk = make_desk(real_clock)
    core = desk.core
    incident, chat, fixes = _record_a_session(qtbot, desk, browser)
    assert fixes[0].recorded_at < chat.at < fixes[-1].recorded_at  # a fix on each side

    supervisor = actor_for(core, "supervisor")
    review = ReviewWindow(core, supervisor)
    qtbot.addWidget(review)
    review.show()
    qtbot.waitExposed(review)
    with qtbot.waitSignal(review.session.loaded, timeout=10000) as loaded:
        review.open_incident(incident.id)
    line = loaded.args[0]
    assert len(line.spans) >= 1
    # The last segment ends at its last frame, which came before the session was ended (never
    # after it: finishing the file no longer moves the span late), and shortly before.
    (live,) = _rows(core, CitizenSession)
    late = (line.spans[-1].end - live.ended_at).total_seconds()
    print(f"recording span end after session end: {late:.3f} s")
    assert -3.0 < late <= 0.0
    session = review.session
    review.activateWindow()
    session.timeline_view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is session.timeline_view)

    # -- play: frames of the recording appear, the playhead moves with the video
    qtbot.waitUntil(lambda: session.video.painted_frames >= 1, timeout=15000)
    start, first = session.playhead, QImage(session.video.image)
    qtbot.waitUntil(lambda: session.video.position_s() is not None, timeout=10000)
    began = session.video.position_s()
    press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: (session.video.position_s() or 0) >= began + 1.5, timeout=15000)
    press(qtbot, Qt.Key.Key_Space)
    assert not session.playing and session.playhead > start  # type: ignore[operator]
    image = session.video.image
    assert image is not None and image.width() >= 160
    assert image != first  # the caller's moving picture, not one frame shown again

    # -- scrub to the chat message's mark (Home, then mark by mark)
    press(qtbot, Qt.Key.Key_Home)
    for _ in range(len(line.marks)):
        if session.playhead == chat.at:
            break
        press(qtbot, Qt.Key.Key_Right, CTRL)
    assert session.playhead == chat.at
    drawn = session.map.caller(incident.id).fixes
    assert [p.at for p in drawn] == [f.recorded_at for f in fixes if f.recorded_at <= chat.at]
    assert drawn and drawn[-1].at <= chat.at
    later = [f for f in fixes if f.recorded_at > chat.at]
    assert later and all(abs(p.lat - SECOND[0]) > 1e-6 for p in drawn)  # the move is not drawn
    assert "I am at the gate" in session.events.currentItem().text()

    # -- a bookmark at that instant, with a note, read back from the store
    press(qtbot, Qt.Key.Key_B)
    keys(qtbot, "caller gives location late")
    with qtbot.waitSignal(session.bookmarked, timeout=10000):
        press(qtbot, Qt.Key.Key_Return)
    (bookmark,) = _rows(core, ReviewBookmark)
    assert (bookmark.at, bookmark.note, bookmark.author_name, bookmark.incident_id) == (
        chat.at,
        "caller gives location late",
        supervisor.display_name,
        incident.id,
    )

    # -- score the session with the QA panel beside the timeline
    panel = review.qa_panel
    qtbot.waitUntil(lambda: panel.incident_id == incident.id and bool(panel.rows), timeout=10000)
    panel.activateWindow()
    panel.focus_first()
    for row in panel.rows:
        qtbot.waitUntil(lambda row=row: QApplication.focusWidget() is row)
        if row.question.kind == SCALE:
            qtbot.keyClicks(row, str(row.question.scale_max))
        else:
            qtbot.keyClicks(row, "y")
    assert all(row.answer is not None for row in panel.rows)
    with qtbot.waitSignal(panel.saved, timeout=10000) as saved:
        qtbot.keyClick(panel.comments, Qt.Key.Key_Return, CTRL)
    evaluation = saved.args[0]
    assert evaluation.incident_id == incident.id and evaluation.score == pytest.approx(100.0)

    # -- every look is on record: the timeline, the recording, the bookmark
    actions = {
        (e.action, e.username, e.outcome)
        for e in core.store.read_sync(audit.list_events, limit=10000)
    }
    assert {
        ("review.timeline", "supervisor", "ok"),
        ("recording.view", "supervisor", "ok"),
        ("review.bookmark", "supervisor", "ok"),
    } <= actions
    review.close()
