"""Finding incidents to review: by date range, dispatcher, incident type, caller number and
disposition; newest first, one page at a time.

Every filter reads an index that ends in ``created_at`` (see the review section of the models),
so a page is the first rows of one index range, never a sort of everything that matched. The
caller number is a partial match (``LIKE '%digits%'`` on the call's ANI and callback), which no
B-tree can serve: the calls are scanned once for the matching incidents (a set), then the
incidents are read newest first as for the other filters. The dispatcher filter is likewise one
set of the incidents whose calls they took.

A search shows caller numbers and what was recorded: only supervisors and admins search, and
every search is on record (``review.search``, with its filters and how many rows it showed; a
refusal too). :func:`search` is the way in: the page is read on the store's reader (a search
never queues the dispatcher's saves), then put on record by a one-row write.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from dispatch_desk.domain.citizen import MediaKind
from dispatch_desk.review.timeline import REVIEW_ROLES
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, PermissionDenied
from dispatch_desk.storage.models import Call, CitizenMedia, CitizenSession, Incident, User
from dispatch_desk.storage.store import Store

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


class BadFilter(ValueError):
    """A search filter that cannot be used as given; the message says why, plainly."""


@dataclass(frozen=True)
class ReviewFilter:
    since: datetime | None = None  # created at or after
    until: datetime | None = None  # created before
    dispatcher: str = ""  # a username: who created the incident or took one of its calls
    type_code: str = ""
    caller_number: str = ""  # any part of the ANI or callback number, digits only count
    disposition: str = ""
    page: int = 0
    page_size: int = PAGE_SIZE


@dataclass(frozen=True)
class ReviewRow:
    id: uuid.UUID
    number: str
    created_at: datetime
    type_code: str
    address: str
    status: str
    disposition: str
    dispatcher: str  # display name of who created it ("" if nobody known)
    caller_number: str  # the first call's callback (or ANI), E.164
    sessions: int  # live sessions of the incident
    recordings: int  # recorded segments


@dataclass(frozen=True)
class ReviewPage:
    rows: list[ReviewRow]
    page: int
    has_more: bool


def digits_of(text: str) -> str:
    return re.sub(r"\D", "", text)


def check(f: ReviewFilter) -> None:
    if f.since is not None and f.until is not None and f.until <= f.since:
        raise BadFilter("The end of the date range must be after its start.")
    if f.caller_number.strip() and len(digits_of(f.caller_number)) < 3:
        raise BadFilter("Type at least three digits of the caller's number.")
    if f.page < 0 or not 1 <= f.page_size <= MAX_PAGE_SIZE:
        raise BadFilter(f"Pages are 1 to {MAX_PAGE_SIZE} rows, from page 0.")


def _detail(f: ReviewFilter) -> dict[str, Any]:
    """The filters as they go on record."""
    return {
        "since": f.since.isoformat() if f.since else "",
        "until": f.until.isoformat() if f.until else "",
        "dispatcher": f.dispatcher.strip(),
        "type_code": f.type_code.strip(),
        "caller_number": f.caller_number.strip(),
        "disposition": f.disposition.strip(),
        "page": f.page,
    }


def _read_page(session: Session, actor: Actor, now: datetime, f: ReviewFilter) -> ReviewPage:
    audit.require(actor, now, "review.search", REVIEW_ROLES, **_detail(f))
    check(f)
    query = id_query(session, f)
    if query is None:
        return ReviewPage([], f.page, False)
    ids: list[uuid.UUID] = list(session.scalars(query))
    has_more = len(ids) > f.page_size
    ids = ids[: f.page_size]
    return ReviewPage(rows(session, ids), f.page, has_more)


def _on_record(
    session: Session, actor: Actor, now: datetime, f: ReviewFilter, page: ReviewPage
) -> None:
    audit.record(
        session,
        actor,
        now,
        "review.search",
        rows=len(page.rows),
        **_detail(f),
    )


async def search(store: Store, actor: Actor, now: datetime, f: ReviewFilter) -> ReviewPage:
    """A page of incidents for ``actor`` (supervisors and admins), on record either way."""
    try:
        page = await store.read(_read_page, actor, now, f)
    except PermissionDenied as exc:
        if exc.record_after_rollback is not None:
            await store.write(exc.record_after_rollback)
        raise
    await store.write(_on_record, actor, now, f, page)
    return page


def search_sync(store: Store, actor: Actor, now: datetime, f: ReviewFilter) -> ReviewPage:
    """:func:`search` for scripts, tests and benchmarks (blocks the calling thread)."""
    try:
        page = store.read_sync(_read_page, actor, now, f)
    except PermissionDenied as exc:
        if exc.record_after_rollback is not None:
            store.write_sync(exc.record_after_rollback)
        raise
    store.write_sync(_on_record, actor, now, f, page)
    return page


def id_query(session: Session, f: ReviewFilter) -> Select[Any] | None:
    """The page's incident ids (one more than a page, to know if there is more); None when
    the filter can match nothing (an unknown dispatcher)."""
    query = select(Incident.id)
    if f.since is not None:
        query = query.where(Incident.created_at >= f.since)
    if f.until is not None:
        query = query.where(Incident.created_at < f.until)
    if f.type_code.strip():
        query = query.where(Incident.type_code == f.type_code.strip().upper())
    if f.disposition.strip():
        query = query.where(Incident.disposition == f.disposition.strip())
    if f.dispatcher.strip():
        user_id = session.scalar(
            select(User.id).where(func.lower(User.username) == f.dispatcher.strip().lower())
        )
        if user_id is None:
            return None
        # IN (one set made once), not EXISTS per incident: SQLite answered a correlated
        # EXISTS from the taken_by index, reading all the user's calls for every incident.
        took = select(Call.incident_id).where(Call.taken_by == user_id)
        query = query.where(or_(Incident.created_by == user_id, Incident.id.in_(took)))
    digits = digits_of(f.caller_number)
    if digits:
        pattern = f"%{digits}%"
        calls = select(Call.incident_id).where(
            or_(Call.ani_e164.like(pattern), Call.callback_e164.like(pattern))
        )
        query = query.where(Incident.id.in_(calls))
    return (
        query.order_by(Incident.created_at.desc(), Incident.id.desc())
        .offset(f.page * f.page_size)
        .limit(f.page_size + 1)
    )


def rows(session: Session, ids: list[uuid.UUID]) -> list[ReviewRow]:
    """The rows of a page, in the order of ``ids``: a few small queries keyed by the page."""
    if not ids:
        return []
    incidents = {i.id: i for i in session.scalars(select(Incident).where(Incident.id.in_(ids)))}
    creators = {i.created_by for i in incidents.values() if i.created_by is not None}
    names = (
        dict(session.execute(select(User.id, User.display_name).where(User.id.in_(creators))).all())
        if creators
        else {}
    )
    numbers: dict[uuid.UUID, str] = {}
    for incident_id, callback, ani in session.execute(
        select(Call.incident_id, Call.callback_e164, Call.ani_e164)
        .where(Call.incident_id.in_(ids))
        .order_by(Call.created_at)
    ):
        numbers.setdefault(incident_id, callback or ani or "")
    sessions = dict(
        session.execute(
            select(CitizenSession.incident_id, func.count())
            .where(CitizenSession.incident_id.in_(ids))
            .group_by(CitizenSession.incident_id)
        ).all()
    )
    recordings = dict(
        session.execute(
            select(CitizenMedia.incident_id, func.count())
            .where(
                and_(CitizenMedia.incident_id.in_(ids), CitizenMedia.kind == MediaKind.RECORDING)
            )
            .group_by(CitizenMedia.incident_id)
        ).all()
    )
    out = []
    for incident_id in ids:
        i = incidents[incident_id]
        out.append(
            ReviewRow(
                i.id,
                i.number,
                i.created_at,
                i.type_code,
                i.address,
                i.status.value,
                i.disposition or "",
                names.get(i.created_by, "") if i.created_by else "",
                numbers.get(i.id, ""),
                int(sessions.get(i.id, 0)),
                int(recordings.get(i.id, 0)),
            )
        )
    return out
