"""The desk's end of the desk link: one authenticated websocket to the gateway, kept up.

On every (re)connect the desk registers all of its live invites first, so a gateway that was
restarted knows them again at once. A dropped link is retried with a short back-off; messages
handed to :meth:`DeskLink.send` while it is down are refused (the caller decides what to keep).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from dispatch_desk.gateway import protocol

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]


class DeskLink:
    def __init__(
        self,
        url: str,
        secret: str,
        workstation: str,
        *,
        on_message: Handler,
        registration: Callable[[], Awaitable[list[dict[str, Any]]]],
        on_online: Callable[[bool], None] = lambda online: None,
        retry_max_s: float = 2.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.url = url
        self._secret = secret
        self._workstation = workstation
        self._on_message = on_message
        self._registration = registration
        self._on_online = on_online
        self._retry_max_s = retry_max_s
        self.ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._http: aiohttp.ClientSession | None = None
        self._online = False
        self.connects = 0

    @property
    def online(self) -> bool:
        return self._online

    @property
    def http(self) -> aiohttp.ClientSession:
        assert self._http is not None, "the link is not running"
        return self._http

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._secret}", "X-Workstation": self._workstation}

    async def run(self) -> None:
        """Connect and read until cancelled, reconnecting whenever the link drops."""
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, connect=3))
        delay = 0.1
        try:
            while True:
                try:
                    await self._session()
                    delay = 0.1
                except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                    logger.info("desk link to the gateway unavailable: %s", type(exc).__name__)
                finally:
                    self._set_online(False)
                await asyncio.sleep(delay)
                delay = min(self._retry_max_s, delay * 2)
        finally:
            await self._http.close()

    async def _session(self) -> None:
        assert self._http is not None
        async with self._http.ws_connect(
            self.url, headers=self.auth_headers(), heartbeat=5.0, max_msg_size=0, ssl=self.ssl
        ) as ws:
            self._ws = ws
            invites = await self._registration()
            await ws.send_str(protocol.encode({"t": "register", "invites": invites}))
            self.connects += 1
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                data = protocol.decode(message.data)
                if data is None:
                    continue
                if data["t"] == "registered":
                    self._set_online(True)
                    continue
                try:
                    await self._on_message(data)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("handling a %s message from the gateway failed", data["t"])
        self._ws = None

    def _set_online(self, online: bool) -> None:
        if online != self._online:
            self._online = online
            self._on_online(online)

    async def send(self, message: dict[str, Any]) -> bool:
        ws = self._ws
        if ws is None or ws.closed:
            return False
        try:
            await ws.send_str(protocol.encode(message))
        except (ConnectionError, RuntimeError, aiohttp.ClientError):
            return False
        return True

    async def close(self) -> None:
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
