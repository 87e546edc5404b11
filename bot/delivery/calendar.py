"""Calendar files (.ics) for announced meetings, made with the icalendar
library in the reader's language and the case's time zone.

Every revision of a meeting's file has the same UID and a higher SEQUENCE,
so a phone's calendar replaces the entry it has; a cancelled meeting's file
says STATUS:CANCELLED. The files are published (METHOD:PUBLISH): nobody is
an organizer or an attendee by e-mail here."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

from bot.i18n import render
from flows.outcome import CalendarEntry
from flows.text import _

PRODID = "-//meetbot//Meeting companion//EN"


@lru_cache(maxsize=16)
def _vtimezone(zone_name: str, year: int) -> Timezone:
    """The zone's rules around the meeting's year: the same for every file of a
    broadcast, so they are worked out once."""
    return Timezone.from_tzinfo(ZoneInfo(zone_name), tzid=zone_name, first_date=date(year - 1, 1, 1),
                                last_date=date(year + 2, 1, 1))


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
    calendar.add_component(_vtimezone(entry.timezone, entry.starts_at.year))
    calendar.add_component(event)
    return calendar.to_ical()


def ics_filename(entry: CalendarEntry, language: str) -> str:
    day = entry.starts_at.astimezone(ZoneInfo(entry.timezone)).date().isoformat()
    # Translators: the name of the calendar file people see in the chat; keep {date} and ".ics".
    return render(_("meeting-{date}.ics", date=day), language, plain=True)
