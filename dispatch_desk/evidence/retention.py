"""Retention: records older than their kind's policy are removed, with their media files.

Only what belongs to a closed incident that is not on legal hold is removed (never anything of
an open incident); each kind is one transaction. Deletes do not sync (see sync/capture.py):
each database prunes itself, the desk its local cache (daily, see ``schedule``) and IT the
central database (``dispatch-desk retention run --central URL``). The sync bookkeeping of a
removed row goes with it, and on the central database so does its entry in the change log, so
that a workstation pulling the log from the start never brings it back.

A kind is pruned by a registered function; "audit" by the audit trail's own pruner, which cuts
each chain only at its start (leaving a verifiable anchor) and never past an entry about an
incident on hold. The run's report is audited.

A kind is removed in batches (``BATCH`` candidate rows per table and per write), each batch one
transaction holding its own ``retention.remove`` audit record with its counts: the store's one
writer is never held for a whole kind (a dispatcher's save waits for one batch at most), and
whatever happens later in the run, every removal is already on the trail. A run that fails is
recorded (``retention.run``, outcome "failed", with what it did) and raised as
:class:`RetentionFailed`, which says which kind failed and what was removed before it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dispatch_desk.config.settings import RetentionSettings
from dispatch_desk.domain.citizen import MediaKind
from dispatch_desk.domain.enums import IncidentStatus, Role
from dispatch_desk.evidence.holds import held_incidents
from dispatch_desk.evidence.writes import Write
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.chunks import chunks
from dispatch_desk.storage.models import (
    CameraStill,
    CameraViewing,
    CitizenMedia,
    CitizenMessage,
    Incident,
    Location,
    SmsConversation,
    SmsMessage,
)
from dispatch_desk.sync.capture import forget_rows

logger = logging.getLogger(__name__)

BATCH = 500  # candidate rows looked at per table in one write


@dataclass
class KindResult:
    kind: str
    days: int
    removed: int = 0
    bytes_freed: int = 0
    held: int = 0  # records kept because their incident is on legal hold
    skipped: int = 0  # records kept because their incident (or conversation) is still open
    problems: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # media files to remove once committed
    more: bool = False  # a batch: rows beyond ``after`` are left to look at
    after: dict[str, uuid.UUID] = field(default_factory=dict)  # table -> last id looked at

    def add(self, part: KindResult) -> None:
        """Count one batch's result in (its files already removed)."""
        self.removed += part.removed
        self.bytes_freed += part.bytes_freed
        self.held += part.held
        self.skipped += part.skipped
        self.problems.extend(p for p in part.problems if p not in self.problems)

    def counts(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "days": self.days,
            "removed": self.removed,
            "bytes_freed": self.bytes_freed,
            "held": self.held,
            "skipped": self.skipped,
        }
        if self.problems:
            out["problems"] = list(self.problems)
        return out


@dataclass(frozen=True)
class PruneContext:
    cutoff: datetime
    dry_run: bool
    workstation: str
    media_dir: Path | None  # None: files are not on this database's machine (central)
    central: bool = False
    limit: int | None = None  # candidate rows looked at per table in this batch; None: all
    after: Mapping[str, uuid.UUID] = field(default_factory=dict)  # table -> last id looked at
    now: datetime | None = None  # when the run is (its records are stamped with it)


Pruner = Callable[[Session, PruneContext, KindResult], None]
PRUNERS: dict[str, Pruner] = {}


def register_pruner(kind: str, pruner: Pruner) -> None:
    PRUNERS[kind] = pruner


def policies(settings: RetentionSettings) -> dict[str, int]:
    return {
        "recordings": settings.recordings_days,
        "media": settings.media_days,
        "chat": settings.chat_days,
        "locations": settings.locations_days,
        "camera_viewings": settings.camera_viewings_days,
        "audit": settings.audit_days,
    }


@dataclass
class RetentionReport:
    at: datetime
    dry_run: bool
    central: bool
    kinds: dict[str, KindResult] = field(default_factory=dict)
    not_run: list[str] = field(default_factory=list)  # kinds with a policy but no pruner
    stopped: list[str] = field(default_factory=list)  # kinds left (or cut short) by a stop
    failed: dict[str, str] = field(default_factory=dict)  # {"kind": ..., "error": ...}

    def as_detail(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "dry_run": self.dry_run,
            "central": self.central,
            "kinds": {k: r.counts() for k, r in self.kinds.items()},
            "not_run": list(self.not_run),
        }
        if self.stopped:
            out["stopped"] = list(self.stopped)
        if self.failed:
            out["failed"] = dict(self.failed)
        return out

    def removed_text(self) -> str:
        done = [f"{k} {r.removed}" for k, r in self.kinds.items() if r.removed]
        return ", ".join(done) or "nothing"

    def lines(self) -> list[str]:
        verb = "would remove" if self.dry_run else "removed"
        out = []
        for kind, r in self.kinds.items():
            out.append(
                f"{kind:<16} {verb} {r.removed:>6}  freed {_size(r.bytes_freed):>9}  "
                f"held {r.held:>5}  skipped (open) {r.skipped:>5}  (older than {r.days} days)"
            )
            out.extend(f"{'':<16} ! {p}" for p in r.problems)
        for kind in self.not_run:
            out.append(f"{kind:<16} not run: no pruner for this kind on this version")
        for kind in self.stopped:
            out.append(f"{kind:<16} stopped: the desk was closing; the rest waits for the next run")
        if self.failed:
            out.append(f"{self.failed['kind']:<16} FAILED: {self.failed['error']}")
        return out


