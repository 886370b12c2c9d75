"""The desk link at the gateway: each workstation's authenticated websocket.

A desk proves itself with the shared secret (``Authorization: Bearer ...``) and names itself
(``X-Workstation``). On every connect it registers all of its live invites; messages from phones
for a desk that is away wait in its queue until it is back. A desk may act only on its own
invites.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from dispatch_desk.gateway import protocol, tokens
from dispatch_desk.gateway.registry import OPEN_STATES, Invite, Refusal

if TYPE_CHECKING:
    from dispatch_desk.gateway.app import Gateway

logger = logging.getLogger(__name__)

QUEUE_LIMIT = 2000
FINAL = ("ended", "revoked", "expired", "declined")


class DeskLinks:
    def __init__(self, gateway: Gateway) -> None:
        self.gw = gateway
        self.sockets: dict[str, web.WebSocketResponse] = {}
        self.queues: dict[str, asyncio.Queue[dict[str, Any]]] = {}
        self.registered: set[str] = set()  # desks that have registered since the start
        self.text_desks: set[str] = set()  # desks taking incoming texts on their current link

    def connected(self) -> list[str]:
        return sorted(d for d, ws in self.sockets.items() if not ws.closed)

    def _desk_of(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        secret = self.gw.config.desk_secret
        if not secret or not header.startswith("Bearer "):
            return None
        if not tokens.same(header[len("Bearer ") :], secret):
            return None
        desk = request.headers.get("X-Workstation", "").strip()
        return desk if 0 < len(desk) <= 64 else None

    # -- to the desk

    def send(self, invite: Invite, message: dict[str, Any], *, coalesce: str = "") -> None:
        queue = self.queues.setdefault(invite.desk, asyncio.Queue())
        if queue.qsize() >= QUEUE_LIMIT:
            logger.warning(
                "desk %s is not reading; a %s message was dropped", invite.desk, message["t"]
            )
            return
        queue.put_nowait(message)

    def refused(self, invite: Invite, reason: Refusal) -> None:
        self.send(invite, {"t": "refused", "id": invite.id, "reason": reason.value})

    async def _writer(self, desk: str, ws: web.WebSocketResponse) -> None:
        queue = self.queues.setdefault(desk, asyncio.Queue())
        while not ws.closed:
            message = await queue.get()
            try:
                await ws.send_str(protocol.encode(message))
            except (ConnectionError, RuntimeError):
                # Keep it for the next connection: put it back at the front.
                rest = [message]
                while not queue.empty():
                    rest.append(queue.get_nowait())
                for item in rest:
                    queue.put_nowait(item)
                return

    # -- the link

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        desk = self._desk_of(request)
        if desk is None:
            logger.warning("desk link refused: bad or missing credentials from %s", request.remote)
            raise web.HTTPUnauthorized(text="desk credentials required")
        ws = web.WebSocketResponse(heartbeat=5.0, max_msg_size=protocol.MAX_MESSAGE_BYTES)
        await ws.prepare(request)
        previous = self.sockets.get(desk)
        self.sockets[desk] = ws
        if previous is not None and not previous.closed:
            await previous.close(message=b"replaced")
        logger.info("desk %s connected", desk)
        writer: asyncio.Task[None] | None = None
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    break
                data = protocol.decode(message.data)
                if data is None:
                    continue
                await self._from_desk(desk, data)
                if writer is None and data["t"] == "register":
                    # Only after registering: what waited for this desk refers to its invites.
                    writer = asyncio.ensure_future(self._writer(desk, ws))
        finally:
            if writer is not None:
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writer
            if self.sockets.get(desk) is ws:
                del self.sockets[desk]
                self.text_desks.discard(desk)
            logger.info("desk %s disconnected", desk)
        return ws

    async def send_texts(self, entries: list[dict[str, Any]]) -> bool:
        """Hand incoming texts to one desk that takes them; False when none is connected."""
        for desk in sorted(self.text_desks):
            ws = self.sockets.get(desk)
            if ws is None or ws.closed:
                continue
            try:
                await ws.send_str(protocol.encode({"t": "texts", "entries": entries}))
            except (ConnectionError, RuntimeError):
                continue
            return True
        return False

    async def _from_desk(self, desk: str, data: dict[str, Any]) -> None:
        kind = data["t"]
        if kind == "texts-ready":
            self.text_desks.add(desk)
            self.gw.texts.wake()
            return
        if kind == "texts-ack":
            ids = data.get("ids")
            if isinstance(ids, list):
                good = [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]
                await self.gw.texts.acked(good)
            return
        if kind == "register":
            await self._register(desk, data.get("invites"))
            return
        if kind == "invite":
            invite = data.get("invite")
            if not self.gw.invite_limits.allow(desk):
                await self._reply(
                    desk, {"t": "invite-refused", "id": _id(invite), "reason": "rate"}
                )
                return
            if isinstance(invite, dict) and self._put(desk, invite):
                await self._reply(desk, {"t": "invited", "id": invite["id"]})
            return
        if kind == "upload-done":
            upload_id = str(data.get("upload_id", ""))
            upload = self.gw.phones.uploads.get(upload_id)
            if upload is not None and self._owns(desk, upload.invite_id):
                self.gw.phones.forget_upload(upload_id)
            return
        invite_id = str(data.get("id", ""))
        invite = self.gw.registry.get(invite_id)
        if invite is None or invite.desk != desk:
            return
        if kind == "state":
            state = data.get("state")
            if not isinstance(state, str):
                return
            self.gw.registry.set_state(invite.id, state)
            if state in FINAL:
                await self.gw.phones.hang_up(invite.id, {"t": "ended", "by": state})
        elif kind == "signal":
            signal = protocol.signal_data(data.get("data"))
            if signal is not None:
                await self.gw.phones.to_phone(invite, {"t": "signal", "data": signal}, keep=False)
        elif kind == "chat":
            msg_id = protocol.message_id(data.get("msg_id"))
            text = protocol.clean_text(data.get("text"), 20000)
            if msg_id and text:
                message = {"t": "chat", "id": msg_id, "text": text, "at": data.get("at")}
                await self.gw.phones.to_phone(invite, message, keep=True)
        elif kind == "acked":
            msg_id = protocol.message_id(data.get("msg_id"))
            if msg_id:
                await self.gw.phones.to_phone(invite, {"t": "acked", "id": msg_id}, keep=True)

    async def _reply(self, desk: str, message: dict[str, Any]) -> None:
        ws = self.sockets.get(desk)
        if ws is not None and not ws.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(protocol.encode(message))

    def _owns(self, desk: str, invite_id: str) -> bool:
        invite = self.gw.registry.get(invite_id)
        return invite is not None and invite.desk == desk

    def _put(self, desk: str, entry: dict[str, Any]) -> bool:
        try:
            invite_id = str(entry["id"])
            token_hash = str(entry["token_hash"])
            state = str(entry.get("state", "invited"))
            expires = entry.get("expires_in_s")
            expires_in_s = None if expires is None else float(expires)
        except (KeyError, TypeError, ValueError):
            logger.warning("desk %s sent an invite that is not well formed", desk)
            return False
        if len(token_hash) != 64:
            return False
        existing = self.gw.registry.get(invite_id)
        if existing is not None and existing.desk != desk:
            logger.warning("desk %s tried to take over another desk's invite", desk)
            return False
        device_hash = entry.get("device_hash")
        self.gw.registry.put(
            invite_id=invite_id,
            token_hash=token_hash,
            kind=str(entry.get("kind", "video")),
            language=str(entry.get("language", "en"))[:8],
            desk=desk,
            state=state,
            device_hash=str(device_hash) if device_hash else None,
            expires_in_s=expires_in_s,
        )
        return True

    async def _register(self, desk: str, entries: Any) -> None:
        if not isinstance(entries, list):
            return
        listed = set()
        for entry in entries:
            if isinstance(entry, dict) and self._put(desk, entry):
                listed.add(str(entry["id"]))
        for invite in self.gw.registry.of_desk(desk):
            if invite.id not in listed and invite.state in OPEN_STATES:
                # The desk no longer has it open (ended while we were apart): so is the link.
                self.gw.registry.set_state(invite.id, "ended")
                await self.gw.phones.hang_up(invite.id, {"t": "ended", "by": "ended"})
        self.registered.add(desk)
        await self._reply(desk, {"t": "registered", "count": len(listed)})

    async def fetch_upload(self, request: web.Request) -> web.StreamResponse:
        desk = self._desk_of(request)
        if desk is None:
            raise web.HTTPUnauthorized(text="desk credentials required")
        upload = self.gw.phones.uploads.get(request.match_info["upload_id"])
        if upload is None or not self._owns(desk, upload.invite_id):
            raise web.HTTPNotFound()
        return web.FileResponse(
            upload.path, headers={"Content-Type": upload.mime, "X-SHA256": upload.sha256}
        )

    async def close_all(self) -> None:
        for ws in list(self.sockets.values()):
            await ws.close(code=1001, message=b"gateway stopping")
        self.sockets.clear()


def _id(entry: Any) -> str:
    return str(entry.get("id", "")) if isinstance(entry, dict) else ""
