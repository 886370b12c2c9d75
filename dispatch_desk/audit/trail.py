"""Reading the audit trail: admins only, and every read is itself on the trail (``audit.read``).

Used by the admin viewer (ui/admin/audit_viewer.py) and ``dispatch-desk audit export``.
"""

from __future__ import annotations

import contextlib
import csv
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from dispatch_desk.audit.verify import ChainReport, verify_all
from dispatch_desk.domain.enums import Role
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.chunks import chunks
from dispatch_desk.storage.database import StoreUnavailable, classify, open_sqlite
from dispatch_desk.storage.models import AuditEvent, Incident, Unit, User
from dispatch_desk.storage.store import Store

READERS = (Role.ADMIN,)


@dataclass(frozen=True)
class TrailFilter:
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    user: str = ""  # user name, exact (case-insensitive)
    workstation: str = ""
    action: str = ""  # prefix: "camera." finds every camera action
    outcome: str = ""
    entity_id: str = ""
    limit: int = 5000

    def described(self) -> dict[str, str]:
        """The filters in use, for the audit record of the read."""
        return {
            k: (v.isoformat() if isinstance(v, datetime) else str(v))
            for k, v in asdict(self).items()
            if v not in (None, "") and k != "limit"
        }


@dataclass(frozen=True)
class TrailRow:
    id: uuid.UUID
    seq: int | None
    at: datetime
    username: str
    workstation: str
    action: str
    entity_type: str
    entity_id: str
    outcome: str
    detail: str  # JSON text as stored
    label: str = ""  # an incident's number, a user's name, a unit's call sign (read_trail's)

    @property
    def entity(self) -> str:
        """As a person reads it: "incident 26-000042", "unit E1", else the type and id."""
        if self.label:
            return f"{self.entity_type} {self.label}"
        return f"{self.entity_type} {self.entity_id}".strip()

    def detail_lines(self) -> list[str]:
        try:
            found = json.loads(self.detail)
        except ValueError:
            return [self.detail]
        if not isinstance(found, dict):
            return [self.detail]
        return [f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in found.items()]


_ROW_COLUMNS = (
    AuditEvent.id,
    AuditEvent.seq,
    AuditEvent.at,
    AuditEvent.username,
    AuditEvent.workstation,
    AuditEvent.action,
    AuditEvent.entity_type,
    AuditEvent.entity_id,
    AuditEvent.outcome,
    AuditEvent.detail,
)


def _query(flt: TrailFilter):  # type: ignore[no-untyped-def]
    query = select(*_ROW_COLUMNS).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if flt.since is not None:
        query = query.where(AuditEvent.at >= flt.since)
    if flt.until is not None:
        query = query.where(AuditEvent.at < flt.until)
    if flt.user.strip():
        query = query.where(AuditEvent.username == flt.user.strip().lower())
    if flt.workstation.strip():
        query = query.where(AuditEvent.workstation == flt.workstation.strip())
    if flt.action.strip():
        prefix = flt.action.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(AuditEvent.action.like(f"{prefix}%", escape="\\"))
    if flt.outcome.strip():
        query = query.where(AuditEvent.outcome == flt.outcome.strip())
    if flt.entity_id.strip():
        query = query.where(AuditEvent.entity_id == flt.entity_id.strip())
    return query.limit(max(1, flt.limit))


def read_trail(session: Session, actor: Actor, at: datetime, flt: TrailFilter) -> list[TrailRow]:
    """The events matching ``flt``, newest first, incidents, users and units named as people
    know them, in one write transaction: the read is audited. The entity filter takes an
    incident's number as well as an id. (The viewer reads apart: :func:`read_trail_apart`.)"""
    audit.require(actor, at, "audit.read", READERS, filters=flt.described())
    rows = trail_rows(session, flt)
    record_read(session, actor, at, flt, len(rows))
    return rows


async def read_trail_apart(
    store: Store, actor: Actor, at: datetime, flt: TrailFilter
) -> list[TrailRow]:
    """:func:`read_trail` for the viewer: up to 5,000 rows are read and named in a read
    transaction, so a dispatcher's save never waits behind them for the cache's write lock,
    then the read is recorded in a short write. The rows are returned only once that record
    is committed: no record, no rows. A non-admin reads nothing; the refusal is recorded."""
    if actor.role not in READERS:
        await store.write(record_read, actor, at, flt, 0)  # raises PermissionDenied
    rows = await store.read(trail_rows, flt)
    await store.write(record_read, actor, at, flt, len(rows))
    return rows


def trail_rows(session: Session, flt: TrailFilter) -> list[TrailRow]:
    """The matching events, named; a plain read, to be recorded (:func:`record_read`)."""
    wanted = flt.entity_id.strip()
    if wanted:
        found = session.scalar(select(Incident.id).where(Incident.number == wanted))
        if found is not None:
            flt = replace(flt, entity_id=str(found))
    return _with_labels(session, [TrailRow(*e) for e in session.execute(_query(flt))])


def record_read(session: Session, actor: Actor, at: datetime, flt: TrailFilter, rows: int) -> None:
    """The read on the trail (``audit.read``); admins only, a refusal recorded."""
    filters = flt.described()
    audit.require(actor, at, "audit.read", READERS, filters=filters)
    audit.record(session, actor, at, "audit.read", entity_type="audit", rows=rows, filters=filters)


