"""Tasks agreed at a meeting: writing one down during the meeting (from the
control message), the owners' answers, and /tasks between meetings.

    control ─"add a task"─► what ─► who (several may share) ─► by when ─► control
    owner: "I'll do it" / "let's talk" · later: done / need help / another date ─► the coordinator is told

A shared task is done when every owner has said their part is done (or the
coordinator marks it done): "done" from one owner asks each of the others
whether theirs is done too, and every answer reaches the coordinator.

Buttons on an owner's task carry the task's random reference; whether the
presser owns the task is checked against the stored owners every time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flows import plan as plan_flow
from flows.access import may
from flows.context import Context, TaskView
from flows.outcome import (
    IDLE,
    NOTICE,
    Button,
    CreateTask,
    MarkTaskDone,
    Outcome,
    Reply,
    State,
    TaskResponse,
    UpdateMeeting,
    outcome,
    reply,
)
from flows.offline import parse_person
from flows.parsing import parse_date
from flows.text import Lines, Moment, T, _

FLOW = "task"  # writing a task down during the meeting (coordinator)
OWNER_FLOW = "tasks"  # an owner proposing another date
MAX_TASK = 300


# ---- how a task reads --------------------------------------------------------


def due_moment(task: TaskView) -> Moment | None:
    return Moment(task.due_at, task.timezone, "date") if task.due_at else None


def _owner_label(task: TaskView, pid: int, name: str, accepted: bool) -> T:
    if task.status != "done" and pid in task.done_by:
        return _("{name} ✅", name=name)  # their part is done, the task not yet
    return _("{name} ✓", name=name) if accepted else _("{name}", name=name)


def task_line(task: TaskView, *, with_status: bool = False) -> T:
    owners = Lines(tuple(_owner_label(task, pid, name, accepted) for pid, name, accepted in task.owners), sep=", ")
    if task.due_at:
        line = _("• {what} – {owners}, by {date}", what=task.what, owners=owners, date=due_moment(task))
    else:
        line = _("• {what} – {owners}", what=task.what, owners=owners)
    if with_status and task.status == "done":
        return _("{line} ✅", line=line)
    return line


def owner_buttons(ref: str) -> list[list[Button]]:
    return [[Button(_("✅ Done"), f"task:done:{ref}"), Button(_("🆘 I need help"), f"task:help:{ref}")],
            [Button(_("📅 Another date would suit better"), f"task:date:{ref}")]]


def owner_notice(task: TaskView, chat_id: int) -> Reply:
    parts = [_("📌 <b>A task for you</b> from the meeting about {case}:\n{what}", case=task.pseudonym, what=task.what)]
    if task.due_at:
        parts.append(_("By: {date}", date=due_moment(task)))
    if len(task.owners) > 1:
        parts.append(_("Together with: {names}", names=Lines(tuple(name for _pid, name, _a in task.owners), sep=", ")))
    parts.append(_("Can you take it on?"))
    return reply(*parts, buttons=[[Button(_("✅ I'll do it"), f"task:ok:{task.ref}")],
                                  [Button(_("💬 I'd like to talk about it"), f"task:talk:{task.ref}")]],
                 chat_id=chat_id, stamp_buttons=False, priority=NOTICE)


def reminder(task: TaskView, chat_id: int, *, today: bool) -> Reply:
    text = (_("⏰ Today is the day for: {what}", what=task.what) if today else
            _("⏰ A friendly reminder: {what} – by {date}.", what=task.what, date=due_moment(task)))
    return reply(text, _("Tell me how it is going:"), buttons=owner_buttons(task.ref), chat_id=chat_id,
                 stamp_buttons=False, priority=NOTICE)


def reminder_for_offline(task: TaskView, names: list[str], chat_id: int, *, today: bool) -> Reply:
    """To the coordinator, for owners without Telegram: a reminder to pass on, naming them."""
    who = Lines(tuple(names), sep=", ")
    text = (_("⏰ For {names} (without Telegram), today is the day for: {what}", names=who, what=task.what) if today else
            _("⏰ For {names} (without Telegram), a reminder: {what} – by {date}.", names=who, what=task.what, date=due_moment(task)))
    return reply(text, _("Please pass it on. /tasks lets you mark it done."), chat_id=chat_id, stamp_buttons=False, priority=NOTICE)


def overdue_notice(task: TaskView, chat_id: int) -> Reply:
    return reply(_("⏰ This task was due on {date} and is not marked done yet:\n{task}", date=due_moment(task), task=task_line(task)),
                 chat_id=chat_id, stamp_buttons=False, priority=NOTICE)


# ---- writing a task down during the meeting -------------------------------


def start(ctx: Context) -> Outcome:
    run = ctx.meeting_run
    return outcome(State(FLOW, "what", {"meeting": run.meeting.id}), reply(_(
        "📝 What has been agreed? Write the task in a few words, for example “Grandma takes Kim to football on Tuesdays”.")))


def _guard(ctx: Context):
    run = ctx.meeting_run
    if run is None or not may(ctx.person, "run_meeting", run.case) or run.meeting.status != "running":
        return None, outcome(IDLE, reply(_("Tasks are written down while the meeting runs. /meeting shows where it is.")))
    return run, None


def on_text(ctx: Context, text: str) -> Outcome:
    run, refusal = _guard(ctx)
    if refusal:
        return refusal
    data = ctx.state.data
    if ctx.state.step == "what":
        what = " ".join(text.split())
        if len(what) > MAX_TASK:
            return outcome(ctx.state, reply(_("Please keep the task shorter than {max} characters.", max=MAX_TASK)))
        state = State(FLOW, "who", {**data, "what": what, "owners": []})
        return outcome(state, _ask_who(run, state))
    if ctx.state.step == "when":
        today = ctx.now.astimezone(ZoneInfo(run.case.timezone)).date()
        day = parse_date(text, today)
        if day is None:
            return outcome(ctx.state, reply(_("I couldn't read that as a date. Please write it like {example}.",
                                              example=Moment(ctx.now + timedelta(days=7), run.case.timezone, "short_date"))))
        if day < today:
            return outcome(ctx.state, reply(_("That date has already passed. Please choose a day from today onwards.")))
        return _finish(ctx, run, day)
    return outcome(ctx.state, reply(_("Please use the buttons under the message.")), *ask_again(ctx).replies)


def _ask_who(run, state: State, edit: int | None = None) -> Reply:
    # Anyone taking part in the case, here today or not, can take on a task.
    chosen = set(state.data.get("owners", []))
    buttons = [[Button(_("{mark} {name}", mark="✅" if p.person_id in chosen else "▫", name=p.name), f"task:own:{p.person_id}")]
               for p in run.people]
    buttons.append([Button(_("Done choosing ▶"), "task:owners")])
    return reply(_("<b>{what}</b>\nWho will do it? Tap everyone who takes part: several people can share a task.",
                   what=state.data["what"]), buttons=buttons, edit_message_id=edit)


def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
    run, refusal = _guard(ctx)
    if refusal:
        return refusal
    data = ctx.state.data
    match ctx.state.step, action:
        case "who", ["own", text] if (pid := parse_person(text)) is not None and pid in {p.person_id for p in run.people}:
            owners = list(data.get("owners", []))
            owners = [o for o in owners if o != pid] if pid in owners else owners + [pid]
            state = State(FLOW, "who", {**data, "owners": owners})
            return outcome(state, _ask_who(run, state, edit=message_id), clear_buttons=False)
        case "who", ["owners"]:
            if not data.get("owners"):
                return outcome(ctx.state, toast=_("Choose at least one person."), clear_buttons=False)
            if plan_flow.goal_choices(ctx, run):
                return outcome(State(FLOW, "goal", dict(data)), _ask_goal(ctx, run, data))
            return outcome(State(FLOW, "when", dict(data)), _ask_when(ctx, run))
        case "goal", ["goal", choice] if choice == "none" or (
                choice.isdigit() and int(choice) < len(plan_flow.goal_choices(ctx, run))):
            goal = plan_flow.goal_choices(ctx, run)[int(choice)]["key"] if choice.isdigit() else None
            return outcome(State(FLOW, "when", {**data, "goal": goal}), _ask_when(ctx, run))
        case "when", ["due", days] if days.isdigit() or days == "none":
            today = ctx.now.astimezone(ZoneInfo(run.case.timezone)).date()
            return _finish(ctx, run, today + timedelta(days=int(days)) if days.isdigit() else None)
    return None


def _ask_when(ctx: Context, run) -> Reply:
    example = Moment(ctx.now + timedelta(days=7), run.case.timezone, "short_date")
    return reply(_("By when? Write a date, for example {example}, or choose:", example=example), buttons=[
        [Button(_("In a week"), "task:due:7"), Button(_("In two weeks"), "task:due:14")],
        [Button(_("No date"), "task:due:none")]])


def _ask_goal(ctx: Context, run, data: dict) -> Reply:
    """At a step that writes goals: which goal the action serves (shown in the plan), or none in particular."""
    goals = plan_flow.goal_choices(ctx, run)
    buttons = [[Button(_("{n}. {goal}", n=i + 1, goal=g["text"][:40]), f"task:goal:{i}")] for i, g in enumerate(goals)]
    buttons.append([Button(_("No particular goal"), "task:goal:none")])
    return reply(_("<b>{what}</b>\nWhich goal does it serve?", what=data["what"]), buttons=buttons)


def _finish(ctx: Context, run, day) -> Outcome:
    from flows import running  # the control message lives there

    data = ctx.state.data
    zone = ZoneInfo(run.case.timezone)
    # A due day is kept as its local noon: far from midnight, so no time zone moves it to another day.
    due_at = datetime.combine(day, time(12), tzinfo=zone).astimezone(timezone.utc) if day else None
    ref = ctx.new_token()[:16]
    owners = [p for p in run.people if p.person_id in data["owners"]]
    task = TaskView(ref, run.case.id, run.case.pseudonym, run.case.timezone, data["what"], due_at, "open",
                    tuple((p.person_id, p.name, False) for p in owners))
    changes = [CreateTask(run.meeting.id, ref, data["what"], due_at, tuple(p.person_id for p in owners))]
    if data.get("goal"):
        changes.append(UpdateMeeting(run.meeting.id, plan_flow.with_action_goal(run, ref, data["goal"])))
    notices = [owner_notice(task, p.chat_id) for p in owners]
    state = State(running.FLOW, "control", {"meeting": run.meeting.id})
    saved = reply(_("Task written down:\n{task}\nI have asked them to accept it.", task=task_line(task)))
    return outcome(state, saved, running.control_message(ctx, run), *notices, changes=changes)


def ask_again(ctx: Context) -> Outcome:
    run, refusal = _guard(ctx)
    if refusal:
        return refusal
    if ctx.state.step == "who":
        return outcome(ctx.state, _ask_who(run, ctx.state))
    if ctx.state.step == "goal" and plan_flow.goal_choices(ctx, run):
        return outcome(ctx.state, _ask_goal(ctx, run, ctx.state.data))
    if ctx.state.step == "when":
        return outcome(ctx.state, _ask_when(ctx, run))
    return start(ctx)


# ---- the owners --------------------------------------------------------------


def _tell_coordinator(task: TaskView, text: T, buttons=()) -> list[Reply]:
    """What the coordinator hears (a case whose coordinator left has nobody to tell)."""
    return [reply(text, buttons=buttons, chat_id=chat, stamp_buttons=False) for chat in task.coordinator_chats]


def _refused(ctx: Context) -> Outcome:
    return outcome(ctx.state, toast=_("This button does not work here."), clear_buttons=False)


def respond(ctx: Context, action: str, ref: str) -> Outcome:
    """A button on a task: the reference names it, the stored owners (or the case's coordinator) decide."""
    task = next((t for t in ctx.tasks if t.ref == ref), None)
    if task is not None and action == "close":
        return _coordinator_marks_done(ctx, task)
    if task is None or ctx.person is None or not task.owned_by(ctx.person.id):
        return _refused(ctx)
    name = ctx.person.name

    if action == "help":  # a call for help always reaches the coordinator, whatever the task's state
        return outcome(ctx.state, reply(_("I have told the coordinator that you need help with it. They will get in touch.")),
                       *_tell_coordinator(task, _("🆘 {name} asks for help with the task:\n{task}", name=name, task=task_line(task))),
                       changes=[TaskResponse(ref, "help")], clear_buttons=False)  # "done" stays at hand
    if task.status == "done":
        return outcome(ctx.state, reply(_("This task is already marked done. Thank you!")))
    if action == "ok":
        return outcome(ctx.state, reply(_("Thank you! The task is yours. /tasks shows it whenever you want.")),
                       *_tell_coordinator(task, _("{name} takes on the task:\n{task}", name=name, task=task_line(task))),
                       changes=[TaskResponse(ref, "accept")], toast=_("Thank you!"))
    if action == "talk":
        return outcome(ctx.state, reply(_("I have told the coordinator that you would like to talk about it.")),
                       *_tell_coordinator(task, _("💬 {name} would like to talk about the task:\n{task}", name=name, task=task_line(task))),
                       changes=[TaskResponse(ref, "talk")])
    if action == "done":
        return _owner_done(ctx, task)
    if action == "notyet":
        return outcome(ctx.state, reply(_("All right, thank you for telling me. I have let the coordinator know.")),
                       *_tell_coordinator(task, _("⏳ {name} has not finished their part of the task yet:\n{task}",
                                                  name=name, task=task_line(task))),
                       changes=[TaskResponse(ref, "not_yet")])
    if action == "date":
        example = Moment(ctx.now + timedelta(days=7), task.timezone, "short_date")
        return outcome(State(OWNER_FLOW, "date", {"ref": ref}),
                       reply(_("Which date would suit you better? For example {example}.", example=example)), clear_buttons=False)
    return _refused(ctx)


def _owner_done(ctx: Context, task: TaskView) -> Outcome:
    me = ctx.person
    if me.id in task.done_by:
        return outcome(ctx.state, reply(_("You have already told me your part is done. Thank you!")))
    done = replace(task, done_by=task.done_by | {me.id})
    waiting = done.not_done()
    change = TaskResponse(task.ref, "done")
    if not waiting:
        finished = replace(done, status="done")
        told = (_("✅ {name} has done the task:\n{task}", name=me.name, task=task_line(finished)) if len(task.owners) == 1 else
                _("✅ {name} has done their part too, so the task is done:\n{task}", name=me.name, task=task_line(finished)))
        return outcome(ctx.state, reply(_("Well done! I have told the coordinator.")), *_tell_coordinator(task, told),
                       changes=[change], toast=_("Well done!"))
    # A shared task: the others are asked about their part; the coordinator may close it for all.
    waiting_names = Lines(tuple(n for _pid, n in waiting), sep=", ")
    chats = dict(task.owner_chats)
    asked = [reply(_("✅ {name} has done their part of the task from the meeting about {case}:\n{what}", name=me.name,
                     case=task.pseudonym, what=task.what),
                   _("Is your part done too?"),
                   buttons=[[Button(_("✅ My part is done too"), f"task:done:{task.ref}")],
                            [Button(_("⏳ Not yet"), f"task:notyet:{task.ref}"), Button(_("🆘 I need help"), f"task:help:{task.ref}")]],
                   chat_id=chats[pid], stamp_buttons=False, priority=NOTICE)
             for pid, _n in waiting if pid in chats]
    told = _tell_coordinator(
        task, _("✅ {name} has done their part of the task:\n{task}\nNot done yet: {names}", name=me.name, task=task_line(done),
                names=waiting_names),
        buttons=[[Button(_("✅ Mark the whole task done"), f"task:close:{task.ref}")]])
    return outcome(ctx.state, reply(_("Well done! I have told the coordinator, and asked {names} whether their part is done too.",
                                      names=waiting_names)),
                   *told, *asked, changes=[change], toast=_("Well done!"))


def _coordinator_marks_done(ctx: Context, task: TaskView) -> Outcome:
    """The coordinator closes a task for all its owners (the button in their notice)."""
    if not may(ctx.person, "manage_tasks", ctx.case(task.case_id)):
        return _refused(ctx)
    if task.status == "done":
        return outcome(ctx.state, toast=_("This task is already marked done. Thank you!"))
    finished = replace(task, status="done")
    chats = dict(task.owner_chats)
    told = [reply(_("The coordinator has marked this task done:\n{what}\nThank you!", what=task.what),
                  chat_id=chats[pid], stamp_buttons=False, priority=NOTICE)
            for pid, _n in task.not_done() if pid in chats]
    return outcome(ctx.state, reply(_("The task is marked done:\n{task}", task=task_line(finished, with_status=True))), *told,
                   changes=[MarkTaskDone(task.ref)])


def show(ctx: Context) -> Outcome:
    """/tasks: a person's own tasks with their buttons; a coordinator's cases' tasks."""
    if ctx.person is None:
        return outcome(IDLE, reply(_("You are not part of any meetings yet. To take part, open the invite link your coordinator sent you.")))
    if ctx.person.is_coordinator:
        mine = [t for t in ctx.tasks if not t.owned_by(ctx.person.id)]
        if not mine:
            return outcome(IDLE, reply(_("No tasks have been agreed in your cases yet. Add them during a meeting with /meeting.")))
        parts = [_("<b>The tasks in your cases</b>\n✓ accepted · ✅ done")]
        for pseudonym in dict.fromkeys(t.pseudonym for t in mine):
            lines = tuple(task_line(t, with_status=True) for t in mine if t.pseudonym == pseudonym)
            parts.append(_("<b>{case}</b>\n{tasks}", case=pseudonym, tasks=Lines(lines)))
        return outcome(IDLE, reply(*parts))
    own = [t for t in ctx.tasks if t.owned_by(ctx.person.id)]
    if not own:
        return outcome(IDLE, reply(_("You have no tasks right now.")))
    replies = [reply(_("<b>Your tasks</b>"))]
    for task in own:
        if task.status == "done":
            replies.append(reply(_("{line} ✅", line=task_line(task))))
        elif ctx.person.id in task.done_by:
            replies.append(reply(task_line(task), _("Your part is done. The task is done when the others have done theirs."),
                                 buttons=[[Button(_("🆘 I need help"), f"task:help:{task.ref}")]], stamp_buttons=False))
        else:
            replies.append(reply(task_line(task), buttons=owner_buttons(task.ref), stamp_buttons=False))
    return outcome(IDLE, *replies)


class OwnerFlow:
    """The one question an owner is asked: another date."""

    FLOW = OWNER_FLOW

    @staticmethod
    def on_text(ctx: Context, text: str) -> Outcome:
        task = next((t for t in ctx.tasks if t.ref == ctx.state.data.get("ref")), None)
        if task is None or ctx.person is None or not task.owned_by(ctx.person.id):
            return outcome(IDLE, reply(_("This task is not available to you any more.")))
        today = ctx.now.astimezone(ZoneInfo(task.timezone)).date()
        day = parse_date(text, today)
        if day is None or day < today:
            example = Moment(ctx.now + timedelta(days=7), task.timezone, "short_date")
            return outcome(ctx.state, reply(_("Please write a date from today onwards, for example {example}.", example=example)))
        proposed = Moment(datetime.combine(day, time(12), tzinfo=ZoneInfo(task.timezone)).astimezone(timezone.utc), task.timezone, "date")
        told = _tell_coordinator(task, _("📅 {name} proposes a new date, {date}, for the task:\n{task}",
                                         name=ctx.person.name, date=proposed, task=task_line(task)))
        return outcome(IDLE, reply(_("Thank you. I have passed {date} on to the coordinator, who will get back to you.", date=proposed)),
                       *told, changes=[TaskResponse(task.ref, "new_date")])

    @staticmethod
    def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
        return None

    @staticmethod
    def ask_again(ctx: Context) -> Outcome:
        return outcome(ctx.state, reply(_("Which date would suit you better? Write it as a message.")))
