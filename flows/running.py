"""Running a meeting (/meeting): one control message for the coordinator,
edited in place, and a notice to everyone present at each step.

    [choose case] ─► attendance (tap names; a reason when the child is absent) ─start─►
        step 1 ─next─► step 2 ... ─end (confirm)─► ended
          ▲  │ back, next speaker (rounds), pause / continue
          └──┘

Who speaks, listens or leaves the room comes from the model's steps. In a
round ("in_turn") each speaker is told in order as the coordinator moves on.
In private family time the family gets the planning questions and a "we are
ready" button that calls everyone back. All progress is stored on the meeting,
so a restart in the middle of a meeting loses nothing.
"""

from __future__ import annotations

from dataclasses import replace

from flows import agenda, goal_progress
from flows import plan as plan_flow
from flows.access import may
from flows.answers import answer_text
from flows.common import choose_case, names
from flows.context import Attendee, Context, MeetingRun
from flows.labels import role_name
from flows.offline import parse_person  # someone without Telegram has a negative id
from flows.outcome import (
    IDLE,
    NOTICE,
    Button,
    Outcome,
    Reply,
    State,
    UpdateMeeting,
    outcome,
    reply,
)
from flows.text import Lines, Moment, T, _, ngettext

FLOW = "meeting"
COORDINATOR = "coordinator"


# ---- what the meeting holds ------------------------------------------------


def _type(ctx: Context, run: MeetingRun):
    return ctx.models.get(run.case.model_id).meeting_type(run.meeting.meeting_type)


def expected(ctx: Context, run: MeetingRun) -> list[Attendee]:
    """Those whose role this kind of meeting invites: a professionals-only
    meeting lists no family in its attendance and asks for no absent child."""
    roles = set(_type(ctx, run).participants)
    return [p for p in run.people if p.role in roles]


def _present(run: MeetingRun) -> list[Attendee]:
    here = set(run.progress.get("present", []))
    return [p for p in run.people if p.person_id in here]


def speaking_order(run: MeetingRun, step) -> list[Attendee | None]:
    """Who speaks in a round, in the step's order of roles; None is the coordinator."""
    order: list[Attendee | None] = []
    for role in step.speakers:
        if role == COORDINATOR:
            order.append(None)
        else:
            order += [p for p in _present(run) if p.role == role]
    return order


def _roles(roles) -> T:
    return _("{roles}", roles=Lines(tuple(role_name(r) for r in roles), sep=", ")) if roles else _("nobody")


# ---- entering --------------------------------------------------------------


def start(ctx: Context) -> Outcome:
    if ctx.person is None or not ctx.person.is_coordinator:
        return outcome(ctx.state, reply(_("Only the coordinator of a case can run its meeting.")))
    cases = [c for c in ctx.coordinated_cases if c.status == "open"]
    if not cases:
        return outcome(IDLE, reply(_("You have no open cases. Create one with /new.")))
    if ctx.meeting_run is not None or len(cases) == 1:
        return control(ctx)
    return choose_case(FLOW, _("Which case's meeting do you want to run?"), cases)


def control(ctx: Context, *, edit: int | None = None, note: T | None = None, changes=()) -> Outcome:
    run = ctx.meeting_run
    if run is None or not may(ctx.person, "run_meeting", run.case):
        return outcome(IDLE, reply(_("There is no meeting to run in this case. /meetings shows your cases.")))
    state = State(FLOW, "control", {"meeting": run.meeting.id})
    message = control_message(ctx, run, edit=edit, note=note)
    return outcome(state, message, changes=list(changes), clear_buttons=edit is None)


