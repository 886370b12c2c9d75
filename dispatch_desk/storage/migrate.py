"""Bringing a database to the schema this code expects, with one Alembic history.

The local cache file is copied aside (SQLite's online backup, consistent under WAL) before any
upgrade touches it. At start-up the common case, a cache already at head, is answered by one
query without importing Alembic at all, which keeps the workstation's cold start short.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

logger = logging.getLogger(__name__)

# The newest revision in migrations/versions; a test checks it matches Alembic's head.
SCHEMA_HEAD = "0011_qa"


class SchemaError(RuntimeError):
    """The database's schema cannot be used by this version of the program."""


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    except (OperationalError, ProgrammingError) as exc:
        if "no such table" in str(exc).lower() or "does not exist" in str(exc).lower():
            return None
        raise
    return row[0] if row else None


def known_revisions(migrations_dir: Path) -> list[str]:
    return sorted(p.stem for p in (migrations_dir / "versions").glob("[0-9]*.py"))


def backup_sqlite(db_file: Path, backups_dir: Path, revision: str | None) -> Path:
    backups_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = backups_dir / f"{db_file.stem}-{revision or 'empty'}-{stamp}{db_file.suffix}"
    source = sqlite3.connect(db_file)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    logger.info("copied %s aside to %s before upgrading", db_file.name, target)
    return target


def upgrade(engine: Engine, migrations_dir: Path, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def ensure_schema(engine: Engine, migrations_dir: Path, *, backups_dir: Path | None = None) -> str:
    """Upgrade to head if needed; returns the revision the database is now at."""
    found = current_revision(engine)
    if found == SCHEMA_HEAD:
        return found
    if found is not None and found not in known_revisions(migrations_dir):
        raise SchemaError(
            f"The database is at schema {found!r}, which is newer than this program "
            f"(knows up to {SCHEMA_HEAD!r}). Install the newer Dispatch Desk version."
        )
    db_file = engine.url.database
    if engine.dialect.name == "sqlite" and found is not None and db_file and backups_dir:
        backup_sqlite(Path(db_file), backups_dir, found)
    logger.info("upgrading schema from %s to %s", found or "empty", SCHEMA_HEAD)
    upgrade(engine, migrations_dir)
    return SCHEMA_HEAD
