"""Human-friendly incident numbers, "26-000123": unique, short enough to read over the radio.

Numbers come from blocks. Standalone, a workstation owns one block for the year; with a central
database (sync issue) blocks are leased centrally so that offline workstations never collide.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.storage.models import NumberBlock

STANDALONE_BLOCK = 999_999


def next_incident_number(session: Session, now: datetime) -> str:
    year = now.year
    block = session.scalar(
        select(NumberBlock)
        .where(NumberBlock.year == year, NumberBlock.next_value <= NumberBlock.last_value)
        .order_by(NumberBlock.next_value)
        .limit(1)
    )
    if block is None:
        block = NumberBlock(year=year, next_value=1, last_value=STANDALONE_BLOCK, source="local")
        session.add(block)
    value = block.next_value
    block.next_value = value + 1
    return f"{year % 100:02d}-{value:06d}"
