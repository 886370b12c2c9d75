"""A recording's span sits where its frames were: the end is the desk time of its last frame,
however long finishing the file takes (draining the encoder, closing, hashing a big file)."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from dispatch_desk.desk import DeskCore
from dispatch_desk.live.files import SessionFiles
from dispatch_desk.live.media import SessionMedia
from dispatch_desk.media import recorder
from dispatch_desk.review import timeline
from dispatch_desk.services.citizen import CitizenService
from tests.helpers.core import FakeClock, actor_for, create_incident, invite
from tests.unit.media.test_recorder import _frame

FPS = 25
FINISH_S = 3.0  # desk time that passes while the segment is finished


class _Listener:
    def __init__(self) -> None:
        self.media: list[Any] = []

    def on_media(self, session_id: uuid.UUID, media: Any) -> None:
        self.media.append(media)


def test_span_ends_at_the_last_frame_not_when_finishing_ended(
    core: DeskCore, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dispatcher = actor_for(core, "dispatcher")
    incident = create_incident(core, dispatcher)
    now = clock()
    service = CitizenService(core.incidents)
    view = invite(core, dispatcher, incident.id, now)
    real_finish = recorder.SegmentRecorder.finish

    def slow_finish(self: recorder.SegmentRecorder) -> recorder.Recording | None:
        clock.advance(seconds=FINISH_S)  # the desk's time runs on while the file is finished
        return real_finish(self)

    monkeypatch.setattr(recorder.SegmentRecorder, "finish", slow_finish)
    listener = _Listener()
    stamps = {}

    async def session() -> None:  # the media lives on a running loop, as at the desk
        with ThreadPoolExecutor(2) as io:
            files = SessionFiles(core, service, io, listener)  # type: ignore[arg-type]
            media = SessionMedia(
                core.paths.media_dir / str(view.id),
                [],
                io,
                on_frame=lambda _frame: None,
                on_flowing=lambda: None,
                on_leg_state=lambda _state: None,
                on_recorded=lambda rec, seg, ended: files.recorded(view.id, rec, seg, ended),
                clock=core.clock,
            )
            stamps["first"] = clock()
            for n in range(2 * FPS + 1):  # two seconds of frames, stamped as they arrive
                if n:
                    clock.advance(seconds=1 / FPS)
                media._on_video(_frame(n), n / FPS)
            stamps["last"] = clock()
            await media.stop_leg()
            await media.close()

    asyncio.run(session())
    first, last = stamps["first"], stamps["last"]
    assert clock() >= last + timedelta(seconds=FINISH_S)  # finishing did take that long
    assert len(listener.media) == 1
    line = core.store.write_sync(
        timeline.build, actor_for(core, "supervisor"), incident.id, clock()
    )[0]
    [span] = line.spans
    assert span.end == last
    assert abs((span.start - first).total_seconds()) < 0.002  # duration: first to last frame
