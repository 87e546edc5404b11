"""Points for the meeting's agenda, proposed by the people preparing ("in
samarbejde med dem fastsætte dagsordenen", seed 004).

The model's `agenda_from` names the preparation questions ("What do you want
to talk about at the meeting?") whose written answers become proposals. The
coordinator works through them from /prep:

    overview ─"Points for the meeting"─► next open proposal ─┬─ accept as written ──────────┐
                                                             ├─ write it as a short point ──┤─► next open proposal ... ─► the points
                                                             └─ leave out ──────────────────┘        │
                                                                                     "send to everyone" ┘─► each person gets them

Only answers shared with the meeting or with the coordinator are proposals;
what someone kept for themselves never reaches this flow. An answer shared
with the coordinator alone is marked, for an accepted point is seen by
everyone: the coordinator may put it in their own words. Accepted points are
shown to everyone preparing, at the meeting's first step, and in the plan.
"""

from __future__ import annotations

from dataclasses import replace

from flows.answers import coordinator_may_see
from flows.context import AgendaDecision, Context, PrepOverview, SharedAnswer
from flows.labels import role_name
from flows.outcome import NOTICE, Audit, Button, DecideAgendaPoint, Outcome, Reply, State, outcome, reply
from flows.parsing import clean_line
from flows.text import Lines, Moment, T, _, ngettext

FLOW = "prepov"  # the coordinator's /prep flow carries these steps
MAX_POINT = 200  # a point on an agenda is a line, not a letter


def _meeting_type(ctx: Context, view: PrepOverview):
    return ctx.models.get(view.case.model_id).meeting_type(view.meeting.meeting_type)


def offered(ctx: Context, view: PrepOverview) -> bool:
    """Whether this meeting type turns answers into agenda points at all."""
    return bool(_meeting_type(ctx, view).agenda_from)


def proposals(ctx: Context, view: PrepOverview) -> list[SharedAnswer]:
    """Every written answer to an agenda question that the coordinator may see, in the model's question order."""
    wanted = _meeting_type(ctx, view).agenda_from
    found = [s for s in view.shared if s.question_id in wanted and coordinator_may_see(s.answer)
             and s.answer.kind == "text" and s.answer.value.get("text", "").strip()]
    return sorted(found, key=lambda s: (wanted.index(s.question_id), s.person_id))


def _decision(view: PrepOverview, proposal: SharedAnswer):
    return next((d for d in view.agenda if d.person_id == proposal.person_id and d.question_id == proposal.question_id), None)


def open_proposals(ctx: Context, view: PrepOverview) -> list[SharedAnswer]:
    return [p for p in proposals(ctx, view) if _decision(view, p) is None]


def accepted(view: PrepOverview) -> tuple[str, ...]:
    return tuple(d.text for d in view.agenda if d.status == "accepted" and d.text)


def points_list(points: tuple[str, ...]) -> T:
    """The accepted points, numbered: the same lines for everyone who sees them."""
    return _("<b>Points for the meeting</b>\n{points}",
             points=Lines(tuple(_("{i}. {point}", i=n, point=point) for n, point in enumerate(points, start=1))))


def _may_decide(ctx: Context, view: PrepOverview) -> bool:
    return view.meeting.status == "planned" and ctx.now < view.meeting.starts_at


def overview_button(ctx: Context, view: PrepOverview) -> list[Button]:
    """The button on the preparation overview, with how many proposals wait."""
    if not offered(ctx, view):
        return []
    waiting = len(open_proposals(ctx, view))
    label = ngettext("🗒 Points for the meeting ({n} new)", "🗒 Points for the meeting ({n} new)", waiting) if waiting \
        else _("🗒 Points for the meeting")
    return [Button(label, "prepov:agenda")]


