"""Typed ORM models of the local cache (and, later, the central database).

Every key is a UUID made where the row is created, never a sequence, so that rows made on a
workstation that is offline can never collide with rows made elsewhere.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Enum,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    Uuid,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dispatch_desk.domain.citizen import Direction, InviteKind, MediaKind, SessionState
from dispatch_desk.domain.enums import (
    CallKind,
    CameraOwner,
    CameraSharing,
    Discipline,
    IncidentStatus,
    LocationSource,
    Role,
    UnitStatus,
)
from dispatch_desk.domain.texting import Purpose, SmsDirection, SmsStatus
from dispatch_desk.storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum(kind: type[StrEnum]) -> Enum:
    return Enum(
        kind,
        native_enum=False,
        length=20,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


_v7_lock = threading.Lock()
_last_v7 = [0, 0]  # (milliseconds, counter) of the last id made in this process


def new_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): time-ordered, so rows made in one transaction keep their order and
    indexes stay compact; 62 random bits keep ids from different workstations apart."""
    ms = time.time_ns() // 1_000_000
    with _v7_lock:
        last_ms, counter = _last_v7
        if ms <= last_ms:
            ms, counter = last_ms, counter + 1
            if counter > 0xFFF:
                ms, counter = last_ms + 1, 0
        else:
            counter = 0
        _last_v7[:] = [ms, counter]
    value = (ms << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | secrets.randbits(62)
    return uuid.UUID(int=value)


_STABLE = uuid.UUID("5b0e3c1e-8f0a-4c39-9d1e-1d15ea7c0911")


def stable_id(kind: str, key: str) -> uuid.UUID:
    """The same id on every workstation for a thing known by name (a unit's call sign, a user's
    name), so that two workstations creating it independently create the same row."""
    return uuid.uuid5(_STABLE, f"{kind}:{key}")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy's documented class attribute
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(),
        Role: _enum(Role),
        IncidentStatus: _enum(IncidentStatus),
        UnitStatus: _enum(UnitStatus),
        CallKind: _enum(CallKind),
        LocationSource: _enum(LocationSource),
        Discipline: _enum(Discipline),
        CameraOwner: _enum(CameraOwner),
        CameraSharing: _enum(CameraSharing),
    }


@event.listens_for(Base, "init", propagate=True)
def _id_at_construction(target: Base, _args: Any, kwargs: dict[str, Any]) -> None:
    # The id exists from construction, so services can refer to a row before any flush.
    if "id" in type(target).__table__.c:
        kwargs.setdefault("id", new_id())


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[Role]
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]


class Caller(Base):
    __tablename__ = "caller"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    phone_e164: Mapped[str | None] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]


class Incident(Base):
    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_open_by_address", "status", "address_key", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    type_code: Mapped[str] = mapped_column(String(16))
    apco_code: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int]
    status: Mapped[IncidentStatus] = mapped_column(index=True)
    address: Mapped[str] = mapped_column(String(300))
    address_key: Mapped[str] = mapped_column(String(300), index=True)
    disposition: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    workstation: Mapped[str] = mapped_column(String(64))
    # Where the incident is, as accepted by the dispatcher (the location rows keep every report).
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    location_source: Mapped[LocationSource | None]


class Call(Base):
    """One contact about an incident: a phone call, a text conversation or a video session."""

    __tablename__ = "call"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), index=True)
    caller_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("caller.id"))
    kind: Mapped[CallKind]
    ani_e164: Mapped[str | None] = mapped_column(String(16), index=True)
    callback_e164: Mapped[str | None] = mapped_column(String(16), index=True)
    ali_text: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    taken_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    workstation: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    # The ALI class of service (WPH1/WPH2 wireless, RESD/BUSN wireline, VOIP...); "" unknown.
    class_of_service: Mapped[str] = mapped_column(String(8), default="", server_default="")


class Location(Base):
    __tablename__ = "location"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), index=True)
    call_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("call.id"))
    source: Mapped[LocationSource]
    address: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    uncertainty_m: Mapped[float | None]
    accepted: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[datetime]