def control_message(ctx: Context, run: MeetingRun, *, edit: int | None = None, note: T | None = None) -> Reply:
    meeting_type = _type(ctx, run)
    header = _("<b>{case}</b> – {meeting}\n{when}", case=run.case.pseudonym, meeting=T(meeting_type.name),
               when=Moment(run.meeting.starts_at, run.case.timezone))
    parts: list[T] = [header]
    buttons: list[list[Button]] = []
    if run.meeting.status == "ended":
        parts.append(_("This meeting has ended."))
        parts.append(_("/plan shows the plan, who has agreed to it and who has read it."))
        return reply(*parts, edit_message_id=edit)
    step_index = run.progress.get("step")
    if step_index is None:
        here = set(run.progress.get("present", []))
        attending = expected(ctx, run)
        lines = tuple(_("{mark} {name} ({role})", mark="✅" if p.person_id in here else "▫", name=p.name, role=role_name(p.role))
                      for p in attending)
        parts.append(_("<b>Who is here?</b> Tap a name to mark them present or not.\n{people}", people=Lines(lines)))
        if not run.people:
            parts.append(_("Nobody has joined this case yet. You can still run the meeting and note what is agreed."))
        if meeting_type.professionals_only:
            parts.append(_("Only the professionals take part in this meeting. When it ends, the family is told it was held "
                           "and what was decided."))
        buttons += [[Button(_("{mark} {name}", mark="✅" if p.person_id in here else "▫", name=p.name), f"meeting:att:{p.person_id}")]
                    for p in attending]
        buttons.append([Button(_("▶ Start the meeting"), "meeting:start")])
    else:
        step = meeting_type.steps[step_index]
        parts.append(_("<b>Step {i} of {n}: {title}</b>\n{description}", i=step_index + 1, n=len(meeting_type.steps),
                       title=T(step.title), description=T(step.description)))
        parts.append(_("🗣 Speaking: {speakers}\n👂 Listening: {listeners}",
                       speakers=_roles(step.speakers), listeners=_roles(step.listeners)))
        if step_index == 0 and run.agenda:
            parts.append(agenda.points_list(run.agenda))
        if step.leaves_room:
            parts.append(_("🚪 Out of the room: {roles}", roles=_roles(step.leaves_room)))
        if step.minutes:
            parts.append(ngettext("⏱ {n} minute planned", "⏱ {n} minutes planned", step.minutes))
        if step.turns == "in_turn":
            order = speaking_order(run, step)
            k = min(run.progress.get("speaker", 0), max(len(order) - 1, 0))
            if order:
                who = order[k]
                parts.append(_("Now speaking: <b>{name}</b> ({k} of {n})", name=who.name if who else role_name(COORDINATOR),
                               k=k + 1, n=len(order)))
            if k + 1 < len(order):
                buttons.append([Button(_("Next speaker ▶"), "meeting:speaker")])
        if step.private_family_time:
            parts.append(_("✅ The family is ready: everyone can come back in.") if run.progress.get("family_ready")
                         else _("The family is planning on their own. I will tell you when they are ready."))
        if run.progress.get("paused"):
            parts.append(_("⏸ <b>Paused.</b>"))
            buttons.append([Button(_("▶ Continue"), "meeting:resume")])
        else:
            nav = [Button(_("◀ Back"), "meeting:back")] if step_index > 0 else []
            last = step_index + 1 == len(meeting_type.steps)
            nav.append(Button(_("Next step ▶") if not last else _("⏹ End the meeting"), "meeting:next" if not last else "meeting:end"))
            buttons.append(nav)
            buttons.append([Button(_("📝 Add a task"), "meeting:task")])
            buttons += plan_flow.control_buttons(step, run)
            if "follow_up_frequency" in step.records:
                buttons.append([Button(_("🔁 How often we follow up"), "meeting:freq")])
            if "next_participants" in step.records:
                buttons.append([Button(_("👥 Who takes part next time"), "meeting:nextpeople")])
            if "next_date" in step.records:
                buttons.append([Button(_("📅 Plan the next meeting"), "meeting:nextdate")])
            buttons.append([Button(_("⏸ Pause"), "meeting:pause"), Button(_("⏹ End the meeting"), "meeting:end")])
    if weeks := run.progress.get("follow_up_weeks"):
        parts.append(ngettext("🔁 Agreed: we follow up every {n} week.", "🔁 Agreed: we follow up every {n} weeks.", weeks))
    if (summary := plan_flow.draft_summary(run)) is not None:
        parts.append(summary)
    if note is not None:
        parts.append(note)
    return reply(*parts, buttons=buttons, edit_message_id=edit)


# ---- the coordinator's buttons -------------------------------------------