def show(ctx: Context, view: PrepOverview, *, note: T | None = None, decided: DecideAgendaPoint | None = None) -> Outcome:
    """The accepted points so far and the next open proposal; `decided` is a
    decision just made, counted in before the storage side has it."""
    if decided is not None:
        view = _with(view, decided)
    state = State(FLOW, "agenda", {"case": view.case.id})
    parts: list[T] = [note] if note is not None else []
    points = accepted(view)
    parts.append(points_list(points) if points else _("No points for the meeting are accepted yet."))
    if points and _may_decide(ctx, view):
        parts.append(_("To take a point off again, press ✖ with its number."))
    left_out = sum(1 for d in view.agenda if d.status == "left_out")
    if left_out:
        parts.append(ngettext("{n} proposal left out.", "{n} proposals left out.", left_out))
    waiting = open_proposals(ctx, view)
    buttons: list[list[Button]] = []
    if not _may_decide(ctx, view):
        parts.append(_("The meeting has started, so the points can no longer be changed here."))
    elif waiting:
        proposal = waiting[0]
        parts.append(ngettext("{n} proposal is still open.", "{n} proposals are still open.", len(waiting)))
        parts.append(_("<b>Proposed by {name}</b> ({role}):\n{text}", name=proposal.name, role=role_name(proposal.role),
                       text=proposal.answer.value["text"]))
        if proposal.answer.visibility == "coordinator":
            parts.append(_("🔒 {name} shared this only with you. An accepted point is seen by everyone, "
                           "so you may want to write it in your own words.", name=proposal.name))
        elif len(proposal.answer.value["text"]) > MAX_POINT:
            parts.append(_("This is long for a point on the agenda. You can write it as a short point."))
        key = f"{proposal.person_id}:{proposal.question_id}"
        buttons += [[Button(_("✅ Accept as written"), f"prepov:pa:{key}")],
                    [Button(_("✏ Write it as a short point"), f"prepov:pe:{key}")],
                    [Button(_("✖ Leave it out"), f"prepov:px:{key}")]]
    elif not proposals(ctx, view):
        parts.append(_("Nobody has proposed a point yet. Proposals come from the answers to “{question}” that are shared "
                       "with you or with everyone.", question=T(_agenda_question(ctx, view).text)))
    else:
        parts.append(_("All proposals are gone through."))
    if points and _may_decide(ctx, view):
        taken = [d for d in view.agenda if d.status == "accepted" and d.text]
        off = [Button(_("✖ {i}", i=n), f"prepov:po:{d.person_id}:{d.question_id}") for n, d in enumerate(taken, start=1)]
        buttons += [off[k:k + 6] for k in range(0, len(off), 6)]  # taking a point off again: one button per point
        buttons.append([Button(_("📣 Send the points to everyone"), "prepov:share")])
    buttons.append([Button(_("◀ Back"), "prepov:back")])
    return outcome(state, reply(*parts, buttons=buttons), changes=[decided] if decided is not None else [])


def _agenda_question(ctx: Context, view: PrepOverview):
    meeting_type = _meeting_type(ctx, view)
    return next(q for q in meeting_type.questions if q.id == meeting_type.agenda_from[0])


def _with(view: PrepOverview, decided: DecideAgendaPoint) -> PrepOverview:
    """The view with a decision just made: a changed decision keeps its place, a new one comes last."""
    key = (decided.person_id, decided.question_id)
    decision = AgendaDecision(decided.person_id, decided.question_id, decided.status, decided.text)
    if any((d.person_id, d.question_id) == key for d in view.agenda):
        agenda = tuple(decision if (d.person_id, d.question_id) == key else d for d in view.agenda)
    else:
        agenda = (*view.agenda, decision)
    return replace(view, agenda=agenda)


def _proposal(ctx: Context, view: PrepOverview, person_id: str, question_id: str) -> SharedAnswer | None:
    """The open proposal a button names: a forged or stale one finds nothing."""
    if not person_id.isdigit():
        return None
    return next((p for p in open_proposals(ctx, view) if p.person_id == int(person_id) and p.question_id == question_id), None)


