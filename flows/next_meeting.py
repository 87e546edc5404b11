"""The next meeting (/next, for the coordinator): suggest its date from the
model's cadence, let the coordinator change it, and announce it to everyone
invited, each in their own language with a calendar file; then follow the
answers, move it or cancel it.

    /next ─► [choose case] ─┬─ not announced yet ─► draft ─"send"─► announced, everyone told
                            │     ▲  change date / time / place / who / kind
                            │     └──────────────────┘
                            └─ announced ─► answers so far ─┬─ move ─► date ─► time ─► confirm ─► everyone told
                                                           ├─ new place ─► confirm ─► everyone told
                                                           └─ cancel ─► confirm ─► everyone told

The draft lives in the conversation state until it is sent; a restart
resumes it. An upcoming meeting that was planned but never announced (the
first one, made with /new) is offered as the draft, so it too can be sent.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flows import invitations
from flows.access import may
from flows.cadence import Anchors, day_moment, series_overview, suggest
from flows.common import choose_case, names
from flows.context import CaseView, Context, Invitee, MeetingView, NextMeetingPlan
from flows.outcome import (
    IDLE,
    AnnounceMeeting,
    Button,
    CancelMeeting,
    MoveMeeting,
    Outcome,
    RecordBroadcast,
    RecordCaseDate,
    Reply,
    State,
    outcome,
    reply,
)
from flows.parsing import clean_line, parse_date, parse_time
from flows.text import Lines, Moment, T, _, ngettext, pgettext

FLOW = "next"
MAX_PLACE = 200
MAX_ANCHOR_DAYS = 366  # a placement or moving-out day further off is a typing slip
CASE_DATES = ("placed_on", "moved_out_on", "decision_on")  # the case's dates the coordinator records here


# ---- entering ---------------------------------------------------------------------


def start(ctx: Context) -> Outcome:
    if ctx.person is None or not ctx.person.is_coordinator:
        return outcome(ctx.state, reply(_("Only the coordinator of a case can plan and announce its meetings.")))
    cases = [c for c in ctx.coordinated_cases if c.status == "open"]
    if not cases:
        return outcome(IDLE, reply(_("You have no open cases. Create one with /new.")))
    if ctx.next_plan is not None or len(cases) == 1:
        return overview(ctx)
    return choose_case(FLOW, _("For which case do you want to plan the next meeting?"), cases)


def overview(ctx: Context, *, note: T | None = None, from_meeting: bool = False) -> Outcome:
    """The announced meeting's answers, or a draft of the next one. `from_meeting`:
    opened from a running meeting, so the coordinator is shown the way back."""
    plan = ctx.next_plan
    if plan is None or not may(ctx.person, "plan_meeting", plan.case):
        return outcome(IDLE, reply(_("There is no open case of yours to plan for. /meetings shows your cases.")))
    result = _board(ctx, plan, note=note) if plan.upcoming is not None and plan.upcoming.ref else _new_draft(ctx, plan, note=note)
    if from_meeting:
        state = State(result.state.flow, result.state.step, {**result.state.data, "from_meeting": True})
        return outcome(state, *result.replies, changes=result.changes)
    return result


def _zone(plan: NextMeetingPlan) -> ZoneInfo:
    return ZoneInfo(plan.case.timezone)


def _model(ctx: Context, plan: NextMeetingPlan):
    return ctx.models.get(plan.case.model_id)


# ---- the draft ------------------------------------------------------------------------


def anchors(case: CaseView) -> Anchors:
    return Anchors(case.placed_on, case.moved_out_on, case.decision_on)


def _counts_from(model) -> set[str]:
    """The case dates this model's cadence counts from: the coordinator is offered to record those."""
    return ({t.cadence.counts_from for t in model.meeting_types if t.cadence.counts_from}
            | {o.counts_from for t in model.meeting_types for o in t.cadence.occasions})


