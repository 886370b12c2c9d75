"""What goes wrong in live sessions, with a real Chromium as the phone: a caller who declines,
a link that expires, is cancelled, is tampered with or is opened on a second phone, a network
that drops and comes back, and a gateway restarted mid-session."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from dispatch_desk.domain.citizen import InviteKind, MediaKind, SessionState
from dispatch_desk.services import audit
from dispatch_desk.storage.models import CitizenMedia, CitizenSession
from tests.helpers.chromium import Chromium, Page
from tests.helpers.core import FakeClock, actor_for, create_incident
from tests.helpers.live import media_blackout, run
from tests.ui.conftest import Make
from ui.app import DeskApp
from ui.live.window import SessionWindow

pytestmark = pytest.mark.slow

GPS = (42.3601, -71.0589, 10.0)


def _invite(
    qtbot: QtBot, desk: DeskApp, kind: InviteKind = InviteKind.VIDEO
) -> tuple[uuid.UUID, str, SessionWindow]:
    core = desk.core
    actor = actor_for(core, "dispatcher")
    incident = create_incident(core, actor)
    invitation = run(
        qtbot,
        desk.live.invite(actor, incident.id, kind, phone_e164="+16175550101", send_sms=True),
    )
    assert invitation is not None
    return invitation.view.id, invitation.url, desk.live.windows[invitation.view.id]


def _narrative(desk: DeskApp, session_id: uuid.UUID) -> str:
    core = desk.core
    incident_id = core.store.read_sync(lambda s: s.get(CitizenSession, session_id).incident_id)
    return "\n".join(
        n.text for n in core.store.read_sync(core.incidents.detail, incident_id).narrative
    )


def _open(qtbot: QtBot, browser: Chromium, url: str, **options: Any) -> Page:
    page = run(qtbot, browser.new_page(url, geolocation=GPS, **options), 20000)
    return page


def _screen(qtbot: QtBot, page: Page, screen: str, timeout_s: float = 10) -> None:
    run(
        qtbot,
        page.wait_for(f"document.body.dataset.screen === '{screen}'", timeout_s=timeout_s),
        int(timeout_s * 1000) + 5000,
    )


def _refusal(qtbot: QtBot, page: Page) -> str:
    """The reason a plain refusal page (from the server) or the page's own refusal gives."""
    return str(
        run(
            qtbot,
            page.evaluate("document.body.dataset.reason || document.body.className"),
        )
    )


def _go_live(qtbot: QtBot, browser: Chromium, url: str, window: SessionWindow) -> Page:
    page = _open(qtbot, browser, url)
    _screen(qtbot, page, "consent")
    run(qtbot, page.click("#agree"))
    qtbot.waitUntil(lambda: window.video.painted_frames >= 5, timeout=15000)
    return page


def test_a_declined_request_is_recorded_and_the_link_is_closed(
    qtbot: QtBot, make_desk: Make, browser: Chromium
) -> None:
    desk = make_desk(FakeClock())
    session_id, url, window = _invite(qtbot, desk)
    page = _open(qtbot, browser, url)
    _screen(qtbot, page, "consent")
    run(qtbot, page.click("#decline"))
    _screen(qtbot, page, "declined")
    qtbot.waitUntil(lambda: window.view_state.state == SessionState.DECLINED)
    assert "Caller declined the live video request." in _narrative(desk, session_id)
    again = _open(qtbot, browser, url)
    assert _refusal(qtbot, again) == "declined"
    assert window.video.painted_frames == 0


def test_an_expired_link_is_refused_and_recorded(
    qtbot: QtBot, make_desk: Make, browser: Chromium
) -> None:
    clock = FakeClock()
    desk = make_desk(clock)
    session_id, url, window = _invite(qtbot, desk)
    clock.advance(minutes=31)
    expired = run(qtbot, desk.live.sessions.expire_due())
    assert [v.id for v in expired] == [session_id]
    qtbot.waitUntil(lambda: window.view_state.state == SessionState.EXPIRED)
    assert "Live video link expired before the caller agreed." in _narrative(desk, session_id)
    page = _open(qtbot, browser, url)
    assert _refusal(qtbot, page) == "expired"
    assert "expired" in run(qtbot, page.text("h1"))


