"""Calendar files (.ics) for announced meetings, made with the icalendar
library in the reader's language and the case's time zone.

Every revision of a meeting's file has the same UID and a higher SEQUENCE,
so a phone's calendar replaces the entry it has; a cancelled meeting's file
says STATUS:CANCELLED. The files are published (METHOD:PUBLISH): nobody is
an organizer or an attendee by e-mail here."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from bot.i18n import render
from flows.outcome import CalendarEntry

PRODID = "-//meetbot//Meeting companion//EN"
TIMEZONE_SPAN = timedelta(days=366)  # the time zone's rules are written out for a year either side


def ics_bytes(entry: CalendarEntry, language: str, now: datetime) -> bytes:
    zone = ZoneInfo(entry.timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", entry.uid)
    event.add("sequence", entry.sequence)
    event.add("dtstamp", now)
    event.add("dtstart", entry.starts_at.astimezone(zone))
    event.add("dtend", entry.ends_at.astimezone(zone))
    event.add("summary", render(entry.title, language, plain=True))
    event.add("description", render(entry.description, language, plain=True))
    if entry.location:
        event.add("location", entry.location)
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    calendar.add_component(event)
    day = entry.starts_at.date()
    calendar.add_missing_timezones(first_date=day - TIMEZONE_SPAN, last_date=day + TIMEZONE_SPAN)
    return calendar.to_ical()


def ics_filename(entry: CalendarEntry) -> str:
    return f"meeting-{entry.starts_at.astimezone(ZoneInfo(entry.timezone)).date().isoformat()}.ics"
