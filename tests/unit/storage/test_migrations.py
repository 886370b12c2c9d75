"""The schema: one Alembic history, matching the models, applied to a fresh SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, inspect, text

from dispatch_desk.config.paths import resolve_paths
from dispatch_desk.storage import migrate
from dispatch_desk.storage.database import open_sqlite
from dispatch_desk.storage.models import Base

MIGRATIONS = resolve_paths().migrations_dir


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = open_sqlite(tmp_path / "data" / "cache.sqlite3", busy_timeout_ms=1000)
    yield eng
    eng.dispose()


@pytest.fixture
def migrated(engine: Engine) -> Engine:
    assert migrate.ensure_schema(engine, MIGRATIONS) == migrate.SCHEMA_HEAD
    return engine


def test_fresh_database_is_upgraded_to_head(engine: Engine) -> None:
    assert migrate.current_revision(engine) is None
    assert migrate.ensure_schema(engine, MIGRATIONS) == migrate.SCHEMA_HEAD
    assert migrate.current_revision(engine) == migrate.SCHEMA_HEAD
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_database_at_head_is_left_alone(migrated: Engine, tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    assert migrate.ensure_schema(migrated, MIGRATIONS, backups_dir=backups) == migrate.SCHEMA_HEAD
    assert not backups.exists() or not any(backups.iterdir())


def test_schema_head_is_alembics_head() -> None:
    heads = ScriptDirectory(str(MIGRATIONS)).get_heads()
    assert heads == [migrate.SCHEMA_HEAD]
    assert migrate.known_revisions(MIGRATIONS)[-1] == migrate.SCHEMA_HEAD


def _diff(engine: Engine, metadata: MetaData) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_models_and_migrations_do_not_drift(migrated: Engine) -> None:
    assert _diff(migrated, Base.metadata) == []


def test_drift_check_would_see_a_difference(migrated: Engine) -> None:
    # Guards the test above against passing vacuously (e.g. comparing nothing).
    diff = _diff(migrated, MetaData())
    removed = {entry[1].name for entry in diff if entry[0] == "remove_table"}  # type: ignore[index]
    assert removed == set(Base.metadata.tables)


def test_wal_mode_and_pragmas_are_on(migrated: Engine) -> None:
    with migrated.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 1000
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL


def test_newer_unknown_revision_is_refused_clearly(migrated: Engine) -> None:
    with migrated.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    with pytest.raises(migrate.SchemaError) as caught:
        migrate.ensure_schema(migrated, MIGRATIONS)
    message = str(caught.value)
    assert "'0099_from_the_future'" in message
    assert "newer than this program" in message
    assert repr(migrate.SCHEMA_HEAD) in message
    assert "Install the newer Dispatch Desk" in message
    # Nothing was touched.
    assert migrate.current_revision(migrated) == "0099_from_the_future"


def test_backup_copies_the_database_aside(migrated: Engine, tmp_path: Path) -> None:
    with migrated.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO number_block (id, year, next_value, last_value, source) "
                "VALUES (X'00112233445566778899aabbccddeeff', 2026, 42, 99, 'local')"
            )
        )
    db_file = Path(str(migrated.url.database))
    backups = tmp_path / "backups"
    copy = migrate.backup_sqlite(db_file, backups, migrate.SCHEMA_HEAD)
    assert copy.parent == backups
    assert copy.name.startswith(f"cache-{migrate.SCHEMA_HEAD}-")
    assert copy.suffix == ".sqlite3"
    with closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("SELECT year, next_value FROM number_block").fetchall() == [(2026, 42)]
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (migrate.SCHEMA_HEAD,)
        ]
    assert db_file.exists()


def test_older_cache_is_copied_aside_then_upgraded(engine: Engine, tmp_path: Path) -> None:
    migrate.upgrade(engine, MIGRATIONS, "0001_initial")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO number_block (id, year, next_value, last_value, source) "
                "VALUES (X'00112233445566778899aabbccddeeff', 2026, 7, 99, 'local')"
            )
        )
    backups = tmp_path / "backups"
    assert migrate.ensure_schema(engine, MIGRATIONS, backups_dir=backups) == migrate.SCHEMA_HEAD
    (copy,) = backups.iterdir()
    assert copy.name.startswith("cache-0001_initial-")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT next_value FROM number_block")).scalar() == 7
        assert conn.execute(text("SELECT count(*) FROM sync_outbox")).scalar() == 0


def test_backup_of_an_unversioned_database_says_empty(tmp_path: Path) -> None:
    db_file = tmp_path / "plain.sqlite3"
    sqlite3.connect(db_file).close()
    copy = migrate.backup_sqlite(db_file, tmp_path / "b", None)
    assert copy.name.startswith("plain-empty-")
