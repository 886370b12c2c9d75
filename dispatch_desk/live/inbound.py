"""What the gateway tells the desk about a session, each message put where it belongs.

One handler per message type; each gets the sessions, the session it is about, the caller as
the acting party, and the message (already checked by the gateway).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from dispatch_desk.domain.citizen import Direction, InviteKind, MediaKind, SessionState
from dispatch_desk.domain.location import PositionError
from dispatch_desk.gateway.sniff import EXTENSIONS, sniff
from dispatch_desk.live.state import Live
from dispatch_desk.services.context import Actor
from dispatch_desk.services.locations import Fix

if TYPE_CHECKING:
    from dispatch_desk.live.sessions import LiveSessions

logger = logging.getLogger(__name__)

Handler = Callable[["LiveSessions", Live, Actor, dict[str, Any]], Awaitable[None]]


async def opened(s: LiveSessions, live: Live, caller: Actor, data: dict[str, Any]) -> None:
    device_hash = data.get("device_hash")
    await s.move(
        caller,
        live,
        SessionState.OPENED,
        device_hash=device_hash if isinstance(device_hash, str) else None,
    )


async def presence(s: LiveSessions, live: Live, caller: Actor, data: dict[str, Any]) -> None:
    live.online = data.get("online") is True
    live.log("presence", online=live.online)


async def consent(s: LiveSessions, live: Live, caller: Actor, data: dict[str, Any]) -> None:
    if data.get("accept") is True:
        await s.move(caller, live, SessionState.CONSENTED, by="caller")
        if live.view.kind != InviteKind.VIDEO:
            await s.move(caller, live, SessionState.LIVE, by="caller")
    else:
        await s.move(caller, live, SessionState.DECLINED, by="caller")


async def signal_(s: LiveSessions, live: Live, caller: Actor, data: dict[str, Any]) -> None:
    signal = data.get("data")
    if not isinstance(signal, dict) or not live.view.state.consented:
        return
    leg = int(signal.get("leg", 0))
    media = s.media_for(live)
    if signal["type"] == "offer":
        answer = await media.offer(leg, str(signal["sdp"]))
        live.log("leg", leg=leg, segment=media.segment + 1)
        await s.send(
            {
                "t": "signal",
                "id": str(live.view.id),
                "data": {"type": "answer", "sdp": answer, "leg": leg},
            }
        )
    elif signal["type"] == "candidate":
        await media.candidate(leg, signal.get("candidate"))


async def chat(s: LiveSessions, live: Live, caller: Actor, data: dict[str, Any]) -> None:
    msg_id = uuid.UUID(str(data["msg_id"]))
    text = str(data.get("text", ""))[: s.settings.chat_max_chars]
    message, new = await s.core.store.write(
        s.citizen.add_message,
        caller,
        live.view.id,
        Direction.FROM_CALLER,
        text,
        s.core.clock(),
        message_id=msg_id,
    )
    await s.send({"t": "acked", "id": str(live.view.id), "msg_id": str(msg_id)})
    if new:
        live.log("chat", direction="caller", text=text, id=str(msg_id))
        s.listener.on_chat(live.view.id, message)


async def delivered(s: LiveSessions, live: Live, caller: Actor, data: dict[str, Any]) -> None:
    msg_id = str(data.get("msg_id", ""))
    if live.undelivered.pop(msg_id, None) is not None:
        s.listener.on_delivered(live.view.id, uuid.UUID(msg_id))


async def gps(s: LiveSessions, live: Live, caller: Actor, data: dict[str, Any]) -> None:
    at_ms = float(data.get("at") or 0.0)
    at = datetime.fromtimestamp(at_ms / 1000, UTC) if at_ms > 0 else datetime.now(UTC)
    fix = Fix(
        incident_id=live.view.incident_id,
        lat=float(data["lat"]),
        lon=float(data["lon"]),
        accuracy_m=data.get("acc"),
        at=at,
        origin="citizen-session",
    )
    try:
        s.core.locations.report(fix)
    except PositionError as exc:
        logger.warning("a caller's GPS fix was refused: %s", exc)
        return
    live.log("gps", lat=fix.lat, lon=fix.lon, acc=fix.accuracy_m, device_at=at_ms)
    s.listener.on_fix(live.view.id, fix)


async def dark(s: LiveSessions, live: Live, caller: Actor, data: dict[str, Any]) -> None:
    live.dark = data.get("on") is True
    if live.view.state in (SessionState.LIVE, SessionState.DARK, SessionState.CONSENTED):
        state = SessionState.DARK if live.dark else SessionState.LIVE
        await s.move(caller, live, state, by="caller")


async def end(s: LiveSessions, live: Live, caller: Actor, data: dict[str, Any]) -> None:
    live.dark = False
    await s.move(caller, live, SessionState.PAUSED, by="caller")


async def upload(s: LiveSessions, live: Live, caller: Actor, data: dict[str, Any]) -> None:
    upload_id = str(data.get("upload_id", ""))
    assert s.link is not None
    url = s.link.url.rsplit("/desk", 1)[0].replace("ws", "http", 1)
    async with s.link.http.get(
        f"{url}/desk/uploads/{upload_id}", headers=s.link.auth_headers(), ssl=s.link.ssl
    ) as response:
        if response.status != 200:
            logger.warning("an upload could not be fetched (%s)", response.status)
            return
        body = await response.read()
    what = sniff(body[:32])
    if what is None or hashlib.sha256(body).hexdigest() != data.get("sha256"):
        logger.warning("an upload arrived damaged or is not a photo or video; not kept")
        return
    kind = MediaKind.PHOTO if what[0] == "photo" else MediaKind.VIDEO
    name = f"{kind.value}-{uuid.uuid4().hex[:12]}{EXTENSIONS[what[1]]}"
    media = await s.files.store(caller, live, kind, name, body, what[1])
    await s.send({"t": "upload-done", "upload_id": upload_id})
    live.log("upload", media=str(media.id), mime=what[1], size=len(body))


async def refused(s: LiveSessions, live: Live, caller: Actor, data: dict[str, Any]) -> None:
    reason = str(data.get("reason", ""))[:32]
    await s.core.store.write(s.citizen.refused, caller, live.view.id, reason, s.core.clock())
    live.log("refused", reason=reason)


async def invite_refused(s: LiveSessions, live: Live, caller: Actor, data: dict[str, Any]) -> None:
    logger.warning("the gateway refused an invite (%s)", data.get("reason"))
    await s.move(s.core.system_actor(), live, SessionState.REVOKED, by="gateway")


async def media_state(s: LiveSessions, live: Live, caller: Actor, data: dict[str, Any]) -> None:
    live.log("media", state=str(data.get("state")))


HANDLERS: dict[str, Handler] = {
    "opened": opened,
    "presence": presence,
    "consent": consent,
    "signal": signal_,
    "chat": chat,
    "delivered": delivered,
    "gps": gps,
    "dark": dark,
    "end": end,
    "upload": upload,
    "refused": refused,
    "invite-refused": invite_refused,
    "media": media_state,
}