class RetentionFailed(Exception):
    """A kind failed part-way through a run; what was removed before it is audited."""

    def __init__(self, kind: str, report: RetentionReport, cause: BaseException) -> None:
        super().__init__(
            f"retention stopped at {kind!r} ({type(cause).__name__}: {cause}); removed before "
            f"that, each removal audited: {report.removed_text()}"
        )
        self.kind = kind
        self.report = report
        self.cause = cause


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


# -- choosing and removing rows


@dataclass(frozen=True)
class _Row:
    id: uuid.UUID
    incident_id: uuid.UUID | None
    file_name: str = ""
    size: int = 0
    workstation: str = ""
    conversation_id: uuid.UUID | None = None


def _closed(session: Session, ids: Iterable[uuid.UUID | None]) -> set[uuid.UUID]:
    wanted = {i for i in ids if i is not None}
    found: set[uuid.UUID] = set()
    listed = list(wanted)
    for part in chunks(listed):
        found.update(
            session.scalars(
                select(Incident.id).where(
                    Incident.id.in_(part),
                    Incident.status == IncidentStatus.CLOSED,
                )
            )
        )
    return found


def _sort(
    session: Session, rows: Sequence[_Row], result: KindResult, *, orphan_ok: Callable[[_Row], bool]
) -> list[_Row]:
    """The rows that may go; the others are counted as held or skipped."""
    held = set(session.scalars(held_incidents()))
    closed = _closed(session, (r.incident_id for r in rows))
    removable = []
    for row in rows:
        if row.incident_id is None:
            if orphan_ok(row):
                removable.append(row)
            else:
                result.skipped += 1
        elif row.incident_id in held:
            result.held += 1
        elif row.incident_id not in closed:
            result.skipped += 1
        else:
            removable.append(row)
    return removable


def _page(
    session: Session, ctx: PruneContext, result: KindResult, model: Any, query: Any
) -> list[Any]:
    """The next ``ctx.limit`` candidate rows of ``model`` (ids after the last batch's), in id
    order; ``query`` selects the id first. Without a limit, all of them."""
    name = model.__tablename__
    after = ctx.after.get(name)
    if after is not None:
        query = query.where(model.id > after)
    if ctx.limit is None:
        return list(session.execute(query))
    rows = list(session.execute(query.order_by(model.id).limit(ctx.limit)))
    if rows:
        result.after[name] = rows[-1][0]
    if len(rows) >= ctx.limit:
        result.more = True
    return rows


def _delete(session: Session, ctx: PruneContext, model: Any, ids: list[uuid.UUID]) -> None:
    name = model.__tablename__
    for chunk in chunks(ids):
        session.execute(delete(model).where(model.id.in_(chunk)))
        forget_rows(session, name, chunk, ctx.central)


def _media_path(ctx: PruneContext, file_name: str) -> Path | None:
    if ctx.media_dir is None or not file_name:
        return None
    root = ctx.media_dir.resolve()
    path = (root / file_name).resolve()
    if not path.is_relative_to(root) or path == root:
        return None
    return path


def _take(
    session: Session,
    ctx: PruneContext,
    result: KindResult,
    model: Any,
    rows: Sequence[_Row],
    *,
    orphan_ok: Callable[[_Row], bool] = lambda _row: False,
) -> None:
    removable = []
    for row in _sort(session, rows, result, orphan_ok=orphan_ok):
        if row.file_name and row.workstation == ctx.workstation and ctx.media_dir is not None:
            path = _media_path(ctx, row.file_name)
            if path is None:  # kept with its row: without the row nothing would know of it
                result.problems.append(
                    f"{row.file_name}: outside the media folder: file and record kept "
                    f"(row {row.id}); see to it by hand"
                )
                continue
            if ctx.dry_run:
                if path.is_file():
                    result.bytes_freed += path.stat().st_size
            else:
                result.files.append(row.file_name)
        removable.append(row)
    result.removed += len(removable)
    if not ctx.dry_run and removable:
        _delete(session, ctx, model, [r.id for r in removable])