# What an entry's entity is called by people: an incident's number, a user's name, a unit's
# call sign (entries store ids, which stay valid when those change).
_LABELS = {
    "incident": (Incident.id, Incident.number),
    "user": (User.id, User.username),
    "unit": (Unit.id, Unit.call_sign),
}


def _with_labels(session: Session, rows: list[TrailRow]) -> list[TrailRow]:
    ids: dict[str, set[uuid.UUID]] = {kind: set() for kind in _LABELS}
    for row in rows:
        if row.entity_type in ids:
            with contextlib.suppress(ValueError):
                ids[row.entity_type].add(uuid.UUID(row.entity_id))
    labels: dict[tuple[str, str], str] = {}
    for kind, wanted in ids.items():
        key, name = _LABELS[kind]
        for part in chunks(sorted(wanted)):
            for found, label in session.execute(select(key, name).where(key.in_(part))):
                labels[(kind, str(found))] = label
    return [
        replace(r, label=labels[(r.entity_type, r.entity_id)])
        if (r.entity_type, r.entity_id) in labels
        else r
        for r in rows
    ]


def chain_status(session: Session, actor: Actor, at: datetime, own: str) -> list[ChainReport]:
    """Every chain's verification (admins only; a refusal raised in a write is audited)."""
    audit.require(actor, at, "audit.verify", READERS)
    return verify_all(session, own)


def chain_status_apart(store: Store, actor: Actor, at: datetime, own: str) -> list[ChainReport]:
    """:func:`chain_status` for the viewer, on a connection of its own: the walk reads every
    entry, and must not hold the desk's one reader (the lists every window reloads) meanwhile.
    Blocking: run it on a worker thread. A non-admin is refused, the refusal audited."""
    if actor.role not in READERS:
        store.write_sync(lambda session: audit.require(actor, at, "audit.verify", READERS))
    engine = open_sqlite(Path(str(store.engine.url.database)), busy_timeout_ms=2000)
    try:
        with Session(engine) as session, session.begin():
            return verify_all(session, own)
    except SQLAlchemyError as exc:
        known = classify(exc)
        if known is None:
            raise
        raise known from exc
    finally:
        engine.dispose()


CSV_COLUMNS = [f.name for f in fields(TrailRow) if f.name != "label"]  # the rows as stored


def write_csv(
    rows: Iterable[TrailRow], path: Path, progress: Callable[[int], None] | None = None
) -> int:
    """Write ``rows`` to ``path`` (UTF-8, a header row; times in UTC ISO). Blocking: call it off
    the GUI thread. Written to a temporary file first, so a failure leaves no half file.
    ``progress`` is called with the count written so far, every 10 rows."""
    partial = path.with_name(path.name + ".part")
    count = 0
    with partial.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for r in rows:
            if progress is not None and count % 10 == 0:
                progress(count)
            count += 1
            writer.writerow(
                [
                    r.id,
                    "" if r.seq is None else r.seq,
                    r.at.isoformat(),
                    _cell(r.username),
                    _cell(r.workstation),
                    r.action,
                    r.entity_type,
                    _cell(r.entity_id),
                    r.outcome,
                    _cell(r.detail),
                ]
            )
    partial.replace(path)
    return count


def _cell(text: str) -> str:
    """A typed-in value (a failed log-in's user name, say) that a spreadsheet would run as a
    formula is written with a leading apostrophe."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def record_export(
    session: Session,
    actor: Actor,
    at: datetime,
    path: Path,
    count: int | None,
    flt: TrailFilter,
) -> None:
    """The export's record, written BEFORE the file: no record, no file. ``count``: the rows
    to be written when known (the viewer's), else None (the command line streams them)."""
    audit.require(actor, at, "audit.export", READERS, filters=flt.described())
    rows = {} if count is None else {"rows": count}
    audit.record(
        session,
        actor,
        at,
        "audit.export",
        entity_type="audit",
        file=str(path),
        filters=flt.described(),
        **rows,
    )


def export_csv(
    store: Store,
    actor: Actor,
    at: datetime,
    flt: TrailFilter,
    path: Path,
    progress: Callable[[int], None] | None = None,
) -> int:
    """``dispatch-desk audit export``: the export is put on the trail in a short write
    (refused and audited for a non-admin; a busy cache raises StoreUnavailable and no file is
    made), then the trail is read in a READ transaction, which never holds the cache's write
    lock, and streamed to ``path`` (rows are not all held in memory). A file that cannot be
    written is recorded as a failed export (when the cache lets us) and the OSError raised."""
    store.write_sync(record_export, actor, at, path, None, flt)
    try:
        return store.read_sync(_stream, flt, path, progress)
    except OSError as exc:
        with contextlib.suppress(StoreUnavailable):
            store.write_sync(
                audit.record,
                actor,
                at,
                "audit.export",
                entity_type="audit",
                outcome="failed",
                file=str(path),
                reason=exc.strerror or str(exc),
            )
        raise


def _stream(
    session: Session, flt: TrailFilter, path: Path, progress: Callable[[int], None] | None
) -> int:
    found = session.execute(_query(flt).execution_options(yield_per=2000))
    return write_csv((TrailRow(*e) for e in found), path, progress)
