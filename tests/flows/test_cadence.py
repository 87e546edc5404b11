"""The next meeting's suggested date, from each model's cadence."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flows.cadence import planned_minutes, suggest
from flows.context import MeetingView
from flows.meeting_models import builtin_models

ZONE = "Europe/Copenhagen"
LOCAL = ZoneInfo(ZONE)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)  # a Monday


def held(meeting_type: str, *local_days: tuple[int, int, int], hour: int = 14) -> tuple[MeetingView, ...]:
    return tuple(MeetingView(i, meeting_type, datetime(*day, hour, 30, tzinfo=LOCAL).astimezone(timezone.utc), "Here", "ended")
                 for i, day in enumerate(local_days))


def local(suggestion) -> datetime:
    return suggestion.starts_at.astimezone(LOCAL)


def danish(type_id: str):
    return builtin_models()["danish_series"].meeting_type(type_id)


def test_a_follow_up_is_suggested_at_the_same_local_time_and_a_weekend_moves_it_earlier():
    systemic = builtin_models()["systemic"].meeting_type("meeting")
    # 42 days after Thursday 19 November is Thursday 31 December.
    s = suggest(systemic, held("meeting", (2026, 11, 19)), NOW, ZONE)
    assert (local(s).date().isoformat(), local(s).strftime("%H:%M")) == ("2026-12-31", "14:30")
    assert s.reason.params["n"] == 42
    # 42 days after Saturday 21 November is a Saturday: the Friday before, never later than the cadence allows.
    s = suggest(systemic, held("meeting", (2026, 11, 21)), NOW, ZONE)
    assert local(s).date().isoformat() == "2027-01-01" and local(s).weekday() == 4


def test_status_meetings_are_weekly_at_first_then_every_second_week():
    status = danish("statusmode")
    first_three = held("statusmode", (2026, 11, 5), (2026, 11, 12), (2026, 11, 19))
    assert (local(suggest(status, first_three, NOW, ZONE)).date() - first_three[-1].starts_at.date()).days == 7
    four = held("statusmode", (2026, 10, 29), (2026, 11, 5), (2026, 11, 12), (2026, 11, 19))
    s = suggest(status, four, NOW, ZONE)
    assert local(s).date().isoformat() == "2026-12-03" and s.reason.params["n"] == 14


def test_the_network_meeting_comes_within_four_weeks_of_the_start_then_at_least_every_eight():
    network = danish("netvaerksmode")
    start = held("visitationsmode", (2026, 11, 20))
    first = suggest(network, start, NOW, ZONE)
    assert local(first).date() <= datetime(2026, 12, 18).date() and local(first).weekday() < 5
    later = suggest(network, start + held("netvaerksmode", (2026, 12, 17)), NOW, ZONE)
    assert local(later).date().isoformat() == "2027-02-11" and later.reason.params["n"] == 56


def test_a_moving_in_talk_within_48_hours_is_in_the_daytime_and_a_moving_out_talk_weeks_later():
    s = suggest(danish("indskrivningssamtale"), held("visitationsmode", (2026, 11, 20)), NOW, ZONE)
    assert NOW < s.starts_at <= NOW + timedelta(hours=48) and 8 <= local(s).hour <= 17
    out = suggest(danish("udskrivningssamtale"), (), NOW, ZONE)
    assert (local(out).date() - NOW.date()).days in range(12, 15)  # 14 days, or the Friday before


def test_a_suggestion_is_never_in_the_past():
    systemic = builtin_models()["systemic"].meeting_type("meeting")
    s = suggest(systemic, held("meeting", (2025, 1, 9)), NOW, ZONE)
    assert local(s).date().isoformat() == "2026-11-24" and local(s).strftime("%H:%M") == "14:30"


def test_the_calendar_entry_lasts_as_long_as_the_steps():
    assert planned_minutes(builtin_models()["systemic"].meeting_type("meeting")) == 90  # 80 minutes, a quarter hour up