def _series_part(ctx: Context, plan: NextMeetingPlan) -> list[T]:
    model = _model(ctx, plan)
    if len(model.meeting_types) < 2:
        return []
    lines = series_overview(model, plan.history, plan.coming, ctx.now, plan.case.timezone, anchors(plan.case))
    return [_("<b>The series</b>\n{lines}", lines=Lines(lines))] if lines else []


def _dates_part(ctx: Context, plan: NextMeetingPlan) -> tuple[list[T], list[list[Button]]]:
    """The placement and moving-out dates, where the model counts from them."""
    wanted = _counts_from(_model(ctx, plan))
    parts: list[T] = []
    buttons: list[Button] = []
    zone = plan.case.timezone
    if "placement" in wanted:
        day = plan.case.placed_on
        parts.append(_("🏠 Placed on: {day}", day=day_moment(day, zone)) if day else
                     _("🏠 The placement date is not recorded yet. Record it, and the first meetings are counted from it."))
        buttons.append(Button(_("🏠 Placement date"), "next:edit:placed_on"))
    if "moving_out" in wanted:
        day = plan.case.moved_out_on
        if day:
            parts.append(_("🚪 Moved out on: {day}", day=day_moment(day, zone)))
        buttons.append(Button(_("🚪 Moving-out date"), "next:edit:moved_out_on"))
    if "decision" in wanted:
        day = plan.case.decision_on
        parts.append(_("⚖️ A decision is due on: {day}", day=day_moment(day, zone)) if day else
                     _("⚖️ If a decision is coming in the case, record its day: the talk with the child is planned before it."))
        buttons.append(Button(_("⚖️ Decision date"), "next:edit:decision_on"))
    return parts, [buttons] if buttons else []


def _suggest(ctx: Context, plan: NextMeetingPlan, type_id: str, history):
    """The model's cadence for this case: its recorded dates and the follow-up interval it agreed."""
    return suggest(_model(ctx, plan).meeting_type(type_id), history, ctx.now, plan.case.timezone,
                   anchors(plan.case), plan.agreed_weeks)


def _series(plan: NextMeetingPlan) -> tuple[MeetingView, ...]:
    """The case's meetings held and planned, oldest first: the next one follows them all."""
    return tuple(sorted((*plan.history, *plan.coming), key=lambda m: (m.starts_at, m.id)))


def suggested_type(model, plan: NextMeetingPlan) -> str:
    """The kind of meeting that comes next: the one the last meeting's model
    names as following it (a statusmøde after the indskrivningssamtale), else
    another of the same kind."""
    series = _series(plan)
    if not series:
        return model.meeting_types[0].id
    last = model.meeting_type(series[-1].meeting_type)
    return last.next_type or last.id


def _new_draft(ctx: Context, plan: NextMeetingPlan, *, note: T | None = None, fresh: bool = False) -> Outcome:
    """`fresh`: another meeting besides those already planned (a series)."""
    model = _model(ctx, plan)
    upcoming = None if fresh else plan.upcoming
    if upcoming is not None:  # planned but never announced: offer it as it is
        type_id, starts_at, place = upcoming.meeting_type, upcoming.starts_at, upcoming.place
    else:
        type_id = suggested_type(model, plan)
        starts_at = _suggest(ctx, plan, type_id, _series(plan)).starts_at
        series = _series(plan)
        place = series[-1].place if series else None
    local = starts_at.astimezone(_zone(plan))
    data = {"case": plan.case.id, "meeting": upcoming.id if upcoming else None, "type": type_id,
            "date": local.date().isoformat(), "time": local.strftime("%H:%M"), "place": place,
            "invited": _default_invited(ctx, plan, type_id)}
    state = State(FLOW, "draft", data)
    return outcome(state, *([reply(note)] if note else []), draft_message(ctx, plan, state))


def _default_invited(ctx: Context, plan: NextMeetingPlan, type_id: str) -> list[int]:
    """Everyone whose role takes part in this kind of meeting; or, if the last
    meeting noted who takes part next time, those of them."""
    meeting_type = _model(ctx, plan).meeting_type(type_id)
    roles = set(meeting_type.participants) - set(meeting_type.on_request)  # those asked for are ticked by hand
    eligible = [p.person_id for p in plan.people if p.role in roles]
    if plan.next_people is not None:
        chosen = [pid for pid in eligible if pid in plan.next_people]
        if chosen:
            return chosen
    return eligible


def _starts_at(plan: NextMeetingPlan, data: dict) -> datetime:
    local = datetime.fromisoformat(f"{data['date']}T{data['time']}").replace(tzinfo=_zone(plan))
    return local.astimezone(timezone.utc)


def _invited(plan: NextMeetingPlan, data: dict) -> list[Invitee]:
    chosen = set(data.get("invited", []))
    return [p for p in plan.people if p.person_id in chosen]


def draft_message(ctx: Context, plan: NextMeetingPlan, state: State) -> Reply:
    data = state.data
    model = _model(ctx, plan)
    meeting_type = model.meeting_type(data["type"])
    starts_at = _starts_at(plan, data)
    invited = _invited(plan, data)
    parts = [_("📅 <b>The next meeting about {case}</b>", case=plan.case.pseudonym),
             _("Meeting: {meeting}\nWhen: {when}\nWhere: {place}", meeting=T(meeting_type.name),
               when=Moment(starts_at, plan.case.timezone), place=data.get("place") or _("not decided yet")),
             _("<b>Invited:</b> {names}", names=names(invited))]
    if data.get("meeting"):
        parts.append(_("This meeting was planned when the case was created. Check it, then send it to everyone."))
    others = tuple(m for m in _series(plan) if m.id != data.get("meeting"))
    suggestion = _suggest(ctx, plan, meeting_type.id, others)
    if suggestion.overdue_days:
        parts.append(_("⚠️ {reason}", reason=suggestion.reason))  # said whatever date is in the draft
    elif not data.get("meeting") and suggestion.starts_at == starts_at:
        parts.append(_("<i>Suggested date.</i> {reason}", reason=suggestion.reason))
    if plan.next_people is not None:
        parts.append(_("At the last meeting you noted who takes part next time; they are chosen."))
    if others := [m for m in plan.coming if m.id != data.get("meeting")]:
        parts.append(_coming_lines(ctx, plan, others))
    if meeting_type.on_request_note is not None:
        parts.append(T(meeting_type.on_request_note))
    parts.append(_("Everyone invited gets the invitation in their own language, with a file for their phone's calendar, "
                   "and can answer whether they can come."))
    dates, date_buttons = _dates_part(ctx, plan)
    parts[3:3] = [*_series_part(ctx, plan), *dates]
    buttons = [[Button(_("📅 Change date"), "next:edit:date"), Button(_("🕑 Change time"), "next:edit:time")],
               [Button(_("📍 Change place"), "next:edit:place"), Button(_("👥 Who is invited"), "next:edit:who")],
               *date_buttons]
    if len(model.meeting_types) > 1 and not data.get("meeting"):
        buttons.append([Button(_("🔀 Another kind of meeting"), "next:edit:type")])
    buttons.append([Button(ngettext("📣 Send to {n} person", "📣 Send to {n} people", len(invited)), "next:send")])
    buttons.append([Button(_("Cancel"), "next:quit")])
    return reply(*parts, buttons=buttons)


def _ask(ctx: Context, plan: NextMeetingPlan, state: State) -> Reply:
    step = state.step
    zone = plan.case.timezone
    if step == "decision_on":
        example = Moment(ctx.now + timedelta(days=14), zone, "short_date")
        return reply(_("On what day is the decision to be made? For example {example}.", example=example))
    if step in ("placed_on", "moved_out_on"):
        example = Moment(ctx.now - timedelta(days=3), zone, "short_date")
        if step == "placed_on":
            return reply(_("On what day was the child placed? For example {example}.", example=example))
        return reply(_("On what day did the child move out? For example {example}.", example=example))
    if step in ("date", "move_date"):
        example = Moment(ctx.now + timedelta(days=7), zone, "short_date")
        if step == "move_date":
            return reply(_("On what date should the meeting be instead? For example {example}.", example=example))
        return reply(_("On what date is the meeting? For example {example}.", example=example))
    if step in ("time", "move_time"):
        buttons = [[Button(_("Keep {time}", time=state.data["time"]), "next:keeptime")]] if step == "move_time" else ()
        # Translators: write the example time the way people write it in your language (14.30 in Danish and Finnish).
        return reply(_("At what time does the meeting start? For example 14:30."), buttons=buttons)
    if step in ("place", "new_place"):
        return reply(_("Where will you meet? Write the place, for example the address of the office or “online”."),
                     buttons=[[Button(_("No place yet"), "next:noplace")]])
    if step == "who":
        return _ask_who(plan, state)
    if step == "type":
        model = _model(ctx, plan)
        return reply(_("Which kind of meeting is next?"),
                     buttons=[[Button(T(t.name), f"next:type:{t.id}")] for t in model.meeting_types])
    if step == "draft":
        return draft_message(ctx, plan, state)
    return _board_message(ctx, plan)


def _ask_who(plan: NextMeetingPlan, state: State, edit: int | None = None) -> Reply:
    chosen = set(state.data.get("invited", []))
    buttons = [[Button(_("{mark} {name}", mark="✅" if p.person_id in chosen else "▫", name=p.name), f"next:inv:{p.person_id}")]
               for p in plan.people]
    buttons.append([Button(_("Done choosing ▶"), "next:invdone")])
    if not plan.people:
        return reply(_("Nobody has joined this case yet. Send /invite for the invite links."), buttons=buttons[-1:], edit_message_id=edit)
    return reply(_("Who is invited to the next meeting? Tap to choose."), buttons=buttons, edit_message_id=edit)


# ---- the announced meeting ---------------------------------------------------------------


def _board(ctx: Context, plan: NextMeetingPlan, *, note: T | None = None) -> Outcome:
    state = State(FLOW, "board", {"case": plan.case.id, "meeting": plan.upcoming.id, "sequence": plan.upcoming.sequence})
    return outcome(state, *([reply(note)] if note else []), _board_message(ctx, plan))


def _board_message(ctx: Context, plan: NextMeetingPlan) -> Reply:
    meeting = plan.upcoming
    groups = {response: [p for p in plan.invited if p.response == response] for response in ("yes", "no", "other", None)}
    other = tuple(_("{name}: “{note}”", name=p.name, note=p.note) if p.note else _("{name}", name=p.name) for p in groups["other"])
    parts = [
        _("📅 <b>The next meeting about {case}</b>", case=plan.case.pseudonym),
        invitations.meeting_details(ctx.models, plan.case, meeting),
        _("✅ <b>Coming:</b> {names}", names=names(groups["yes"])),
        _("❌ <b>Cannot come:</b> {names}", names=names(groups["no"])),
        _("🗓 <b>Another time would suit better:</b> {names}", names=Lines(other, sep="; ") if other else _("nobody")),
        _("⏳ <b>Not answered yet:</b> {names}", names=names(groups[None])),
    ]
    others = [m for m in plan.coming if m.id != meeting.id]
    if others:
        parts.append(_coming_lines(ctx, plan, others))
    parts += _series_part(ctx, plan)
    buttons = [
        [Button(_("📅 Move the meeting"), "next:move"), Button(_("📍 Change the place"), "next:place")],
        [Button(_("❌ Cancel the meeting"), "next:cancel")],
    ]
    buttons += [[Button(_("👉 {meeting}, {when}", meeting=T(_model(ctx, plan).meeting_type(m.meeting_type).name),
                          when=Moment(m.starts_at, plan.case.timezone, "short_date")), f"next:show:{m.id}")] for m in others]
    buttons.append([Button(_("➕ Plan one more meeting"), "next:another")])
    return reply(*parts, buttons=buttons)


def _coming_lines(ctx: Context, plan: NextMeetingPlan, meetings) -> T:
    model = _model(ctx, plan)
    lines = tuple((_("{meeting}: {when}", meeting=T(model.meeting_type(m.meeting_type).name), when=Moment(m.starts_at, plan.case.timezone))
                   if m.ref else
                   _("{meeting}: {when} (not sent yet)", meeting=T(model.meeting_type(m.meeting_type).name),
                     when=Moment(m.starts_at, plan.case.timezone))) for m in meetings)
    return _("<b>Also planned:</b>\n{meetings}", meetings=Lines(lines))


# ---- events ---------------------------------------------------------------------------------


def _plan(ctx: Context) -> NextMeetingPlan | None:
    plan = ctx.next_plan
    if plan is None or not may(ctx.person, "plan_meeting", plan.case):
        return None
    return plan


def _announced_still(ctx: Context, plan: NextMeetingPlan) -> bool:
    """The meeting the coordinator is acting on is still the announced, upcoming one."""
    up, data = plan.upcoming, ctx.state.data
    return (up is not None and bool(up.ref) and up.id == data.get("meeting") and up.sequence == data.get("sequence")
            and up.starts_at > ctx.now)


def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
    if ctx.state.step == "case":
        plan = _plan(ctx)
        if len(action) == 2 and action[0] == "case" and plan is not None and str(plan.case.id) == action[1]:
            return overview(ctx)
        return None
    plan = _plan(ctx)
    if plan is None:
        return outcome(IDLE, reply(_("This case is closed, or it is not yours to plan.")))
    step, data = ctx.state.step, ctx.state.data
    if step == "board" and len(action) == 2 and action[0] == "show" and action[1].isdigit():
        # The storage side focused the plan on that meeting, if it is one of this case's ahead.
        if plan.upcoming is None or plan.upcoming.id != int(action[1]):
            return overview(ctx, note=_("The meeting has changed in the meantime. Here is how it stands now:"))
        return overview(ctx)
    if step == "board" and action == ["another"]:
        return _new_draft(ctx, plan, fresh=True)
    if step in ("board", "move_date", "move_time", "move_confirm", "new_place", "place_confirm", "cancel_confirm"):
        if not _announced_still(ctx, plan):
            return overview(ctx, note=_("The meeting has changed in the meantime. Here is how it stands now:"))
        return _on_announced(ctx, plan, action)
    if step not in ("draft", "date", "time", "place", "who", "type", *CASE_DATES):
        return None
    if data.get("meeting") and (plan.upcoming is None or plan.upcoming.id != data["meeting"] or plan.upcoming.ref):
        return overview(ctx, note=_("The meeting has changed in the meantime. Here is how it stands now:"))
    match step, action:
        case "draft", ["edit", which] if which in CASE_DATES:
            state = State(FLOW, which, dict(data))
            return outcome(state, _ask(ctx, plan, state))
        case "draft", ["edit", what] if what in ("date", "time", "place", "who", "type"):
            state = State(FLOW, what, dict(data))
            return outcome(state, _ask(ctx, plan, state))
        case "draft", ["send"]:
            return _send(ctx, plan)
        case "draft", ["quit"]:
            return outcome(IDLE, reply(_("Nothing was sent. /next takes you back to the next meeting whenever you want."),
                                       *_way_back(ctx)))
        case "place", ["noplace"]:
            return _back_to_draft(ctx, plan, {**data, "place": None})
        case "who", ["inv", pid] if pid.isdigit() and int(pid) in {p.person_id for p in plan.people}:
            chosen = list(data.get("invited", []))
            chosen = [c for c in chosen if c != int(pid)] if int(pid) in chosen else chosen + [int(pid)]
            state = State(FLOW, "who", {**data, "invited": chosen})
            return outcome(state, _ask_who(plan, state, edit=message_id), clear_buttons=False)
        case "who", ["invdone"]:
            return _back_to_draft(ctx, plan, data)
        case "type", ["type", type_id] if any(t.id == type_id for t in _model(ctx, plan).meeting_types):
            starts_at = _suggest(ctx, plan, type_id, _series(plan)).starts_at
            local = starts_at.astimezone(_zone(plan))
            return _back_to_draft(ctx, plan, {**data, "type": type_id, "date": local.date().isoformat(),
                                              "time": local.strftime("%H:%M"), "invited": _default_invited(ctx, plan, type_id)})
    return None