class Unit(Base):
    __tablename__ = "unit"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    call_sign: Mapped[str] = mapped_column(String(20), unique=True)
    discipline: Mapped[Discipline]
    station: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[UnitStatus]
    incident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("incident.id"))
    status_changed_at: Mapped[datetime]
    latitude: Mapped[float | None]  # last known position: AVL, or the station when none
    longitude: Mapped[float | None]
    position_at: Mapped[datetime | None]


class Camera(Base):
    """A camera the centre knows of: position and view for the map, streams for the wall.

    Stream addresses never carry passwords; ``credential_ref`` names an entry in the
    workstation's credential store."""

    __tablename__ = "camera"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), index=True)
    latitude: Mapped[float]
    longitude: Mapped[float]
    heading_deg: Mapped[float | None]  # where it looks, clockwise from north; None: dome/360
    fov_deg: Mapped[float] = mapped_column(default=60.0)
    owner: Mapped[CameraOwner]
    sharing: Mapped[CameraSharing]
    main_url: Mapped[str] = mapped_column(String(500), default="")
    sub_url: Mapped[str] = mapped_column(String(500), default="")
    credential_ref: Mapped[str] = mapped_column(String(120), default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime]


class UnitStatusEvent(Base):
    __tablename__ = "unit_status_event"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"), index=True)
    incident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("incident.id"), index=True)
    status: Mapped[UnitStatus]
    at: Mapped[datetime]
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    workstation: Mapped[str] = mapped_column(String(64))


class Assignment(Base):
    __tablename__ = "assignment"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"), index=True)
    assigned_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]
    assigned_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))


class NarrativeEntry(Base):
    __tablename__ = "narrative_entry"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), index=True)
    at: Mapped[datetime]
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    author_name: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)


class AuditEvent(Base):
    """Who did what, when, from which workstation, with what outcome. Append-only."""

    __tablename__ = "audit_event"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    username: Mapped[str] = mapped_column(String(64))
    workstation: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(32), default="")
    entity_id: Mapped[str] = mapped_column(String(36), default="", index=True)
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    # The hash chain of this workstation's events (dispatch_desk.audit.chain).
    seq: Mapped[int | None]
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_event_chain", "workstation", "seq"),)


class NumberBlock(Base):
    """A block of incident numbers this workstation may hand out (leased centrally later)."""

    __tablename__ = "number_block"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    year: Mapped[int]
    next_value: Mapped[int]
    last_value: Mapped[int]
    source: Mapped[str] = mapped_column(String(16), default="local")


# -- Sync bookkeeping, kept on every database (local caches and central alike).


class SyncOutbox(Base):
    """A local change waiting to reach the central database, written in the same transaction as
    the change itself, so a change is either both stored and queued or neither."""

    __tablename__ = "sync_outbox"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 - a seq is never reused

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(32))
    row_id: Mapped[uuid.UUID]
    hlc: Mapped[str] = mapped_column(String(96))
    fields: Mapped[str] = mapped_column(Text)  # JSON list of the columns this change set
    row: Mapped[str] = mapped_column(Text)  # JSON of the whole row after the change


class RowClock(Base):
    """The hybrid-logical-clock stamp of every field of a synced row: which write it holds."""

    __tablename__ = "sync_row_clock"

    table_name: Mapped[str] = mapped_column(String(32), primary_key=True)
    row_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    clocks: Mapped[str] = mapped_column(Text)  # JSON {field: hlc}; "*" for fields not listed


