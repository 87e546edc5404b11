"""A participant's preparation for a meeting (/prep, or the button in the notice).

    [pick meeting] ─► question i ─answer─► (text: "saved, write more or go on") ─next─► question i+1 ... ─► summary ─done─► idle
                       │  ▲                                                                           │
                       │  └─ back / skip / "who sees it" (edits the question in place)                └─ change an answer ─► question k
                       └─ pause ─► idle (resume with /prep at the same question)

Every answer is saved the moment it arrives, so pausing, a restart or a
killed process loses nothing. What someone writes is added to their answer
(Telegram splits long texts, and people come back to add more); only
"Start again" lets the next message replace it. Answers can be changed until
the meeting starts; after that, preparation is closed.
"""

from __future__ import annotations

from dataclasses import replace

from flows import agenda as agenda_points
from flows import goal_progress
from flows.answers import (
    CLOSENESS,
    CLOSENESS_NAMES,
    COLUMN_KEYS,
    COLUMN_TITLES,
    KIND_NAMES,
    KINDS_OF_PERSON,
    MAX_ANSWER,
    MAX_MAP_NAME,
    MAX_MAP_PEOPLE,
    VISIBILITIES,
    VISIBILITY_NAMES,
    answer_text,
    default_visibility,
    network_map_text,
)
from flows.context import AnswerView, Context, PrepView
from flows.events import OtherMessage
from flows.outcome import (
    IDLE,
    NOTICE,
    Button,
    NetworkMap,
    Outcome,
    Reply,
    SaveAnswer,
    SetAnswerVisibility,
    SetPrepProgress,
    State,
    outcome,
    reply,
)
from flows.parsing import clean_line
from flows.text import Lines, Moment, N_, T, _, ngettext

FLOW = "prep"


# ---- what a preparation holds --------------------------------------------


def _meeting_type(ctx: Context, prep: PrepView):
    return ctx.models.get(prep.model_id).meeting_type(prep.meeting_type)


def questions(ctx: Context, prep: PrepView) -> tuple:
    """How the plan's goals are going (at a follow-up, flows.goal_progress), then the model's questions."""
    meeting_type = _meeting_type(ctx, prep)
    person_id = ctx.person.id if ctx.person else None
    goals = goal_progress.questions_for(meeting_type, prep.role, person_id, prep.previous_goals, prep.previous_actions)
    return goals + meeting_type.questions_for(prep.role, prep.follow_up)


def is_open(ctx: Context, prep: PrepView) -> bool:
    return prep.meeting_status == "planned" and prep.opens_at <= ctx.now < prep.starts_at


def _current(ctx: Context) -> PrepView | None:
    meeting_id = ctx.state.data.get("m")
    return next((p for p in ctx.preparations if p.meeting_id == meeting_id), None)


def _answer(prep: PrepView, question_id: str) -> AnswerView | None:
    return prep.answers.get(question_id)


def _visibility(ctx: Context, prep: PrepView, question) -> str:
    answer = _answer(prep, question.id)
    if answer is not None:  # a skipped question may still carry a chosen visibility
        return answer.visibility
    return default_visibility(_meeting_type(ctx, prep), question, prep.role)


def _when(prep: PrepView) -> Moment:
    return Moment(prep.starts_at, prep.timezone)


def _part(data: dict) -> int:
    """Where in a question a resume starts: a three-column question's column, or a goal's words (1)."""
    return data.get("col", data.get("w", 0))


# ---- entering ------------------------------------------------------------


def start(ctx: Context) -> Outcome:
    """/prep for a participant: their open preparation, or a choice between several."""
    if ctx.person is None:
        return outcome(IDLE, reply(_("You are not part of any meetings yet. To take part, open the invite link your coordinator sent you.")))
    preps = [p for p in ctx.preparations if p.meeting_status == "planned" and ctx.now < p.starts_at and questions(ctx, p)]
    if not preps:
        return outcome(IDLE, reply(_("There is nothing to prepare right now. I will write to you when preparation for your next meeting opens.")))
    if len(preps) == 1:
        return resume(ctx, preps[0])
    buttons = [[Button(_("{case}: {when}", case=p.pseudonym, when=Moment(p.starts_at, p.timezone, "date")), f"prep:pick:{p.meeting_id}")]
               for p in preps]
    return outcome(State(FLOW, "pick"), reply(_("Which meeting do you want to prepare for?"), buttons=buttons))


def go(ctx: Context, meeting_id: int) -> Outcome:
    """The "start" button of a notice or reminder: it names a meeting; only a participant gets in."""
    prep = next((p for p in ctx.preparations if p.meeting_id == meeting_id), None)
    if prep is None:
        return outcome(ctx.state, reply(_("This preparation is not available to you any more.")), toast=_("This button does not work here."))
    return resume(ctx, prep)