def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
    run = ctx.meeting_run
    if ctx.state.step == "case" and len(action) == 2 and action[0] == "case":
        return control(ctx) if run is not None and str(run.case.id) == action[1] else None
    if run is None or not may(ctx.person, "run_meeting", run.case):
        return None
    if run.meeting.status == "ended":
        return outcome(IDLE, reply(_("This meeting has ended, so its buttons do nothing any more.")), toast=_("The meeting has ended"))
    progress = dict(run.progress)
    meeting_type = _type(ctx, run)
    step_index = progress.get("step")
    match action:
        case ["att", person_id] if (pid := parse_person(person_id)) is not None and step_index is None:
            here = list(progress.get("present", []))
            if pid not in {p.person_id for p in expected(ctx, run)}:
                return None
            here = [p for p in here if p != pid] if pid in here else here + [pid]
            return _moved(ctx, run, {**progress, "present": here}, message_id)
        case ["start"] if step_index is None:
            missing = [p for p in expected(ctx, run) if p.role == "child" and p.person_id not in progress.get("present", [])]
            if missing and not progress.get("absent_reason"):
                names = ", ".join(p.name for p in missing)
                return outcome(State(FLOW, "reason", {"meeting": run.meeting.id}), reply(_(
                    "{names} is not here. Why not? Write a few words: it is noted in the plan, as the child's view matters.",
                    names=names)))
            return _go_to(ctx, run, progress, 0, message_id, status="running")
        case ["next"] if step_index is not None and step_index + 1 < len(meeting_type.steps):
            return _go_to(ctx, run, progress, step_index + 1, message_id)
        case ["back"] if step_index:
            return _go_to(ctx, run, progress, step_index - 1, message_id)
        case ["speaker"] if step_index is not None:
            step = meeting_type.steps[step_index]
            order = speaking_order(run, step)
            k = progress.get("speaker", 0) + 1
            if step.turns != "in_turn" or k >= len(order):
                return None
            progress["speaker"] = k
            updated = replace(run, progress=progress)
            return outcome(ctx.state, control_message(ctx, updated, edit=message_id), *_turn_notices(ctx, updated, step),
                           changes=[UpdateMeeting(run.meeting.id, progress)], clear_buttons=False)
        case ["pause"] if step_index is not None and not progress.get("paused"):
            progress["paused"] = True
            updated = replace(run, progress=progress)
            notices = [_notice(p, _("⏸ The meeting is paused for a moment.")) for p in _present(run)]
            return outcome(ctx.state, control_message(ctx, updated, edit=message_id), *notices,
                           changes=[UpdateMeeting(run.meeting.id, progress)], clear_buttons=False)
        case ["resume"] if progress.get("paused"):
            progress["paused"] = False
            return _go_to(ctx, run, progress, step_index, message_id, again=True)
        case ["end"] if step_index is not None:
            if meeting_type.agree_next and not any(m.meeting_type == meeting_type.id for m in run.coming):
                # "Aftal altid næste statusmøde": ending without the next one is a choice, not a slip.
                return outcome(ctx.state, reply(
                    _("No next {meeting} is planned yet. The next one is always agreed before this meeting ends. "
                      "Plan it now, or end the meeting without it?", meeting=T(meeting_type.name)),
                    buttons=[[Button(_("📅 Plan the next meeting"), "meeting:nextdate")],
                             [Button(_("End without a next one"), "meeting:endyes"), Button(_("No, go on"), "meeting:stay")]]))
            return outcome(ctx.state, reply(_("End the meeting now? Everyone will be told it has ended."), buttons=[[
                Button(_("Yes, end the meeting"), "meeting:endyes"), Button(_("No, go on"), "meeting:stay")]]))
        case ["stay"]:
            return control(ctx)
        case ["plan", part] if step_index is not None and not progress.get("paused"):
            return plan_flow.begin(ctx, part)
        case ["freq"] if step_index is not None and "follow_up_frequency" in meeting_type.steps[step_index].records:
            choices = meeting_type.cadence.agreed_every_weeks or ()
            return outcome(ctx.state, reply(_("How often do you follow up? /next suggests the next meeting from what you agree."),
                                            buttons=[[Button(ngettext("Every {n} week", "Every {n} weeks", w), f"meeting:freqset:{w}")
                                                      for w in choices]]))
        case ["freqset", weeks] if (step_index is not None and weeks.isdigit()
                                    and int(weeks) in (meeting_type.cadence.agreed_every_weeks or ())):
            progress["follow_up_weeks"] = int(weeks)
            return outcome(State(FLOW, "control", {"meeting": run.meeting.id}), reply(_("Noted for the plan.")),
                           control_message(ctx, replace(run, progress=progress)), changes=[UpdateMeeting(run.meeting.id, progress)])
        case ["nextpeople"] if step_index is not None:
            chosen = progress.get("next_people", progress.get("present", []))
            return outcome(State(FLOW, "next_people", {"meeting": run.meeting.id, "chosen": list(chosen)}),
                           _ask_next_people(run, chosen))
        case ["np", pid] if pid.isdigit() and ctx.state.step == "next_people":
            chosen = list(ctx.state.data.get("chosen", []))
            chosen = [c for c in chosen if c != int(pid)] if int(pid) in chosen else chosen + [int(pid)]
            state = State(FLOW, "next_people", {"meeting": run.meeting.id, "chosen": chosen})
            return outcome(state, _ask_next_people(run, chosen, edit=message_id), clear_buttons=False)
        case ["npdone"] if ctx.state.step == "next_people":
            progress["next_people"] = list(ctx.state.data.get("chosen", []))
            return outcome(State(FLOW, "control", {"meeting": run.meeting.id}), reply(_("Noted for the plan.")),
                           control_message(ctx, run), changes=[UpdateMeeting(run.meeting.id, progress)])
        case ["nextdate"] if step_index is not None:
            from flows import next_meeting  # the date is set there, as with /next

            return next_meeting.overview(ctx, from_meeting=True)
        case ["task"] if step_index is not None and not progress.get("paused"):
            from flows import tasks  # tasks come back to this control message

            return tasks.start(ctx)
        case ["endyes"] if step_index is not None:
            snapshot, version = plan_flow.new_version(ctx, run)
            notices = [_notice(p, _("The meeting has ended. Thank you for taking part.")) for p in _present(run)]
            notices += family_informed(ctx, run)  # before the plan, which says what was decided
            notices += plan_flow.sent_to_everyone(ctx, snapshot, _("Here is the plan from the meeting. "
                                                                    "It is in the PDF too, to keep."))
            notices += _feedback_invitations(ctx, run)
            ended = reply(_("The meeting has ended. Thank you. Everyone taking part in the case gets the plan with its PDF; "
                            "/plan shows who has agreed to it."), *plan_flow.plan_parts(snapshot),
                          document=plan_flow.PlanPdf(snapshot.ref), protect_content=True)
            return outcome(IDLE, ended, *notices,
                           changes=[UpdateMeeting(run.meeting.id, progress, status="ended"), version])
    return None


