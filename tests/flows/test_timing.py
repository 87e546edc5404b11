"""When preparation opens and reminders go out: quiet hours and daylight saving."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from flows.timing import (
    Timing,
    parse_durations,
    parse_quiet_hours,
    polite_time,
    prep_opens_at,
    reminder_times,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM).astimezone(timezone.utc)


def test_settings_are_parsed_and_bad_ones_refused():
    assert parse_durations("24h, 72h,30m") == (timedelta(hours=72), timedelta(hours=24), timedelta(minutes=30))
    assert parse_quiet_hours("21-8") == (21, 8) and parse_quiet_hours("") is None
    for bad in ("72", "3 weeks", "h"):
        with pytest.raises(ValueError):
            parse_durations(bad)
    for bad in ("21", "25-8", "8-8", "a-b"):
        with pytest.raises(ValueError):
            parse_quiet_hours(bad)


def test_a_reminder_planned_for_the_night_waits_for_the_morning():
    meeting = local(2026, 12, 3, 14, 0)
    at = polite_time(local(2026, 12, 2, 23, 30), "Europe/Stockholm", (21, 8), before=meeting)
    assert at == local(2026, 12, 3, 8, 0)
    assert polite_time(local(2026, 12, 2, 15, 0), "Europe/Stockholm", (21, 8), before=meeting) == local(2026, 12, 2, 15, 0)


def test_when_the_morning_is_too_late_the_evening_before_is_used():
    meeting = local(2026, 12, 3, 8, 30)
    at = polite_time(local(2026, 12, 3, 6, 0), "Europe/Stockholm", (21, 8), before=meeting)
    assert at == local(2026, 12, 2, 20, 59)


def test_reminders_fall_after_opening_outside_the_night_and_within_the_models_maximum():
    meeting = local(2026, 12, 3, 8, 30)
    opens = prep_opens_at(meeting, 7, "Europe/Stockholm")
    timing = Timing((timedelta(hours=72), timedelta(hours=24), timedelta(hours=10)), (21, 8))
    times = reminder_times(meeting, opens, timing, "Europe/Stockholm", max_reminders=2)
    # 10 h before is 22:30, and 08:00 would be too close to the meeting: 20:59
    # that evening instead. Only the last two are kept.
    assert times == [local(2026, 12, 2, 8, 30), local(2026, 12, 2, 20, 59)]
    assert all(not 21 <= t.astimezone(STOCKHOLM).hour or t.astimezone(STOCKHOLM).hour < 8 for t in times)
    assert reminder_times(meeting, opens, timing, "Europe/Stockholm", max_reminders=0) == []


def test_opening_and_reminders_keep_the_local_time_across_a_daylight_saving_change():
    # Summer time ends in the night to 25 October 2026.
    meeting = local(2026, 10, 27, 10, 0)
    opens = prep_opens_at(meeting, 7, "Europe/Stockholm")
    assert opens.astimezone(STOCKHOLM).hour == 10 and opens.astimezone(STOCKHOLM).day == 20
    times = reminder_times(meeting, opens, Timing((timedelta(hours=72),), (21, 8)), "Europe/Stockholm", 2)
    assert [t.astimezone(STOCKHOLM).hour for t in times] == [10]
    assert meeting - times[0] == timedelta(hours=73)  # the longer night lies in between


def test_no_quiet_hours_means_exactly_as_planned():
    at = local(2026, 12, 2, 23, 30)
    assert polite_time(at, "Europe/Stockholm", None, before=at + timedelta(hours=2)) == at


def test_a_task_reminder_two_days_before_keeps_noon_across_the_clock_change():
    from flows.timing import local_before

    due = local(2026, 10, 26, 12, 0)  # the Monday after summer time ends
    reminder = local_before(due, timedelta(days=2), "Europe/Stockholm")
    assert reminder.astimezone(STOCKHOLM).hour == 12 and reminder.astimezone(STOCKHOLM).day == 24
    assert due - reminder == timedelta(hours=49)