def resume(ctx: Context, prep: PrepView) -> Outcome:
    if prep.meeting_status != "planned" or ctx.now >= prep.starts_at:
        return closed(ctx, prep)
    if ctx.now < prep.opens_at:
        return outcome(IDLE, reply(_(
            "Preparation for the meeting on {when} opens on {opens}. I will write to you then.",
            when=_when(prep), opens=Moment(prep.opens_at, prep.timezone, "date"))))
    qs = questions(ctx, prep)
    if not qs:
        return outcome(IDLE, reply(_("There is nothing to prepare right now. I will write to you when preparation for your next meeting opens.")))
    if prep.status == "finished":
        return summary(ctx, prep)
    position = min(prep.position, len(qs) - 1)
    intro = []
    if prep.status in ("new", "invited"):
        intro += [_intro(ctx, prep, len(qs)), *_your_actions(ctx, prep)]
    sub = {"col": prep.part} if qs[position].kind == "columns" and 0 < prep.part < len(COLUMN_KEYS) else None
    if qs[position].kind == goal_progress.KIND and prep.part == 1:
        sub = {"w": 1}
    return ask(ctx, prep, position, intro=intro, sub=sub)


# A person's part in a step, in plain words (flows.meeting_models.schema.Step.role_part).
_PARTS = {
    "speak": N_("you speak"),
    "listen": N_("you listen"),
    "leave": N_("you step out for a while"),
    None: N_("the others talk; it is not your part"),
}


def agenda(ctx: Context, prep: PrepView) -> list[T]:
    """What the meeting is for and its steps, each with the reader's own part:
    everyone knows the agenda before the meeting."""
    meeting_type = _meeting_type(ctx, prep)
    steps = tuple(_("{i}. {title}: {part}", i=i, title=T(step.title), part=T(_PARTS[step.role_part(prep.role)]))
                  for i, step in enumerate(meeting_type.steps, start=1))
    parts = [_("<b>{meeting}</b>\n{purpose}", meeting=T(meeting_type.name), purpose=T(meeting_type.purpose)),
             _("<b>How the meeting goes, and your part in each step:</b>\n{steps}", steps=Lines(steps))]
    if prep.agenda:
        parts.append(agenda_points.points_list(prep.agenda))
    if ctx.models.get(prep.model_id).coordinator_independent:
        parts.append(_("The coordinator who leads this meeting is independent of the social services and makes no "
                       "decisions in your case. Their task is to help everyone prepare, and to lead the meeting."))
    return parts


def _intro(ctx: Context, prep: PrepView, count: int) -> Reply:
    if prep.role == "child":
        greeting, how, *rest = _child_intro(prep, count)
        if prep.follow_up and _asks_goals(ctx, prep):
            rest.append(_("First, the goals from your plan: how is each one going for you?"))
        return reply(greeting, how, *agenda(ctx, prep), *rest)
    parts = [ngettext(
        "Let's prepare for the meeting on {when}. There is {n} question. Answer in your own words; there are no wrong answers.",
        "Let's prepare for the meeting on {when}. There are {n} questions, one at a time. Answer in your own words; there are no wrong answers.",
        count, when=_when(prep)), *agenda(ctx, prep)]
    parts.append(_(
        "For each answer you choose who may see it: everyone at the meeting, only the coordinator, or only you. "
        "You can skip a question, go back, or pause and continue later with /prep. "
        "You can change your answers until the meeting starts."))
    if prep.follow_up:
        parts.extend(_agreed_last_time(prep))
        parts.append(_("This is a follow-up meeting, so some questions are about what has happened since last time: what worked, and what must change."))
        if _asks_goals(ctx, prep):
            parts.append(_("First, the goals from your plan: how is each one going?"))
    return reply(*parts)


def _asks_goals(ctx: Context, prep: PrepView) -> bool:
    return any(q.kind == goal_progress.KIND for q in questions(ctx, prep))


def _agreed_last_time(prep: PrepView) -> list[T]:
    """The actions of the plan so far, each with how it stands and who answers for it by when."""
    if not prep.previous_actions:
        return []
    return [_("<b>Last time you agreed:</b>\n{tasks}", tasks=Lines(tuple(_action_line(t) for t in prep.previous_actions)))]


def _action_line(task) -> T:
    mark = {"done": _("✅ {task}", task=task.what), "cancelled": _("✖ {task} (dropped)", task=task.what)}.get(
        task.status, _("• {task}", task=task.what))
    owners = Lines(tuple(name for _pid, name, _accepted in task.owners), sep=", ")
    if task.owners and task.due_at:
        return _("{task} – {owners}, by {date}", task=mark, owners=owners, date=Moment(task.due_at, task.timezone, "date"))
    if task.owners:
        return _("{task} – {owners}", task=mark, owners=owners)
    if task.due_at:
        return _("{task} – by {date}", task=mark, date=Moment(task.due_at, task.timezone, "date"))
    return mark


def _your_actions(ctx: Context, prep: PrepView) -> list[Reply]:
    """Each open action the person answers for, with the task's own buttons (flows.tasks):
    done, or still working on it. They work at any time, also after preparation."""
    me = ctx.person.id if ctx.person else None
    mine = [t for t in prep.previous_actions if t.status == "open" and t.owned_by(me) and me not in t.done_by]
    return [reply(_("📌 <b>You answer for this:</b>\n{what}", what=t.what), _("How is it going with it?"),
                  buttons=[[Button(_("✅ Done"), f"task:done:{t.ref}"), Button(_("⏳ Still working on it"), f"task:notyet:{t.ref}")]],
                  stamp_buttons=False)
            for t in mine]