def test_a_cancelled_link_turns_the_open_page_away(
    qtbot: QtBot, make_desk: Make, browser: Chromium
) -> None:
    desk = make_desk(FakeClock())
    session_id, url, window = _invite(qtbot, desk)
    page = _open(qtbot, browser, url)
    _screen(qtbot, page, "consent")
    qtbot.waitUntil(lambda: window.view_state.state == SessionState.OPENED)
    assert window.end_button.text().startswith("Cancel link")
    window.end_button.click()
    window.end_button.click()
    qtbot.waitUntil(lambda: window.view_state.state == SessionState.REVOKED)
    _screen(qtbot, page, "refused")
    assert _refusal(qtbot, page) == "revoked"
    assert "revoked by Dana Reyes" in _narrative(desk, session_id)
    reloaded = _open(qtbot, browser, url)
    assert _refusal(qtbot, reloaded) == "revoked"


def test_a_tampered_link_gets_a_plain_refusal(
    qtbot: QtBot, make_desk: Make, browser: Chromium
) -> None:
    desk = make_desk(FakeClock())
    _session_id, url, window = _invite(qtbot, desk)
    token = url.rsplit("/", 1)[1]
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    page = _open(qtbot, browser, url.rsplit("/", 1)[0] + "/" + flipped)
    assert _refusal(qtbot, page) == "unknown"
    assert run(qtbot, page.evaluate("document.scripts.length")) == 0  # a plain page
    assert window.view_state.state == SessionState.INVITED


def test_a_second_phone_on_the_same_link_is_refused(
    qtbot: QtBot, make_desk: Make, browser: Chromium
) -> None:
    desk = make_desk(FakeClock())
    session_id, url, window = _invite(qtbot, desk)
    first = _go_live(qtbot, browser, url, window)
    other = _open(qtbot, browser, url, context=True)  # another phone: its own cookies
    assert _refusal(qtbot, other) == "other-device"
    qtbot.waitUntil(
        lambda: any(
            e.action == "citizen.refused" and e.detail.get("reason") == "other-device"
            for e in desk.core.store.read_sync(audit.list_events, entity_id=session_id)
        )
    )
    assert "A second phone tried to open the live video link; refused." in _narrative(
        desk, session_id
    )
    # The first phone is untouched: still live, and it can reload its own page.
    painted = window.video.painted_frames
    qtbot.waitUntil(lambda: window.video.painted_frames > painted + 5)
    run(qtbot, first.send("Page.reload"))
    _screen(qtbot, first, "consent")  # a reload stops the camera: consent again to restart


def test_the_phone_reconnects_after_a_network_drop(
    qtbot: QtBot, make_desk: Make, browser: Chromium
) -> None:
    desk = make_desk(FakeClock())
    session_id, url, window = _invite(qtbot, desk)
    page = _go_live(qtbot, browser, url, window)
    server = desk.live.sessions.server
    assert server is not None
    with media_blackout() as blackout:
        blackout["on"] = True  # nothing from the phone reaches the desk...
        run(qtbot, server.gateway.phones.drop_all_connections())  # ...its socket drops too
        qtbot.waitUntil(lambda: window.view_state.state == SessionState.RECONNECTING, timeout=8000)
        assert "reconnecting" in window.video.note
        # The path stays dead: the phone is asked for (or starts) a new leg by itself.
        run(qtbot, page.wait_for("Number(document.body.dataset.leg) >= 2", timeout_s=20), 25000)
        blackout["on"] = False  # the network is back
        painted = window.video.painted_frames
        qtbot.waitUntil(lambda: window.view_state.state == SessionState.LIVE, timeout=20000)
        qtbot.waitUntil(lambda: window.video.painted_frames > painted + 10, timeout=10000)
    run(qtbot, page.wait_for("document.body.dataset.media === 'connected'"))
    # Chat still works both ways over the new socket.
    run(qtbot, page.evaluate("document.getElementById('chatInput').value = 'still here'"))
    run(qtbot, page.click("#chatSend"))
    qtbot.waitUntil(lambda: any("still here" in t for t in window.chat.texts()))
    # Each leg is its own recording segment.
    run(qtbot, desk.live.sessions.end(actor_for(desk.core, "dispatcher"), session_id))
    qtbot.waitUntil(lambda: len(_media(desk, session_id, MediaKind.RECORDING)) >= 2, timeout=15000)


