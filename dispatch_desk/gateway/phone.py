"""The caller's phone at the gateway: claiming a link, its websocket, and its uploads.

A link is bound to the first phone that claims it (a device key in an HttpOnly cookie scoped to
the link's path); every later request must carry that key. Each message from the phone is
checked (:mod:`dispatch_desk.gateway.protocol`) and passed to the desk that owns the link.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from dispatch_desk.gateway import protocol
from dispatch_desk.gateway.registry import CONSENTED_STATES, Invite, Refusal
from dispatch_desk.gateway.sniff import HEAD_BYTES, sniff

if TYPE_CHECKING:
    from dispatch_desk.gateway.app import Gateway

logger = logging.getLogger(__name__)

COOKIE_MAX_AGE_S = 24 * 3600
OUTBOX_LIMIT = 200
# In the order the consent screen lists them.
_SHARES = {
    "video": ("camera", "microphone", "location", "chat", "uploads"),
    "location": ("location", "chat"),
    "photos": ("uploads", "chat"),
}


@dataclass(frozen=True)
class Upload:
    id: str
    invite_id: str
    path: Path
    kind: str
    mime: str
    size: int
    sha256: str


class Phones:
    def __init__(self, gateway: Gateway) -> None:
        self.gw = gateway
        self.sockets: dict[str, web.WebSocketResponse] = {}  # invite id -> the phone's socket
        self.uploads: dict[str, Upload] = {}

    # -- claiming the link

    async def claim(self, request: web.Request) -> web.Response:
        """The page, once its script runs, binds the link to this phone (link previews fetch
        the page but never claim it)."""
        from dispatch_desk.gateway.app import DEVICE_COOKIE

        token = request.match_info["token"]
        found = self.gw.check_link(request, token)
        if isinstance(found, Refusal):
            return web.json_response({"refused": found.value}, status=_status(found))
        key, refusal = self.gw.registry.bind(found, request.cookies.get(DEVICE_COOKIE))
        if refusal is not None:
            self.gw.desks.refused(found, refusal)
            return web.json_response({"refused": refusal.value}, status=403)
        response = web.json_response({"ok": True, "kind": found.kind, "state": found.state})
        if key is not None:
            response.set_cookie(
                DEVICE_COOKIE,
                key,
                path=f"/s/{token}",
                max_age=COOKIE_MAX_AGE_S,
                httponly=True,
                samesite="Strict",
                secure=self.gw.config.secure_cookies,
            )
            if found.state == "invited":
                self.gw.registry.set_state(found.id, "opened")
            self.gw.desks.send(
                found, {"t": "opened", "id": found.id, "device_hash": found.device_hash}
            )
        return response

    def _identify(self, request: web.Request) -> Invite | Refusal:
        from dispatch_desk.gateway.app import DEVICE_COOKIE

        found = self.gw.check_link(request, request.match_info["token"], charge=False)
        if isinstance(found, Refusal):
            return found
        if not self.gw.registry.device_ok(found, request.cookies.get(DEVICE_COOKIE)):
            self.gw.desks.refused(found, Refusal.OTHER_DEVICE)
            return Refusal.OTHER_DEVICE
        return found

    # -- the websocket

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=10.0, max_msg_size=protocol.MAX_MESSAGE_BYTES)
        await ws.prepare(request)
        found = self._identify(request)
        if isinstance(found, Refusal):
            kind = "retry" if found in (Refusal.STARTING, Refusal.BUSY) else "refused"
            await ws.send_str(protocol.encode({"t": kind, "reason": found.value}))
            await ws.close()
            return ws
        invite = found
        previous = self.sockets.get(invite.id)
        self.sockets[invite.id] = ws
        if previous is not None and not previous.closed:
            await previous.close(message=b"replaced")
        await ws.send_str(protocol.encode(self._welcome(invite)))
        for held in invite.outbox:
            await ws.send_str(protocol.encode(held))
        invite.outbox.clear()
        self.gw.desks.send(invite, {"t": "presence", "id": invite.id, "online": True})
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    break
                data = protocol.decode(message.data)
                if data is None:
                    logger.info("dropped a malformed message from a phone")
                    continue
                current = self.gw.registry.get(invite.id)
                if current is None or current.state in ("ended", "revoked", "expired"):
                    break
                self._from_phone(current, data)
        finally:
            if self.sockets.get(invite.id) is ws:
                del self.sockets[invite.id]
                self.gw.desks.send(invite, {"t": "presence", "id": invite.id, "online": False})
        return ws

    def _welcome(self, invite: Invite) -> dict[str, Any]:
        config = self.gw.config
        return {
            "t": "welcome",
            "id": invite.id,
            "kind": invite.kind,
            "state": invite.state,
            "language": invite.language,
            "shares": list(_SHARES.get(invite.kind, ())),
            "ice": list(config.ice_servers),
            "upload_max": config.upload_max_bytes,
            "chat_max": config.chat_max_chars,
        }

    def _from_phone(self, invite: Invite, data: dict[str, Any]) -> None:
        kind = data["t"]
        shares = _SHARES.get(invite.kind, ())
        consented = invite.state in CONSENTED_STATES
        if kind == "consent":
            if invite.state not in ("opened", "paused", "invited"):
                return
            accept = data.get("accept") is True
            self.gw.registry.set_state(invite.id, "consented" if accept else "declined")
            self.gw.desks.send(invite, {"t": "consent", "id": invite.id, "accept": accept})
        elif kind == "signal" and consented and "camera" in shares:
            signal = protocol.signal_data(data.get("data"))
            if signal is not None:
                self.gw.desks.send(invite, {"t": "signal", "id": invite.id, "data": signal})
        elif kind == "chat" and "chat" in shares and invite.state not in ("invited",):
            msg_id = protocol.message_id(data.get("id"))
            text = protocol.clean_text(data.get("text"), self.gw.config.chat_max_chars)
            if msg_id and text:
                self.gw.desks.send(
                    invite, {"t": "chat", "id": invite.id, "msg_id": msg_id, "text": text}
                )
        elif kind == "gps" and consented and "location" in shares:
            fix = protocol.gps(data)
            if fix is not None:
                self.gw.desks.send(invite, {"t": "gps", "id": invite.id, **fix}, coalesce="gps")
        elif kind == "dark" and consented:
            on = data.get("on") is True
            self.gw.registry.set_state(invite.id, "dark" if on else "live")
            self.gw.desks.send(invite, {"t": "dark", "id": invite.id, "on": on})
        elif kind == "end" and consented:
            self.gw.registry.set_state(invite.id, "paused")
            self.gw.desks.send(invite, {"t": "end", "id": invite.id})
        elif kind == "delivered":
            msg_id = protocol.message_id(data.get("id"))
            if msg_id:
                self.gw.desks.send(invite, {"t": "delivered", "id": invite.id, "msg_id": msg_id})
        elif kind == "media" and consented and data.get("state") in ("connected", "failed"):
            self.gw.desks.send(invite, {"t": "media", "id": invite.id, "state": data["state"]})

    async def to_phone(self, invite: Invite, message: dict[str, Any], *, keep: bool) -> bool:
        """Send to the phone now; if it is away and ``keep``, hold it until it is back."""
        ws = self.sockets.get(invite.id)
        if ws is not None and not ws.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(protocol.encode(message))
                return True
        if keep and len(invite.outbox) < OUTBOX_LIMIT:
            invite.outbox.append(message)
        return False

    async def hang_up(self, invite_id: str, message: dict[str, Any]) -> None:
        ws = self.sockets.pop(invite_id, None)
        if ws is not None and not ws.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(protocol.encode(message))
            await ws.close()

    async def drop_all_connections(self) -> None:
        """Close every phone's socket (as a network drop would); phones reconnect by themselves."""
        for ws in list(self.sockets.values()):
            await ws.close(code=1012, message=b"network")

    async def close_all(self) -> None:
        for ws in list(self.sockets.values()):
            await ws.close(code=1001, message=b"gateway stopping")
        self.sockets.clear()

    # -- uploads

    async def upload(self, request: web.Request) -> web.Response:
        found = self._identify(request)
        if isinstance(found, Refusal):
            return web.json_response({"refused": found.value}, status=_status(found))
        invite = found
        if invite.state not in CONSENTED_STATES or "uploads" not in _SHARES.get(invite.kind, ()):
            return web.json_response({"error": "not-allowed"}, status=403)
        if not self.gw.upload_limits.allow(invite.id):
            return web.json_response({"error": "too-many"}, status=429)
        limit = self.gw.config.upload_max_bytes
        if request.content_length is not None and request.content_length > limit:
            return web.json_response({"error": "too-large", "max": limit}, status=413)
        upload_id = str(uuid.uuid4())
        path = self.gw.spool / f"{upload_id}.part"
        digest = hashlib.sha256()
        size = 0
        head = b""
        what: tuple[str, str] | None = None
        try:
            with path.open("wb") as out:
                async for chunk in request.content.iter_chunked(64 * 1024):
                    size += len(chunk)
                    if size > limit:
                        return web.json_response({"error": "too-large", "max": limit}, status=413)
                    if what is None:
                        head += chunk
                        if len(head) >= HEAD_BYTES:
                            what = sniff(head)
                            if what is None:
                                return web.json_response({"error": "not-a-photo"}, status=415)
                    digest.update(chunk)
                    out.write(chunk)
            if what is None:
                what = sniff(head) if head else None
                if what is None:
                    return web.json_response({"error": "not-a-photo"}, status=415)
            done = Upload(upload_id, invite.id, path, what[0], what[1], size, digest.hexdigest())
            self.uploads[upload_id] = done
        finally:
            if upload_id not in self.uploads:
                path.unlink(missing_ok=True)
        self.gw.desks.send(
            invite,
            {
                "t": "upload",
                "id": invite.id,
                "upload_id": upload_id,
                "kind": done.kind,
                "mime": done.mime,
                "size": done.size,
                "sha256": done.sha256,
            },
        )
        return web.json_response({"ok": True, "kind": done.kind, "size": done.size})

    def forget_upload(self, upload_id: str) -> None:
        upload = self.uploads.pop(upload_id, None)
        if upload is not None:
            upload.path.unlink(missing_ok=True)


def _status(reason: Refusal) -> int:
    return {Refusal.BUSY: 429, Refusal.STARTING: 503}.get(reason, 403)