def _child_intro(prep: PrepView, count: int) -> list[T]:
    """The same facts as the adults' intro, in words a nine-year-old reads."""
    return [
        ngettext(
            "Let's get ready for the meeting on {when}. I have {n} question for you. "
            "Write in your own words. There are no wrong answers.",
            "Let's get ready for the meeting on {when}. I have {n} questions for you, one at a time. "
            "Write in your own words. There are no wrong answers.",
            count, when=_when(prep)),
        _("After each answer you choose who may see it: everyone at the meeting, only the coordinator, or only you. "
          "You can skip a question or take a break. Write /prep to go on later."),
    ] + ([*_agreed_last_time(prep), _("Some questions are about what has happened since the last meeting.")]
         if prep.follow_up else [])


def closed(ctx: Context, prep: PrepView) -> Outcome:
    return outcome(IDLE, reply(_(
        "The meeting on {when} has started or is over, so preparation is closed. Your answers were kept for the meeting.",
        when=_when(prep))))


# ---- asking --------------------------------------------------------------


def ask(ctx: Context, prep: PrepView, index: int, *, intro=(), sub: dict | None = None,
        edit_message_id: int | None = None) -> Outcome:
    qs = questions(ctx, prep)
    if index >= len(qs):
        return summary(ctx, prep, changes=[SetPrepProgress(prep.meeting_id, len(qs), "started")])
    index = max(index, 0)
    data = {"m": prep.meeting_id, "i": index, **(sub or {})}
    state = State(FLOW, "q", data)
    message = question_message(ctx, prep, index, state, edit_message_id=edit_message_id)
    changes = []
    part = _part(data)
    if prep.position != index or prep.part != part or prep.status in ("new", "invited"):
        # The part of a three-column question is kept too: a resume starts there.
        changes.append(SetPrepProgress(prep.meeting_id, index, "started", part))
    return outcome(state, *intro, message, changes=changes)


def question_message(ctx: Context, prep: PrepView, index: int, state: State, *, edit_message_id: int | None = None) -> Reply:
    qs = questions(ctx, prep)
    question = qs[index]
    if question.kind == goal_progress.KIND:
        return _goal_message(ctx, prep, index, state, edit_message_id=edit_message_id)
    parts: list[T] = [_("<b>Question {i} of {n}</b>", i=index + 1, n=len(qs)), T(question.text)]
    if question.hint:
        parts.append(_("<i>{hint}</i>", hint=T(question.hint)))
    buttons: list[list[Button]] = []
    answer = _answer(prep, question.id)
    kind = question.kind
    if kind == "text":
        parts.append(_("Write your answer. You can send several messages: they are kept together. A voice message works too."))
    elif kind == "choice":
        buttons += [[Button(T(choice), f"prep:c:{n}")] for n, choice in enumerate(question.choices)]
    elif kind == "scale":
        parts.append(_("Choose a number from 0 to 10. 0 means: {low}. 10 means: {high}.", low=T(question.scale_low), high=T(question.scale_high)))
        buttons += [[Button(str(n), f"prep:s:{n}") for n in range(0, 6)], [Button(str(n), f"prep:s:{n}") for n in range(6, 11)]]
    elif kind == "columns":
        column = state.data.get("col", 0)
        parts.append(_("We take this in three parts. Part {i} of 3:", i=column + 1))
        parts.append(_("<b>{title}</b>", title=COLUMN_TITLES[COLUMN_KEYS[column]]))
        parts.append(_("Write as much as you like, in one or more messages."))
        buttons.append([Button(_("Next part ▶") if column < 2 else _("Done with this question ▶"), "prep:col")])
    elif kind == "network_map":
        parts.append(_(
            "Add the people one at a time: write a name, then say what kind of person they are and how close they are to the child. "
            "When everyone is there, press “The map is ready”."))
        buttons.append([Button(_("The map is ready ▶"), "prep:md")])
    if answer is not None and answer.kind != "skipped":
        parts.append(_("<b>Your answer so far:</b>\n{answer}", answer=answer_text(question, answer)))
    return _finish_message(ctx, prep, index, state, question, parts, buttons, edit_message_id)


