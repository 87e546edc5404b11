"""The next meeting's suggested date, from each model's cadence."""

from dataclasses import replace
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


def test_the_first_network_meeting_counts_from_the_placement_and_an_overdue_one_is_said_plainly():
    from datetime import date

    from flows.cadence import Anchors

    network = danish("netvaerksmode")
    s = suggest(network, (), NOW, ZONE, Anchors(placement=date(2026, 10, 17)))  # due by 14 November
    assert s.overdue_days == 9 and s.reason.params["n"] == 9 and "overdue" in s.reason.msgid
    assert local(s).date().isoformat() == "2026-11-24"  # the first possible day, not a silent "tomorrow"
    on_time = suggest(network, (), NOW, ZONE, Anchors(placement=date(2026, 11, 20)))
    assert on_time.overdue_days == 0 and local(on_time).date().isoformat() == "2026-12-18"
    assert "placement" in on_time.reason.msgid


def test_the_moving_in_talk_counts_from_the_placement_and_the_moving_out_talk_from_moving_out():
    from datetime import date

    from flows.cadence import Anchors

    s = suggest(danish("indskrivningssamtale"), (), NOW, ZONE, Anchors(placement=date(2026, 11, 22)))
    assert local(s).date() <= date(2026, 11, 24) and s.overdue_days == 0
    late = suggest(danish("indskrivningssamtale"), (), NOW, ZONE, Anchors(placement=date(2026, 11, 18)))
    assert late.overdue_days == 3
    out = suggest(danish("udskrivningssamtale"), (), NOW, ZONE, Anchors(moving_out=date(2026, 11, 16)))
    assert local(out).date().isoformat() == "2026-11-30" and out.reason.params["low"] == 14
    # Without the recorded day the rule counts from the case's meetings, as before.
    assert suggest(danish("udskrivningssamtale"), (), NOW, ZONE).overdue_days == 0


def test_the_series_overview_names_each_kind_and_what_is_due_or_overdue():
    from datetime import date

    from flows.cadence import Anchors, series_overview

    model = builtin_models()["danish_series"]
    history = held("indskrivningssamtale", (2026, 10, 20)) + held("statusmode", (2026, 10, 27), (2026, 11, 3))
    coming = (MeetingView(9, "bornesamtale", NOW + timedelta(days=2), None, "planned", "r", 0),)
    lines = series_overview(model, history, coming, NOW, ZONE, Anchors(placement=date(2026, 10, 17)))
    texts = [(line.msgid, line.params) for line in lines]
    msgids = [m for m, _ in texts]
    assert msgids.count("{meeting}: last held {last}; next {next}") == 3  # moving-in talk, status, the talk with the child
    overdue = [p for m, p in texts if "overdue" in m]
    assert {p["meeting"].msgid: p["n"] for p in overdue} == {"Status meeting": 13, "Network meeting": 9}


def test_the_talk_with_the_child_comes_again_before_a_decision_and_before_the_three_month_follow_up():
    from datetime import date

    from flows.cadence import Anchors, series_overview

    talk = danish("bornesamtale")
    first = held("bornesamtale", (2026, 10, 18))
    placed = Anchors(placement=date(2026, 10, 17))
    # Placed 17 October: the three-month follow-up is 13 weeks on; the talk is due by Friday 8 January, a week before.
    s = suggest(talk, first, NOW, ZONE, placed)
    assert local(s).date() == date(2027, 1, 8) and local(s).hour == 14
    assert s.reason.msgid == "The model says: {meeting} {occasion}, by {due}." and s.overdue_days == 0
    assert s.reason.params["occasion"].msgid == "before the three-month follow-up"
    # A decision on Wednesday 9 December comes sooner: the talk is due by that day.
    s = suggest(talk, first, NOW, ZONE, replace(placed, decision=date(2026, 12, 9)))
    assert local(s).date() == date(2026, 12, 9) and s.reason.params["occasion"].msgid == "before the decision"
    # A talk already in the three weeks before the decision meets it; the three-month one is next.
    planned = first + held("bornesamtale", (2026, 12, 1))
    s = suggest(talk, planned, NOW, ZONE, replace(placed, decision=date(2026, 12, 9)))
    assert s.reason.params["occasion"].msgid == "before the three-month follow-up"
    # A decision that has passed without a talk is said plainly, and the first possible day suggested.
    s = suggest(talk, first, NOW, ZONE, Anchors(decision=date(2026, 11, 20)))
    assert s.overdue_days == 3 and "overdue" in s.reason.msgid and local(s).date() == date(2026, 11, 24)
    # Without the dates, nothing changes: the first talk's rule, and no later occasion.
    assert "occasion" not in suggest(talk, first, NOW, ZONE).reason.params
    # The series overview says which occasion is due, and which is overdue.
    model = builtin_models()["danish_series"]
    lines = series_overview(model, first, (), NOW, ZONE, Anchors(placement=date(2026, 10, 17), decision=date(2026, 11, 20)))
    occasions = {line.params["occasion"].msgid: line for line in lines if "occasion" in line.params}
    assert occasions["before the decision"].params["n"] == 3 and "⚠️" in occasions["before the decision"].msgid
    assert occasions["before the three-month follow-up"].msgid == "{meeting} {occasion}: due by {due}."
