"""Setting up the central database: its schema comes from the same Alembic history as the
local cache (plus the central-only tables of revision 0002)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from dispatch_desk.storage.migrate import current_revision, ensure_schema


def sqlalchemy_url(url: str) -> str:
    """``postgresql://...`` as given to the workstation, with SQLAlchemy's psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"central.url must be a postgresql:// URL, not {parsed.drivername}://")
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def central_revision(url: str) -> str | None:
    engine = create_engine(sqlalchemy_url(url))
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def upgrade_central(url: str, migrations_dir: Path) -> str:
    """Bring the central database to this version's schema; returns the revision it is at."""
    engine = create_engine(sqlalchemy_url(url))
    try:
        return ensure_schema(engine, migrations_dir)
    finally:
        engine.dispose()