def _finish_message(ctx: Context, prep: PrepView, index: int, state: State, question, parts: list[T],
                    buttons: list[list[Button]], edit_message_id: int | None) -> Reply:
    """What every question's message ends with: start again, who sees it, back, skip or next, pause."""
    answer = _answer(prep, question.id)
    kind = question.kind
    if _written(answer, kind, state):
        if state.data.get("anew"):
            parts.append(_("What you write next replaces what you wrote in this part so far. Until you send it, it is kept.")
                         if kind in ("columns", goal_progress.KIND) else
                         _("What you write next replaces your answer so far. Until you send it, your answer is kept."))
            buttons.append([Button(_("↩ Keep what I wrote"), "prep:keep")])
        else:
            buttons.append([Button(_("✏ Start again"), "prep:anew")])
    parts.append(_("👁 Who will see your answer: <b>{who}</b>", who=VISIBILITY_NAMES[_visibility(ctx, prep, question)]))
    buttons.append([Button(_("👁 Change who sees it"), "prep:v")])
    nav = []
    if index > 0 or state.data.get("w"):  # from a goal's words, back to its number
        nav.append(Button(_("◀ Back"), "prep:back"))
    if answer is not None and answer.kind != "skipped" and kind in ("text", "network_map") or state.data.get("w"):
        nav.append(Button(_("Next ▶"), "prep:next"))
    else:
        nav.append(Button(_("Skip ▶"), "prep:skip"))
    buttons.append(nav)
    buttons.append([Button(_("⏸ Pause"), "prep:pause")])
    return reply(*parts, buttons=buttons, edit_message_id=edit_message_id)


def _goal_message(ctx: Context, prep: PrepView, index: int, state: State, *, edit_message_id: int | None = None) -> Reply:
    """A goal of the plan so far: first "how is it going?" 0-10, then, if they like, a few words."""
    from flows.plan import goal_line

    qs = questions(ctx, prep)
    question = qs[index]
    answer = _answer(prep, question.id)
    parts: list[T] = [_("<b>Question {i} of {n}</b>", i=index + 1, n=len(qs)),
                      _("🎯 <b>A goal in your plan:</b>\n{goal}", goal=goal_line(question.goal))]
    buttons: list[list[Button]] = []
    if not state.data.get("w"):
        if prep.role == "child":
            parts.append(_("How is it going with this? Choose a number: 0 😟 means not good at all, 10 😀 means really good."))
        else:
            parts.append(_("How is it going with this goal since the last meeting? Choose a number from 0 to 10: "
                           "0 means not at all well, 10 means the goal is reached."))
        buttons += [[Button(str(n), f"prep:g:{n}") for n in range(0, 6)], [Button(str(n), f"prep:g:{n}") for n in range(6, 11)]]
        buttons.append([Button(_("No number, only a few words ▶"), "prep:gw")])
    else:
        parts.append(_("Would you like to say a few words about it? Write them, or press “Next”."))
    if answer is not None and answer.kind == goal_progress.KIND:
        parts.append(_("<b>Your answer so far:</b>\n{answer}", answer=answer_text(question, answer)))
    return _finish_message(ctx, prep, index, state, question, parts, buttons, edit_message_id)


def ask_again(ctx: Context) -> Outcome:
    prep = _current(ctx)
    if prep is None:
        return outcome(IDLE, reply(_("This preparation is not available to you any more.")))
    if not is_open(ctx, prep):
        return closed(ctx, prep)
    if ctx.state.step in ("summary", "edit"):
        return summary(ctx, prep)
    if ctx.state.step == "pick":
        return start(ctx)
    if ctx.state.step in ("map_kind", "map_close"):
        return _ask_map_detail(ctx, prep, ctx.state)
    # Anywhere else (choosing who sees it, checking the map): back to the question itself.
    data = {k: v for k, v in ctx.state.data.items() if k in ("m", "i", "col", "w", "anew")}
    state = State(FLOW, "q", data)
    return outcome(state, question_message(ctx, prep, data.get("i", 0), state))


# ---- answering -----------------------------------------------------------


def _guard(ctx: Context) -> tuple[PrepView | None, Outcome | None]:
    prep = _current(ctx)
    if prep is None:
        return None, outcome(IDLE, reply(_("This preparation is not available to you any more.")))
    if not is_open(ctx, prep):
        return None, closed(ctx, prep)
    return prep, None


def on_text(ctx: Context, text: str) -> Outcome:
    prep, refusal = _guard(ctx)
    if refusal:
        return refusal
    step, data = ctx.state.step, ctx.state.data
    if step != "q":
        again = ask_again(ctx)
        return outcome(again.state, reply(_("Please use the buttons under the message.")), *again.replies)
    question = questions(ctx, prep)[data["i"]]
    match question.kind:
        case "text":
            return _text_answer(ctx, prep, question, text)
        case "scale":
            value = text.strip()
            if not value.isdigit() or not 0 <= int(value) <= 10:
                return outcome(ctx.state, reply(_("Please choose a number from 0 to 10, with the buttons or by writing it.")),
                               question_message(ctx, prep, data["i"], ctx.state))
            return _save_and_next(ctx, prep, question, "scale", {"scale": int(value)})
        case "columns":
            return _column_text(ctx, prep, question, text)
        case goal_progress.KIND:
            return _goal_text(ctx, prep, question, text)
        case "network_map":
            return _map_name(ctx, prep, question, text)
    return outcome(ctx.state, reply(_("Please choose one of the buttons.")), question_message(ctx, prep, data["i"], ctx.state))


