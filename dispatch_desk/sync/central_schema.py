"""Tables only the central PostgreSQL has: the change log every workstation pulls from, the
receipts that make pushes idempotent, the incident-number leases and the rejected changes."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)

from dispatch_desk.storage.models import NAMING

central_metadata = MetaData(naming_convention=NAMING)

# One row per change, in commit order (pushes hold one advisory lock, so seq order is commit
# order and a puller's cursor can never skip a change committed late).
sync_change = Table(
    "sync_change",
    central_metadata,
    Column("seq", BigInteger, Identity(), primary_key=True),
    Column("origin", String(64), nullable=False),
    Column("table_name", String(32), nullable=False),
    Column("row_id", Uuid, nullable=False),
    Column("hlc", String(96), nullable=False),
    Column("fields", Text, nullable=False),
    Column("row", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The highest outbox seq of each workstation already applied: a replayed batch changes nothing.
sync_receipt = Table(
    "sync_receipt",
    central_metadata,
    Column("origin", String(64), primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

number_lease = Table(
    "number_lease",
    central_metadata,
    Column("id", Uuid, primary_key=True),
    Column("year", Integer, nullable=False),
    Column("first_value", Integer, nullable=False),
    Column("last_value", Integer, nullable=False),
    Column("workstation", String(64), nullable=False),
    Column("leased_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("year", "first_value"),
)

# A change central could not apply (e.g. a number that collides): kept whole, with the reason.
sync_rejected = Table(
    "sync_rejected",
    central_metadata,
    Column("id", Uuid, primary_key=True),
    Column("origin", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("table_name", String(32), nullable=False),
    Column("row_id", Uuid, nullable=False),
    Column("row", Text, nullable=False),
    Column("error", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
