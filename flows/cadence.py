"""When the next meeting should be: the meeting model's cadence turned into
a suggested date, with the reason in words for the coordinator.

The sources say "at least every second week", "first within four weeks",
"2 to 4 weeks after moving out": a suggestion never lies later than the
cadence allows, so a weekend moves it to the Friday before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flows.context import MeetingView
from flows.text import Moment, T, _, ngettext

DEFAULT_DAYS = 28  # a model without a cadence: four weeks after the last meeting
DEFAULT_TIME = time(10, 0)  # when nothing earlier says what time of day suits
WORKING_HOURS = (time(8, 0), time(17, 0))  # a meeting "within 48 hours" still starts in the daytime
DEFAULT_MINUTES = 90  # a calendar entry for a model without planned step lengths


@dataclass(frozen=True)
class Anchors:
    """The case's own dates that a cadence may count from (`counts_from`)."""

    placement: date | None = None  # the day the child was placed
    moving_out: date | None = None  # the day the child moved out
    decision: date | None = None  # the day a coming decision is to be made

    def of(self, counts_from: str | None) -> date | None:
        return {"placement": self.placement, "moving_out": self.moving_out, "decision": self.decision}.get(counts_from or "")


@dataclass(frozen=True)
class Suggestion:
    starts_at: datetime  # aware, UTC
    reason: T
    overdue_days: int = 0  # a rule whose time has passed: said plainly, and the soonest day suggested