def on_other(ctx: Context, event: OtherMessage) -> Outcome:
    prep, refusal = _guard(ctx)
    if refusal:
        return refusal
    if ctx.state.step == "q" and event.kind == "voice" and event.file_id:
        question = questions(ctx, prep)[ctx.state.data["i"]]
        if question.kind == "text":
            previous = _answer(prep, question.id)
            anew = ctx.state.data.get("anew")
            if previous is not None and previous.kind == "text" and not anew:
                # A voice message cannot join a written answer, and must not wipe it out unasked.
                return outcome(ctx.state, reply(_(
                    "You have already written an answer here, and a voice message cannot be added to it. "
                    "To answer with a voice message instead, press “Start again” first.")),
                    question_message(ctx, prep, ctx.state.data["i"], ctx.state))
            value = {"voice": event.file_id, "duration": event.duration}
            change = SaveAnswer(prep.meeting_id, question.id, "voice", value, _visibility(ctx, prep, question))
            state = State(FLOW, "q", _without_anew(ctx.state.data))
            parts = [_("Your voice message is saved as your answer. A new message replaces it.")]
            if anew and _has_content(previous):
                parts.insert(0, _("Your earlier answer was replaced."))
            return outcome(state, _saved(*parts, again=False), changes=[change])
    again = ask_again(ctx)
    return outcome(again.state, reply(_("I can only read text here.")), *again.replies)


def _saved(*parts: T, again: bool = True) -> Reply:
    buttons = [[Button(_("Next ▶"), "prep:next")], [Button(_("👁 Change who sees it"), "prep:v"), Button(_("◀ Back"), "prep:back")]]
    if again:
        buttons.insert(1, [Button(_("✏ Start again"), "prep:anew")])
    return reply(*parts, buttons=buttons)


def _has_content(answer: AnswerView | None) -> bool:
    return answer is not None and answer.kind != "skipped"


def _written(answer: AnswerView | None, kind: str, state: State) -> bool:
    """Whether there is something written that "Start again" would replace."""
    if answer is None:
        return False
    if kind == "text":
        return answer.kind in ("text", "voice")
    if kind == "columns":
        return answer.kind == "columns" and bool(answer.value.get(COLUMN_KEYS[state.data.get("col", 0)]))
    if kind == goal_progress.KIND:
        return bool(state.data.get("w")) and answer.kind == goal_progress.KIND and bool(answer.value.get("text"))
    return False


def _without_anew(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "anew"}


def _text_answer(ctx: Context, prep: PrepView, question, text: str) -> Outcome:
    previous = _answer(prep, question.id)
    anew = ctx.state.data.get("anew")
    # What is written is added to the answer: messages in a row (Telegram
    # splits long texts), and coming back later to write more. Only "Start
    # again" replaces it; a voice message is replaced, as its reply said.
    if previous is not None and previous.kind == "text" and not anew:
        text = previous.value["text"] + "\n\n" + text
        told = _("Added to your answer.")
    elif _has_content(previous):
        told = _("Your earlier answer was replaced.")
    else:
        told = None
    if len(text) > MAX_ANSWER:
        return _too_long(ctx)
    change = SaveAnswer(prep.meeting_id, question.id, "text", {"text": text}, _visibility(ctx, prep, question))
    state = State(FLOW, "q", _without_anew(ctx.state.data))
    if told is None:
        confirmation = _saved(_("Saved. If you want to add something, just write another message. When you are done, press “Next”."))
    else:
        confirmation = _saved(told, _("If you want to add something, just write another message. When you are done, press “Next”."))
    return outcome(state, confirmation, changes=[change])


def _goal_text(ctx: Context, prep: PrepView, question, text: str) -> Outcome:
    """At a goal: the number written out, or (after it) the few words, added to like any written answer."""
    data = ctx.state.data
    previous = _answer(prep, question.id)
    value = dict(previous.value) if previous is not None and previous.kind == goal_progress.KIND else {}
    if not data.get("w"):
        number = text.strip()
        if not number.isdigit() or not 0 <= int(number) <= 10:
            return outcome(ctx.state, reply(_("Please choose a number from 0 to 10, with the buttons or by writing it.")),
                           question_message(ctx, prep, data["i"], ctx.state))
        return _goal_number(ctx, prep, question, int(number))
    if value.get("text") and not data.get("anew"):
        joined, told = value["text"] + "\n\n" + text, _("Added to your answer.")
    else:
        # "Start again": the words are replaced, the number stays.
        joined, told = text, _("What you wrote in this part before was replaced.") if value.get("text") else None
    if len(joined) > MAX_ANSWER:
        return _too_long(ctx)
    change = SaveAnswer(prep.meeting_id, question.id, goal_progress.KIND, {"scale": value.get("scale"), "text": joined},
                        _visibility(ctx, prep, question))
    state = State(FLOW, "q", _without_anew(data))
    if told is None:
        confirmation = _saved(_("Saved. If you want to add something, just write another message. When you are done, press “Next”."))
    else:
        confirmation = _saved(told, _("If you want to add something, just write another message. When you are done, press “Next”."))
    return outcome(state, confirmation, changes=[change])