def _back_to_draft(ctx: Context, plan: NextMeetingPlan, data: dict, *, note: T | None = None) -> Outcome:
    state = State(FLOW, "draft", data)
    return outcome(state, *([reply(note)] if note else []), draft_message(ctx, plan, state))


def on_text(ctx: Context, text: str) -> Outcome:
    plan = _plan(ctx)
    if plan is None:
        return outcome(IDLE, reply(_("This case is closed, or it is not yours to plan.")))
    step, data = ctx.state.step, ctx.state.data
    zone = _zone(plan)
    today = ctx.now.astimezone(zone).date()
    if step in CASE_DATES:
        return _record_date(ctx, plan, step, text)
    if step in ("date", "move_date"):
        day = parse_date(text, today)
        if day is None:
            example = Moment(ctx.now + timedelta(days=7), plan.case.timezone, "short_date")
            return outcome(ctx.state, reply(_("I couldn't read that as a date. Please write it like {example}.", example=example)))
        if day < today:
            return outcome(ctx.state, reply(_("That date has already passed. Please choose a day from today onwards.")))
        if step == "date":
            return _back_to_draft(ctx, plan, {**data, "date": day.isoformat()})
        if not _announced_still(ctx, plan):
            return overview(ctx, note=_("The meeting has changed in the meantime. Here is how it stands now:"))
        state = State(FLOW, "move_time", {**data, "date": day.isoformat()})
        return outcome(state, _ask(ctx, plan, state))
    if step in ("time", "move_time"):
        at = parse_time(text)
        if at is None:
            # Translators: write the example time the way people write it in your language.
            return outcome(ctx.state, reply(_("I couldn't read that as a time. Please write it like 14:30.")))
        new = {**data, "time": at.strftime("%H:%M")}
        if _starts_at(plan, new) <= ctx.now:
            return outcome(ctx.state, reply(_("That time has already passed. Please choose a later time.")))
        if step == "time":
            return _back_to_draft(ctx, plan, new)
        return _confirm_move(ctx, plan, new)
    if step in ("place", "new_place"):
        place = clean_line(text)
        if not place or len(place) > MAX_PLACE:
            return outcome(ctx.state, reply(_("Please write a place of at most {max} characters.", max=MAX_PLACE)))
        if step == "place":
            return _back_to_draft(ctx, plan, {**data, "place": place})
        return _confirm_place(ctx, plan, {**data, "place": place})
    again = ask_again(ctx)
    return outcome(again.state, reply(_("Please use the buttons under the message.")), *again.replies)


def ask_again(ctx: Context) -> Outcome:
    plan = _plan(ctx)
    if plan is None:
        return start(ctx)
    step = ctx.state.step
    if step in ("draft", "date", "time", "place", "who", "type", "move_date", "move_time", "new_place", *CASE_DATES):
        return outcome(ctx.state, _ask(ctx, plan, ctx.state))
    return overview(ctx)


