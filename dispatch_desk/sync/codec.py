"""Which tables sync, in the order their rows may depend on each other, and how a row travels:
a JSON object of its columns, decoded by each column's type on arrival."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Boolean, DateTime, Table, Uuid

from dispatch_desk.storage.models import Base

# Parents before children: inserting a batch table by table in this order satisfies every
# foreign key.
SYNCED_TABLES: tuple[str, ...] = (
    "user_account",
    "caller",
    "incident",
    "call",
    "location",
    "unit",
    "unit_status_event",
    "assignment",
    "narrative_entry",
    "audit_event",
    "audit_chain_head",  # after audit_event: a batch cut never leaves a head ahead of its rows
    "camera",
    "citizen_session",
    "citizen_message",
    "citizen_media",
    "sms_consent",
    "sms_message",
    "incident_texting",
    "survey",
    "sms_conversation",
    "camera_viewing",
    "wall_view",
    "camera_still",
    "legal_hold",
    "review_bookmark",
    "qa_form",
    "qa_evaluation",
)
TABLE_ORDER = {name: i for i, name in enumerate(SYNCED_TABLES)}


def table(name: str) -> Table:
    if name not in TABLE_ORDER:
        raise KeyError(f"{name!r} is not a synced table")
    return Base.metadata.tables[name]


def _kinds(t: Table) -> dict[str, str]:
    kinds = {}
    for column in t.columns:
        kind = column.type
        impl = getattr(kind, "impl", kind)
        if isinstance(kind, Uuid):
            kinds[column.key] = "uuid"
        elif isinstance(impl, DateTime):
            kinds[column.key] = "datetime"
        elif isinstance(impl, Boolean):
            kinds[column.key] = "bool"
        else:
            kinds[column.key] = "plain"
    return kinds


COLUMN_KINDS: dict[str, dict[str, str]] = {name: _kinds(table(name)) for name in SYNCED_TABLES}


def encode_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def decode_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "uuid":
        return value if isinstance(value, uuid.UUID) else uuid.UUID(value)
    if kind == "datetime":
        return value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if kind == "bool":
        return bool(value)
    return value


def encode_row(values: dict[str, Any]) -> str:
    return json.dumps(
        {k: encode_value(v) for k, v in values.items()}, ensure_ascii=False, sort_keys=True
    )


def decode_row(table_name: str, text: str) -> dict[str, Any]:
    """A row as Python values; columns this version does not know are dropped, and columns the
    sender did not know are left out (the receiver's default applies on insert)."""
    kinds = COLUMN_KINDS[table_name]
    raw = json.loads(text)
    return {k: decode_value(kinds[k], v) for k, v in raw.items() if k in kinds}


def by_columns(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """``rows`` split into runs that share one column set, in order: one executemany statement
    takes its columns from its first row, and rows of one table may differ (a row logged on
    central before a column was added travels without it), so each run gets a statement."""
    runs: list[list[dict[str, Any]]] = []
    for row in rows:
        if runs and runs[-1][0].keys() == row.keys():
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs
