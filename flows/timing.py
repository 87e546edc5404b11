"""When things happen: preparation opening, reminder times, and quiet hours.

All arithmetic on wall-clock times goes through the case's time zone, so a
reminder planned for 08:00 stays at 08:00 across a daylight-saving change."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

_DURATION = re.compile(r"^\s*(\d+)\s*([dhms])\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
# A reminder moved out of the night still has to come this long before the meeting.
MIN_NOTICE = timedelta(hours=1)


@dataclass(frozen=True)
class Timing:
    prep_reminder_leads: tuple[timedelta, ...] = (timedelta(hours=72), timedelta(hours=24))
    quiet_hours: tuple[int, int] | None = (21, 8)  # (from, until) local hours; None: no quiet time
    task_reminder_leads: tuple[timedelta, ...] = (timedelta(days=2),)  # before a task's due day
    meeting_reminder_leads: tuple[timedelta, ...] = (timedelta(days=1), timedelta(hours=2))  # before an announced meeting


def parse_durations(text: str) -> tuple[timedelta, ...]:
    """'72h,24h' -> (72 hours, 24 hours), longest first."""
    leads = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _DURATION.match(part)
        if match is None:
            raise ValueError(f"{part!r} is not a duration such as 72h, 90m or 45s")
        leads.append(timedelta(**{_UNITS[match.group(2)]: int(match.group(1))}))
    return tuple(sorted(leads, reverse=True))


def parse_quiet_hours(text: str) -> tuple[int, int] | None:
    """'21-8' -> (21, 8); '' -> None."""
    if not text.strip():
        return None
    start, sep, end = text.partition("-")
    if not sep or not start.strip().isdigit() or not end.strip().isdigit():
        raise ValueError(f"{text!r} is not a range of hours such as 21-8")
    hours = int(start), int(end)
    if not all(0 <= h <= 23 for h in hours) or hours[0] == hours[1]:
        raise ValueError(f"{text!r}: hours go from 0 to 23 and must differ")
    return hours


def local_before(at: datetime, lead: timedelta, zone_name: str) -> datetime:
    """`lead` before `at` on the local wall clock: a day before 10:00 is 10:00,
    even when a daylight-saving change lies between."""
    local = at.astimezone(ZoneInfo(zone_name))
    return (local - lead).astimezone(timezone.utc)


def prep_opens_at(starts_at: datetime, opens_days: int, zone_name: str, override: datetime | None = None) -> datetime:
    """Preparation opens `opens_days` calendar days before the meeting, at the
    same local time (or when the coordinator opened it by hand)."""
    if override is not None:
        return override
    return local_before(starts_at, timedelta(days=opens_days), zone_name)


def _in_quiet_hours(local: datetime, quiet: tuple[int, int]) -> bool:
    start, end = quiet
    hour = local.hour
    return start <= hour or hour < end if start > end else start <= hour < end


def _at_local(day, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(timezone.utc)


def polite_time(at: datetime, zone_name: str, quiet: tuple[int, int] | None, *, before: datetime | None = None) -> datetime | None:
    """The moment to send something planned for `at` without waking anyone:
    `at` itself outside quiet hours; otherwise the morning the quiet time ends,
    if that is still MIN_NOTICE before `before`; otherwise the evening the quiet
    time began, if that is not past; otherwise None (too late to be polite)."""
    if quiet is None:
        return at
    zone = ZoneInfo(zone_name)
    local = at.astimezone(zone)
    if not _in_quiet_hours(local, quiet):
        return at
    start, end = quiet
    morning_day = local.date() if local.hour < end else local.date() + timedelta(days=1)
    morning = _at_local(morning_day, end, zone)
    if before is None or morning <= before - MIN_NOTICE:
        return morning
    evening_day = local.date() if local.hour >= start else local.date() - timedelta(days=1)
    evening = _at_local(evening_day, start, zone) - timedelta(minutes=1)
    return evening if evening >= at - timedelta(hours=24) and not _in_quiet_hours(evening.astimezone(zone), quiet) else None


def reminder_times(starts_at: datetime, opens_at: datetime, timing: Timing, zone: str, max_reminders: int,
                   leads: tuple[timedelta, ...] | None = None) -> list[datetime]:
    """When to remind: each lead time before the meeting (by default the
    preparation reminders' leads) that falls after `opens_at`, moved out of
    quiet hours, at most `max_reminders` of them (the last ones before the meeting)."""
    times: list[datetime] = []
    for lead in timing.prep_reminder_leads if leads is None else leads:
        planned = local_before(starts_at, lead, zone)
        if planned <= opens_at:
            continue
        polite = polite_time(planned, zone, timing.quiet_hours, before=starts_at)
        if polite is not None and opens_at < polite < starts_at and polite not in times:
            times.append(polite)
    times.sort()
    return times[-max_reminders:] if max_reminders > 0 else []