def _record_date(ctx: Context, plan: NextMeetingPlan, which: str, text: str) -> Outcome:
    """The placement or moving-out day: the draft's date is suggested again from it."""
    today = ctx.now.astimezone(_zone(plan)).date()
    day = parse_date(text, today, past=which != "decision_on")  # a decision is coming; the other days have been
    if day is None:
        example = Moment(ctx.now - timedelta(days=3), plan.case.timezone, "short_date")
        return outcome(ctx.state, reply(_("I couldn't read that as a date. Please write it like {example}.", example=example)))
    if abs((day - today).days) > MAX_ANCHOR_DAYS:
        return outcome(ctx.state, reply(_("That date is more than a year from today. Please check it and write it again.")))
    data = dict(ctx.state.data)
    recorded = replace(plan, case=replace(plan.case, **{which: day}))
    if not data.get("meeting"):  # a new draft follows the rules counted from the new date
        starts_at = _suggest(ctx, recorded, data["type"], _series(recorded)).starts_at
        local = starts_at.astimezone(_zone(plan))
        data.update(date=local.date().isoformat(), time=local.strftime("%H:%M"))
    state = State(FLOW, "draft", data)
    shown = day_moment(day, plan.case.timezone)
    note = {"placed_on": _("Noted: placed on {day}.", day=shown), "moved_out_on": _("Noted: moved out on {day}.", day=shown),
            "decision_on": _("Noted: a decision is due on {day}.", day=shown)}[which]
    return outcome(state, reply(note), draft_message(ctx, recorded, state),
                   changes=[RecordCaseDate(plan.case.id, which, day)])


# ---- sending -----------------------------------------------------------------------------------


def _send(ctx: Context, plan: NextMeetingPlan) -> Outcome:
    data = ctx.state.data
    starts_at = _starts_at(plan, data)
    if starts_at <= ctx.now:
        return _back_to_draft(ctx, plan, data, note=_("That time has already passed. Please choose a later time."))
    people = _invited(plan, data)
    if not people:
        return outcome(ctx.state, toast=_("Choose at least one person."), clear_buttons=False)
    ref, broadcast = ctx.new_token()[:16], ctx.new_token()[:16]
    meeting = MeetingView(data.get("meeting") or 0, data["type"], starts_at, data.get("place"), "planned", ref, 0)
    notices = [invitations.announcement(ctx, plan.case, meeting, person, broadcast) for person in people]
    changes = [AnnounceMeeting(plan.case.id, data.get("meeting"), ref, data["type"], starts_at, data.get("place"),
                               tuple(p.person_id for p in people)),
               RecordBroadcast(broadcast, plan.case.id, "announce", len(people))]
    done = reply(ngettext(
        "📣 The invitation is on its way to {n} person. I will tell you as the answers come in; /next shows them all.",
        "📣 The invitation is on its way to {n} people. I will tell you as the answers come in; /next shows them all.",
        len(people)), *_way_back(ctx))
    return outcome(IDLE, done, *notices, changes=changes)


def _way_back(ctx: Context) -> list[T]:
    return [_("/meeting takes you back to the meeting.")] if ctx.state.data.get("from_meeting") else []