class SyncState(Base):
    """Small facts the sync engine keeps between runs: the pull cursor, enrolment, the clock."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# -- Citizen live sessions: the invite and its session, chat, and media, tied to an incident.


class CitizenSession(Base):
    """One invite link and the session it leads to: one incident, one caller, one phone.

    The link's token is kept only as its SHA-256; the phone is known by the hash of the device
    key the gateway gave it when it first opened the link."""

    __tablename__ = "citizen_session"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), index=True)
    kind: Mapped[InviteKind] = mapped_column(_enum(InviteKind))
    state: Mapped[SessionState] = mapped_column(_enum(SessionState), index=True)
    phone_e164: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8), default="en")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    opened_at: Mapped[datetime | None]
    consented_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str] = mapped_column(String(16), default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    workstation: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class CitizenMessage(Base):
    """A chat line of a live session, either way; kept as plain text, shown inert."""

    __tablename__ = "citizen_message"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizen_session.id"), index=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), index=True)
    direction: Mapped[Direction] = mapped_column(_enum(Direction))
    text: Mapped[str] = mapped_column(Text)
    author_name: Mapped[str] = mapped_column(String(128), default="")
    at: Mapped[datetime]


class CitizenMedia(Base):
    """A file of a live session: a photo or video the caller sent, a still, a recording.

    The file stays on the workstation that received it (``file_name`` is relative to its media
    folder); the row, with the file's SHA-256, is what the rest of the centre sees."""

    __tablename__ = "citizen_media"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizen_session.id"), index=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), index=True)
    kind: Mapped[MediaKind] = mapped_column(_enum(MediaKind))
    mime: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(300))
    workstation: Mapped[str] = mapped_column(String(64))
    duration_s: Mapped[float | None]
    at: Mapped[datetime]
    opened_at: Mapped[datetime | None]  # first time a dispatcher chose to look at it


# -- Texting: every text in and out (the outbox is this table), and who said STOP.


