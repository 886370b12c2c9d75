"""Revision 0008 chains the events a cache already holds, per workstation in (at, id) order, and
gives events still queued for central their chain fields."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch_desk.audit.verify import verify_all
from dispatch_desk.config.paths import resolve_paths
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor
from dispatch_desk.storage import migrate
from dispatch_desk.storage.database import open_sqlite
from dispatch_desk.storage.models import AuditEvent
from dispatch_desk.storage.types import UTCDateTime

MIGRATIONS = resolve_paths().migrations_dir
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

OLD_EVENTS = sa.table(
    "audit_event",
    sa.column("id", sa.Uuid()),
    sa.column("at", UTCDateTime()),
    sa.column("user_id", sa.Uuid()),
    sa.column("username", sa.String()),
    sa.column("workstation", sa.String()),
    sa.column("action", sa.String()),
    sa.column("entity_type", sa.String()),
    sa.column("entity_id", sa.String()),
    sa.column("detail", sa.Text()),
    sa.column("outcome", sa.String()),
)


def _old(ws: str, at: datetime, action: str) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "at": at,
        "user_id": None,
        "username": "admin",
        "workstation": ws,
        "action": action,
        "entity_type": "",
        "entity_id": "",
        "detail": json.dumps({"note": "é ünïcode"}, ensure_ascii=False),
        "outcome": "ok",
    }


def test_existing_events_are_chained_and_verify(tmp_path: Path) -> None:
    engine = open_sqlite(tmp_path / "cache.sqlite3", busy_timeout_ms=1000)
    try:
        migrate.upgrade(engine, MIGRATIONS, "0007_camera_wall")
        rows = [
            _old("ws-a", T0 + timedelta(minutes=3), "third"),
            _old("ws-b", T0 + timedelta(minutes=1), "b-first"),
            _old("ws-a", T0, "first"),
            _old("ws-a", T0 + timedelta(minutes=1), "second"),
        ]
        queued = rows[0]
        with engine.begin() as conn:
            conn.execute(OLD_EVENTS.insert(), rows)
            conn.execute(
                sa.text(
                    "INSERT INTO sync_outbox (table_name, row_id, hlc, fields, row) "
                    "VALUES ('audit_event', :id, 'x', :fields, :row)"
                ),
                {
                    "id": queued["id"].hex,
                    "fields": json.dumps(dict.fromkeys(queued, "")),
                    "row": json.dumps({**queued, "id": str(queued["id"]), "at": "t"}),
                },
            )
        migrate.upgrade(engine, MIGRATIONS)

        with Session(engine) as session:
            reports = {r.workstation: r for r in verify_all(session, "ws-a")}
            assert {w: (r.ok, r.entries) for w, r in reports.items()} == {
                "ws-a": (True, 3),
                "ws-b": (True, 1),
            }
            order = session.execute(
                sa.select(AuditEvent.action)
                .where(AuditEvent.workstation == "ws-a")
                .order_by(AuditEvent.seq)
            ).scalars()
            assert list(order) == ["first", "second", "third"]
            # New events continue the migrated chain.
            event = audit.record(session, Actor.system("ws-a"), T0 + timedelta(hours=1), "after")
            session.commit()
            assert event.seq == 4
            assert all(r.ok for r in verify_all(session, "ws-a"))
            third = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "third"))
        with engine.connect() as conn:
            queued_row = json.loads(conn.execute(sa.text("SELECT row FROM sync_outbox")).scalar())
            fields = json.loads(conn.execute(sa.text("SELECT fields FROM sync_outbox")).scalar())
        assert (queued_row["seq"], queued_row["hash"]) == (3, third.hash)
        assert queued_row["prev_hash"] == third.prev_hash
        assert {"seq", "prev_hash", "hash"} <= set(fields)
    finally:
        engine.dispose()