def on_button(ctx: Context, view: PrepOverview, action: list[str]) -> Outcome | None:
    match action:
        case ["agenda"]:
            return show(ctx, view)
        case [("pa" | "pe" | "px") as what, person_id, question_id] if ctx.state.step == "agenda" and _may_decide(ctx, view):
            proposal = _proposal(ctx, view, person_id, question_id)
            if proposal is None:
                return None
            if what == "pa":
                decided = DecideAgendaPoint(view.meeting.id, proposal.person_id, proposal.question_id, "accepted",
                                            proposal.answer.value["text"].strip())
                return show(ctx, view, note=_("Accepted."), decided=decided)
            if what == "px":
                decided = DecideAgendaPoint(view.meeting.id, proposal.person_id, proposal.question_id, "left_out")
                return show(ctx, view, note=_("Left out."), decided=decided)
            state = State(FLOW, "point", {"case": view.case.id, "p": proposal.person_id, "q": proposal.question_id})
            return outcome(state, _ask_wording(proposal))
        case ["po", person_id, question_id] if ctx.state.step == "agenda" and _may_decide(ctx, view):
            taken = next((d for d in view.agenda if d.status == "accepted" and str(d.person_id) == person_id
                          and d.question_id == question_id), None)
            if taken is None:
                return None
            decided = DecideAgendaPoint(view.meeting.id, taken.person_id, taken.question_id, "left_out")
            return show(ctx, view, note=_("Taken off: {point}", point=taken.text), decided=decided)
        case ["share"] if ctx.state.step == "agenda" and _may_decide(ctx, view) and accepted(view):
            return _share(ctx, view)
    return None


def _ask_wording(proposal: SharedAnswer) -> Reply:
    return reply(_("Write the point as it should stand on the agenda, in one short line (at most {max} characters).",
                   max=MAX_POINT), _("{name} wrote:\n{text}", name=proposal.name, text=proposal.answer.value["text"]),
                 buttons=[[Button(_("◀ Back"), "prepov:agenda")]])


def on_text(ctx: Context, view: PrepOverview, text: str) -> Outcome:
    """The coordinator's wording of the proposal they chose to write as a short point."""
    data = ctx.state.data
    proposal = _proposal(ctx, view, str(data.get("p", "")), data.get("q", ""))
    if proposal is None or not _may_decide(ctx, view):
        return show(ctx, view, note=_("That proposal has been decided in the meantime. Here is how the points stand now:"))
    point = clean_line(text)
    if not point:
        return outcome(ctx.state, _ask_wording(proposal))
    if len(point) > MAX_POINT:
        return outcome(ctx.state, reply(_("Please keep the point to one short line of at most {max} characters. "
                                          "Yours has {n}.", max=MAX_POINT, n=len(point))))
    decided = DecideAgendaPoint(view.meeting.id, proposal.person_id, proposal.question_id, "accepted", point)
    return show(ctx, view, note=_("Accepted."), decided=decided)


def ask_again(ctx: Context, view: PrepOverview) -> Outcome:
    if ctx.state.step == "point":
        proposal = _proposal(ctx, view, str(ctx.state.data.get("p", "")), ctx.state.data.get("q", ""))
        if proposal is not None and _may_decide(ctx, view):
            return outcome(ctx.state, _ask_wording(proposal))
    return show(ctx, view)


def _share(ctx: Context, view: PrepOverview) -> Outcome:
    """Everyone invited who prepares gets the points, in their own language."""
    points = accepted(view)
    when = Moment(view.meeting.starts_at, view.case.timezone)
    notices = [reply(_("The coordinator has set the points for the meeting about <b>{case}</b> on {when}, "
                       "from what you and the others proposed.", case=view.case.pseudonym, when=when),
                     points_list(points), chat_id=person.chat_id, stamp_buttons=False, priority=NOTICE)
               for person in view.people if person.chat_id]
    done = ngettext("I have sent the points to {n} person.", "I have sent the points to {n} people.", len(notices))
    result = show(ctx, view, note=done)
    return outcome(result.state, *result.replies, *notices,
                   changes=[Audit(view.case.id, "shared_agenda", {"meeting": view.meeting.id, "points": len(points)})],
                   toast=_("Sent"))