class SmsMessage(Base):
    """One text, either way. Outgoing rows are the outbox: ``queued`` rows whose
    ``next_attempt_at`` has come are sent by the workstation that made them (``workstation``).

    The id of an outgoing text is derived from its idempotency key and that of an incoming one
    from the provider's MessageSid, so the same text made on two workstations is one row."""

    __tablename__ = "sms_message"
    __table_args__ = (Index("ix_sms_message_due", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    direction: Mapped[SmsDirection] = mapped_column(_enum(SmsDirection))
    purpose: Mapped[Purpose] = mapped_column(_enum(Purpose))
    from_e164: Mapped[str] = mapped_column(String(32), default="")
    to_e164: Mapped[str] = mapped_column(String(32), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[SmsStatus] = mapped_column(_enum(SmsStatus))
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    error_code: Mapped[str] = mapped_column(String(16), default="")
    error_message: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    sending_at: Mapped[datetime | None]  # when the last attempt was handed to the provider
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    incident_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    user_id: Mapped[uuid.UUID | None]
    media_count: Mapped[int] = mapped_column(default=0)
    workstation: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SmsConsent(Base):
    """A number's last STOP or START, remembered for good (carriers require it). Keyed by a
    stable id of the number, so two workstations hearing the same STOP make the same row."""

    __tablename__ = "sms_consent"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    phone_e164: Mapped[str] = mapped_column(String(32), unique=True)
    opted_out: Mapped[bool] = mapped_column(default=False)
    keyword: Mapped[str] = mapped_column(String(32), default="")
    changed_at: Mapped[datetime]


# -- Texting rules: per-incident texting state, timers, surveys and text-to-911 conversations.


class TextingState(Base):
    """Whether and where an incident's caller gets status texts, and why not. One row per
    incident (a stable id, so two workstations make the same row); ``sender`` is the one
    workstation that sends this incident's texts."""

    __tablename__ = "incident_texting"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), unique=True)
    phone_e164: Mapped[str | None] = mapped_column(String(32), index=True)
    mobile: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(8), default="")
    in_progress: Mapped[bool] = mapped_column(default=False)
    # True once a person said whether the call is in progress (the intake's box, or the
    # dispatcher's control); until then the incident type's own flag decides, as it changes.
    in_progress_set: Mapped[bool] = mapped_column(default=False)
    suppressed: Mapped[bool] = mapped_column(default=False)
    suppressed_by: Mapped[str] = mapped_column(String(128), default="")
    suppressed_reason: Mapped[str] = mapped_column(String(300), default="")
    suppressed_at: Mapped[datetime | None]
    sender: Mapped[str] = mapped_column(String(64), default="")
    finished: Mapped[bool] = mapped_column(default=False, index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TextTimer(Base):
    """A text due later (a delay notice): kept on the sending workstation, so it survives a
    restart; ``done_at`` is set once, whether it was sent, skipped or cancelled."""

    __tablename__ = "text_timer"
    __table_args__ = (Index("ix_text_timer_due", "done_at", "due_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), index=True)
    rule: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(16), default="")


class Survey(Base):
    """The one survey of an incident: scheduled at close, sent when due, answered by reply."""

    __tablename__ = "survey"
    __table_args__ = (Index("ix_survey_due", "state", "due_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), unique=True)
    phone_e164: Mapped[str] = mapped_column(String(32), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    state: Mapped[str] = mapped_column(String(16))  # scheduled|sent|answered|cancelled
    due_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    score: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(String(200), default="")  # why cancelled, plainly
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SmsConversation(Base):
    """A text-to-911 conversation with one number: waiting for a call-taker, held, closed."""

    __tablename__ = "sms_conversation"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    phone_e164: Mapped[str] = mapped_column(String(32), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)  # waiting|active|closed
    holder_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    holder_name: Mapped[str] = mapped_column(String(128), default="")
    incident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("incident.id"), index=True)
    started_by: Mapped[str] = mapped_column(String(16))  # caller|centre
    language: Mapped[str] = mapped_column(String(8), default="en")
    center_e164: Mapped[str] = mapped_column(String(32), default="")
    opened_at: Mapped[datetime]
    last_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    workstation: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime]


# -- The camera wall: who watched which camera and why, saved wall views, stills for incidents.


class CameraViewing(Base):
    """One time a camera was shown on a wall: who, which camera, from when to when, and why
    (an incident or a stated purpose). Opened when the tile starts showing it, closed when it
    stops; a viewing never closed (a crash) keeps ``ended_at`` empty."""

    __tablename__ = "camera_viewing"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("camera.id"), index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    username: Mapped[str] = mapped_column(String(64))
    workstation: Mapped[str] = mapped_column(String(64))
    incident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("incident.id"), index=True)
    purpose: Mapped[str] = mapped_column(Text, default="")
    stream: Mapped[str] = mapped_column(String(8), default="sub")  # "sub" or "main" at opening
    started_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]
    duration_s: Mapped[float | None]


class WallView(Base):
    """A saved, named wall view: its grid and which camera (or sequence) is in which tile, as
    JSON. Stored in the database so it follows the dispatcher to any workstation."""

    __tablename__ = "wall_view"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    spec: Mapped[str] = mapped_column(Text)  # JSON, see dispatch_desk.cameras.views
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    workstation: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class CameraStill(Base):
    """A frame from a wall tile attached to an incident: a JPEG in the media folder of the
    workstation that took it, with its SHA-256. Its own table, not CitizenMedia: that row
    belongs to a caller's live session (``session_id`` is required), a camera still does not."""

    __tablename__ = "camera_still"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("camera.id"), index=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(300))
    size_bytes: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    taken_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    workstation: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    sent_to: Mapped[str] = mapped_column(Text, default="")  # call signs it was queued for
    sent_at: Mapped[datetime | None]


# -- Evidence: legal holds on incidents (retention never removes anything of a held incident).


class LegalHold(Base):
    """A legal hold on an incident: placed with a reason (and a case number), released with one.
    An incident is held while any of its holds has no ``released_at``."""

    __tablename__ = "legal_hold"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    case_number: Mapped[str] = mapped_column(String(64), default="")
    placed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    placed_by_name: Mapped[str] = mapped_column(String(128))
    placed_at: Mapped[datetime]
    released_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    released_by_name: Mapped[str] = mapped_column(String(128), default="")
    released_at: Mapped[datetime | None]
    release_reason: Mapped[str] = mapped_column(Text, default="")
    workstation: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


# -- Quality assurance: evaluation forms (versioned), and the evaluations made with them.