def _goal_number(ctx: Context, prep: PrepView, question, number: int) -> Outcome:
    """The number is kept (with any words written before); then the words are asked for."""
    previous = _answer(prep, question.id)
    words = previous.value.get("text") if previous is not None and previous.kind == goal_progress.KIND else None
    value = {"scale": number, "text": words}
    change = SaveAnswer(prep.meeting_id, question.id, goal_progress.KIND, value, _visibility(ctx, prep, question))
    updated = _with_answer(prep, question.id, AnswerView(goal_progress.KIND, value, change.visibility))
    result = ask(ctx, updated, ctx.state.data["i"], sub={"w": 1})
    return outcome(result.state, *result.replies, changes=[change, *result.changes], toast=_("Saved"))


def _too_long(ctx: Context) -> Outcome:
    return outcome(ctx.state, reply(_(
        "That makes your answer longer than I can keep ({max} characters). What you wrote before is saved; please shorten this part and send it again.",
        max=MAX_ANSWER)))


def _save_and_next(ctx: Context, prep: PrepView, question, kind: str, value: dict) -> Outcome:
    change = SaveAnswer(prep.meeting_id, question.id, kind, value, _visibility(ctx, prep, question))
    updated = _with_answer(prep, question.id, AnswerView(kind, value, change.visibility))
    result = ask(ctx, updated, ctx.state.data["i"] + 1)
    return outcome(result.state, *result.replies, changes=[change, *result.changes], toast=_("Saved"))


def _with_answer(prep: PrepView, question_id: str, answer: AnswerView) -> PrepView:
    return replace(prep, answers={**prep.answers, question_id: answer})


def _column_text(ctx: Context, prep: PrepView, question, text: str) -> Outcome:
    column = ctx.state.data.get("col", 0)
    key = COLUMN_KEYS[column]
    previous = _answer(prep, question.id)
    value = dict(previous.value) if previous is not None and previous.kind == "columns" else {}
    # As with a text answer: added to the part, unless "Start again" was pressed.
    if not value.get(key):
        joined, told = text, [_("Saved. Write more if you like, or go on.")]
    elif ctx.state.data.get("anew"):
        joined, told = text, [_("What you wrote in this part before was replaced."), _("Write more if you like, or go on.")]
    else:
        joined, told = value[key] + "\n\n" + text, [_("Added to what you wrote in this part."), _("Write more if you like, or go on.")]
    if sum(len(v) for k, v in value.items() if k != key) + len(joined) > MAX_ANSWER:
        return _too_long(ctx)
    value[key] = joined
    change = SaveAnswer(prep.meeting_id, question.id, "columns", value, _visibility(ctx, prep, question))
    state = State(FLOW, "q", _without_anew(ctx.state.data))
    label = _("Next part ▶") if column < 2 else _("Done with this question ▶")
    buttons = [[Button(label, "prep:col")], [Button(_("✏ Start again"), "prep:anew")]]
    return outcome(state, reply(*told, buttons=buttons), changes=[change])


# ---- the network map -----------------------------------------------------


def _map_people(prep: PrepView, question) -> list[dict]:
    answer = _answer(prep, question.id)
    return list(answer.value.get("people", [])) if answer is not None and answer.kind == "network_map" else []


def _map_name(ctx: Context, prep: PrepView, question, text: str) -> Outcome:
    name = clean_line(text)
    if not name:
        return outcome(ctx.state, reply(_("Please write the person's name, or how you call them (for example “Grandma”).")))
    if len(name) > MAX_MAP_NAME:
        return outcome(ctx.state, reply(_("Please keep the name shorter than {max} characters.", max=MAX_MAP_NAME)))
    if len(_map_people(prep, question)) >= MAX_MAP_PEOPLE:
        return outcome(ctx.state, reply(_("The map has room for {max} people. Press “The map is ready” to go on.", max=MAX_MAP_PEOPLE)))
    state = State(FLOW, "map_kind", {**ctx.state.data, "name": name})
    return _ask_map_detail(ctx, prep, state)


def _ask_map_detail(ctx: Context, prep: PrepView, state: State) -> Outcome:
    name = state.data["name"]
    if state.step == "map_kind":
        buttons = [[Button(KIND_NAMES[k], f"prep:mk:{k}")] for k in KINDS_OF_PERSON]
        return outcome(state, reply(_("Who is <b>{name}</b> to the child?", name=name), buttons=buttons))
    buttons = [[Button(CLOSENESS_NAMES[c], f"prep:mc:{c}")] for c in CLOSENESS]
    return outcome(state, reply(_("How close is <b>{name}</b> to the child?", name=name), buttons=buttons))


def _map_add(ctx: Context, prep: PrepView, question, closeness: int) -> Outcome:
    data = dict(ctx.state.data)
    person = {"name": data.pop("name"), "kind": data.pop("kind"), "closeness": closeness}
    people = [*_map_people(prep, question), person]
    change = SaveAnswer(prep.meeting_id, question.id, "network_map", {"people": people}, _visibility(ctx, prep, question))
    state = State(FLOW, "q", data)
    return outcome(state, reply(
        ngettext("Added {name}. The map has {n} person now.", "Added {name}. The map has {n} people now.", len(people), name=person["name"]),
        _("Write the next name, or press “The map is ready”."),
        buttons=[[Button(_("The map is ready ▶"), "prep:md")]],
    ), changes=[change])


