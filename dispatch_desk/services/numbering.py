"""Human-friendly incident numbers, "26-000123": unique, short enough to read over the radio.

Numbers come from blocks. Standalone, a workstation owns one block for the year. With a central
database, blocks are leased from it while the workstation is online (the sync engine keeps a
reserve), so that workstations never hand out the same number even while offline. If the
reserve runs out during a long outage, the workstation hands out provisional numbers that carry
its own tag, "26-K7QD-0001", which cannot collide with leased numbers or another workstation's.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.storage.models import NumberBlock

STANDALONE_BLOCK = 999_999
PROVISIONAL_BLOCK = 999_999


def workstation_tag(workstation: str) -> str:
    """Four letters and digits derived from the workstation's name (base32: no 0, 1, 8 or 9)."""
    digest = hashlib.sha256(workstation.encode()).digest()
    return base64.b32encode(digest).decode()[:4]


def _draw(session: Session, year: int, source: str, new_block: int | None) -> int | None:
    """The next free number of the year's blocks from ``source``; with ``new_block``, a block
    of that size is opened when none has numbers left, without it None is returned."""
    block = session.scalar(
        select(NumberBlock)
        .where(
            NumberBlock.year == year,
            NumberBlock.source == source,
            NumberBlock.next_value <= NumberBlock.last_value,
        )
        .order_by(NumberBlock.next_value)
        .limit(1)
    )
    if block is None:
        if new_block is None:
            return None
        block = NumberBlock(year=year, next_value=1, last_value=new_block, source=source)
        session.add(block)
    value = block.next_value
    block.next_value = value + 1
    return value


def next_incident_number(
    session: Session, now: datetime, *, leased: bool = False, workstation: str = ""
) -> str:
    year = now.year
    value = _draw(
        session, year, "lease" if leased else "local", None if leased else STANDALONE_BLOCK
    )
    if value is not None:
        return f"{year % 100:02d}-{value:06d}"
    value = _draw(session, year, "provisional", PROVISIONAL_BLOCK)
    assert value is not None
    return f"{year % 100:02d}-{workstation_tag(workstation)}-{value:04d}"
