"""The media of one live session at the desk: its current WebRTC leg, the recording of each leg,
the newest frame (for the view and for stills) and when it came.

Legs come and go (a phone that lost its network, switched tabs or reloaded offers a new one);
each leg is recorded to its own segment file, numbered by the desk. Each frame recorded is
stamped with the desk's clock as it arrives, and a finished segment is reported with the desk
time of its last frame: finishing the file (draining the encoder, closing, hashing) takes time
that must not move the segment later on the timeline.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from datetime import datetime
from pathlib import Path
from typing import Any

from dispatch_desk.media.frames import FrameConverter, RgbFrame
from dispatch_desk.media.peer import ReceivingPeer
from dispatch_desk.media.recorder import Recording, SegmentRecorder
from dispatch_desk.waits import settle

logger = logging.getLogger(__name__)

FLOWING_AGAIN_AFTER_S = 1.0  # frames after a gap this long: the picture is back


class SessionMedia:
    def __init__(
        self,
        folder: Path,
        ice_servers: list[dict[str, Any]],
        io: Executor,
        *,
        on_frame: Callable[[RgbFrame], None],
        on_flowing: Callable[[], object],
        on_leg_state: Callable[[str], None],
        on_recorded: Callable[[Recording, int, datetime], Awaitable[None]],
        clock: Callable[[], datetime],
        record: bool = True,
    ) -> None:
        self.folder = folder
        self._ice = ice_servers
        self._io = io
        self._on_flowing = on_flowing
        self._on_leg_state = on_leg_state
        self._on_recorded = on_recorded
        self._clock = clock
        self._record = record
        self._converter = FrameConverter(on_frame)
        self.peer: ReceivingPeer | None = None
        self.leg = -1  # the phone's number for its current leg
        self.segment = 0  # the desk's count of recorded segments
        self._recorder: SegmentRecorder | None = None
        self._recorded_until: datetime | None = None  # desk time of the last frame recorded
        self.latest: Any = None  # the newest decoded frame (av.VideoFrame)
        self.last_frame_at = 0.0  # time.monotonic() of the newest frame
        self.frames = 0
        self._leg_frames = 0
        self._finishing: set[asyncio.Task[None]] = set()

    async def offer(self, leg: int, sdp: str) -> str:
        """A new leg: the previous one is closed (and its recording finished), then answered."""
        await self.stop_leg()
        self.leg = leg
        self._leg_frames = 0
        peer = ReceivingPeer(
            leg,
            self._ice,
            on_video=self._on_video,
            on_audio=self._on_audio,
            on_state=lambda state: self._leg_state(peer, state),
        )
        self.peer = peer
        return await peer.answer(sdp)

    async def candidate(self, leg: int, candidate: dict[str, Any] | None) -> None:
        if self.peer is not None and leg == self.leg:
            await self.peer.add_candidate(candidate)

    def _leg_state(self, peer: ReceivingPeer, state: str) -> None:
        if peer is self.peer:
            self._on_leg_state(state)

    def _on_video(self, frame: Any, at: float) -> None:
        gap = at - self.last_frame_at
        self.latest = frame
        self.last_frame_at = at
        self.frames += 1
        self._leg_frames += 1
        if self._record:
            if self._recorder is None:
                # Never over an earlier segment (the caller agreed again, the desk restarted).
                self.segment += 1
                while (self.folder / f"video-{self.segment:02d}.mp4").exists():
                    self.segment += 1
                self._recorder = SegmentRecorder(self.folder / f"video-{self.segment:02d}.mp4")
            self._recorder.video(frame, at)
            self._recorded_until = self._clock()
        self._converter.submit(frame, at)
        if self._leg_frames == 1 or gap > FLOWING_AGAIN_AFTER_S:
            self._on_flowing()

    def _on_audio(self, frame: Any, at: float) -> None:
        if self._recorder is not None:
            self._recorder.audio(frame, at)

    async def stop_leg(self) -> None:
        """Close the current leg; its recording is finished in the background (awaited by
        :meth:`close`)."""
        peer, self.peer = self.peer, None
        recorder, self._recorder = self._recorder, None
        ended, self._recorded_until = self._recorded_until, None
        if peer is not None:
            await peer.close()
        if recorder is not None:
            # the segment ends at its last frame, not when finishing the file is done
            task = asyncio.ensure_future(
                self._finish(recorder, self.segment, ended or self._clock())
            )
            self._finishing.add(task)
            task.add_done_callback(self._finishing.discard)

    async def _finish(self, recorder: SegmentRecorder, segment: int, ended: datetime) -> None:
        loop = asyncio.get_running_loop()
        recording = await loop.run_in_executor(self._io, recorder.finish)
        if recording is not None:
            await self._on_recorded(recording, segment, ended)

    async def close(self, timeout_s: float = 10.0) -> None:
        """Close the leg and wait (bounded) for its recording to be finished and recorded."""
        await self.stop_leg()
        self._converter.close()
        finishing = list(self._finishing)
        try:
            if finishing:
                await settle(finishing, timeout_s)
        finally:
            for task in finishing:
                task.cancel()  # its thread finishes the file regardless