def family_informed(ctx: Context, run: MeetingRun) -> list[Reply]:
    """After a professionals-only meeting the family hears that it was held
    (the model's own words, in each one's language); the plan that follows
    says what was decided."""
    meeting_type = _type(ctx, run)
    if not meeting_type.professionals_only or meeting_type.inform_family is None:
        return []
    title = _("<b>{meeting}</b> – {when}", meeting=T(meeting_type.name), when=Moment(run.meeting.starts_at, run.case.timezone))
    return [_notice(p, title, T(meeting_type.inform_family)) for p in run.people if p.role == "family"]


def _feedback_invitations(ctx: Context, run: MeetingRun) -> list[Reply]:
    """The family members and the child who were there are asked how the meeting felt."""
    from flows import feedback

    model = ctx.models.get(run.case.model_id)
    intro = T(model.feedback_intro) if model.feedback_intro else _("Thank you for taking part. Your answers help us make the meetings better.")
    return [feedback.invitation(run.meeting.id, p.chat_id, p.role, intro) for p in _present(run) if p.role in feedback.ROLES]


def _ask_next_people(run: MeetingRun, chosen, edit: int | None = None) -> Reply:
    buttons = [[Button(_("{mark} {name}", mark="✅" if p.person_id in chosen else "▫", name=p.name), f"meeting:np:{p.person_id}")]
               for p in run.people]
    buttons.append([Button(_("Done choosing ▶"), "meeting:npdone")])
    return reply(_("Who takes part next time? Tap to choose."), buttons=buttons, edit_message_id=edit)


