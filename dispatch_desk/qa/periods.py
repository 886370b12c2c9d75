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


class Bucketer:
    """Which period a moment falls in; caches per calendar day (100k rows → a few hundred days)."""

    def __init__(self, period: str, zone: tzinfo) -> None:
        period_start(date(2000, 1, 1), period)  # reject an unknown period at once
        self.period, self.zone = period, zone
        self._days: dict[date, date] = {}

    def __call__(self, at: datetime) -> date:
        day = at.astimezone(self.zone).date()
        start = self._days.get(day)
        if start is None:
            start = self._days[day] = period_start(day, self.period)
        return start
