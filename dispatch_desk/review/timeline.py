"""One incident's timeline: everything that happened to it, as time-stamped marks on one axis.

Tracks: the recorded video (spans), chat of the live session, texts, narrative, incident and
session status, units, other media, bookmarks; and the caller's GPS trail, with times.

Where a recording sits in time: a segment's row (:class:`CitizenMedia`, kind ``recording``) is
written when the segment is *finished*, but its ``at`` is the desk time of its last frame, taken
as the frame arrived and before the file was finished (``dispatch_desk.live.media``: draining the
encoder, closing and hashing an hour of video take seconds that must not move it), and its
``duration_s`` is the time from its first to its last frame as they reached the desk
(``dispatch_desk.media.recorder``: frames are stamped on arrival, gaps stay gaps). So the
segment ends at ``at`` and starts at ``at - duration_s``. A session may have several segments
(the caller agreed again, the path dropped); each is its own span.

Only supervisors and admins build a timeline (it is the way to the recordings), and each build
is audited (``review.timeline``); a refusal is audited by :func:`audit.require`.
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.domain.citizen import Direction, MediaKind
from dispatch_desk.domain.enums import LocationSource, Role
from dispatch_desk.domain.texting import SmsDirection
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, NotFound
from dispatch_desk.storage.models import (
    Assignment,
    AuditEvent,
    CitizenMedia,
    CitizenMessage,
    CitizenSession,
    Incident,
    Location,
    NarrativeEntry,
    ReviewBookmark,
    SmsMessage,
    Unit,
    UnitStatusEvent,
)

REVIEW_ROLES = (Role.SUPERVISOR, Role.ADMIN)
TRACKS = ("video", "chat", "text", "narrative", "status", "units", "media", "bookmark")
TRACK_LABELS = {
    "video": "Video",
    "chat": "Chat",
    "text": "Texts",
    "narrative": "Narrative",
    "status": "Status",
    "units": "Units",
    "media": "Files",
    "bookmark": "Bookmarks",
}
INCIDENT_ACTIONS = {
    "incident.create": "Incident created",
    "incident.update": "Incident updated",
    "incident.locate": "Incident located",
    "incident.add_call": "Call added",
    "incident.close": "Incident closed",
}


@dataclass(frozen=True)
class Mark:
    at: datetime
    track: str  # one of TRACKS
    text: str  # one line, shown as the tooltip and in the events list
    id: uuid.UUID | None = None
    media_id: uuid.UUID | None = None  # a bookmark's recording, a file


@dataclass(frozen=True)
class Span:
    """A recorded segment: where it sits on the axis and where its file is."""

    media_id: uuid.UUID
    start: datetime
    end: datetime
    file_name: str  # relative to the media folder of ``workstation``
    workstation: str
    sha256: str

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class TrailFix:
    at: datetime
    lat: float
    lon: float
    accuracy_m: float | None


@dataclass(frozen=True)
class Timeline:
    incident_id: uuid.UUID
    number: str
    type_code: str
    address: str
    start: datetime
    end: datetime
    marks: list[Mark]  # in time order
    spans: list[Span]  # in time order
    trail: list[TrailFix]  # in time order
    _mark_times: list[datetime] = field(default_factory=list, repr=False, compare=False)
    _fix_times: list[datetime] = field(default_factory=list, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._mark_times[:] = [m.at for m in self.marks]
        self._fix_times[:] = [f.at for f in self.trail]

    def trail_count(self, at: datetime) -> int:
        """How many fixes were measured at or before ``at``."""
        return bisect.bisect_right(self._fix_times, at)

    def trail_until(self, at: datetime) -> list[TrailFix]:
        """The fixes measured at or before ``at``: the trail as it was at that instant."""
        return self.trail[: self.trail_count(at)]

    def span_at(self, at: datetime) -> tuple[Span, float] | None:
        """The recording playing at ``at`` and the offset into it in seconds, if any."""
        for span in self.spans:
            if span.start <= at <= span.end:
                return span, (at - span.start).total_seconds()
        return None

    def next_mark(self, at: datetime) -> Mark | None:
        index = bisect.bisect_right(self._mark_times, at)
        return self.marks[index] if index < len(self.marks) else None

    def previous_mark(self, at: datetime) -> Mark | None:
        index = bisect.bisect_left(self._mark_times, at)
        return self.marks[index - 1] if index > 0 else None


def build(session: Session, actor: Actor, incident_id: uuid.UUID, now: datetime) -> Timeline:
    """The incident's timeline; supervisors and admins only, audited either way."""
    audit.require(actor, now, "review.timeline", REVIEW_ROLES, incident=str(incident_id))
    timeline = _collect(session, incident_id)
    audit.record(
        session,
        actor,
        now,
        "review.timeline",
        entity_type="incident",
        entity_id=incident_id,
        recordings=len(timeline.spans),
        fixes=len(timeline.trail),
    )
    return timeline


