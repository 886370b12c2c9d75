"""Live sessions at the desk: invites, the desk link to the gateway, and everything a session
brings in (video, chat, GPS, photos) put where it belongs.

Where each thing goes: a GPS fix to ``core.locations`` (the map and the incident record); chat,
states and files to the incident record through :class:`CitizenService` (narrative and audit);
video frames to the listener (the session window) and to the recorder; the session's own log
of time-stamped events beside the recordings. Everything runs on the event loop; blocking work
(encoding a still, hashing, writing files) runs on a small I/O pool.

Without a configured gateway the desk runs one in-process on 127.0.0.1 (the embedded default).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import ssl
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dispatch_desk.domain.citizen import (
    PRESETS,
    Direction,
    InviteKind,
    MediaKind,
    SessionState,
)
from dispatch_desk.gateway import tokens
from dispatch_desk.gateway.ratelimit import RateLimiter
from dispatch_desk.gateway.server import GatewayServer, config_from_settings
from dispatch_desk.live import inbound
from dispatch_desk.live.events import LiveListener
from dispatch_desk.live.files import SessionFiles
from dispatch_desk.live.link import DeskLink
from dispatch_desk.live.media import SessionMedia
from dispatch_desk.live.state import Live
from dispatch_desk.media.frames import RgbFrame
from dispatch_desk.media.stills import jpeg_of
from dispatch_desk.messaging.sms import SmsSender
from dispatch_desk.services.citizen import (
    CitizenService,
    MediaView,
    MessageView,
    SessionView,
    caller_actor,
)
from dispatch_desk.services.context import Actor, RuleViolation
from dispatch_desk.waits import settle

if TYPE_CHECKING:
    from dispatch_desk.desk import DeskCore

logger = logging.getLogger(__name__)

STALL_S = 2.0  # no frame for this long while live: shown as reconnecting
NEW_LEG_AFTER_S = 5.0  # no frame for this long (or a failed leg): ask the phone for a new leg
RESTART_EVERY_S = 4.0  # while still reconnecting, ask again this often
SWEEP_S = 5.0  # how often links are checked for expiry

SMS_TEXT = {
    "en": "911 Dispatch: to share {what} with us, open {url} (works {minutes} min; "
    "you will be asked first).",
    "es": "Despacho 911: para compartir {what} con nosotros, abra {url} (sirve {minutes} min; "
    "se le preguntará antes).",
}
SMS_WHAT = {
    "en": {"video": "live video", "location": "your location", "photos": "photos"},
    "es": {"video": "video en vivo", "location": "su ubicación", "photos": "fotos"},
}


@dataclass(frozen=True)
class Invitation:
    view: SessionView
    url: str
    sms_sid: str | None


class LiveSessions:
    """Owns the embedded gateway (if any), the desk link and every live session of this desk.

    ``start()`` once on the event loop; ``close()`` at shutdown ends the tasks it started."""

    def __init__(
        self,
        core: DeskCore,
        sms: SmsSender,
        *,
        listener: LiveListener | None = None,
        record: bool = True,
        link_ssl: ssl.SSLContext | None = None,
    ) -> None:
        self.core = core
        self.sms = sms
        self.listener = listener or LiveListener()
        self.record = record
        self._link_ssl = link_ssl  # None: the system's trust store checks the gateway
        self.settings = core.settings.gateway
        self.citizen = CitizenService(core.incidents)
        self.server: GatewayServer | None = None
        self.link: DeskLink | None = None
        self.base_url = ""
        self._secret = ""
        self._live: dict[uuid.UUID, Live] = {}
        self._urls: dict[uuid.UUID, str] = {}  # links made here since start (tokens never stored)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._io = ThreadPoolExecutor(max_workers=2, thread_name_prefix="live-io")
        self._invites = RateLimiter(self.settings.invites_per_min)
        self.files = SessionFiles(core, self.citizen, self._io, self.listener)
        self._started = False
        self._closed = False
        self.ice_servers: list[dict[str, Any]] = []
        # Incoming texts a central gateway hands on over the desk link (set by texting).
        self.on_texts: Callable[[dict[str, Any]], Awaitable[None]] | None = None
        # Called with True each time the desk link registers (and False when it drops): texting
        # says it takes texts on every new connection (the gateway forgets a dropped one).
        self.link_watchers: list[Callable[[bool], None]] = []

    # -- life cycle

    @property
    def started(self) -> bool:
        return self._started

    async def start(self) -> None:
        if self._started or self._closed:  # closed: a late caller must not start it again
            return
        self._started = True
        settings = self.settings
        if settings.url:
            self._secret = settings.desk_secret
            link_url, self.base_url = settings.url, settings.public_url.rstrip("/")
            if not self._secret or not self.base_url:
                raise RuleViolation("gateway.url needs gateway.desk_secret and gateway.public_url")
            from dispatch_desk.gateway.app import ice_servers

            self.ice_servers = list(
                ice_servers(settings.ice_servers, settings.ice_username, settings.ice_credential)
            )
        else:
            self._secret = secrets.token_urlsafe(32)
            self.server = self._embedded_server(settings.bind_port)
            await self.server.start()
            link_url, self.base_url = self.server.desk_url, self.server.base_url
            self.ice_servers = list(self.server.config.ice_servers)
        for view in await self.core.store.read(self.citizen.active, self.core.workstation):
            self._live[view.id] = Live(view, self.files.folder(view))
        # Sessions that were live when this desk stopped have lost their media: the watchdog
        # asks each phone for a new leg as soon as the link is up.
        self.link = DeskLink(
            link_url,
            self._secret,
            self.core.workstation,
            on_message=self._on_message,
            registration=self._registration,
            on_online=self._on_link,
            ssl_context=self._link_ssl,
        )
        self._spawn(self.link.run(), "desk-link")
        self._spawn(self._sweep(), "expiry-sweep")
        self._spawn(self._watchdog(), "media-watchdog")

    def _on_link(self, online: bool) -> None:
        self.listener.on_link(online)
        for watcher in list(self.link_watchers):
            watcher(online)

    def _embedded_server(self, port: int) -> GatewayServer:
        settings = self.settings
        config = dataclasses.replace(
            config_from_settings(
                settings, self.core.paths.resources_dir / "citizen", desk_secret=self._secret
            ),
            single_desk=True,
        )
        return GatewayServer(
            config, host=settings.bind_host, port=port, public_url=settings.public_url
        )

    async def restart_gateway(self) -> None:
        """Stop the embedded gateway and start a fresh one on the same port (it remembers
        nothing; the desk link reconnects and registers every live invite again)."""
        if self.server is None:
            return
        port = self.server.port
        await self.server.stop()
        self.server = self._embedded_server(port)
        await self.server.start()

    async def close(self, timeout_s: float = 3.0) -> None:
        """End every task this owns, finish recordings and logs, stop the embedded gateway.

        Bounded: a recording still being finished when time is up is left to its own thread
        (the file stays playable: it is fragmented) and is not listed in the incident."""
        if self._closed:
            return
        self._closed = True
        winding = asyncio.ensure_future(self._wind_down())
        if not await settle([winding], timeout_s):
            logger.warning("live sessions did not close within %.0f s", timeout_s)
            winding.cancel()
            await settle([winding], 0.5)
            for live in self._live.values():
                if live.log_file is not None:
                    live.log_file.close()  # kept as written; listed at the next start
        if self.server is not None:
            await self.server.stop()
        self._io.shutdown(wait=False, cancel_futures=True)

    async def _wind_down(self) -> None:
        if self.link is not None:
            await self.link.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await settle(list(self._tasks), 1.0)
        for live in list(self._live.values()):
            await self._close_media(live)
            await self.files.close_log(live)

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        task.set_name(f"live:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("live task %s failed", task.get_name(), exc_info=task.exception())

    # -- what the dispatcher does

    async def invite(
        self,
        actor: Actor,
        incident_id: uuid.UUID,
        kind: InviteKind,
        *,
        phone_e164: str | None,
        language: str = "en",
        send_sms: bool = True,
    ) -> Invitation:
        """Make a link for one caller and one incident, register it, and text it (or leave it
        for the dispatcher to copy)."""
        if not self._invites.allow(actor.username):
            raise RuleViolation("Too many links in one minute; wait a moment and try again.")
        await self.start()
        token = tokens.new_token()
        now = self.core.clock()
        expires = now + timedelta(minutes=self.settings.invite_expiry_min)
        language = language if language in SMS_TEXT else "en"
        view = await self.core.store.write(
            self.citizen.invite,
            actor,
            incident_id,
            kind,
            tokens.token_hash(token),
            now,
            expires,
            phone_e164=phone_e164,
            language=language,
            sent_by_sms=bool(send_sms and phone_e164),
        )
        url = f"{self.base_url}/s/{token}"
        self._urls[view.id] = url
        live = self._live[view.id] = Live(view, self.files.folder(view))
        if self.link is not None:
            await self.link.send({"t": "invite", "invite": self._entry(live)})
        sid = None
        if send_sms and phone_e164:
            body = SMS_TEXT[language].format(
                what=SMS_WHAT[language][kind.value],
                url=url,
                minutes=self.settings.invite_expiry_min,
            )
            sid = await self.sms.send(phone_e164, body)
        self.listener.on_session(view)
        return Invitation(view, url, sid)

    def url_of(self, session_id: uuid.UUID) -> str | None:
        """The link, for "copy link" (known only on the desk that made it, until it restarts)."""
        return self._urls.get(session_id)

    def view(self, session_id: uuid.UUID) -> SessionView | None:
        live = self._live.get(session_id)
        return live.view if live else None

    def latest_frame_at(self, session_id: uuid.UUID) -> float:
        live = self._live.get(session_id)
        return live.media.last_frame_at if live and live.media else 0.0

    async def send_chat(self, actor: Actor, session_id: uuid.UUID, text: str) -> MessageView:
        text = text.strip()
        if not text:
            raise RuleViolation("Type a message first.")
        if len(text) > self.settings.chat_max_chars:
            raise RuleViolation(f"A message holds at most {self.settings.chat_max_chars} letters.")
        live = self._require(session_id)
        message, _ = await self.core.store.write(
            self.citizen.add_message,
            actor,
            session_id,
            Direction.TO_CALLER,
            text,
            self.core.clock(),
        )
        wire = {
            "t": "chat",
            "id": str(session_id),
            "msg_id": str(message.id),
            "text": text,
            "at": message.at.isoformat(),
        }
        live.undelivered[str(message.id)] = wire
        live.log("chat", direction="desk", text=text, id=str(message.id))
        await self.send(wire)
        self.listener.on_chat(session_id, message)
        return message

    async def send_preset(self, actor: Actor, session_id: uuid.UUID, key: str) -> MessageView:
        live = self._require(session_id)
        texts = PRESETS[key]
        return await self.send_chat(actor, session_id, texts.get(live.view.language, texts["en"]))

    async def end(self, actor: Actor, session_id: uuid.UUID) -> SessionView:
        """The dispatcher ends the session: final for the link."""
        return await self._finish(actor, session_id, SessionState.ENDED, by="dispatcher")

    async def revoke(self, actor: Actor, session_id: uuid.UUID) -> SessionView:
        return await self._finish(actor, session_id, SessionState.REVOKED, by="dispatcher")

    async def _finish(
        self, actor: Actor, session_id: uuid.UUID, state: SessionState, *, by: str
    ) -> SessionView:
        live = self._require(session_id)
        view = await self.move(actor, live, state, by=by)
        await self.send({"t": "state", "id": str(session_id), "state": state.value})
        return view

    async def grab_still(self, actor: Actor, session_id: uuid.UUID) -> MediaView:
        """The frame on screen now, kept as a JPEG in the incident record."""
        live = self._require(session_id)
        frame = live.media.latest if live.media else None
        if frame is None:
            raise RuleViolation("No video yet: nothing to take a still from.")
        loop = asyncio.get_running_loop()
        data = await loop.run_in_executor(self._io, jpeg_of, frame)
        stamp = datetime.now(UTC).strftime("%H%M%S%f")[:-3]
        media = await self.files.store(
            actor,
            live,
            MediaKind.STILL,
            f"still-{stamp}.jpg",
            data,
            "image/jpeg",
            detail=f", {frame.width}×{frame.height}",
        )
        live.log("still", media=str(media.id), sha256=media.sha256)
        return media

    async def open_media(self, actor: Actor, media_id: uuid.UUID) -> tuple[MediaView, Path]:
        """A dispatcher chooses to look at a file: audited, then its path is given."""
        media = await self.core.store.write(
            self.citizen.open_media, actor, media_id, self.core.clock()
        )
        return media, self.core.paths.media_dir / media.file_name

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_S)
            await self.expire_due()

    async def expire_due(self) -> list[SessionView]:
        expired = await self.core.store.write(
            self.citizen.expire_due, self.core.system_actor(), self.core.clock()
        )
        for view in expired:
            live = self._live.get(view.id)
            if live is not None:
                live.view = view
                await self._close_media(live)
                await self.files.close_log(live)
                del self._live[view.id]
            await self.send({"t": "state", "id": str(view.id), "state": view.state.value})
            self.listener.on_session(view)
        return expired

    # -- the link

    def _entry(self, live: Live) -> dict[str, Any]:
        view = live.view
        remaining = (view.expires_at - self.core.clock()).total_seconds()
        return {
            "id": str(view.id),
            "token_hash": view.token_hash,
            "kind": view.kind.value,
            "language": view.language,
            "state": view.state.value,
            "device_hash": view.device_hash,
            "expires_in_s": None if view.state.consented else max(0.0, remaining),
        }

    async def _registration(self) -> list[dict[str, Any]]:
        entries = [self._entry(live) for live in self._live.values()]
        # Desk chat the phone has not confirmed goes again once the link is back.
        self._spawn(self._resend_undelivered(), "resend-chat")
        return entries

    async def _resend_undelivered(self) -> None:
        for live in list(self._live.values()):
            for wire in list(live.undelivered.values()):
                await self.send(wire)

    async def send(self, message: dict[str, Any]) -> bool:
        return self.link is not None and await self.link.send(message)

    async def _on_message(self, data: dict[str, Any]) -> None:
        kind = data["t"]
        if kind == "texts":
            if self.on_texts is not None:
                await self.on_texts(data)
            return
        try:
            session_id = uuid.UUID(str(data.get("id", "")))
        except ValueError:
            return
        live = self._live.get(session_id)
        if live is None:
            return
        caller = caller_actor(self.core.workstation)
        handler = inbound.HANDLERS.get(kind)
        if handler is not None:
            await handler(self, live, caller, data)

    # -- media

    def media_for(self, live: Live) -> SessionMedia:
        if live.media is None:
            session_id = live.view.id
            live.media = SessionMedia(
                live.folder,
                self.ice_servers,
                self._io,
                on_frame=lambda frame: self._frame(session_id, frame),
                on_flowing=lambda: self._spawn(self._flowing(session_id), "flowing"),
                on_leg_state=lambda state: self._leg_state(session_id, state),
                on_recorded=lambda rec, seg, ended: self.files.recorded(
                    session_id, rec, seg, ended
                ),
                clock=self.core.clock,
                record=self.record,
            )
        return live.media

    def _frame(self, session_id: uuid.UUID, frame: RgbFrame) -> None:
        self.listener.on_frame(session_id, frame)

    async def _flowing(self, session_id: uuid.UUID) -> None:
        """Frames arrive (a new leg's first, or again after a gap): the session is live."""
        live = self._live.get(session_id)
        if live is None or live.view.state not in (
            SessionState.CONSENTED,
            SessionState.RECONNECTING,
            SessionState.LIVE,
            SessionState.DARK,
        ):
            return
        state = SessionState.DARK if live.dark else SessionState.LIVE
        await self.move(caller_actor(self.core.workstation), live, state, by="caller")

    def _leg_state(self, session_id: uuid.UUID, state: str) -> None:
        live = self._live.get(session_id)
        if live is None:
            return
        live.log("leg-state", state=state)
        if state == "failed" and live.view.state in (
            SessionState.LIVE,
            SessionState.DARK,
            SessionState.RECONNECTING,
        ):
            self._spawn(self._lost(live, new_leg=True), "media-lost")

    async def _lost(self, live: Live, *, new_leg: bool) -> None:
        await self.move(
            caller_actor(self.core.workstation), live, SessionState.RECONNECTING, by="network"
        )
        if new_leg:
            await self._ask_restart(live)

    async def _ask_restart(self, live: Live) -> None:
        live.restart_asked_at = time.monotonic()
        await self.send(
            {"t": "signal", "id": str(live.view.id), "data": {"type": "restart", "leg": 0}}
        )

    async def _watchdog(self) -> None:
        """A live video that stops is a lost path: say so and ask the phone for a new leg."""
        while True:
            await asyncio.sleep(0.5)
            now = time.monotonic()
            for live in list(self._live.values()):
                if live.view.kind != InviteKind.VIDEO:
                    continue
                state = live.view.state
                quiet = now - (live.media.last_frame_at if live.media else 0.0)
                if state in (SessionState.LIVE, SessionState.DARK) and quiet > STALL_S:
                    # Said at once; a path that only hiccupped comes back on the same leg.
                    await self._lost(live, new_leg=False)
                elif (
                    state == SessionState.RECONNECTING
                    and quiet > NEW_LEG_AFTER_S
                    and now - live.restart_asked_at > RESTART_EVERY_S
                ):
                    await self._ask_restart(live)

    async def _close_media(self, live: Live) -> None:
        if live.media is not None:
            media, live.media = live.media, None
            await media.close()

    # -- helpers

    async def move(
        self,
        actor: Actor,
        live: Live,
        state: SessionState,
        *,
        by: str = "",
        device_hash: str | None = None,
    ) -> SessionView:
        before = live.view.state
        view = await self.core.store.write(
            self.citizen.move,
            actor,
            live.view.id,
            state,
            self.core.clock(),
            by=by,
            device_hash=device_hash,
        )
        live.view = view
        if view.state != before:
            live.log("state", state=view.state.value, before=before.value, by=by)
            self.listener.on_session(view)
            if view.state in (SessionState.PAUSED, SessionState.DECLINED) or view.state.final:
                await self._close_media(live)
            if view.state.final:
                await self.files.close_log(live)
                self._live.pop(view.id, None)
        return view

    def _require(self, session_id: uuid.UUID) -> Live:
        live = self._live.get(session_id)
        if live is None:
            raise RuleViolation("This session is over.")
        return live
