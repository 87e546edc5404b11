"""Creating a case and its first meeting (/new).

    pseudonym ─► model ─► [meeting type] ─► date ─► time ─► place ─► summary ─create─► idle
                                                                       │
                              "change ..." goes back to one step ◄─────┘ and returns here

Everything typed so far lives in the conversation state, so a restart in the
middle resumes at the same question.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flows.access import may
from flows.context import Context
from flows.labels import TIMEZONES
from flows.outcome import IDLE, Button, CreateCase, Outcome, State, outcome, reply
from flows.parsing import clean_line, looks_like_identity_number, parse_date, parse_time
from flows.text import Moment, T, _

FLOW = "setup"
MAX_PSEUDONYM = 60
MAX_PLACE = 200
TEXT_STEPS = ("pseudonym", "date", "time", "place")


def start(ctx: Context) -> Outcome:
    if not may(ctx.person, "create_case"):
        return outcome(
            IDLE,
            reply(_("Only coordinators can create cases. If you are a coordinator, ask your operator for a coordinator link.")),
        )
    state = State(FLOW, "pseudonym", {"timezone": ctx.config.default_timezone})
    return outcome(state, ask(ctx, state))


def ask(ctx: Context, state: State):
    step = state.step
    if step == "pseudonym":
        return reply(
            _(
                "Let's create a new case. What should it be called?\n\n"
                "Use a pseudonym such as <b>Family A</b>. Never use a real name or a personal identity number: "
                "everyone you invite will see this name."
            )
        )
    if step == "model":
        parts = [_("Which meeting model will you use?")]
        parts += [_("<b>{name}</b>: {description}", name=T(m.name), description=T(m.description)) for m in ctx.models.values()]
        buttons = [[Button(T(m.name), f"setup:model:{m.id}")] for m in ctx.models.values()]
        return reply(*parts, buttons=buttons)
    if step == "meeting_type":
        model = ctx.models.get(state.data["model"])
        parts = [_("Which kind of meeting is the first one?")]
        parts += [_("<b>{name}</b>: {description}", name=T(t.name), description=T(t.purpose)) for t in model.meeting_types]
        buttons = [[Button(T(t.name), f"setup:type:{t.id}")] for t in model.meeting_types]
        return reply(*parts, buttons=buttons)
    if step == "date":
        example = Moment(ctx.now + timedelta(days=7), state.data["timezone"], "short_date")
        return reply(_("On what date is the meeting? For example {example}.", example=example))
    if step == "time":
        # Translators: write the example time the way people write it in your language (14.30 in Danish and Finnish).
        return reply(_("At what time does the meeting start? For example 14:30."))
    if step == "place":
        return reply(
            _("Where will you meet? Write the place, for example the address of the office or “online”."),
            buttons=[[Button(_("No place yet"), "setup:place:none")]],
        )
    if step == "timezone":
        return reply(
            _("Which time zone is the meeting in?"),
            buttons=[[Button(zone, f"setup:tz:{zone}")] for zone in TIMEZONES],
        )
    return summary(ctx, state)


def summary(ctx: Context, state: State):
    data = state.data
    model = ctx.models.get(data["model"])
    meeting_type = model.meeting_type(data["meeting_type"])
    return reply(
        _("Please check the new case:"),
        _(
            "Case: <b>{pseudonym}</b>\nModel: {model}\nMeeting: {meeting_type}\nWhen: {when}\nTime zone: {zone}\nPlace: {place}",
            pseudonym=data["pseudonym"],
            model=T(model.name),
            meeting_type=T(meeting_type.name),
            when=Moment(datetime.fromisoformat(data["starts_at"]), data["timezone"]),
            zone=data["timezone"],
            place=data.get("place") or _("not decided yet"),
        ),
        buttons=[
            [Button(_("Create the case"), "setup:create")],
            [Button(_("Change name"), "setup:edit:pseudonym"), Button(_("Change model"), "setup:edit:model")],
            [Button(_("Change date"), "setup:edit:date"), Button(_("Change time"), "setup:edit:time")],
            [Button(_("Change place"), "setup:edit:place"), Button(_("Change time zone"), "setup:edit:timezone")],
            [Button(_("Cancel"), "setup:cancel")],
        ],
    )


def _after(state: State, step: str, **changes) -> State:
    """The state after answering `step`: onward, or back to the summary when editing."""
    data = {**state.data, **changes}
    order = ["pseudonym", "model", "meeting_type", "date", "time", "place", "summary"]
    editing = data.get("editing", False)
    if editing and step not in ("model", "date"):
        return State(FLOW, "summary", data)
    following = order[order.index(step) + 1]
    if editing and step == "date":
        following = "time"  # a new date needs its time checked again
    return State(FLOW, following, data)


def on_text(ctx: Context, text: str) -> Outcome:
    state = ctx.state
    step = state.step
    if step not in TEXT_STEPS:
        return outcome(state, reply(_("Please answer with the buttons under the question.")), ask(ctx, state))
    if step == "pseudonym":
        pseudonym = clean_line(text)
        if looks_like_identity_number(pseudonym):
            return outcome(
                state,
                reply(_("That looks like a personal identity number. Please use a pseudonym such as <b>Family A</b> instead. Nothing has been saved.")),
            )
        if not pseudonym or len(pseudonym) > MAX_PSEUDONYM:
            return outcome(state, reply(_("Please write a name of at most {max} characters.", max=MAX_PSEUDONYM)))
        new = _after(state, step, pseudonym=pseudonym)
        return outcome(new, ask(ctx, new))
    zone = ZoneInfo(state.data["timezone"])
    today = ctx.now.astimezone(zone).date()
    if step == "date":
        day = parse_date(text, today)
        if day is None:
            example = Moment(ctx.now + timedelta(days=7), state.data["timezone"], "short_date")
            return outcome(state, reply(_("I couldn't read that as a date. Please write it like {example}.", example=example)))
        if day < today:
            return outcome(state, reply(_("That date has already passed. Please choose a day from today onwards.")))
        new = _after(state, step, date=day.isoformat())
        return outcome(new, ask(ctx, new))
    if step == "time":
        at = parse_time(text)
        if at is None:
            # Translators: write the example time the way people write it in your language.
            return outcome(state, reply(_("I couldn't read that as a time. Please write it like 14:30.")))
        local = datetime.combine(datetime.fromisoformat(state.data["date"]).date(), at, tzinfo=zone)
        starts_at = local.astimezone(timezone.utc)
        if starts_at <= ctx.now:
            return outcome(state, reply(_("That time has already passed. Please choose a later time.")))
        new = _after(state, step, starts_at=starts_at.isoformat(), time=at.strftime("%H:%M"))
        return outcome(new, ask(ctx, new))
    place = clean_line(text)
    if not place or len(place) > MAX_PLACE:
        return outcome(state, reply(_("Please write a place of at most {max} characters.", max=MAX_PLACE)))
    new = _after(state, step, place=place)
    return outcome(new, ask(ctx, new))


def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
    state = ctx.state
    data = state.data
    match state.step, action:
        case "model", ["model", model_id] if model_id in ctx.models:
            model = ctx.models.get(model_id)
            if len(model.meeting_types) == 1:
                new = _after(state, "meeting_type", model=model_id, meeting_type=model.meeting_types[0].id)
            else:
                new = State(FLOW, "meeting_type", {**data, "model": model_id})
            return outcome(new, ask(ctx, new))
        case "meeting_type", ["type", type_id] if any(t.id == type_id for t in ctx.models.get(data["model"]).meeting_types):
            new = _after(state, "meeting_type", meeting_type=type_id)
            return outcome(new, ask(ctx, new))
        case "place", ["place", "none"]:
            new = _after(state, "place", place=None)
            return outcome(new, ask(ctx, new))
        case "timezone", ["tz", zone] if zone in TIMEZONES:
            return _rezone(ctx, zone)
        case "summary", ["edit", step] if step in ("pseudonym", "model", "date", "time", "place", "timezone"):
            new = State(FLOW, step, {**data, "editing": True})
            return outcome(new, ask(ctx, new))
        case "summary", ["create"]:
            return _create(ctx)
        case "summary", ["cancel"]:
            return outcome(IDLE, reply(_("The case was not created. Nothing has been saved.")))
    return None


def _rezone(ctx: Context, zone: str) -> Outcome:
    """The same wall-clock date and time, read in the new zone."""
    data = dict(ctx.state.data)
    local = datetime.fromisoformat(f"{data['date']}T{data['time']}").replace(tzinfo=ZoneInfo(zone))
    starts_at = local.astimezone(timezone.utc)
    data.update(timezone=zone, starts_at=starts_at.isoformat())
    if starts_at <= ctx.now:
        new = State(FLOW, "date", data)
        return outcome(new, reply(_("In that time zone the meeting time has already passed. Please choose the date again.")), ask(ctx, new))
    new = State(FLOW, "summary", data)
    return outcome(new, ask(ctx, new))


def _create(ctx: Context) -> Outcome:
    data = ctx.state.data
    starts_at = datetime.fromisoformat(data["starts_at"])
    if starts_at <= ctx.now:
        new = State(FLOW, "date", data)
        return outcome(new, reply(_("The meeting time has passed while we were talking. Please choose the date again.")), ask(ctx, new))
    change = CreateCase(
        pseudonym=data["pseudonym"],
        model_id=data["model"],
        meeting_type=data["meeting_type"],
        starts_at=starts_at,
        timezone=data["timezone"],
        place=data.get("place"),
    )
    return outcome(
        IDLE,
        reply(_("The case <b>{pseudonym}</b> is ready. Next, send /invite to get the invite links for the participants.", pseudonym=data["pseudonym"])),
        changes=[change],
    )


def ask_again(ctx: Context) -> Outcome:
    return outcome(ctx.state, ask(ctx, ctx.state))
