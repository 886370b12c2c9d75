"""Report periods (day, ISO week from Monday, month) in the agency's time zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

PERIODS = ("day", "week", "month")


def period_start(day: date, period: str) -> date:
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown period {period!r} (one of {', '.join(PERIODS)})")


def next_start(start: date, period: str) -> date:
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def label(start: date, period: str) -> str:
    if period == "month":
        return start.strftime("%Y-%m")
    if period == "week":
        iso = start.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return start.isoformat()


def starts_between(since: datetime, until: datetime, period: str, zone: tzinfo) -> list[date]:
    """Every period that overlaps [since, until), oldest first (even empty ones)."""
    first = period_start(since.astimezone(zone).date(), period)
    last_day = (until - timedelta(microseconds=1)).astimezone(zone).date()
    out = []
    start = first
    while start <= last_day:
        out.append(start)
        start = next_start(start, period)
    return out
