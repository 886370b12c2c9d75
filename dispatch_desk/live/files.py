"""A live session's files on this workstation: recordings, stills, photos and videos from the
caller, and the session's own log. Each is written off the loop, hashed, and recorded in the
incident (its path relative to the media folder, so the folder can move)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import uuid
from concurrent.futures import Executor
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dispatch_desk.domain.citizen import MediaKind
from dispatch_desk.live.events import LiveListener
from dispatch_desk.live.state import Live
from dispatch_desk.media.recorder import Recording, sha256_of
from dispatch_desk.services.citizen import CitizenService, MediaView, SessionView
from dispatch_desk.services.context import Actor

if TYPE_CHECKING:
    from dispatch_desk.desk import DeskCore


class SessionFiles:
    def __init__(
        self, core: DeskCore, citizen: CitizenService, io: Executor, listener: LiveListener
    ) -> None:
        self.core = core
        self.citizen = citizen
        self._io = io
        self._listener = listener

    def folder(self, view: SessionView) -> Path:
        return self.core.paths.media_dir / str(view.id)

    def relative(self, path: Path) -> str:
        with contextlib.suppress(ValueError):
            return str(path.relative_to(self.core.paths.media_dir))
        return str(path)

    async def store(
        self,
        actor: Actor,
        live: Live,
        kind: MediaKind,
        name: str,
        data: bytes,
        mime: str,
        *,
        detail: str = "",
    ) -> MediaView:
        """Keep ``data`` as a file of the session and record it."""
        path = live.folder / name
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._io, _write_file, path, data)
        media = await self.core.store.write(
            self.citizen.add_media,
            actor,
            live.view.id,
            kind,
            self.core.clock(),
            mime=mime,
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            file_name=self.relative(path),
            detail=detail,
        )
        self._listener.on_media(live.view.id, media)
        return media

    async def recorded(
        self, session_id: uuid.UUID, recording: Recording, segment: int, ended: datetime
    ) -> None:
        """A finished recording segment, recorded in the incident as ending at ``ended`` (the
        desk time of its last frame, taken before the file was finished)."""
        media = await self.core.store.write(
            self.citizen.add_media,
            self.core.system_actor(),
            session_id,
            MediaKind.RECORDING,
            self.core.clock(),
            mime="video/mp4",
            size_bytes=recording.size_bytes,
            sha256=recording.sha256,
            file_name=self.relative(recording.path),
            duration_s=round(recording.duration_s, 3),
            detail=f" (segment {segment})",
            at=ended,
        )
        self._listener.on_media(session_id, media)

    async def close_log(self, live: Live) -> None:
        """Close the session's log, hash it and record it (a later one starts a new file)."""
        log, live.log_file = live.log_file, None
        if log is None:
            return
        log.close()
        loop = asyncio.get_running_loop()
        digest = await loop.run_in_executor(self._io, sha256_of, log.path)
        media = await self.core.store.write(
            self.citizen.add_media,
            self.core.system_actor(),
            live.view.id,
            MediaKind.EVENTS,
            self.core.clock(),
            mime="application/x-ndjson",
            size_bytes=log.path.stat().st_size,
            sha256=digest,
            file_name=self.relative(log.path),
        )
        self._listener.on_media(live.view.id, media)


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