class QaForm(Base):
    """One version of an evaluation form: its questions and pass mark as JSON (see
    dispatch_desk.qa.forms). A new version is a new row; an evaluation names the row it used,
    so changing a form never changes a past score. The id derives from name, version and
    content (qa.forms.form_id): two different versions of one number made on two workstations
    are two rows, so (name, version) is indexed, not unique (a unique pair would make sync
    refuse the second)."""

    __tablename__ = "qa_form"
    __table_args__ = (Index("ix_qa_form_name_version", "name", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120))
    version: Mapped[int]
    spec: Mapped[str] = mapped_column(Text)  # JSON {"pass_mark": .., "questions": [..]}
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime]


class QaEvaluation(Base):
    """A supervisor's evaluation of how one incident's call was taken, with the form version,
    the answers (JSON {question id: answer}), the weighted score in per cent and the verdict."""

    __tablename__ = "qa_evaluation"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), index=True)
    call_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("call.id"))
    evaluated_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id"), index=True
    )
    evaluated_name: Mapped[str] = mapped_column(String(128), default="")
    evaluator_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    evaluator_name: Mapped[str] = mapped_column(String(128))
    form_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("qa_form.id"))
    form_name: Mapped[str] = mapped_column(String(120))
    form_version: Mapped[int]
    # the form's spec as scored (JSON, as QaForm.spec): a past score always shows its questions
    form_spec: Mapped[str] = mapped_column(Text, default="")
    answers: Mapped[str] = mapped_column(Text)  # JSON {question id: "yes"|"no"|"na"|int}
    score: Mapped[float]  # per cent, 0-100, N/A left out of the denominator
    passed: Mapped[bool]
    comments: Mapped[str] = mapped_column(Text, default="")
    workstation: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)
    # when the incident happened (its created_at, which never changes): the report's score
    # trend reads a range of this index instead of walking every incident of the range
    incident_created_at: Mapped[datetime] = mapped_column(index=True)


# The reads of the QA queue and report (dispatch_desk.qa) by time range: each an index range,
# never a scan of the table, since they hold the store's only reader thread.
Index("ix_qa_incident_closed", Incident.status, Incident.closed_at)
Index("ix_qa_call_received", Call.kind, Call.received_at, Call.answered_at)  # covers the report
Index("ix_qa_sms_conversation_opened", SmsConversation.opened_at)
Index("ix_qa_citizen_session_created", CitizenSession.created_at)


# -- Supervisor review: bookmarks and notes at a point of an incident's timeline; the indexes
# the review search filters by (each with the creation time, so a filtered page is read in
# order from the index, newest first).


class ReviewBookmark(Base):
    """A reviewer's note at one instant of an incident's timeline (optionally in a recording)."""

    __tablename__ = "review_bookmark"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), index=True)
    media_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("citizen_media.id"))
    at: Mapped[datetime]  # the instant on the timeline the note is about
    note: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    author_name: Mapped[str] = mapped_column(String(128))
    workstation: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


Index("ix_review_incident_type", Incident.type_code, Incident.created_at)
Index("ix_review_incident_disposition", Incident.disposition, Incident.created_at)
Index("ix_review_incident_created_by", Incident.created_by, Incident.created_at)
Index("ix_review_call_taken_by", Call.taken_by)


# -- The audit trail's hash chain (dispatch_desk.audit): heads sync, anchors stay where made.


class AuditChainHead(Base):
    """The last seq and hash of one workstation's audit chain, so that a deleted last entry is
    seen (id: dispatch_desk.audit.chain.head_id, the same on every database)."""

    __tablename__ = "audit_chain_head"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    workstation: Mapped[str] = mapped_column(String(64), unique=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class AuditChainAnchor(Base):
    """Where a pruned chain now starts in THIS database: the seq and hash of the last entry
    retention removed. Never synced: each database prunes by its own run."""

    __tablename__ = "audit_chain_anchor"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    workstation: Mapped[str] = mapped_column(String(64), unique=True)
    through_seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
    pruned: Mapped[int] = mapped_column(default=0)  # entries removed so far, all runs
    at: Mapped[datetime]
