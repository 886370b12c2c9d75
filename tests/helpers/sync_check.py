"""Did sync lose or duplicate anything? Every synced table compared, row by row and by id,
between workstation caches and the central database.

- lost: a row a cache has that central lacks (never pushed), or a row central has that a cache
  lacks (never pulled); also, with ``expect``, an id the test wrote that central lacks.
- duplicated: an incident number held by two incidents, a narrative line stored twice, or one
  workstation change applied twice to the change log (same origin, row and clock stamp).
- diverged: a row present on both sides with different values. Rows nobody has changed since
  seeding (every field still at the genesis clock: the demo users and units each workstation
  makes alike at its own start time) are compared by id only.
- pending: entries still in a cache's outbox.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch_desk.storage.database import open_sqlite
from dispatch_desk.storage.models import SyncOutbox
from dispatch_desk.storage.store import Store
from dispatch_desk.sync import codec
from dispatch_desk.sync.hlc import GENESIS

Rows = dict[str, dict[str, dict[str, Any]]]  # table -> id -> column -> normalised value


def _norm(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _normalised(rows: Iterable[Any]) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): {k: _norm(v) for k, v in r.items()} for r in rows}


@dataclass
class Cache:
    rows: Rows
    outbox: int
    numbers: dict[str, int]  # incident number -> how many incidents carry it


def _read_cache(session: Session) -> Cache:
    rows = {
        name: _normalised(session.execute(select(codec.table(name))).mappings())
        for name in codec.SYNCED_TABLES
    }
    outbox = int(session.scalar(select(func.count()).select_from(SyncOutbox)) or 0)
    numbers: dict[str, int] = {}
    for row in rows["incident"].values():
        numbers[row["number"]] = numbers.get(row["number"], 0) + 1
    return Cache(rows, outbox, numbers)


def read_cache(source: Store | Path) -> Cache:
    """A workstation's cache, from its open store or (another process's) SQLite file."""
    if isinstance(source, Store):
        return source.read_sync(_read_cache)
    engine = open_sqlite(Path(source))
    try:
        with Session(engine) as session:
            return _read_cache(session)
    finally:
        engine.dispose()


@dataclass
class Central:
    rows: Rows
    genesis_only: set[tuple[str, str]]
    duplicated: list[str]


def read_central(url: str) -> Central:
    rows: Rows = {}
    duplicated: list[str] = []
    with (
        psycopg.connect(url, connect_timeout=10) as conn,
        conn.cursor(row_factory=psycopg.rows.dict_row) as cur,
    ):
        for name in codec.SYNCED_TABLES:
            cur.execute(f'SELECT * FROM "{name}"')  # names from codec
            rows[name] = _normalised(cur.fetchall())
        cur.execute("SELECT table_name, row_id, clocks FROM sync_row_clock")
        genesis_only = {
            (r["table_name"], str(r["row_id"]))
            for r in cur.fetchall()
            if set(json.loads(r["clocks"]).values()) <= {GENESIS}
        }
        cur.execute(
            "SELECT number, count(*) AS n FROM incident GROUP BY number HAVING count(*) > 1"
        )
        duplicated += [f"central: incident number {r['number']} x{r['n']}" for r in cur]
        cur.execute(
            "SELECT incident_id, text, count(*) AS n FROM narrative_entry "
            "GROUP BY incident_id, text, at, author_name HAVING count(*) > 1"
        )
        duplicated += [f"central: narrative {r['text']!r} x{r['n']}" for r in cur]
        cur.execute(
            "SELECT origin, table_name, row_id, hlc, count(*) AS n FROM sync_change "
            "WHERE origin <> 'central' GROUP BY origin, table_name, row_id, hlc "
            "HAVING count(*) > 1"
        )
        duplicated += [
            f"central: change {r['origin']} {r['table_name']} {r['row_id']} {r['hlc']} "
            f"applied x{r['n']}"
            for r in cur
        ]
    return Central(rows, genesis_only, duplicated)


@dataclass
class Report:
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    diverged: list[str] = field(default_factory=list)
    pending: dict[str, int] = field(default_factory=dict)
    rows: int = 0  # rows compared in central

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.diverged or any(self.pending.values()))

    def summary(self, limit: int = 15) -> str:
        parts = [f"{self.rows} central rows; pending outbox {self.pending}"]
        for label, items in (
            ("lost", self.lost),
            ("duplicated", self.duplicated),
            ("diverged", self.diverged),
        ):
            if items:
                parts.append(f"{label} ({len(items)}): " + "; ".join(items[:limit]))
        return "\n".join(parts)


def compare(
    caches: Mapping[str, Store | Path],
    central_url: str,
    *,
    expect: Mapping[str, Iterable[uuid.UUID]] | None = None,
) -> Report:
    """Compare every cache with central; ``expect`` maps a table to ids that must be there."""
    central = read_central(central_url)
    report = Report(duplicated=list(central.duplicated))
    report.rows = sum(len(t) for t in central.rows.values())
    for table, ids in (expect or {}).items():
        report.lost += [
            f"central lacks {table} {i} (written by the test)"
            for i in map(str, ids)
            if i not in central.rows[table]
        ]
    for label, source in caches.items():
        cache = read_cache(source)
        report.pending[label] = cache.outbox
        report.duplicated += [
            f"{label}: incident number {n} x{k}" for n, k in cache.numbers.items() if k > 1
        ]
        for name in codec.SYNCED_TABLES:
            mine, theirs = cache.rows[name], central.rows[name]
            report.lost += [f"central lacks {name} {i} from {label}" for i in mine.keys() - theirs]
            report.lost += [f"{label} lacks {name} {i}" for i in theirs.keys() - mine]
            for row_id in mine.keys() & theirs:
                if (name, row_id) in central.genesis_only:
                    continue
                a, b = mine[row_id], theirs[row_id]
                differ = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
                if differ:
                    report.diverged.append(
                        f"{label} {name} {row_id}: "
                        + ", ".join(f"{k} {a.get(k)!r} != central {b.get(k)!r}" for k in differ)
                    )
    return report