def on_text(ctx: Context, text: str) -> Outcome:
    run = ctx.meeting_run
    if ctx.state.step == "reason" and run is not None and may(ctx.person, "run_meeting", run.case):
        reason = " ".join(text.split())[:500]
        if not reason:
            return outcome(ctx.state, reply(_("Please write a few words about why the child is not here.")))
        progress = {**run.progress, "absent_reason": reason}
        return _go_to(ctx, run, progress, 0, None, status="running")
    again = ask_again(ctx)
    return outcome(again.state, reply(_("Please use the buttons under the message.")), *again.replies)


def ask_again(ctx: Context) -> Outcome:
    return control(ctx) if ctx.meeting_run is not None else start(ctx)


def _moved(ctx: Context, run: MeetingRun, progress: dict, message_id: int | None) -> Outcome:
    updated = replace(run, progress=progress)
    state = State(FLOW, "control", {"meeting": run.meeting.id})
    return outcome(state, control_message(ctx, updated, edit=message_id), changes=[UpdateMeeting(run.meeting.id, progress)],
                   clear_buttons=False)


def _go_to(ctx: Context, run: MeetingRun, progress: dict, index: int, message_id: int | None, *,
           status: str | None = None, again: bool = False) -> Outcome:
    """Move to step `index` (or continue it after a pause) and tell everyone present their part."""
    meeting_type = _type(ctx, run)
    step = meeting_type.steps[index]
    if not again:
        progress = {**progress, "step": index, "speaker": 0, "family_ready": False, "paused": False}
    meeting = run.meeting if status is None else replace(run.meeting, status=status)
    updated = replace(run, meeting=meeting, progress=progress)
    change = UpdateMeeting(run.meeting.id, progress, status=status,
                           timed_step=(index, step.minutes) if step.minutes and not again else None)
    state = State(FLOW, "control", {"meeting": run.meeting.id})
    control_reply = control_message(ctx, updated, edit=message_id)
    return outcome(state, control_reply, *step_notices(ctx, updated, step), changes=[change], clear_buttons=message_id is None)


# ---- what everyone present is told ---------------------------------------


def _notice(person: Attendee, *parts: T, buttons=()) -> Reply:
    return reply(*parts, buttons=buttons, chat_id=person.chat_id, stamp_buttons=False, priority=NOTICE)


def step_notices(ctx: Context, run: MeetingRun, step) -> list[Reply]:
    notices = []
    title = _("<b>Now: {title}</b>\n{description}", title=T(step.title), description=T(step.description))
    order = speaking_order(run, step)
    current = order[min(run.progress.get("speaker", 0), len(order) - 1)] if order else None
    questions = {q.id: q for q in _type(ctx, run).questions}
    for person in _present(run):
        part = step.role_part(person.role)
        if step.private_family_time and part == "speak":
            prompts = tuple(_("• {prompt}", prompt=T(p)) for p in step.prompts)
            parts = [title, _("🏠 This is your own time as a family. Talk together and make your plan.")]
            if prompts:
                parts.append(_("<b>You could plan around these questions:</b>\n{prompts}", prompts=Lines(prompts)))
            parts.append(_("When your plan is ready, press the button and I will call the others back in."))
            notices.append(_notice(person, *parts, buttons=[[Button(_("✅ We are ready"), f"meeting:ready:{run.meeting.id}")]]))
        elif part == "speak" and step.turns == "in_turn":
            if current is not None and current.person_id == person.person_id:
                notices.append(_notice(person, title, *_your_turn(ctx, run, person)))
            else:
                notices.append(_notice(person, title, _("🗣 In this part people speak one at a time. I will tell you when it is your turn.")))
        elif part == "speak":
            notices.append(_notice(person, title, _("🗣 Now it is your time to speak, together with the others."), *_cue_card(ctx, run, person)))
        elif part == "listen":
            notices.append(_notice(person, title, _("👂 Now it is time to listen. Your turn to speak comes later.")))
        elif part == "leave":
            notices.append(_notice(person, title, _("🚪 Please leave the room for a while and wait nearby. I will tell you when to come back in.")))
        else:
            notices.append(_notice(person, title))
        if step is _type(ctx, run).steps[0] and run.agenda:
            # Everyone present starts the meeting with the points agreed for it.
            notices[-1] = replace(notices[-1], parts=(*notices[-1].parts, agenda.points_list(run.agenda)))
        if note := step.role_notes.get(person.role):
            # The role's own words for this step (the reflecting team: how to listen, how to reflect).
            notices[-1] = replace(notices[-1], parts=(*notices[-1].parts, T(note)))
        if "views" in plan_flow.parts_of(step) and (offer := plan_flow.own_answer_offer(run, person, questions)):
            notices.append(offer)
    return notices