def _collect(session: Session, incident_id: uuid.UUID) -> Timeline:
    """Read everything of the incident (no role check, private: :func:`build` is the way in)."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"No incident {incident_id}.")
    marks: list[Mark] = []
    spans: list[Span] = []
    for media in session.scalars(
        select(CitizenMedia).where(CitizenMedia.incident_id == incident_id)
    ):
        if media.kind == MediaKind.RECORDING:
            length = timedelta(seconds=max(0.0, media.duration_s or 0.0))
            spans.append(
                Span(
                    media.id,
                    media.at - length,
                    media.at,
                    media.file_name,
                    media.workstation,
                    media.sha256,
                )
            )
        elif media.kind != MediaKind.EVENTS:
            marks.append(
                Mark(
                    media.at,
                    "media",
                    f"{media.kind.value.capitalize()} ({media.mime})",
                    media.id,
                    media.id,
                )
            )
    spans.sort(key=lambda s: s.start)
    for span in spans:
        marks.append(
            Mark(
                span.start,
                "video",
                f"Recording starts ({span.duration_s:.0f} s)",
                span.media_id,
                span.media_id,
            )
        )
    for message in session.scalars(
        select(CitizenMessage).where(CitizenMessage.incident_id == incident_id)
    ):
        who = "Caller" if message.direction == Direction.FROM_CALLER else message.author_name
        marks.append(Mark(message.at, "chat", f"{who or 'Desk'}: {message.text}", message.id))
    for text in session.scalars(select(SmsMessage).where(SmsMessage.incident_id == incident_id)):
        way = "Text from caller" if text.direction == SmsDirection.IN else "Text to caller"
        marks.append(Mark(text.created_at, "text", f"{way}: {text.body}", text.id))
    for entry in session.scalars(
        select(NarrativeEntry).where(NarrativeEntry.incident_id == incident_id)
    ):
        marks.append(Mark(entry.at, "narrative", f"{entry.author_name}: {entry.text}", entry.id))
    for event in session.scalars(
        select(AuditEvent).where(
            AuditEvent.entity_id == str(incident_id), AuditEvent.action.in_(INCIDENT_ACTIONS)
        )
    ):
        marks.append(
            Mark(
                event.at,
                "status",
                f"{INCIDENT_ACTIONS[event.action]} by {event.username}",
                event.id,
            )
        )
    for live in session.scalars(
        select(CitizenSession).where(CitizenSession.incident_id == incident_id)
    ):
        for at, what in (
            (live.created_at, "Live session invited"),
            (live.consented_at, "Caller consented"),
            (live.ended_at, f"Live session ended ({live.ended_by or live.state.value})"),
        ):
            if at is not None:
                marks.append(Mark(at, "status", what, live.id))
    signs = dict(session.execute(select(Unit.id, Unit.call_sign)).all())
    seen: set[tuple[uuid.UUID, datetime]] = set()
    for status in session.scalars(
        select(UnitStatusEvent).where(UnitStatusEvent.incident_id == incident_id)
    ):
        seen.add((status.unit_id, status.at))
        marks.append(
            Mark(
                status.at,
                "units",
                f"{signs.get(status.unit_id, '?')} {status.status.value}",
                status.id,
            )
        )
    for assignment in session.scalars(
        select(Assignment).where(Assignment.incident_id == incident_id)
    ):
        if (assignment.unit_id, assignment.assigned_at) not in seen:
            marks.append(
                Mark(
                    assignment.assigned_at,
                    "units",
                    f"{signs.get(assignment.unit_id, '?')} assigned",
                    assignment.id,
                )
            )
    for bookmark in session.scalars(
        select(ReviewBookmark).where(ReviewBookmark.incident_id == incident_id)
    ):
        marks.append(
            Mark(
                bookmark.at,
                "bookmark",
                f"{bookmark.author_name}: {bookmark.note}",
                bookmark.id,
                bookmark.media_id,
            )
        )
    trail = [
        TrailFix(row.recorded_at, row.latitude, row.longitude, row.uncertainty_m)
        for row in session.scalars(
            select(Location)
            .where(
                Location.incident_id == incident_id,
                Location.source == LocationSource.DEVICE,
                Location.latitude.is_not(None),
                Location.longitude.is_not(None),
            )
            .order_by(Location.recorded_at)
        )
        if row.latitude is not None and row.longitude is not None
    ]
    marks.sort(key=lambda m: (m.at, TRACKS.index(m.track)))
    times: list[datetime] = [incident.created_at]
    times += [m.at for m in marks] + [s.end for s in spans] + [f.at for f in trail]
    if incident.closed_at is not None:
        times.append(incident.closed_at)
    return Timeline(
        incident.id,
        incident.number,
        incident.type_code,
        incident.address,
        min(times),
        max(times),
        marks,
        spans,
        trail,
    )


def by_track(marks: Sequence[Mark]) -> dict[str, list[Mark]]:
    tracks: dict[str, list[Mark]] = {name: [] for name in TRACKS}
    for mark in marks:
        tracks[mark.track].append(mark)
    return tracks
