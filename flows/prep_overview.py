"""The coordinator's view of preparation (/prep).

    [choose case] ─► overview (finished / started / not opened) ─┬─ answers by question
                                                                 ├─ answers by person
                                                                 ├─ remind someone ─► [person] ─► they get a nudge
                                                                 └─ open preparation now (before the model's day)

The digest holds only what people shared with the meeting or with the
coordinator; notes people kept for themselves never leave their chat.
"""

from __future__ import annotations

from flows import agenda
from flows.access import may
from flows.answers import answer_text, coordinator_may_see
from flows.common import choose_case
from flows.context import Context, PrepOverview, SharedAnswer
from flows.goal_progress import questions_of, title
from flows.labels import role_name
from flows.outcome import (
    IDLE,
    Audit,
    Button,
    NetworkMap,
    NotePrepReminder,
    OpenPreparation,
    Outcome,
    State,
    outcome,
    reply,
)
from flows.text import Lines, Moment, T, _, ngettext

FLOW = "prepov"


def start(ctx: Context) -> Outcome:
    cases = [c for c in ctx.coordinated_cases if c.status == "open"]
    if not cases:
        return outcome(IDLE, reply(_("You have no open cases. Create one with /new.")))
    if len(cases) == 1:
        return overview(ctx)
    return choose_case(FLOW, _("For which case do you want to see the preparation?"), cases)


def _meeting_type(ctx: Context, view: PrepOverview):
    return ctx.models.get(view.case.model_id).meeting_type(view.meeting.meeting_type)


def overview(ctx: Context) -> Outcome:
    view = ctx.prep_overview
    if view is None or not may(ctx.person, "view_case", view.case):
        return outcome(IDLE, reply(_("There is no coming meeting to prepare for in this case.")))
    zone = view.case.timezone
    parts = [_("<b>Preparation for {case}</b>\nMeeting: {when}", case=view.case.pseudonym, when=Moment(view.meeting.starts_at, zone))]
    if ctx.now < view.opens_at:
        parts.append(_("Preparation opens on {opens}. Everyone will get a message then.", opens=Moment(view.opens_at, zone)))
    elif ctx.now >= view.meeting.starts_at:
        parts.append(_("The meeting has started, so preparation is closed."))
    groups = (
        ("finished", _("✅ <b>Finished</b>")),
        ("started", _("✏ <b>Started</b>")),
        ("waiting", _("⏳ <b>Not opened yet</b>")),
    )
    for status, title in groups:
        people = [p for p in view.people if _group(p.status) == status]
        if not people:
            continue
        lines = tuple(
            _("• {name} ({role}) – {answered} of {total}", name=p.name, role=role_name(p.role), answered=p.answered, total=p.total)
            for p in people
        )
        parts.append(_("{title}\n{people}", title=title, people=Lines(lines)))
    if not view.people:
        parts.append(_("Nobody with questions to prepare has joined yet. /invite gives you the invite links."))
    buttons = [
        [Button(_("📋 Shared answers by question"), "prepov:byq")],
        [Button(_("👤 Shared answers by person"), "prepov:byp")],
    ]
    if points := agenda.overview_button(ctx, view):
        buttons.append(points)
    if any(_group(p.status) != "finished" for p in view.people) and view.opens_at <= ctx.now < view.meeting.starts_at:
        buttons.append([Button(_("🔔 Remind someone"), "prepov:nudge")])
    if ctx.now < view.opens_at:
        buttons.append([Button(_("▶ Open preparation now"), "prepov:open")])
    state = State(FLOW, "overview", {"case": view.case.id})
    return outcome(state, reply(*parts, buttons=buttons))


def _group(status: str) -> str:
    return {"finished": "finished", "started": "started"}.get(status, "waiting")


def _shared(view: PrepOverview) -> list[SharedAnswer]:
    return [s for s in view.shared if coordinator_may_see(s.answer)]