def _map_picture(ctx: Context, prep: PrepView, question) -> Outcome:
    people = _map_people(prep, question)
    state = State(FLOW, "map_check", {"m": prep.meeting_id, "i": ctx.state.data["i"]})
    buttons = [[Button(_("✅ It is right"), "prep:mok")], [Button(_("➕ Add someone"), "prep:madd")]]
    if people:
        buttons.append([Button(_("✖ Remove someone"), "prep:mr")])
    picture = NetworkMap(tuple((p["name"], p["kind"], p["closeness"]) for p in people))
    return outcome(state, reply(_("Here is your map. Is it right?"), network_map_text(people), buttons=buttons, picture=picture))


# ---- buttons -------------------------------------------------------------


def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
    step, data = ctx.state.step, ctx.state.data
    if step == "pick":
        if len(action) == 2 and action[0] == "pick" and action[1].isdigit():
            prep = next((p for p in ctx.preparations if p.meeting_id == int(action[1])), None)
            return resume(ctx, prep) if prep else None
        return None
    prep, refusal = _guard(ctx)
    if refusal:
        return refusal
    qs = questions(ctx, prep)
    index = data.get("i", 0)
    if index >= len(qs) and step not in ("summary", "edit"):
        return summary(ctx, prep)
    question = qs[min(index, len(qs) - 1)]
    match step, action:
        case "q", ["c", n] if question.kind == "choice" and n.isdigit() and int(n) < len(question.choices):
            return _save_and_next(ctx, prep, question, "choice", {"choice": int(n)})
        case "q", ["s", n] if question.kind == "scale" and n.isdigit() and 0 <= int(n) <= 10:
            return _save_and_next(ctx, prep, question, "scale", {"scale": int(n)})
        case "q", ["g", n] if question.kind == goal_progress.KIND and not data.get("w") and n.isdigit() and 0 <= int(n) <= 10:
            return _goal_number(ctx, prep, question, int(n))
        case "q", ["gw"] if question.kind == goal_progress.KIND and not data.get("w"):
            return ask(ctx, prep, index, sub={"w": 1})
        case "q", ["back"] if question.kind == goal_progress.KIND and data.get("w"):
            return ask(ctx, prep, index)  # from the words back to the number
        case "q", ["v"]:
            current = _visibility(ctx, prep, question)
            buttons = [[Button(_("✓ {who}", who=VISIBILITY_NAMES[v]) if v == current else VISIBILITY_NAMES[v], f"prep:vs:{v}")]
                       for v in VISIBILITIES]
            state = State(FLOW, "vis", dict(data))
            return outcome(state, reply(_("Who may see your answer to this question?"), buttons=buttons), clear_buttons=False)
        case "vis", ["vs", chosen] if chosen in VISIBILITIES:
            answer = _answer(prep, question.id)
            if answer is not None and answer.kind != "skipped":
                change = SetAnswerVisibility(prep.meeting_id, question.id, chosen)
                updated = _with_answer(prep, question.id, AnswerView(answer.kind, answer.value, chosen))
            else:
                # Nothing written yet: keep the choice on an empty answer until it comes.
                change = SaveAnswer(prep.meeting_id, question.id, "skipped", {}, chosen)
                updated = _with_answer(prep, question.id, AnswerView("skipped", {}, chosen))
            state = State(FLOW, "q", dict(data))
            return outcome(state, reply(_("Saved: <b>{who}</b> will see your answer.", who=VISIBILITY_NAMES[chosen])),
                           question_message(ctx, updated, index, state), changes=[change], toast=_("Saved"))
        case "q", ["next"]:
            return ask(ctx, prep, index + 1)
        case "q", ["anew"] if _written(_answer(prep, question.id), question.kind, ctx.state):
            state = State(FLOW, "q", {**data, "anew": True})
            return outcome(state, question_message(ctx, prep, index, state))
        case "q", ["keep"]:
            state = State(FLOW, "q", _without_anew(data))
            return outcome(state, question_message(ctx, prep, index, state), toast=_("Your answer is kept."))
        case "q", ["skip"]:
            changes = []
            if _answer(prep, question.id) is None:
                change = SaveAnswer(prep.meeting_id, question.id, "skipped", {}, _visibility(ctx, prep, question))
                changes.append(change)
                # The summary that may follow shows it skipped, not "not answered yet".
                prep = _with_answer(prep, question.id, AnswerView("skipped", {}, change.visibility))
            result = ask(ctx, prep, index + 1)
            return outcome(result.state, *result.replies, changes=[*changes, *result.changes])
        case ("q" | "map_check" | "summary"), ["back"]:
            return ask(ctx, prep, index - 1 if step == "q" else len(qs) - 1 if step == "summary" else index)
        case _, ["pause"]:
            return outcome(IDLE, reply(_(
                "Paused. Everything you wrote is saved. Continue with /prep whenever you like, until the meeting starts on {when}.",
                when=_when(prep))), changes=[SetPrepProgress(prep.meeting_id, index, "started", _part(data))])
        case "q", ["col"] if question.kind == "columns":
            column = data.get("col", 0)
            if column < 2:
                return ask(ctx, prep, index, sub={"col": column + 1})
            return ask(ctx, prep, index + 1)
        case "q", ["md"] if question.kind == "network_map":
            return _map_picture(ctx, prep, question)
        case "map_kind", ["mk", kind] if kind in KINDS_OF_PERSON and question.kind == "network_map":
            return _ask_map_detail(ctx, prep, State(FLOW, "map_close", {**data, "kind": kind}))
        case "map_close", ["mc", n] if n.isdigit() and int(n) in CLOSENESS and question.kind == "network_map":
            return _map_add(ctx, prep, question, int(n))
        case "map_check", ["mok"]:
            return ask(ctx, prep, index + 1)
        case "map_check", ["madd"]:
            return ask(ctx, prep, index)
        case "map_check", ["mr"]:
            people = _map_people(prep, question)
            buttons = [[Button(_("✖ {name}", name=p["name"]), f"prep:mx:{n}")] for n, p in enumerate(people)]
            buttons.append([Button(_("◀ Back"), "prep:md")])
            return outcome(State(FLOW, "map_remove", dict(data)), reply(_("Whom should I take off the map?"), buttons=buttons))
        case "map_remove", ["mx", n] if n.isdigit():
            people = _map_people(prep, question)
            if int(n) >= len(people):
                return None
            del people[int(n)]
            change = SaveAnswer(prep.meeting_id, question.id, "network_map", {"people": people}, _visibility(ctx, prep, question))
            result = _map_picture(ctx, _with_answer(prep, question.id, AnswerView("network_map", {"people": people}, change.visibility)), question)
            return outcome(result.state, *result.replies, changes=[change], toast=_("Removed"))
        case "map_remove", ["md"]:
            return _map_picture(ctx, prep, question)
        case "summary", ["edit"]:
            buttons = [[Button(_("{i}. {question}", i=n + 1, question=goal_progress.label(q)), f"prep:goto:{n}")]
                       for n, q in enumerate(qs)]
            return outcome(State(FLOW, "edit", {"m": prep.meeting_id, "i": len(qs)}),
                           reply(_("Which answer do you want to change?"), buttons=buttons))
        case "edit", ["goto", n] if n.isdigit() and int(n) < len(qs):
            return ask(ctx, prep, int(n))
        case "summary", ["done"]:
            return outcome(IDLE, reply(_(
                "Thank you! Your preparation is done. You can still change your answers with /prep until the meeting starts on {when}.",
                when=_when(prep))), changes=[SetPrepProgress(prep.meeting_id, len(qs), "finished")], toast=_("Thank you!"))
    return None