def _media_rows(
    session: Session, ctx: PruneContext, result: KindResult, kinds: Sequence[MediaKind]
) -> list[_Row]:
    query = select(
        CitizenMedia.id,
        CitizenMedia.incident_id,
        CitizenMedia.file_name,
        CitizenMedia.size_bytes,
        CitizenMedia.workstation,
    ).where(CitizenMedia.at < ctx.cutoff, CitizenMedia.kind.in_(list(kinds)))
    return [_Row(*r) for r in _page(session, ctx, result, CitizenMedia, query)]


def prune_recordings(session: Session, ctx: PruneContext, result: KindResult) -> None:
    rows = _media_rows(session, ctx, result, [MediaKind.RECORDING])
    _take(session, ctx, result, CitizenMedia, rows)


def prune_media(session: Session, ctx: PruneContext, result: KindResult) -> None:
    kinds = [MediaKind.PHOTO, MediaKind.VIDEO, MediaKind.STILL, MediaKind.EVENTS]
    _take(session, ctx, result, CitizenMedia, _media_rows(session, ctx, result, kinds))
    query = select(
        CameraStill.id,
        CameraStill.incident_id,
        CameraStill.file_name,
        CameraStill.size_bytes,
        CameraStill.workstation,
    ).where(CameraStill.at < ctx.cutoff)
    stills = _page(session, ctx, result, CameraStill, query)
    _take(session, ctx, result, CameraStill, [_Row(*r) for r in stills])


def prune_chat(session: Session, ctx: PruneContext, result: KindResult) -> None:
    chat = _page(
        session,
        ctx,
        result,
        CitizenMessage,
        select(CitizenMessage.id, CitizenMessage.incident_id).where(CitizenMessage.at < ctx.cutoff),
    )
    _take(session, ctx, result, CitizenMessage, [_Row(i, inc) for i, inc in chat])
    texts = [
        _Row(i, inc, conversation_id=conv)
        for i, inc, conv in _page(
            session,
            ctx,
            result,
            SmsMessage,
            select(SmsMessage.id, SmsMessage.incident_id, SmsMessage.conversation_id).where(
                SmsMessage.created_at < ctx.cutoff
            ),
        )
    ]
    # A text of no incident goes by age unless its text-to-911 conversation is still open.
    open_conversations = set(
        session.scalars(select(SmsConversation.id).where(SmsConversation.state != "closed"))
    )
    _take(
        session,
        ctx,
        result,
        SmsMessage,
        texts,
        orphan_ok=lambda row: row.conversation_id not in open_conversations,
    )


def prune_locations(session: Session, ctx: PruneContext, result: KindResult) -> None:
    rows = _page(
        session,
        ctx,
        result,
        Location,
        select(Location.id, Location.incident_id).where(Location.recorded_at < ctx.cutoff),
    )
    _take(session, ctx, result, Location, [_Row(i, inc) for i, inc in rows])


def prune_camera_viewings(session: Session, ctx: PruneContext, result: KindResult) -> None:
    # A viewing for no incident (a stated purpose) goes by age alone.
    rows = _page(
        session,
        ctx,
        result,
        CameraViewing,
        select(CameraViewing.id, CameraViewing.incident_id).where(
            CameraViewing.started_at < ctx.cutoff
        ),
    )
    _take(
        session,
        ctx,
        result,
        CameraViewing,
        [_Row(i, inc) for i, inc in rows],
        orphan_ok=lambda _row: True,
    )


register_pruner("recordings", prune_recordings)
register_pruner("media", prune_media)
register_pruner("chat", prune_chat)
register_pruner("locations", prune_locations)
register_pruner("camera_viewings", prune_camera_viewings)


def prune_audit_trail(session: Session, ctx: PruneContext, result: KindResult) -> None:
    """The audit trail prunes itself (dispatch_desk.audit.prune): only each chain's oldest
    entries, leaving an anchor so the rest still verifies, and never past an entry about an
    incident on legal hold."""
    from dispatch_desk.audit.prune import prune_audit

    if ctx.dry_run:
        result.problems.append("a dry run does not count this kind")
        return
    held = [str(i) for i in session.scalars(held_incidents())]
    actor = None if ctx.central else Actor.system(ctx.workstation)
    result.removed += prune_audit(session, ctx.cutoff, actor=actor, at=ctx.now, keep=held)


register_pruner("audit", prune_audit_trail)


# -- one run


def prune_kind(
    session: Session,
    kind: str,
    days: int,
    now: datetime,
    ctx_args: dict[str, Any],
    after: Mapping[str, uuid.UUID] | None = None,
    limit: int | None = None,
) -> KindResult:
    """One kind (or, with ``limit``, one batch of it) in one transaction (run it with
    ``store.write``)."""
    result = KindResult(kind, days)
    ctx = PruneContext(
        cutoff=now - timedelta(days=days),
        after=dict(after or {}),
        limit=limit,
        now=now,
        **ctx_args,
    )
    PRUNERS[kind](session, ctx, result)
    return result


