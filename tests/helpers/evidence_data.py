"""An incident with everything evidence work touches, written as the desk would have stored it:
a live session with a recording, a photo and chat, texts, GPS fixes, a camera viewing and a still,
with the files in the workstation's media folder (their SHA-256 recorded in the rows)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.citizen import Direction, InviteKind, MediaKind, SessionState
from dispatch_desk.domain.enums import CameraOwner, CameraSharing, LocationSource
from dispatch_desk.domain.texting import Purpose, SmsDirection, SmsStatus
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.models import (
    Camera,
    CameraStill,
    CameraViewing,
    CitizenMedia,
    CitizenMessage,
    CitizenSession,
    Location,
    SmsMessage,
)
from tests.helpers.core import create_incident


@dataclass
class Case:
    incident_id: uuid.UUID
    number: str
    session_id: uuid.UUID
    files: dict[str, Path] = field(default_factory=dict)  # kind -> file on this workstation
    rows: dict[str, list[uuid.UUID]] = field(default_factory=dict)  # table -> ids


def _media(
    core: DeskCore, session_id: uuid.UUID, name: str, data: bytes | Path
) -> tuple[str, int, str]:
    """Write (or move into place) a media file; returns (relative name, size, sha256)."""
    folder = core.paths.media_dir / str(session_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(data, Path):
        data.replace(path)
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while piece := handle.read(1 << 20):
                digest.update(piece)
        return str(path.relative_to(core.paths.media_dir)), path.stat().st_size, digest.hexdigest()
    path.write_bytes(data)
    return (
        str(path.relative_to(core.paths.media_dir)),
        len(data),
        hashlib.sha256(data).hexdigest(),
    )


def add_case(
    core: DeskCore,
    actor: Actor,
    at: datetime,
    *,
    closed: bool = True,
    recording: bytes | Path = b"\x00\x00\x00\x18ftypisom fake-but-bytes",
    elsewhere: bool = True,
    video: Path | None = None,
) -> Case:
    """An incident made at ``at`` (closed unless told) with one of each kind of record."""
    summary = create_incident(core, actor, at=at, address=f"{secrets.randbelow(900) + 10} Main St")
    if closed:
        core.store.write_sync(
            core.incidents.close,
            actor,
            summary.id,
            core.profile.dispositions[0],
            at + timedelta(minutes=30),
        )
    session_id = uuid.uuid4()
    case = Case(summary.id, summary.number, session_id)
    rec = _media(core, session_id, "recording-1.mp4", recording)
    photo = _media(
        core, session_id, "photo-1.jpg", b"\xff\xd8\xff\xe0 photo " + secrets.token_bytes(64)
    )
    still = _media(
        core, session_id, "still-cam.jpg", b"\xff\xd8\xff\xe0 still " + secrets.token_bytes(64)
    )
    case.files = {
        "recording": core.paths.media_dir / rec[0],
        "photo": core.paths.media_dir / photo[0],
        "camera-still": core.paths.media_dir / still[0],
    }
    sent = _media(core, session_id, "video-1.mp4", video) if video is not None else None
    if sent is not None:
        case.files["video"] = core.paths.media_dir / sent[0]

    def write(session: Session) -> None:
        session.add(
            CitizenSession(
                id=session_id,
                incident_id=summary.id,
                kind=InviteKind.VIDEO,
                # Over: a live one would come back to its dispatcher's desk at sign-in (a session
                # window, racing a test's focus); evidence is exported from finished sessions.
                state=SessionState.ENDED,
                ended_at=at + timedelta(minutes=10),
                ended_by="dispatcher",
                phone_e164="+16175550101",
                token_hash=secrets.token_hex(32),
                created_at=at,
                expires_at=at + timedelta(minutes=30),
                workstation=core.workstation,
                updated_at=at,
            )
        )
        session.flush()
        media = []
        files = [(MediaKind.RECORDING, rec, "video/mp4"), (MediaKind.PHOTO, photo, "image/jpeg")]
        if sent is not None:
            files.append((MediaKind.VIDEO, sent, "video/mp4"))
        for kind, (name, size, sha), mime in files:
            row = CitizenMedia(
                session_id=session_id,
                incident_id=summary.id,
                kind=kind,
                mime=mime,
                size_bytes=size,
                sha256=sha,
                file_name=name,
                workstation=core.workstation,
                at=at + timedelta(minutes=2),
            )
            media.append(row)
        if elsewhere:  # a recording made on another desk: its file is not here
            media.append(
                CitizenMedia(
                    session_id=session_id,
                    incident_id=summary.id,
                    kind=MediaKind.RECORDING,
                    mime="video/mp4",
                    size_bytes=1234,
                    sha256="ab" * 32,
                    file_name=f"{session_id}/recording-elsewhere.mp4",
                    workstation="other-ws",
                    at=at + timedelta(minutes=3),
                )
            )
        session.add_all(media)
        messages = [
            CitizenMessage(
                session_id=session_id,
                incident_id=summary.id,
                direction=Direction.TO_CALLER,
                text="Are you safe?",
                author_name="Sam Supervisor",
                at=at + timedelta(minutes=1, seconds=10),
            ),
            CitizenMessage(
                session_id=session_id,
                incident_id=summary.id,
                direction=Direction.FROM_CALLER,
                text="Yes, outside now",
                at=at + timedelta(minutes=1, seconds=40),
            ),
        ]
        session.add_all(messages)
        text = SmsMessage(
            direction=SmsDirection.IN,
            purpose=Purpose.CONVERSATION,
            from_e164="+16175550101",
            to_e164="+15005550911",
            body="smoke on 2nd floor",
            status=SmsStatus.RECEIVED,
            idempotency_key=f"in:{uuid.uuid4()}",
            incident_id=summary.id,
            created_at=at + timedelta(minutes=1, seconds=20),
            updated_at=at + timedelta(minutes=1, seconds=20),
        )
        session.add(text)
        fixes = [
            Location(
                incident_id=summary.id,
                source=LocationSource.DEVICE,
                latitude=42.36 + i * 0.0001,
                longitude=-71.06 - i * 0.0001,
                uncertainty_m=5.0 + i,
                recorded_at=at + timedelta(minutes=1, seconds=5 * i),
            )
            for i in range(3)
        ]
        session.add_all(fixes)
        camera = Camera(
            name=f"Cam {secrets.token_hex(3)}",
            latitude=42.36,
            longitude=-71.06,
            heading_deg=None,
            owner=CameraOwner.PUBLIC,
            sharing=CameraSharing.LIVE,
            updated_at=at,
        )
        session.add(camera)
        session.flush()
        viewing = CameraViewing(
            camera_id=camera.id,
            user_id=actor.user_id,
            username=actor.username,
            workstation=core.workstation,
            incident_id=summary.id,
            started_at=at + timedelta(minutes=4),
            ended_at=at + timedelta(minutes=6),
            duration_s=120.0,
        )
        still_row = CameraStill(
            camera_id=camera.id,
            incident_id=summary.id,
            sha256=still[2],
            file_name=still[0],
            size_bytes=still[1],
            width=64,
            height=36,
            taken_by=actor.user_id,
            workstation=core.workstation,
            at=at + timedelta(minutes=5),
        )
        session.add_all([viewing, still_row])
        session.flush()
        case.rows = {
            "citizen_media": [m.id for m in media],
            "citizen_message": [m.id for m in messages],
            "sms_message": [text.id],
            "location": [f.id for f in fixes],
            "camera_viewing": [viewing.id],
            "camera_still": [still_row.id],
        }

    core.store.write_sync(write)
    return case


def one_hour_mp4(path: Path, *, seconds: int = 3600) -> Path:
    """A real fragmented MP4 an hour long (H.264, 64x36 at 1 frame a second), as a recorded
    session's file is fragmented; about 250 KB, made in well under a second."""
    from fractions import Fraction

    import av

    out = av.open(
        str(path),
        "w",
        format="mp4",
        options={"movflags": "frag_keyframe+empty_moov+default_base_moof"},
    )
    stream = out.add_stream("libx264", rate=1)
    stream.width, stream.height, stream.pix_fmt = 64, 36, "yuv420p"
    stream.options = {"preset": "ultrafast", "g": "60"}
    for i in range(seconds):
        frame = av.VideoFrame(64, 36, "yuv420p")
        for n, plane in enumerate(frame.planes):
            plane.update(bytes([(i * (n + 1)) % 256]) * plane.buffer_size)
        frame.pts, frame.time_base = i, Fraction(1, 1)
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
    out.close()
    return path


def big_file(path: Path, size: int) -> Path:
    """A file of ``size`` real bytes (every block written, none sparse): a random MiB repeated."""
    block = secrets.token_bytes(1 << 20)
    with path.open("wb") as handle:
        left = size
        while left > 0:
            handle.write(block[: min(left, len(block))])
            left -= len(block)
    return path
