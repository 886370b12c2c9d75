"""The gateway's durable inbox of webhooks: what Twilio posted, kept until a desk has stored it.

The gateway is otherwise stateless; a text must not be lost because no desk was connected, or
because the gateway restarted between answering Twilio and handing the text on. So a webhook is
answered 200 only once its entry is committed to this SQLite file of the gateway's own, and an
entry leaves only when a desk acknowledges that its store has it.

Writes go through one thread that commits whatever has queued up in one transaction (group
commit): a burst of a thousand texts costs a handful of fsyncs, and the event loop never waits
on the disk.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import sqlite3
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entry (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,          -- 'sms' (an incoming text) | 'status' (a delivery status)
    dedupe TEXT NOT NULL UNIQUE, -- 'sms:<MessageSid>' | 'status:<MessageSid>:<status>'
    params TEXT NOT NULL,        -- the form Twilio posted, as JSON
    received REAL NOT NULL
);
"""


@dataclass(frozen=True)
class Entry:
    id: int
    kind: str
    params: dict[str, str]
    received: float

    def wire(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "params": self.params, "at": self.received}


class TextInbox:
    """``await put(...)`` from the event loop; ``pending`` / ``ack`` for whoever hands on."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()  # one statement at a time on the connection
        self._queue: queue.SimpleQueue[tuple[str, str, str, float, Future[bool]] | None] = (
            queue.SimpleQueue()
        )
        self._writer = threading.Thread(target=self._write_loop, name="text-inbox", daemon=True)
        self._writer.start()
        self.commits = 0

    # -- in

    async def put(self, kind: str, dedupe: str, params: dict[str, str]) -> bool:
        """Keep one entry durably; False when the same one (same dedupe key) was already kept."""
        done: Future[bool] = Future()
        self._queue.put((kind, dedupe, json.dumps(params, ensure_ascii=False), time.time(), done))
        return await asyncio.wrap_future(done)

    def _write_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            while True:  # whatever else queued meanwhile goes in the same commit
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._commit(batch)
                    return
                batch.append(more)
            self._commit(batch)

    def _commit(self, batch: list[tuple[str, str, str, float, Future[bool]]]) -> None:
        results: list[bool] = []
        try:
            with self._lock:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    for kind, dedupe, params, received, _ in batch:
                        cursor = self._db.execute(
                            "INSERT OR IGNORE INTO entry (kind, dedupe, params, received) "
                            "VALUES (?, ?, ?, ?)",
                            (kind, dedupe, params, received),
                        )
                        results.append(cursor.rowcount == 1)
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
            self.commits += 1
        except sqlite3.Error as exc:
            logger.warning("gateway text inbox: %s", exc)
            for *_, done in batch:
                done.set_exception(exc)
            return
        for (*_, done), new in zip(batch, results, strict=True):
            done.set_result(new)

    # -- out

    def pending(self, limit: int = 200, after: int = 0) -> list[Entry]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, kind, params, received FROM entry WHERE id > ? ORDER BY id LIMIT ?",
                (after, limit),
            ).fetchall()
        return [Entry(r[0], r[1], json.loads(r[2]), r[3]) for r in rows]

    def ack(self, ids: list[int]) -> None:
        """The desk has these; they leave the inbox. (Their dedupe keys go too: a repeat after
        this is caught by the desk's own store, keyed by MessageSid.)"""
        if not ids:
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("DELETE FROM entry WHERE id = ?", [(i,) for i in ids])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM entry").fetchone()[0])

    def close(self) -> None:
        self._queue.put(None)
        self._writer.join(5)
        with self._lock:
            self._db.close()