def digest(ctx: Context, by: str) -> Outcome:
    """The shared answers, grouped by question (in the model's order) or by person."""
    view = ctx.prep_overview
    meeting_type = _meeting_type(ctx, view)
    # How the plan's goals are going comes first, as people were asked it.
    asked = (*questions_of(view.goals), *meeting_type.questions)
    order = {q.id: n for n, q in enumerate(asked)}
    question_of = {q.id: q for q in asked}
    shared = sorted(_shared(view), key=lambda s: (order.get(s.question_id, 999), s.person_id))
    audit = Audit(view.case.id, "viewed_digest", {"meeting": view.meeting.id, "by": by})
    state = State(FLOW, "overview", {"case": view.case.id})
    if not shared:
        return outcome(state, reply(_("Nobody has shared an answer with you yet.")), changes=[audit])
    header = _("<b>Shared answers for {case}</b>, meeting on {when}", case=view.case.pseudonym,
               when=Moment(view.meeting.starts_at, view.case.timezone, "date"))
    parts: list[T] = [header]
    extras = []
    if by == "question":
        for question_id in dict.fromkeys(s.question_id for s in shared):
            question = question_of.get(question_id)
            if question is None:
                continue
            lines = tuple(_entry(s, question, with_name=True) for s in shared if s.question_id == question_id)
            parts.append(_("<b>{question}</b>\n{answers}", question=title(question), answers=Lines(lines)))
    else:
        for person_id in dict.fromkeys(s.person_id for s in sorted(shared, key=lambda s: s.person_id)):
            mine = [s for s in shared if s.person_id == person_id]
            lines = tuple(
                _("<i>{question}</i>\n{answer}", question=title(question_of[s.question_id]), answer=_entry(s, question_of[s.question_id], with_name=False))
                for s in mine if s.question_id in question_of
            )
            parts.append(_("<b>{name}</b> ({role})\n{answers}", name=mine[0].name, role=role_name(mine[0].role), answers=Lines(lines)))
    for s in shared:
        if s.answer.kind == "network_map":
            people = tuple((p["name"], p["kind"], p["closeness"]) for p in s.answer.value.get("people", []))
            extras.append(reply(_("Network map from {name}", name=s.name), picture=NetworkMap(people)))
        elif s.answer.kind == "voice":
            extras.append(reply(_("Voice message from {name}: {question}", name=s.name, question=title(question_of[s.question_id])),
                                voice=s.answer.value["voice"]))
    return outcome(state, reply(*parts), *extras, changes=[audit])


def _entry(s: SharedAnswer, question, *, with_name: bool) -> T:
    mark = "" if s.answer.visibility == "meeting" else " 🔒"
    if with_name:
        return _("• <b>{name}</b> ({role}){mark}: {answer}", name=s.name, role=role_name(s.role), mark=mark,
                 answer=answer_text(question, s.answer))
    return _("{answer}{mark}", answer=answer_text(question, s.answer), mark=mark)


def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
    view = ctx.prep_overview
    if ctx.state.step == "case" and len(action) == 2 and action[0] == "case":
        return overview(ctx) if view is not None and str(view.case.id) == action[1] else None
    if view is None or not may(ctx.person, "view_case", view.case):
        return None
    match action:
        case ["agenda" | "pa" | "pe" | "px" | "po" | "share", *_rest]:
            return agenda.on_button(ctx, view, action)
        case ["back"]:
            return overview(ctx)
        case ["byq"]:
            return digest(ctx, "question")
        case ["byp"]:
            return digest(ctx, "person")
        case ["nudge"]:
            waiting = [p for p in view.people if p.status != "finished"]
            if not waiting:
                return outcome(ctx.state, reply(_("Everyone has finished. Nobody needs a reminder.")))
            buttons = [[Button(_("{name} ({role})", name=p.name, role=role_name(p.role)), f"prepov:n:{p.person_id}")] for p in waiting]
            return outcome(State(FLOW, "nudge", {"case": view.case.id}), reply(_("Whom should I remind?"), buttons=buttons))
        case ["n", person_id] if person_id.isdigit() and ctx.state.step == "nudge":
            person = next((p for p in view.people if p.person_id == int(person_id)), None)
            if person is None or not view.opens_at <= ctx.now < view.meeting.starts_at:
                return None
            nudge = reply(
                _("Your coordinator asks you to take a look at your preparation for the meeting on {when}. It only takes a few minutes.",
                  when=Moment(view.meeting.starts_at, view.case.timezone)),
                buttons=[[Button(_("Continue preparing ▶"), f"prep:go:{view.meeting.id}")]],
                chat_id=person.chat_id, stamp_buttons=False,
            )
            done = reply(_("I have reminded {name}.", name=person.name))
            return outcome(State(FLOW, "overview", {"case": view.case.id}), done, nudge,
                           changes=[NotePrepReminder(view.meeting.id, person.person_id),
                                    Audit(view.case.id, "nudged", {"meeting": view.meeting.id})],
                           toast=_("Reminder sent"))
        case ["open"]:
            if ctx.now >= view.opens_at:
                return outcome(ctx.state, reply(_("Preparation is already open.")))
            return outcome(IDLE, reply(ngettext(
                "Preparation is open now. {n} person gets a message with their questions.",
                "Preparation is open now. {n} people get a message with their questions.", len(view.people))),
                changes=[OpenPreparation(view.meeting.id)])
    return None


def ask_again(ctx: Context) -> Outcome:
    view = ctx.prep_overview
    if ctx.state.step in ("agenda", "point") and view is not None and may(ctx.person, "view_case", view.case):
        return agenda.ask_again(ctx, view)
    return start(ctx)


def on_text(ctx: Context, text: str) -> Outcome:
    view = ctx.prep_overview
    if ctx.state.step == "point" and view is not None and may(ctx.person, "view_case", view.case):
        return agenda.on_text(ctx, view, text)
    again = ask_again(ctx)
    return outcome(again.state, reply(_("Please use the buttons under the message.")), *again.replies)
