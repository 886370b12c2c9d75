"""Each workstation's audit events form a hash chain of their own.

Every ``audit_event`` row carries ``seq`` (1, 2, 3, ... per workstation), ``prev_hash`` (the
previous entry's ``hash``, or :data:`GENESIS` for the first) and ``hash``: SHA-256 (hex) over a
canonical encoding of every field, including ``seq``, ``prev_hash`` and the row's id. The chain's
head (last seq and hash) is kept in ``audit_chain_head``, one row per workstation, updated in the
same transaction as the entry. Both tables sync, so central and every local cache hold each
workstation's chain and its head; a retention prune leaves an ``audit_chain_anchor`` (last
removed seq and hash) in the database it ran on.

What ``audit verify`` detects, for someone with write access to one database:

* an edited field of any entry (its hash no longer matches);
* a deleted entry in the middle (a gap in seq) and a deleted LAST entry (the head names a seq
  that is not there); a deleted prefix without an anchor (the chain does not start at 1)
  where the chain is whole or anchored (its own workstation, central); a copy pulled after
  central pruned a chain's start has neither and may start later (noted, not a break);
* an entry at seq 0 or below, or at/below a retention anchor, and an anchor that no
  ``audit.prune`` event in a verified chain names (a deleted start hidden by a forged anchor);
* reordered entries (seq and the previous hash are inside each hash);
* a forged entry slipped in (two entries at one seq, a broken link, or, on the workstation that
  owns the chain, an entry beyond its head).

What it cannot detect: there is no secret in the hash, so someone who rewrites an entry AND
recomputes every later hash AND the head in one database leaves a chain that verifies there.
That rewrite is caught by comparison with another copy: rows already synced keep their
original hashes on central and the other workstations (``audit verify --central`` walks
central's copy). A chain that is only a prefix of the head's (a synced copy still catching up)
verifies.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
CENTRAL = "central"  # the workstation name central's own chain is written under
_FORMAT = "dd-audit-1"  # bump only with a migration that re-chains every row
_HEAD_NS = uuid.UUID("0b7f3a52-3c8e-4d5e-9a3c-61d2a0f1c0de")


def head_id(workstation: str) -> uuid.UUID:
    """The head row's id: the same on every database for one workstation."""
    return uuid.uuid5(_HEAD_NS, workstation)


def utc_text(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(
    *,
    seq: int,
    prev_hash: str,
    id: uuid.UUID | str,
    at: datetime,
    user_id: uuid.UUID | str | None,
    username: str,
    workstation: str,
    action: str,
    entity_type: str,
    entity_id: str,
    detail: str,
    outcome: str,
    **_ignored: Any,
) -> str:
    """SHA-256 hex of the canonical encoding: a compact JSON array, fields in a fixed order."""
    canonical = json.dumps(
        [
            _FORMAT,
            seq,
            prev_hash,
            str(id),
            utc_text(at),
            str(user_id) if user_id else "",
            username,
            workstation,
            action,
            entity_type,
            entity_id,
            detail,
            outcome,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class Link:
    """Where a chain stands: the seq and hash of its last entry (0 and GENESIS when empty)."""

    seq: int = 0
    hash: str = GENESIS


def seal(row: dict[str, Any], after: Link) -> Link:
    """Give ``row`` (a dict of audit_event columns) its place after ``after``; returns the new
    head. The row must already have its id and its final field values."""
    row["seq"] = after.seq + 1
    row["prev_hash"] = after.hash
    row["hash"] = entry_hash(**row)
    return Link(row["seq"], row["hash"])
