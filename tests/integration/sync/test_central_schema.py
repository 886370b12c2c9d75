"""The central schema comes from the same Alembic history as the cache and matches the models
plus the central-only tables, on a real PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine

from dispatch_desk.storage.models import Base
from dispatch_desk.sync.admin import sqlalchemy_url
from dispatch_desk.sync.central_schema import central_metadata


def _diff(url: str, metadata: MetaData) -> list[object]:
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_central_matches_models_and_central_tables(central: str) -> None:
    both = MetaData()
    for table in (*Base.metadata.tables.values(), *central_metadata.tables.values()):
        table.to_metadata(both)
    assert _diff(central, both) == []
    # And the check is not vacuous: without the central tables it sees them as extra.
    removed = {d[1].name for d in _diff(central, Base.metadata) if d[0] == "remove_table"}  # type: ignore[index]
    assert removed == set(central_metadata.tables)