def _turn_notices(ctx: Context, run: MeetingRun, step) -> list[Reply]:
    order = speaking_order(run, step)
    k = run.progress.get("speaker", 0)
    who = order[k] if k < len(order) else None
    if who is None:
        return []
    note = step.role_notes.get(who.role)
    return [_notice(who, *_your_turn(ctx, run, who), *([T(note)] if note else []))]


def _your_turn(ctx: Context, run: MeetingRun, person: Attendee) -> list[T]:
    return [_("🗣 <b>It is your turn to speak now.</b>"), *_cue_card(ctx, run, person)]


def _cue_card(ctx: Context, run: MeetingRun, person: Attendee) -> list[T]:
    """The person's own preparation, all of it (their private notes too: they are theirs)."""
    goals = run.previous_plan.content.get("goals", []) if run.previous_plan else []
    questions = {**{q.id: q for q in goal_progress.questions_of(goals)}, **{q.id: q for q in _type(ctx, run).questions}}
    lines = tuple(_("<i>{question}</i>\n{answer}", question=goal_progress.title(questions[qid]),
                    answer=answer_text(questions[qid], answer))
                  for qid, answer in person.notes if qid in questions and answer.kind != "skipped")
    return [_("📝 <b>Your notes from your preparation</b>\n{notes}", notes=Lines(lines))] if lines else []


# ---- the family's "we are ready" -----------------------------------------


def family_ready(ctx: Context, meeting_id: int) -> Outcome:
    run = ctx.meeting_run
    me = next((p for p in run.people if ctx.person and p.person_id == ctx.person.id), None) if run else None
    if run is None or run.meeting.id != meeting_id or me is None:
        return outcome(ctx.state, toast=_("This button does not work here."))
    step_index = run.progress.get("step")
    step = _type(ctx, run).steps[step_index] if step_index is not None and run.meeting.status == "running" else None
    if step is None or not step.private_family_time or step.role_part(me.role) != "speak":
        return outcome(ctx.state, reply(_("The family time is over, so this button does nothing now.")))
    if run.progress.get("family_ready"):
        return outcome(ctx.state, toast=_("The others have already been called back."))
    progress = {**run.progress, "family_ready": True}
    back = _("✅ The family is ready. Please come back in.")
    replies = [reply(_("Thank you. I have called the others back in."))]
    if run.coordinator_chat_id:
        replies.append(reply(_("✅ {name} says the family is ready. Please come back in, with the professionals.", name=me.name),
                             chat_id=run.coordinator_chat_id, stamp_buttons=False))
    replies += [_notice(p, back) for p in _present(run) if step.role_part(p.role) == "leave"]
    return outcome(ctx.state, *replies, changes=[UpdateMeeting(run.meeting.id, progress)], toast=_("Thank you!"))


# ---- the step's clock (sent by the scheduler) ------------------------------


def timer_notice(step, near_end: bool, chat_id: int) -> Reply:
    if near_end:
        text = _("⏱ About two minutes are left of “{title}”.", title=T(step.title))
    else:
        text = ngettext("⏱ “{title}” has now had its planned {n} minute. No rush: move on when it suits the conversation.",
                        "⏱ “{title}” has now had its planned {n} minutes. No rush: move on when it suits the conversation.",
                        step.minutes, title=T(step.title))
    return reply(text, chat_id=chat_id, stamp_buttons=False, priority=NOTICE)
