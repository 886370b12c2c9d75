"""Opening the local SQLite cache, and telling environment failures from bugs.

Environment failures (a locked file, a full disk, a read-only folder) are shown to the
dispatcher and can be retried; anything else is a bug and is logged with its trace.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import QueuePool


class StoreUnavailable(Exception):
    """The store cannot take the request now; what was being saved is kept by the caller."""

    user_message = "The local database cannot be used right now."


class StoreBusy(StoreUnavailable):
    user_message = (
        "The local database is locked by another program. Nothing was lost; save again in a moment."
    )


class StoreFull(StoreUnavailable):
    user_message = (
        "The disk holding the local database is full. Nothing was lost; tell IT "
        "and keep this screen open."
    )


class StoreReadOnly(StoreUnavailable):
    user_message = (
        "The local database cannot be written (read-only or missing). Nothing was lost; tell IT."
    )


def classify(exc: BaseException) -> StoreUnavailable | None:
    """Map a database error to the environment failure it is, or None for a bug."""
    if not isinstance(exc, OperationalError | DBAPIError):
        return None
    original = getattr(exc, "orig", None)
    text = str(original or exc).lower()
    if "locked" in text or "busy" in text:
        return StoreBusy(text)
    if "full" in text:
        return StoreFull(text)
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return StoreReadOnly(text)
    if "disk i/o" in text:
        return StoreUnavailable(text)
    if isinstance(original, sqlite3.OperationalError) and "no such table" not in text:
        return StoreUnavailable(text)
    return None


def _sqlite_pragmas(busy_timeout_ms: int, synchronous: str) -> Any:
    def on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN; pysqlite's own handling defers it badly.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    return on_connect


def _begin(conn: Any) -> None:
    # Writers take the write lock up front, so a busy database fails at BEGIN, before any work,
    # instead of deadlocking when a read transaction tries to upgrade.
    mode = "BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN"
    conn.exec_driver_sql(mode)


def open_sqlite(path: Path, *, busy_timeout_ms: int = 3000, synchronous: str = "FULL") -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite:///{path}",
        poolclass=QueuePool,
        pool_size=1,
        max_overflow=1,
        pool_pre_ping=False,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
    )
    event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms, synchronous.upper()))
    event.listen(engine, "begin", _begin)
    return engine