def _on_announced(ctx: Context, plan: NextMeetingPlan, action: list[str]) -> Outcome | None:
    step, data = ctx.state.step, ctx.state.data
    meeting = plan.upcoming
    local = meeting.starts_at.astimezone(_zone(plan))
    base = {"case": plan.case.id, "meeting": meeting.id, "sequence": meeting.sequence, "date": local.date().isoformat(),
            "time": local.strftime("%H:%M"), "place": meeting.place}
    match step, action:
        case "board", ["move"]:
            state = State(FLOW, "move_date", base)
            return outcome(state, _ask(ctx, plan, state))
        case "board", ["place"]:
            state = State(FLOW, "new_place", base)
            return outcome(state, _ask(ctx, plan, state))
        case "board", ["cancel"]:
            return outcome(State(FLOW, "cancel_confirm", base), reply(
                _("Cancel the meeting on {when}? Everyone invited is told, and the calendar file takes it out of their calendars.",
                  when=Moment(meeting.starts_at, plan.case.timezone)),
                buttons=[[Button(_("Yes, cancel the meeting"), "next:cancelyes"), Button(pgettext("meeting change", "No, keep it"), "next:keep")]]))
        case "move_time", ["keeptime"]:
            return _confirm_move(ctx, plan, data)
        case "new_place", ["noplace"]:
            return _confirm_place(ctx, plan, {**data, "place": None})
        case ("move_confirm" | "place_confirm" | "cancel_confirm"), ["keep"]:
            return _board(ctx, plan, note=_("Good, nothing was changed."))
        case "move_confirm", ["moveyes"]:
            return _change(ctx, plan, _starts_at(plan, data), meeting.place, "move")
        case "place_confirm", ["placeyes"]:
            return _change(ctx, plan, meeting.starts_at, data.get("place"), "move")
        case "cancel_confirm", ["cancelyes"]:
            return _cancel(ctx, plan)
    return None


def _confirm_move(ctx: Context, plan: NextMeetingPlan, data: dict) -> Outcome:
    starts_at = _starts_at(plan, data)
    if starts_at <= ctx.now:
        return outcome(ctx.state, reply(_("That time has already passed. Please choose a later time.")))
    if starts_at == plan.upcoming.starts_at:
        return _board(ctx, plan, note=_("That is the time it already has, so nothing was changed."))
    return outcome(State(FLOW, "move_confirm", data), reply(
        _("Move the meeting to {when}? Everyone invited gets the new time and a new calendar file, and is asked again whether they can come.",
          when=Moment(starts_at, plan.case.timezone)),
        buttons=[[Button(_("Yes, move it"), "next:moveyes"), Button(pgettext("meeting change", "No, keep it"), "next:keep")]]))


def _confirm_place(ctx: Context, plan: NextMeetingPlan, data: dict) -> Outcome:
    place = data.get("place")
    return outcome(State(FLOW, "place_confirm", data), reply(
        _("Change the place to {place}? Everyone invited gets the news and a new calendar file.",
          place=place or _("not decided yet")),
        buttons=[[Button(_("Yes, change it"), "next:placeyes"), Button(pgettext("meeting change", "No, keep it"), "next:keep")]]))


def _change(ctx: Context, plan: NextMeetingPlan, starts_at: datetime, place: str | None, kind: str) -> Outcome:
    before = plan.upcoming
    after = MeetingView(before.id, before.meeting_type, starts_at, place, "planned", before.ref, before.sequence + 1)
    broadcast = ctx.new_token()[:16]
    notices = [invitations.change_notice(ctx, plan.case, before, after, person, broadcast) for person in plan.invited]
    done = reply(ngettext("Done. I have told the {n} person invited, with a new calendar file.",
                          "Done. I have told the {n} people invited, with a new calendar file.", len(notices)))
    changes = [MoveMeeting(before.id, starts_at, place), RecordBroadcast(broadcast, plan.case.id, kind, len(notices))]
    return outcome(IDLE, done, *notices, changes=changes)


def _cancel(ctx: Context, plan: NextMeetingPlan) -> Outcome:
    before = plan.upcoming
    cancelled = MeetingView(before.id, before.meeting_type, before.starts_at, before.place, "cancelled", before.ref,
                            before.sequence + 1)
    broadcast = ctx.new_token()[:16]
    notices = [invitations.cancellation(ctx, plan.case, cancelled, person, broadcast) for person in plan.invited]
    done = reply(ngettext("The meeting is cancelled. I have told the {n} person invited. /next plans a new one when you are ready.",
                          "The meeting is cancelled. I have told the {n} people invited. /next plans a new one when you are ready.",
                          len(notices)))
    return outcome(IDLE, done, *notices, changes=[CancelMeeting(before.id), RecordBroadcast(broadcast, plan.case.id, "cancel", len(notices))])
