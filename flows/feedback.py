"""How the meeting felt: the family's feedback after a meeting (/feedback,
or the button in the notice sent when the meeting ends).

    [pick meeting] ─► intro (who sees it) ─► item 1 … item n (0–10, or faces for the child; skip, back)
        ─► anything else? (text, several messages) ─send─► idle; the coordinator is told (alerted if low)

The items are the project's own wording, not a licensed instrument's. Every
answer is saved the moment it is given, so pausing or a restart loses
nothing; the coordinator sees the answers once they are sent. Feedback on a
meeting can be given until the next meeting starts, by the family members
and the child who were there.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.answers import MAX_ANSWER
from flows.context import Context, FeedbackOpening
from flows.outcome import (
    IDLE,
    NOTICE,
    Button,
    Outcome,
    Reply,
    SaveFeedback,
    State,
    SubmitFeedback,
    outcome,
    reply,
)
from flows.text import Lines, Moment, Number, T, _

FLOW = "feedback"
ROLES = ("family", "child")  # who is asked
MAX_COMMENT = MAX_ANSWER  # characters kept, several messages together, as for a preparation answer


@dataclass(frozen=True)
class Item:
    id: str
    name: T  # short, for results and the chart
    question: T
    child_question: T | None  # None: not asked of the child
    low: T  # what 0 means
    high: T  # what 10 means


ITEMS = (
    Item("heard", _("Being heard"), _("Did you feel listened to at the meeting?"),
         _("Did the grown-ups listen to you?"), _("not at all"), _("completely")),
    Item("mattered", _("What mattered"), _("Did we talk about what matters most to you?"),
         _("Did we talk about things that matter to you?"), _("not at all"), _("completely")),
    Item("way", _("The way of working"), _("How well did the way the meeting was run suit you?"),
         None, _("not at all"), _("very well")),
    Item("overall", _("Overall"), _("All in all, how was the meeting for you?"),
         _("How was the meeting for you?"), _("very bad"), _("very good")),
)
ITEM_NAMES = {item.id: item.name for item in ITEMS}
# The child answers with faces, stored on the same 0–10 scale as everyone else.
FACES = (("😢", 0.0), ("🙁", 2.5), ("😐", 5.0), ("🙂", 7.5), ("😄", 10.0))


def items_for(role: str) -> tuple[Item, ...]:
    return tuple(i for i in ITEMS if role != "child" or i.child_question is not None)


def _when(opening: FeedbackOpening) -> Moment:
    return Moment(opening.meeting.starts_at, opening.timezone, "date")


def _current(ctx: Context) -> FeedbackOpening | None:
    return next((f for f in ctx.feedback if f.meeting.id == ctx.state.data.get("m")), None)


# ---- asking, when the meeting ends ---------------------------------------------


def invitation(meeting_id: int, chat_id: int, role: str, intro: T) -> Reply:
    """The notice everyone from the family who was there gets when the meeting ends."""
    if role == "child":
        # The model's intro is written for the grown-ups: the child gets its own.
        intro = _("Thank you for being at the meeting! Now you can tell us how it was for you.")
    parts = [_("🙏 <b>How was the meeting for you?</b>"), intro, who_sees(role)]
    if role == "child":
        parts.append(_("There are three short questions. You answer by tapping a face."))
    else:
        parts.append(_("There are four short questions and room for your own words. It takes a couple of minutes."))
    parts.append(_("You can also answer later with /feedback, until the next meeting."))
    return reply(*parts, buttons=[[Button(_("✍️ Tell us how it was"), f"fb:go:{meeting_id}")]],
                 chat_id=chat_id, stamp_buttons=False, priority=NOTICE)


def who_sees(role: str) -> T:
    if role == "child":
        return _("🔒 Only the coordinator sees your answers. Nobody else from the meeting sees them. "
                 "You can skip a question.")
    return _("🔒 Only the coordinator of your case sees your answers, with your name. "
             "The others from the meeting do not see them. You can skip any question.")


# ---- entering -----------------------------------------------------------------


def start(ctx: Context) -> Outcome:
    """/feedback for a participant: their open meeting, a choice between several, or why there is none."""
    if ctx.person is None:
        return outcome(IDLE, reply(_("You are not part of any meetings yet. To take part, open the invite link your coordinator sent you.")))
    mine = [f for f in ctx.feedback if f.role in ROLES]
    if not mine:
        return outcome(IDLE, reply(_("After each meeting I ask the family how it felt to take part. "
                                     "There is nothing for you to answer right now.")))
    can = [f for f in mine if f.present and f.open]
    if not can:
        latest = mine[0]
        if latest.open and not latest.present:
            return outcome(IDLE, reply(_("You were not at the meeting on {date}, so there is no feedback for you to give on it.",
                                         date=_when(latest))))
        return outcome(IDLE, reply(_("There is no meeting to tell about right now. After your next meeting I will ask you how it was.")))
    if len(can) == 1:
        return begin(ctx, can[0])
    buttons = [[Button(_("{case}: {date}", case=f.pseudonym, date=_when(f)), f"feedback:pick:{f.meeting.id}")] for f in can]
    return outcome(State(FLOW, "pick"), reply(_("Which meeting do you want to tell about?"), buttons=buttons))


def go(ctx: Context, meeting_id: int) -> Outcome:
    """The button in the notice: it names a meeting; the stored facts decide."""
    opening = next((f for f in ctx.feedback if f.meeting.id == meeting_id), None)
    if opening is None or opening.role not in ROLES:
        return outcome(ctx.state, toast=_("This button does not work here."))
    return begin(ctx, opening)


def begin(ctx: Context, opening: FeedbackOpening) -> Outcome:
    refusal = _refusal(opening)
    if refusal is not None:
        return refusal
    if opening.submitted:
        return outcome(State(FLOW, "sent", {"m": opening.meeting.id}), reply(
            _("Thank you, you have already told us how the meeting on {date} was.", date=_when(opening)),
            buttons=[[Button(_("Change my answers"), "feedback:again")]]))
    intro = reply(_("<b>The meeting on {date}</b>", date=_when(opening)), who_sees(opening.role))
    answered = [i for i, item in enumerate(items_for(opening.role)) if item.id in opening.scores]
    first = answered[-1] + 1 if answered else 0  # carry on where they left off
    return ask(opening, first, intro=[intro])


def _refusal(opening: FeedbackOpening) -> Outcome | None:
    if not opening.present:
        return outcome(IDLE, reply(_("You were not at the meeting on {date}, so I cannot take feedback on it.", date=_when(opening))))
    if not opening.open:
        return outcome(IDLE, reply(_("The time to tell about the meeting on {date} has passed: the next meeting has started.",
                                     date=_when(opening))))
    return None


# ---- the items ------------------------------------------------------------------


def ask(opening: FeedbackOpening, index: int, *, intro=()) -> Outcome:
    if index >= len(items_for(opening.role)):
        return _ask_comment(opening)
    state = State(FLOW, "item", {"m": opening.meeting.id, "i": index})
    return outcome(state, *intro, item_message(opening, index))


def item_message(opening: FeedbackOpening, index: int) -> Reply:
    items = items_for(opening.role)
    item = items[index]
    parts = [_("<b>Question {i} of {n}</b>", i=index + 1, n=len(items))]
    buttons: list[list[Button]] = []
    if opening.role == "child":
        parts.append(item.child_question)
        buttons.append([Button(face, f"feedback:s:{score:g}") for face, score in FACES])
    else:
        parts += [item.question, _("Choose a number from 0 to 10. 0 means: {low}. 10 means: {high}.", low=item.low, high=item.high)]
        buttons += [[Button(str(n), f"feedback:s:{n}") for n in range(0, 6)],
                    [Button(str(n), f"feedback:s:{n}") for n in range(6, 11)]]
    if item.id in opening.scores and opening.scores[item.id] is not None:
        parts.append(_("Your answer so far: {score}", score=_score_text(opening.role, opening.scores[item.id])))
    nav = [Button(_("◀ Back"), "feedback:back")] if index > 0 else []
    nav.append(Button(_("Skip ▶"), "feedback:skip"))
    buttons.append(nav)
    return reply(*parts, buttons=buttons)


def _score_text(role: str, score: float) -> T:
    if role == "child":
        face = min(FACES, key=lambda f: abs(f[1] - score))[0]
        return _("{face}", face=face)
    return _("{n} of 10", n=Number(score))


def _ask_comment(opening: FeedbackOpening) -> Outcome:
    state = State(FLOW, "comment", {"m": opening.meeting.id})
    if opening.role == "child":
        parts = [_("Is there anything else you want to tell? You can write it here. Then press “Send”.")]
    else:
        parts = [_("Is there anything else you would like to say about the meeting? Write it here, in one or more messages. "
                   "Then press “Send”. You can also send without writing anything.")]
    if opening.comment:
        parts.append(_("<b>What you have written so far:</b>\n{comment}", comment=opening.comment))
    return outcome(state, reply(*parts, buttons=[[Button(_("✅ Send"), "feedback:send")], [Button(_("◀ Back"), "feedback:back")]]))


def _comment_buttons():
    return [[Button(_("✅ Send"), "feedback:send")]]


# ---- answering ------------------------------------------------------------------


def _guard(ctx: Context) -> tuple[FeedbackOpening | None, Outcome | None]:
    opening = _current(ctx)
    if opening is None or opening.role not in ROLES:
        return None, outcome(IDLE, reply(_("This feedback is not available to you any more.")))
    refusal = _refusal(opening)
    return (None, refusal) if refusal is not None else (opening, None)


def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
    if ctx.state.step == "pick":
        if len(action) == 2 and action[0] == "pick" and action[1].isdigit():
            opening = next((f for f in ctx.feedback if f.meeting.id == int(action[1]) and f.role in ROLES), None)
            return begin(ctx, opening) if opening is not None else None
        return None
    opening, refusal = _guard(ctx)
    if refusal:
        return refusal
    step, data = ctx.state.step, ctx.state.data
    items = items_for(opening.role)
    match step, action:
        case "sent", ["again"]:
            return ask(opening, 0)
        case "item", ["s", value] if _valid_score(opening.role, value):
            return _answered(opening, data["i"], float(value))
        case "item", ["skip"]:
            return _answered(opening, data["i"], None)
        case "item", ["back"] if data.get("i", 0) > 0:
            return ask(opening, data["i"] - 1)
        case "comment", ["back"]:
            return ask(opening, len(items) - 1)
        case "comment", ["send"]:
            return _submit(ctx, opening)
    return None


def _answered(opening: FeedbackOpening, index: int, score: float | None) -> Outcome:
    """Saved at once (None: skipped), and on to the next question."""
    item = items_for(opening.role)[index]
    result = ask(opening, index + 1)
    return outcome(result.state, *result.replies, changes=[SaveFeedback(opening.meeting.id, item.id, score)],
                   toast=_("Saved") if score is not None else None)


def _valid_score(role: str, value: str) -> bool:
    allowed = {f"{score:g}" for _face, score in FACES} if role == "child" else {str(n) for n in range(11)}
    return value in allowed


def on_text(ctx: Context, text: str) -> Outcome:
    opening, refusal = _guard(ctx)
    if refusal:
        return refusal
    step, data = ctx.state.step, ctx.state.data
    if step == "item":
        value = text.strip()
        if opening.role != "child" and value.isdigit() and 0 <= int(value) <= 10:
            return _answered(opening, data["i"], float(value))
        hint = (_("Please tap one of the faces.") if opening.role == "child"
                else _("Please choose a number from 0 to 10, with the buttons or by writing it."))
        return outcome(ctx.state, reply(hint), item_message(opening, data["i"]))
    if step == "comment":
        comment = text.strip()
        if opening.comment:
            comment = opening.comment + "\n\n" + comment
        if len(comment) > MAX_COMMENT:
            return outcome(ctx.state, reply(_(
                "That makes it longer than I can keep ({max} characters). What you wrote before is saved; "
                "please shorten this part and send it again.", max=MAX_COMMENT), buttons=_comment_buttons()))
        return outcome(ctx.state, reply(_("Saved. You can write more, or press “Send”."), buttons=_comment_buttons()),
                       changes=[SaveFeedback(opening.meeting.id, comment=comment)])
    again = ask_again(ctx)
    return outcome(again.state, reply(_("Please use the buttons under the message.")), *again.replies)


def ask_again(ctx: Context) -> Outcome:
    if ctx.state.step == "pick":
        return start(ctx)
    opening, refusal = _guard(ctx)
    if refusal:
        return refusal
    if ctx.state.step == "item":
        return ask(opening, ctx.state.data.get("i", 0))
    if ctx.state.step == "comment":
        return _ask_comment(opening)
    return begin(ctx, opening)


# ---- sending, and what the coordinator hears -------------------------------------


def _submit(ctx: Context, opening: FeedbackOpening) -> Outcome:
    thanks = reply(_("Thank you! Your answers have been sent to the coordinator. They help make the meetings better."))
    notices = [coordinator_notice(ctx, opening, ctx.person.name, chat) for chat in opening.coordinator_chats]
    return outcome(IDLE, thanks, *notices, changes=[SubmitFeedback(opening.meeting.id)])


def concerns(scores: dict, previous: dict, low: int, drop: int) -> list[T]:
    """The answers the coordinator should look at: low ones, and clear falls
    from the same person's answer last time."""
    lines = []
    for item in ITEMS:
        score = scores.get(item.id)
        if score is None:
            continue
        before = previous.get(item.id)
        if score <= low:
            lines.append(_("• {item}: {score} of 10 (low)", item=item.name, score=Number(score)))
        elif before is not None and before - score >= drop:
            lines.append(_("• {item}: {score} of 10, down from {before} last time", item=item.name,
                           score=Number(score), before=Number(before)))
    return lines


def coordinator_notice(ctx: Context, opening: FeedbackOpening, name: str, chat_id: int) -> Reply:
    worrying = concerns(opening.scores, opening.previous, ctx.config.feedback_low, ctx.config.feedback_drop)
    header = dict(name=name, case=opening.pseudonym, date=_when(opening))
    if not worrying:
        parts = [_("📝 {name} has told us how the meeting on {date} ({case}) felt. /feedback shows the results.", **header)]
    else:
        parts = [_("⚠️ <b>Feedback to look at</b> from {name}: the meeting on {date} ({case})", **header),
                 _("{lines}", lines=Lines(tuple(worrying)))]
        if opening.comment:
            parts.append(_("<i>In their own words:</i> {comment}", comment=opening.comment))
        parts.append(_("/feedback shows all the results."))
    return reply(*parts, chat_id=chat_id, stamp_buttons=False, priority=NOTICE)
