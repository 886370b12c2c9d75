"""A whole live session, with a real headless Chromium as the caller's phone: the dispatcher asks
from the call-taker window, the caller agrees, and video, chat, GPS and a photo come in; the
caller darkens the screen, the dispatcher grabs a still and ends; the recording plays back."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from dispatch_desk.domain.citizen import MediaKind, SessionState
from dispatch_desk.services import audit
from dispatch_desk.storage.models import CitizenMedia, CitizenMessage, Location
from tests.helpers.chromium import Chromium
from tests.helpers.core import FakeClock, create_incident
from tests.helpers.live import decode_recording, jpeg_file, run
from tests.ui.conftest import Make, keys, press, sign_in
from ui.live.window import SessionWindow

pytestmark = pytest.mark.slow

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
BOSTON = (42.360100, -71.058900, 8.0)
MOVED = (42.361150, -71.057020, 5.0)


def _link(body: str) -> str:
    found = re.search(r"(http://\S+/s/[A-Za-z0-9_-]+)", body)
    assert found, body
    return found.group(1)


def test_caller_shares_video_chat_gps_and_a_photo(
    qtbot: QtBot, make_desk: Make, browser: Chromium, tmp_path: Path
) -> None:
    desk = make_desk(FakeClock())
    core = desk.core
    window = sign_in(qtbot, desk, "dispatcher", "dispatcher-demo")
    incident = create_incident(core, desk.actor)
    run(qtbot, window._open_incident(incident.id))

    # -- the dispatcher asks for live video (Ctrl+Shift+V) and texts the link
    press(qtbot, Qt.Key.Key_V, CTRL | SHIFT)
    qtbot.waitUntil(lambda: desk.live.dialog is not None and desk.live.dialog.isVisible())
    dialog = desk.live.dialog
    assert dialog.phone.text() == "(617) 555-0101"
    with qtbot.waitSignal(desk.live.window_opened, timeout=10000) as opened:
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    session: SessionWindow = opened.args[0]
    qtbot.waitExposed(session)
    sms = core.sms.sent[-1]
    assert sms.to_e164 == "+16175550101"
    url = _link(sms.body)

    # -- the caller opens it: the consent screen says exactly what is shared
    page = run(qtbot, browser.new_page(url, geolocation=BOSTON), 20000)
    run(qtbot, page.wait_for("document.body.dataset.screen === 'consent'"))
    shares = run(
        qtbot,
        page.evaluate("[...document.querySelectorAll('#shares li')].map(l => l.dataset.share)"),
    )
    assert sorted(shares) == ["camera", "chat", "location", "microphone", "uploads"]
    qtbot.waitUntil(lambda: session.view_state.state == SessionState.OPENED)

    # -- consent: frames are painted at the desk
    run(qtbot, page.click("#agree"))
    qtbot.waitUntil(lambda: session.video.painted_frames >= 10, timeout=15000)
    assert session.view_state.state == SessionState.LIVE
    assert session.video.image is not None and session.video.image.width() >= 320

    # -- chat both ways; markup stays text on both sides
    run(
        qtbot,
        page.evaluate(
            "document.getElementById('chatInput').value = '<b>I am</b> behind the house'"
        ),
    )
    run(qtbot, page.click("#chatSend"))
    qtbot.waitUntil(lambda: any("<b>I am</b> behind the house" in t for t in session.chat.texts()))
    run(qtbot, page.wait_for("document.querySelector('#chat li.me:not(.pending)') !== null"))
    session.activateWindow()
    session.chat.input.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is session.chat.input)
    keys(qtbot, '<img src=x onerror="document.title=1">Stay there')
    press(qtbot, Qt.Key.Key_Return)
    run(qtbot, page.wait_for("document.querySelectorAll('#chat li.desk').length === 1"))
    assert run(qtbot, page.evaluate("document.querySelectorAll('#chat img').length")) == 0
    assert (
        run(qtbot, page.text("#chat li.desk")) == '<img src=x onerror="document.title=1">Stay there'
    )
    qtbot.waitUntil(lambda: any(t.endswith("✓") for t in session.chat.texts()))
    # The call-taker's narrative shows it as typed, as text.
    run(qtbot, window._open_incident(incident.id))
    assert (
        "Chat from caller: <b>I am</b> behind the house" in window.form.narrative_log.toPlainText()
    )

    # The caller switches to the front camera: the same connection goes on.
    painted = session.video.painted_frames
    run(qtbot, page.click("#switchCam"))
    qtbot.waitUntil(lambda: session.video.painted_frames > painted + 15, timeout=15000)
    assert run(qtbot, page.evaluate("document.body.dataset.media")) == "connected"

    # -- GPS: the first fix and a move, on the map, in the window and in the record
    run(qtbot, page.set_geolocation(*MOVED))
    qtbot.waitUntil(
        lambda: any(
            abs(p.lat - MOVED[0]) < 1e-6 for p in window.maps.mini.caller(incident.id).fixes
        ),
        timeout=5000,
    )
    assert "42.361150, -71.057020 ±5 m" in session.gps.text()
    qtbot.waitUntil(
        lambda: (
            len(
                core.store.read_sync(
                    lambda s: s.scalars(
                        select(Location).where(
                            Location.incident_id == incident.id, Location.latitude.is_not(None)
                        )
                    ).all()
                )
            )
            >= 2
        )
    )

    # -- a photo from the phone's gallery arrives hidden; showing it is audited
    photo = jpeg_file(tmp_path / "IMG_0042.jpg")
    with qtbot.waitSignal(desk.live.media_added, timeout=10000) as added:
        run(qtbot, _choose_file(page, photo))
    media = added.args[1]
    assert media.kind == MediaKind.PHOTO and media.mime == "image/jpeg"
    assert "(hidden)" in session.files.list.currentItem().text()
    assert (core.paths.media_dir / media.file_name).read_bytes() == photo.read_bytes()
    qtbot.mouseClick(session.files.show_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: session.viewer is not None and session.viewer.isVisible())
    assert not session.viewer.picture.pixmap().isNull()
    session.viewer.close()

    # -- the caller darkens the screen: still streaming
    run(qtbot, page.click("#darkBtn"))
    qtbot.waitUntil(lambda: session.view_state.state == SessionState.DARK)
    assert run(qtbot, page.evaluate("!document.getElementById('dark').hidden"))
    painted = session.video.painted_frames
    # (Generous: on a loaded machine a stalled path is recovered by a new leg first.)
    qtbot.waitUntil(lambda: session.video.painted_frames >= painted + 15, timeout=15000)
    qtbot.waitUntil(lambda: session.video.badge == "CALLER DARK")

    # -- a still of what is on screen goes into the incident
    session.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is session)
    with qtbot.waitSignal(desk.live.media_added, timeout=10000) as added:
        press(qtbot, Qt.Key.Key_G, CTRL)
    still = added.args[1]
    assert still.kind == MediaKind.STILL
    assert (core.paths.media_dir / still.file_name).read_bytes()[:3] == b"\xff\xd8\xff"

    # -- the dispatcher ends (Ctrl+E twice); the phone is told; the recording is kept
    press(qtbot, Qt.Key.Key_E, CTRL)
    press(qtbot, Qt.Key.Key_E, CTRL)
    qtbot.waitUntil(lambda: session.view_state.state == SessionState.ENDED)
    run(qtbot, page.wait_for("document.body.dataset.screen === 'ended'"))
    qtbot.waitUntil(
        lambda: bool(_kinds(core, MediaKind.RECORDING) and _kinds(core, MediaKind.EVENTS)),
        timeout=15000,
    )

    recording = _kinds(core, MediaKind.RECORDING)[0]
    frames, seconds = decode_recording(core.paths.media_dir / recording.file_name)
    assert recording.duration_s is not None and recording.duration_s > 2.0
    assert frames >= 30
    assert seconds == pytest.approx(recording.duration_s, abs=0.5)  # plays to its full length

    events = [
        json.loads(line)
        for line in (core.paths.media_dir / _kinds(core, MediaKind.EVENTS)[0].file_name)
        .read_text()
        .splitlines()
    ]
    assert {"gps", "chat", "state", "upload", "still"} <= {e["t"] for e in events}

    # -- the incident record and the audit trail hold all of it
    detail = core.store.read_sync(core.incidents.detail, incident.id)
    narrative = "\n".join(n.text for n in detail.narrative)
    for line in (
        "Live video link texted to the caller",
        "Caller agreed to share: camera video, sound, location, chat, photos and videos.",
        "Chat from caller: <b>I am</b> behind the house",
        "Caller sent a photo (image/jpeg",
        "Caller made their screen look off; the video continues.",
        "Still taken from the live video",
        "Live video session ended by Dana Reyes.",
        "Live video recorded (segment 1)",
    ):
        assert line in narrative
    actions = {e.action for e in core.store.read_sync(audit.list_events, limit=5000)}
    assert {
        "citizen.invite",
        "citizen.opened",
        "citizen.consented",
        "citizen.live",
        "citizen.dark",
        "citizen.chat.in",
        "citizen.chat.out",
        "citizen.media.photo",
        "citizen.media.view",
        "citizen.media.still",
        "citizen.ended",
        "citizen.media.recording",
        "citizen.media.events",
    } <= actions
    messages = core.store.read_sync(lambda s: s.scalars(select(CitizenMessage)).all())
    assert len(messages) == 2
    assert core.store.read_sync(lambda s: len(s.scalars(select(CitizenMedia)).all())) == 4


async def _choose_file(page, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Pick a file in the page's file input, as the caller's gallery would."""
    document = await page.send("DOM.getDocument")
    node = await page.send("DOM.querySelector", nodeId=document["root"]["nodeId"], selector="#file")
    await page.send("DOM.setFileInputFiles", nodeId=node["nodeId"], files=[str(path)])


def _kinds(core, kind: MediaKind) -> list[CitizenMedia]:  # type: ignore[no-untyped-def]
    return core.store.read_sync(
        lambda s: s.scalars(select(CitizenMedia).where(CitizenMedia.kind == kind)).all()
    )
