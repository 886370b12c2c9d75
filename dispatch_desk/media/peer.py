"""One WebRTC leg from a caller's phone: answer its offer, take its trickled ICE candidates,
and hand every decoded video and audio frame on.

The phone always offers (send-only); the desk only answers and never sends media back. aiortc
cannot restart ICE on a live connection, so a phone that loses its path makes a new leg instead.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import candidate_from_sdp

from dispatch_desk.waits import settle

logger = logging.getLogger(__name__)

FrameSink = Callable[[Any, float], None]  # (av frame, time.monotonic() when it arrived)


def rtc_configuration(ice_servers: list[dict[str, Any]]) -> RTCConfiguration:
    servers = [
        RTCIceServer(
            urls=entry["urls"],
            username=entry.get("username"),
            credential=entry.get("credential"),
        )
        for entry in ice_servers
    ]
    return RTCConfiguration(iceServers=servers)


class ReceivingPeer:
    """A peer connection that receives one phone's tracks. ``on_state`` gets aiortc's
    connection states ("connecting", "connected", "failed", "closed")."""

    def __init__(
        self,
        leg: int,
        ice_servers: list[dict[str, Any]],
        *,
        on_video: FrameSink,
        on_audio: FrameSink,
        on_state: Callable[[str], None],
    ) -> None:
        self.leg = leg
        self._pc = RTCPeerConnection(rtc_configuration(ice_servers))
        self._on_video = on_video
        self._on_audio = on_audio
        self._on_state = on_state
        self._readers: set[asyncio.Task[None]] = set()
        self._early: list[dict[str, Any] | None] = []  # candidates before the offer was applied
        self._described = False
        self._closed = False
        self._pc.on("track", self._on_track)
        self._pc.on("connectionstatechange", self._on_connection_state)

    @property
    def state(self) -> str:
        return str(self._pc.connectionState)

    async def answer(self, offer_sdp: str) -> str:
        await self._pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        self._described = True
        for candidate in self._early:
            await self._add(candidate)
        self._early.clear()
        await self._pc.setLocalDescription(await self._pc.createAnswer())
        return str(self._pc.localDescription.sdp)

    async def add_candidate(self, candidate: dict[str, Any] | None) -> None:
        if not self._described:
            self._early.append(candidate)
            return
        await self._add(candidate)

    async def _add(self, candidate: dict[str, Any] | None) -> None:
        if candidate is None:
            await self._pc.addIceCandidate(None)  # type: ignore[arg-type]
            return
        line = str(candidate.get("candidate", ""))
        if not line:
            return
        try:
            parsed = candidate_from_sdp(line.split(":", 1)[1] if ":" in line else line)
        except (ValueError, IndexError):
            logger.info("ignored an ICE candidate that does not parse")
            return
        parsed.sdpMid = candidate.get("sdpMid")
        parsed.sdpMLineIndex = candidate.get("sdpMLineIndex")
        if parsed.sdpMid is None and parsed.sdpMLineIndex is None:
            parsed.sdpMLineIndex = 0
        await self._pc.addIceCandidate(parsed)

    def _on_track(self, track: MediaStreamTrack) -> None:
        sink = self._on_video if track.kind == "video" else self._on_audio
        task = asyncio.ensure_future(self._read(track, sink))
        task.set_name(f"peer-leg{self.leg}-{track.kind}")
        self._readers.add(task)
        task.add_done_callback(self._readers.discard)

    async def _read(self, track: MediaStreamTrack, sink: FrameSink) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            sink(frame, time.monotonic())

    def _on_connection_state(self) -> None:
        if not self._closed:
            self._on_state(self.state)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for task in list(self._readers):
            task.cancel()
        closing = asyncio.ensure_future(self._pc.close())
        if not await settle([closing, *self._readers], 2.0):
            logger.info("a peer connection did not close in time")
        if closing.done() and not closing.cancelled() and closing.exception() is not None:
            logger.info("closing a peer connection failed: %s", closing.exception())
