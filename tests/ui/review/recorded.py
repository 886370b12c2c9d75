"""A recorded incident for review tests, made with the desk's own parts: an invite, a real
fragmented-MP4 recording written by the desk's SegmentRecorder (a moving picture, 25 fps), chat,
and the caller's GPS trail, at known instants of a FakeClock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import av

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.citizen import Direction, MediaKind, SessionState
from dispatch_desk.media.recorder import SegmentRecorder
from dispatch_desk.services.citizen import CitizenService, MediaView, caller_actor
from dispatch_desk.services.context import Actor
from dispatch_desk.services.locations import Fix, _store_fix
from tests.helpers.core import FakeClock, create_incident, invite

VIDEO_FROM_S = 10.0  # the recording covers t0+10 s ..
VIDEO_S = 20.0  # .. t0+30 s
FIX_EVERY_S = 4.0
TRAIL_S = 48.0
CHAT_AT_S = (14.0, 26.0, 41.0)


@dataclass
class Recorded:
    incident_id: uuid.UUID
    number: str
    t0: datetime
    media: MediaView
    fixes: list[Fix]
    chat_at: list[datetime]


def write_video(path, seconds: float, fps: int = 25) -> float:  # type: ignore[no-untyped-def]
    recorder = SegmentRecorder(path, queue_limit=100_000)
    width, height = 320, 240
    for index in range(int(seconds * fps) + 1):
        frame = av.VideoFrame(width, height, "yuv420p")
        for number, plane in enumerate(frame.planes):
            if number == 0:  # bright stripes moving right, 4 px a frame
                row = bytes(60 + (x + index * 4) % 64 * 2 for x in range(plane.width))
            else:
                row = bytes([128 + 20 * (number * 2 - 3)]) * plane.width
            plane.update(row.ljust(plane.line_size, b"\0") * plane.height)
        recorder.video(frame, index / fps)
    recording = recorder.finish()
    assert recording is not None
    return recording.duration_s


def make_recorded(
    core: DeskCore,
    clock: FakeClock,
    dispatcher: Actor,
    origin: tuple[float, float] = (42.3601, -71.0589),
) -> Recorded:
    t0 = clock()
    incident = create_incident(core, dispatcher)
    service = CitizenService(core.incidents)
    view = invite(core, dispatcher, incident.id, t0)
    fixes = []
    steps = int(TRAIL_S / FIX_EVERY_S) + 1
    for step in range(steps):
        fix = Fix(
            incident.id,
            origin[0] + step * 0.0002,
            origin[1] + step * 0.0001,
            6.0,
            t0 + timedelta(seconds=step * FIX_EVERY_S),
        )
        core.store.write_sync(_store_fix, fix)
        fixes.append(fix)
    caller = caller_actor(core.workstation)
    for state, second in ((SessionState.OPENED, 2), (SessionState.CONSENTED, 5)):
        core.store.write_sync(service.move, caller, view.id, state, t0 + timedelta(seconds=second))
    chat_at = []
    for index, second in enumerate(CHAT_AT_S):
        at = t0 + timedelta(seconds=second)
        core.store.write_sync(
            service.add_message, caller, view.id, Direction.FROM_CALLER, f"line {index + 1}", at
        )
        chat_at.append(at)
    name = f"{view.id}/video-01.mp4"
    path = core.paths.media_dir / name
    duration = write_video(path, VIDEO_S)
    from dispatch_desk.media.recorder import sha256_of

    media, _ = core.store.write_sync(
        service.add_media,
        core.system_actor(),
        view.id,
        MediaKind.RECORDING,
        t0 + timedelta(seconds=VIDEO_FROM_S) + timedelta(seconds=duration),
        mime="video/mp4",
        size_bytes=path.stat().st_size,
        sha256=sha256_of(path),
        file_name=name,
        duration_s=round(duration, 3),
    )
    ended_at = t0 + timedelta(seconds=TRAIL_S)
    core.store.write_sync(service.move, dispatcher, view.id, SessionState.ENDED, ended_at)
    clock.advance(minutes=5)
    return Recorded(incident.id, incident.number, t0, media, fixes, chat_at)