def prune_batch(
    session: Session,
    actor: Actor,
    kind: str,
    days: int,
    now: datetime,
    ctx_args: dict[str, Any],
    after: Mapping[str, uuid.UUID],
    run_id: str,
) -> KindResult:
    """One batch of a kind, its removal audited in the same transaction as its deletion."""
    result = prune_kind(session, kind, days, now, ctx_args, after, BATCH)
    if result.removed and not ctx_args["dry_run"]:
        audit.record(
            session,
            actor,
            now,
            "retention.remove",
            kind=kind,
            days=days,
            removed=result.removed,
            held=result.held,
            skipped=result.skipped,
            files=len(result.files),
            central=ctx_args["central"],
            run=run_id,
        )
    return result


def check_may_run(session: Session, actor: Actor, now: datetime, dry_run: bool) -> None:
    audit.require(actor, now, "retention.run", (Role.ADMIN,), dry_run=dry_run)


def record_run(
    session: Session, actor: Actor, report: RetentionReport, outcome: str = "ok"
) -> None:
    audit.record(session, actor, report.at, "retention.run", outcome=outcome, **report.as_detail())


def remove_files(media_dir: Path, result: KindResult) -> None:
    """Remove the files of rows already removed (after the commit: a failed transaction must
    not lose files); an emptied session folder goes too."""
    root = media_dir.resolve()
    for name in result.files:
        path = (root / name).resolve()
        if not path.is_relative_to(root):
            continue
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            continue  # already gone: nothing to free
        except OSError as exc:
            result.problems.append(f"{name}: not removed: {exc.strerror}")
            continue
        result.bytes_freed += size
        parent = path.parent
        if parent != root and parent.is_relative_to(root):
            with contextlib.suppress(OSError):  # not empty
                parent.rmdir()
    result.files = []


def _run_kind(
    write: Write,
    actor: Actor,
    kind: str,
    days: int,
    now: datetime,
    ctx_args: dict[str, Any],
    media_dir: Path | None,
    run_id: str,
    total: KindResult,
    stop: threading.Event | None,
) -> bool:
    """Every batch of one kind into ``total``; False if a stop cut it short."""
    after: dict[str, uuid.UUID] = {}
    while True:
        part = write(prune_batch, actor, kind, days, now, ctx_args, after, run_id)
        if media_dir is not None and part.files:
            remove_files(media_dir, part)
        total.add(part)
        if not part.more:
            return True
        after.update(part.after)
        if stop is not None and stop.is_set():
            return False


def run_retention(
    write: Write,
    actor: Actor,
    retention: RetentionSettings,
    now: datetime,
    *,
    workstation: str,
    media_dir: Path | None,
    dry_run: bool = False,
    central: bool = False,
    stop: threading.Event | None = None,
) -> RetentionReport:
    """Every kind with a pruner, in batches of one transaction each, then the audited report.

    ``write(fn, *args)`` runs ``fn(session, *args)`` in a transaction and returns its result:
    ``store.write_sync`` (its first item) from a tool, or through ``store.submit_write`` from a
    worker thread. Raises PermissionDenied (audited) or RetentionFailed (the run audited as
    failed, every removal before the failure audited)."""
    write(check_may_run, actor, now, dry_run)
    report = RetentionReport(now, dry_run, central)
    run_id = str(uuid.uuid4())
    ctx_args = {
        "dry_run": dry_run,
        "workstation": workstation,
        "media_dir": media_dir,
        "central": central,
    }
    for kind, days in policies(retention).items():
        if stop is not None and stop.is_set():  # the desk is closing: the rest waits a day
            report.stopped.append(kind)
            continue
        if kind not in PRUNERS:
            report.not_run.append(kind)
            continue
        total = report.kinds[kind] = KindResult(kind, days)
        try:
            finished = _run_kind(
                write, actor, kind, days, now, ctx_args, media_dir, run_id, total, stop
            )
        except Exception as exc:
            report.failed = {"kind": kind, "error": f"{type(exc).__name__}: {exc}"}
            try:
                write(record_run, actor, report, "failed")
            except Exception as again:  # the store itself is failing: the log says it
                logger.warning("retention: the failed run could not be audited: %s", again)
            raise RetentionFailed(kind, report, exc) from exc
        if not finished:
            report.stopped.append(kind)
    try:
        write(record_run, actor, report)
    except Exception as exc:  # every removal is audited already; the summary is not
        raise RetentionFailed("the run's own record", report, exc) from exc
    if any(r.problems for r in report.kinds.values()):
        logger.warning(
            "retention: %s",
            "; ".join(p for r in report.kinds.values() for p in r.problems),
        )
    return report