def planned_minutes(meeting_type) -> int:
    """How long the meeting is planned to last: its steps' minutes, rounded up to a quarter of an hour."""
    total = sum(step.minutes or 0 for step in meeting_type.steps) or DEFAULT_MINUTES
    return -(-total // 15) * 15


def day_moment(day: date, zone_name: str) -> Moment:
    """A calendar day, shown as a date in the reader's locale."""
    return Moment(datetime.combine(day, time(12, 0), tzinfo=ZoneInfo(zone_name)).astimezone(timezone.utc), zone_name, "date")


def suggest(meeting_type, history: tuple[MeetingView, ...], now: datetime, zone_name: str,
            anchors: Anchors = Anchors(), agreed_weeks: int | None = None) -> Suggestion:
    """The next meeting of `meeting_type`, after the case's meetings in `history` (oldest first)."""
    zone = ZoneInfo(zone_name)
    cadence = meeting_type.cadence
    same = [m for m in history if m.meeting_type == meeting_type.id]
    last = history[-1] if history else None
    at_hour = (same[-1] if same else last).starts_at.astimezone(zone).time() if history else DEFAULT_TIME
    if (anchored := _from_anchor(meeting_type, same, now, zone_name, anchors, at_hour)) is not None:
        return anchored
    if same and (occasion := _from_occasions(meeting_type, same, now, zone_name, anchors, at_hour)) is not None:
        return occasion
    if agreed_weeks and cadence.agreed_every_weeks and history:
        # The interval the start-up meeting agreed comes before the model's own suggestion.
        day = _weekday_on_or_before(history[-1].starts_at.astimezone(zone).date() + timedelta(weeks=agreed_weeks))
        reason = ngettext("You agreed to follow up every {n} week.", "You agreed to follow up every {n} weeks.", agreed_weeks)
        return Suggestion(_not_before_tomorrow(datetime.combine(day, at_hour, tzinfo=zone), now, zone, at_hour), reason)

    if cadence.first_within_hours is not None and not same:
        hours = cadence.first_within_hours
        latest = (now + timedelta(hours=hours)).astimezone(zone)
        start, end = WORKING_HOURS
        if latest.time() < start:  # before the working day: the afternoon before
            latest = datetime.combine(latest.date() - timedelta(days=1), time(14, 0), tzinfo=zone)
        elif latest.time() > end:
            latest = datetime.combine(latest.date(), time(14, 0), tzinfo=zone)
        else:
            latest = latest.replace(minute=0, second=0, microsecond=0)
        reason = ngettext("The model says within {n} hour.", "The model says within {n} hours.", hours)
        return Suggestion(_not_before_tomorrow(latest, now, zone, at_hour, keep_soon=True), reason)

    if (cadence.every_days or cadence.initial_every_days) and same:
        if cadence.initial_count is not None and len(same) < cadence.initial_count:
            days = cadence.initial_every_days
            reason = ngettext("The model says every {n} day at first.", "The model says every {n} days at first.", days)
        else:
            days = cadence.every_days or cadence.initial_every_days
            reason = ngettext("The model says at least every {n} day.", "The model says at least every {n} days.", days)
        base = same[-1].starts_at.astimezone(zone).date()
    elif cadence.first_within_days is not None:
        days = cadence.first_within_days
        base = (history[0].starts_at if history else now).astimezone(zone).date()
        reason = ngettext("The model says the first one within {n} day of the start.",
                          "The model says the first one within {n} days of the start.", days)
    elif cadence.every_days or cadence.initial_every_days:
        days = cadence.initial_every_days or cadence.every_days
        base = (last.starts_at if last else now).astimezone(zone).date()
        reason = ngettext("The model says every {n} day.", "The model says every {n} days.", days)
    elif cadence.follow_up_days is not None:
        days = cadence.follow_up_days
        base = (last.starts_at if last else now).astimezone(zone).date()
        reason = ngettext("The model suggests a follow-up {n} day after the last meeting.",
                          "The model suggests a follow-up {n} days after the last meeting.", days)
    elif cadence.after_end_days_min is not None:
        days = cadence.after_end_days_min
        base = now.astimezone(zone).date()
        reason = _("The model says {low} to {high} days after moving out.",
                   low=cadence.after_end_days_min, high=cadence.after_end_days_max)
    else:
        days = DEFAULT_DAYS
        base = (last.starts_at if last else now).astimezone(zone).date()
        reason = _("The model gives no interval, so I suggest four weeks after the last meeting.")
    day = _weekday_on_or_before(base + timedelta(days=days))
    return Suggestion(_not_before_tomorrow(datetime.combine(day, at_hour, tzinfo=zone), now, zone, at_hour), reason)


def _from_anchor(meeting_type, same, now: datetime, zone_name: str, anchors: Anchors, at_hour: time) -> Suggestion | None:
    """A first meeting counted from the placement, or the moving-out talk from
    the moving-out day: the latest day the rule allows, or, once that has
    passed, the soonest day with how late it is."""
    cadence = meeting_type.cadence
    anchor = anchors.of(cadence.counts_from)
    if anchor is None or same:
        return None
    zone = ZoneInfo(zone_name)
    today = now.astimezone(zone).date()
    day = day_moment(anchor, zone_name)
    if cadence.counts_from == "moving_out":
        earliest, due = anchor + timedelta(days=cadence.after_end_days_min), anchor + timedelta(days=cadence.after_end_days_max)
        rule = _("The model says {low} to {high} days after moving out ({day}).",
                 low=cadence.after_end_days_min, high=cadence.after_end_days_max, day=day)
        target = max(earliest, today + timedelta(days=1))
        while target.weekday() > 4 and target < due:
            target += timedelta(days=1)
    elif cadence.first_within_hours is not None:
        hours = cadence.first_within_hours
        due = anchor + timedelta(days=-(-hours // 24))
        rule = ngettext("The model says within {n} hour of the placement ({day}).",
                        "The model says within {n} hours of the placement ({day}).", hours, day=day)
        target = due
    else:
        days = cadence.first_within_days
        due = anchor + timedelta(days=days)
        rule = ngettext("The model says the first one within {n} day of the placement ({day}).",
                        "The model says the first one within {n} days of the placement ({day}).", days, day=day)
        target = _weekday_on_or_before(due)
    if due < today:
        late = (today - due).days
        reason = ngettext("{meeting} is {n} day overdue: the model says it should have been by {due}. "
                          "I suggest the first possible day.",
                          "{meeting} is {n} days overdue: the model says it should have been by {due}. "
                          "I suggest the first possible day.", late, meeting=T(meeting_type.name), due=day_moment(due, zone_name))
        return Suggestion(_not_before_tomorrow(datetime.combine(today, at_hour, tzinfo=zone), now, zone, at_hour), reason, late)
    return Suggestion(_not_before_tomorrow(datetime.combine(target, at_hour, tzinfo=zone), now, zone, at_hour), rule)


def open_occasions(meeting_type, meetings: tuple[MeetingView, ...] | list[MeetingView], anchors: Anchors,
                   zone_name: str) -> list[tuple[object, date]]:
    """(occasion, due day) of each later occasion whose date is recorded and
    that no meeting of the type, held or planned, meets yet (one on or after
    the day it opens does), soonest due first."""
    zone = ZoneInfo(zone_name)
    days = [m.starts_at.astimezone(zone).date() for m in meetings if m.meeting_type == meeting_type.id]
    found = []
    for occasion in meeting_type.cadence.occasions:
        anchor = anchors.of(occasion.counts_from)
        if anchor is None:
            continue
        due = anchor + timedelta(days=occasion.due_days)
        if not any(day >= due - timedelta(days=occasion.opens_days) for day in days):
            found.append((occasion, due))
    return sorted(found, key=lambda pair: pair[1])


def _from_occasions(meeting_type, same, now: datetime, zone_name: str, anchors: Anchors, at_hour: time) -> Suggestion | None:
    """The next later occasion (the talk with the child before a decision):
    by its due day, or, once that has passed, the soonest day with how late it is."""
    waiting = open_occasions(meeting_type, same, anchors, zone_name)
    if not waiting:
        return None
    occasion, due = waiting[0]
    zone = ZoneInfo(zone_name)
    today = now.astimezone(zone).date()
    meeting, what = T(meeting_type.name), T(occasion.name)
    if due < today:
        late = (today - due).days
        reason = ngettext("{meeting} {occasion} is {n} day overdue: it should have been by {due}. I suggest the first possible day.",
                          "{meeting} {occasion} is {n} days overdue: it should have been by {due}. I suggest the first possible day.",
                          late, meeting=meeting, occasion=what, due=day_moment(due, zone_name))
        return Suggestion(_not_before_tomorrow(datetime.combine(today, at_hour, tzinfo=zone), now, zone, at_hour), reason, late)
    reason = _("The model says: {meeting} {occasion}, by {due}.", meeting=meeting, occasion=what, due=day_moment(due, zone_name))
    target = _weekday_on_or_before(due)
    return Suggestion(_not_before_tomorrow(datetime.combine(target, at_hour, tzinfo=zone), now, zone, at_hour), reason)


def _weekday_on_or_before(day: date) -> date:
    """Saturday and Sunday move to the Friday before: "at least every" allows sooner, not later."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def _not_before_tomorrow(local: datetime, now: datetime, zone: ZoneInfo, at_hour: time, *, keep_soon: bool = False) -> datetime:
    """A suggestion is never in the past: at the earliest the next weekday (or,
    for a meeting due within hours, simply later than now)."""
    if keep_soon and local > now.astimezone(zone):
        return local.astimezone(timezone.utc)
    earliest = now.astimezone(zone).date() + timedelta(days=1)
    if local.date() < earliest:
        day = earliest
        while day.weekday() > 4:
            day += timedelta(days=1)
        local = datetime.combine(day, at_hour, tzinfo=zone)
    return local.astimezone(timezone.utc)


def series_overview(model, history: tuple[MeetingView, ...], coming: tuple[MeetingView, ...], now: datetime,
                    zone_name: str, anchors: Anchors = Anchors()) -> tuple[T, ...]:
    """The case's meetings by kind (the last held, the next planned) and each
    cadence rule that is due or overdue, said plainly: one line each."""
    zone = ZoneInfo(zone_name)
    today = now.astimezone(zone).date()
    lines: list[T] = []
    for meeting_type in model.meeting_types:
        held = [m for m in history if m.meeting_type == meeting_type.id]
        ahead = [m for m in coming if m.meeting_type == meeting_type.id]
        name = T(meeting_type.name)
        if held or ahead:
            lines.append(_("{meeting}: last held {last}; next {next}", meeting=name,
                           last=Moment(held[-1].starts_at, zone_name, "date") if held else _("not yet"),
                           next=Moment(ahead[0].starts_at, zone_name, "date") if ahead else _("not planned")))
        for occasion, due in open_occasions(meeting_type, (*history, *coming), anchors, zone_name):
            what = T(occasion.name)
            if due < today:
                lines.append(ngettext("⚠️ {meeting} {occasion} is {n} day overdue (due by {due}).",
                                      "⚠️ {meeting} {occasion} is {n} days overdue (due by {due}).", (today - due).days,
                                      meeting=name, occasion=what, due=day_moment(due, zone_name)))
            else:
                lines.append(_("{meeting} {occasion}: due by {due}.", meeting=name, occasion=what, due=day_moment(due, zone_name)))
        if ahead:
            continue
        cadence = meeting_type.cadence
        due: date | None = None
        if not held and anchors.of(cadence.counts_from) is not None:
            anchor = anchors.of(cadence.counts_from)
            if cadence.counts_from == "moving_out":
                due = anchor + timedelta(days=cadence.after_end_days_max)
            elif cadence.first_within_hours is not None:
                due = anchor + timedelta(days=-(-cadence.first_within_hours // 24))
            else:
                due = anchor + timedelta(days=cadence.first_within_days)
        elif held and (cadence.every_days or cadence.initial_every_days):
            early = cadence.initial_count is not None and len(held) < cadence.initial_count
            days = cadence.initial_every_days if early else (cadence.every_days or cadence.initial_every_days)
            due = held[-1].starts_at.astimezone(zone).date() + timedelta(days=days)
        if due is None:
            continue
        if due < today:
            lines.append(ngettext("⚠️ {meeting} is {n} day overdue (due by {due}).",
                                  "⚠️ {meeting} is {n} days overdue (due by {due}).", (today - due).days,
                                  meeting=name, due=day_moment(due, zone_name)))
        else:
            lines.append(_("{meeting}: due by {due}.", meeting=name, due=day_moment(due, zone_name)))
    return tuple(lines)