def test_a_gateway_restart_mid_session_loses_nothing(
    qtbot: QtBot, make_desk: Make, browser: Chromium
) -> None:
    desk = make_desk(FakeClock())
    session_id, url, window = _invite(qtbot, desk)
    page = _go_live(qtbot, browser, url, window)
    sessions = desk.live.sessions
    assert sessions.link is not None
    connects = sessions.link.connects
    painted = window.video.painted_frames
    run(qtbot, sessions.restart_gateway())
    # The video goes straight from the phone to the desk: it never stopped.
    qtbot.waitUntil(lambda: window.video.painted_frames > painted + 10, timeout=5000)
    qtbot.waitUntil(
        lambda: sessions.link.connects > connects and sessions.link.online, timeout=10000
    )
    # The phone's socket comes back by itself: chat works both ways again.
    run(qtbot, page.evaluate("document.getElementById('chatInput').value = 'after restart'"))
    run(qtbot, page.click("#chatSend"))
    qtbot.waitUntil(lambda: any("after restart" in t for t in window.chat.texts()), timeout=10000)
    actor = actor_for(desk.core, "dispatcher")
    run(qtbot, sessions.send_chat(actor, session_id, "We still see you"))
    run(qtbot, page.wait_for("document.querySelectorAll('#chat li.desk').length === 1"))
    assert window.view_state.state == SessionState.LIVE
    # And the link still belongs to this phone only.
    other = _open(qtbot, browser, url, context=True)
    assert _refusal(qtbot, other) == "other-device"


def _media(desk: DeskApp, session_id: uuid.UUID, kind: MediaKind) -> list[CitizenMedia]:
    return desk.core.store.read_sync(
        lambda s: s.scalars(
            select(CitizenMedia).where(
                CitizenMedia.session_id == session_id, CitizenMedia.kind == kind
            )
        ).all()
    )


def test_the_caller_ends_and_must_agree_again_to_share_again(
    qtbot: QtBot, make_desk: Make, browser: Chromium
) -> None:
    desk = make_desk(FakeClock())
    session_id, url, window = _invite(qtbot, desk)
    page = _go_live(qtbot, browser, url, window)
    run(qtbot, page.click("#endBtn"))
    run(qtbot, page.click("#endYes"))
    _screen(qtbot, page, "paused")
    qtbot.waitUntil(lambda: window.view_state.state == SessionState.PAUSED)
    qtbot.waitUntil(lambda: len(_media(desk, session_id, MediaKind.RECORDING)) == 1, timeout=15000)
    run(qtbot, page.click("#again"))
    _screen(qtbot, page, "consent")  # consent is asked again
    painted = window.video.painted_frames
    run(qtbot, page.click("#agree"))
    qtbot.waitUntil(lambda: window.video.painted_frames > painted + 10, timeout=15000)
    assert window.view_state.state == SessionState.LIVE
    run(qtbot, desk.live.sessions.end(actor_for(desk.core, "dispatcher"), session_id))
    qtbot.waitUntil(lambda: len(_media(desk, session_id, MediaKind.RECORDING)) == 2, timeout=15000)
    names = sorted(
        m.file_name.rsplit("/", 1)[1] for m in _media(desk, session_id, MediaKind.RECORDING)
    )
    assert names == ["video-01.mp4", "video-02.mp4"]
    assert _narrative(desk, session_id).count("Caller agreed to share") == 2
