"""Pulled rows of one table inserted in one batch may carry different columns (a row logged on
central before a column existed, one after): each row keeps exactly its own fields."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from dispatch_desk.audit.chain import Link, seal
from dispatch_desk.storage.models import AuditEvent
from dispatch_desk.sync import codec, local
from tests.helpers.core import FakeClock, make_core


@pytest.mark.parametrize("order", ["old-first", "new-first"])
def test_a_batch_with_different_column_sets_keeps_every_rows_fields(
    tmp_path: Path, order: str
) -> None:
    core = make_core(tmp_path, clock=FakeClock())
    try:
        base = {
            "at": core.clock(),
            "user_id": None,
            "username": "x",
            "workstation": "ws-other",
            "action": "login",
            "entity_type": "",
            "entity_id": "",
            "detail": "{}",
            "outcome": "ok",
        }
        old = {"id": uuid.uuid4(), **base}  # as central logged it before the chain columns
        new = {"id": uuid.uuid4(), **base}
        seal(new, Link())
        rows = [old, new] if order == "old-first" else [new, old]
        entries = [
            local.to_entry(
                "audit_event",
                r["id"],
                f"{i:020d}",
                json.dumps(dict.fromkeys(r, "")),
                codec.encode_row(r),
                "central",
                i + 1,
            )
            for i, r in enumerate(rows)
        ]
        core.store.write_sync(local.apply_pulled, entries, 2, "0" * 20)
        got = core.store.read_sync(
            lambda s: {
                r.id: (r.seq, r.prev_hash, r.hash)
                for r in s.execute(
                    select(
                        AuditEvent.id, AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.hash
                    ).where(AuditEvent.workstation == "ws-other")
                )
            }
        )
        assert got == {old["id"]: (None, None, None), new["id"]: (1, new["prev_hash"], new["hash"])}
    finally:
        core.close()