# ---- the end -------------------------------------------------------------


def summary(ctx: Context, prep: PrepView, changes=()) -> Outcome:
    qs = questions(ctx, prep)
    lines = []
    for n, question in enumerate(qs):
        answer = _answer(prep, question.id)
        who = VISIBILITY_NAMES[_visibility(ctx, prep, question)]
        lines.append(_("<b>{i}. {question}</b>\n{answer}\n👁 {who}", i=n + 1, question=goal_progress.title(question),
                       answer=answer_text(question, answer), who=who))
    parts = [_("<b>Your answers</b>")] + lines
    buttons = [[Button(_("✅ Done"), "prep:done")], [Button(_("✏ Change an answer"), "prep:edit")]]
    state = State(FLOW, "summary", {"m": prep.meeting_id, "i": len(qs)})
    return outcome(state, reply(*parts, buttons=buttons), changes=list(changes))


# ---- notices the scheduler sends ------------------------------------------


def open_notice(prep: PrepView, count: int, chat_id: int) -> Reply:
    return reply(
        ngettext(
            "Hello! The meeting about <b>{case}</b> is on {when}. You can prepare for it now: there is {n} question for you.",
            "Hello! The meeting about <b>{case}</b> is on {when}. You can prepare for it now: there are {n} questions for you.",
            count, case=prep.pseudonym, when=_when(prep)),
        _("It takes a few minutes, and you can pause at any time."),
        buttons=[[Button(_("Start preparing ▶"), f"prep:go:{prep.meeting_id}")]],
        chat_id=chat_id, stamp_buttons=False, priority=NOTICE,
    )


def reminder_notice(prep: PrepView, answered: int, total: int, chat_id: int) -> Reply:
    progress = (_("You have not started yet.") if answered == 0 else
                _("You have answered {answered} of {total} questions.", answered=answered, total=total))
    return reply(
        _("A friendly reminder: the meeting about <b>{case}</b> is on {when}.", case=prep.pseudonym, when=_when(prep)),
        progress,
        _("Your answers help everyone come well prepared."),
        buttons=[[Button(_("Continue preparing ▶"), f"prep:go:{prep.meeting_id}")]],
        chat_id=chat_id, stamp_buttons=False, priority=NOTICE,
    )
