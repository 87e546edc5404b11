"""Handing a case over to another coordinator, or adding a second one (/handover).

    /handover ─► [choose case] ─► hand over | add ─► choose a coordinator ─► confirm ─► done, all told

Only someone who is already a coordinator can be chosen (the operator makes
coordinators). Handing over: the new coordinator takes the one handing over's
place (and leads if they led), and the one handing over no longer sees the
case. Adding: both coordinate it. Either way nothing about the case changes
for the family: preparations, tasks and meetings go on; they are told who
their coordinator is now."""

from __future__ import annotations

from flows.access import may
from flows.common import choose_case
from flows.context import CaseView, Colleague, Context
from flows.outcome import (
    IDLE,
    NOTICE,
    AddCaseCoordinator,
    Button,
    HandOverCase,
    Outcome,
    State,
    outcome,
    reply,
)
from flows.text import T, _

FLOW = "handover"
MODES = ("give", "add")


def start(ctx: Context) -> Outcome:
    if ctx.person is None or not ctx.person.is_coordinator:
        return outcome(ctx.state, reply(_("Only a case's coordinators can hand it over or add a coordinator to it.")))
    cases = [c for c in ctx.coordinated_cases if c.status == "open"]
    if not cases:
        return outcome(IDLE, reply(_("You have no open cases.")))
    if len(cases) == 1:
        return choose_mode(ctx, cases[0])
    return choose_case(FLOW, _("Which case do you want to hand over, or share with another coordinator?"), cases)


def _coordinators_line(case: CaseView) -> T:
    names = [name for _pid, name in case.coordinators] or ["–"]
    return _("Coordinators of <b>{case}</b> now: {names}", case=case.pseudonym, names=", ".join(names))


def choose_mode(ctx: Context, case: CaseView) -> Outcome:
    return outcome(State(FLOW, "mode", {"case": case.id}), reply(
        _coordinators_line(case),
        _("What do you want to do?"),
        buttons=[[Button(_("🤝 Hand the case over"), f"{FLOW}:mode:give")],
                 [Button(_("➕ Add a coordinator beside me"), f"{FLOW}:mode:add")]]))


def _candidates(ctx: Context, case: CaseView) -> list[Colleague]:
    return [c for c in ctx.colleagues if c.person_id not in case.coordinator_ids]


def choose_colleague(ctx: Context, case: CaseView, mode: str) -> Outcome:
    candidates = _candidates(ctx, case)
    if not candidates:
        return outcome(IDLE, reply(_("There is no other coordinator to choose. The case can only go to someone who is "
                                     "already a coordinator: ask your operator for a coordinator link for them first.")))
    question = _("To whom do you want to hand <b>{case}</b> over?", case=case.pseudonym) if mode == "give" \
        else _("Who do you want to coordinate <b>{case}</b> with you?", case=case.pseudonym)
    return outcome(State(FLOW, "who", {"case": case.id, "mode": mode}), reply(
        question, buttons=[[Button(c.name, f"{FLOW}:to:{c.person_id}")] for c in candidates]))


def confirm(ctx: Context, case: CaseView, mode: str, colleague: Colleague) -> Outcome:
    if mode == "give":
        question = _("Hand <b>{case}</b> over to <b>{name}</b>? {name} takes over your part, and you will no longer "
                     "see the case. Everyone taking part keeps working as before and is told.",
                     case=case.pseudonym, name=colleague.name)
        yes = _("Yes, hand it over")
    else:
        question = _("Add <b>{name}</b> as a coordinator of <b>{case}</b>? You will both see and run everything in the "
                     "case. Everyone taking part is told.", case=case.pseudonym, name=colleague.name)
        yes = _("Yes, add them")
    return outcome(State(FLOW, "confirm", {"case": case.id, "mode": mode, "to": colleague.person_id}), reply(
        question, buttons=[[Button(yes, f"{FLOW}:yes"), Button(_("No, leave it as it is"), f"{FLOW}:no")]]))


def done(ctx: Context, case: CaseView, mode: str, colleague: Colleague) -> Outcome:
    me = ctx.person
    lead = next((name for pid, name in case.coordinators if pid == case.coordinator_id), None)
    new_lead = mode == "give" and case.coordinator_id in (me.id, None)
    if mode == "give":
        change = HandOverCase(case.id, colleague.person_id)
        mine = _("Done: {name} is now a coordinator of <b>{case}</b> in your place. Thank you for your work "
                 "with the family.", case=case.pseudonym, name=colleague.name)
        theirs = _("{name} has handed <b>{case}</b> over to you. Everything in it is yours now: its people, "
                   "preparations, tasks, plan and meetings. See it with /meetings.", name=me.name, case=case.pseudonym)
    else:
        change = AddCaseCoordinator(case.id, colleague.person_id)
        mine = _("Done: you and {name} now coordinate <b>{case}</b> together.", case=case.pseudonym, name=colleague.name)
        theirs = _("{name} has added you as a coordinator of <b>{case}</b>. You can see and run everything in it: "
                   "see it with /meetings.", name=me.name, case=case.pseudonym)
    family = family_notice(case.pseudonym, colleague.name, before=me.name if new_lead else None, lead=lead or me.name)
    replies = [reply(mine),
               reply(theirs, chat_id=colleague.chat_id, stamp_buttons=False, priority=NOTICE),
               *(family_reply(family, chat) for chat in case.participant_chats)]
    return outcome(IDLE, *replies, changes=[change])


def family_notice(case: str, name: str, *, before: str | None, lead: str | None) -> T:
    """What everyone taking part is told: who their coordinator is now (`before`: the one it took over
    from, when the lead changed; else `lead`, the one it is shared with)."""
    if before is not None or lead is None:
        if before is None:
            return _("From now on <b>{name}</b> is your coordinator for <b>{case}</b>. Everything you have prepared "
                     "and agreed stays as it is: just carry on as before.", name=name, case=case)
        return _("From now on <b>{name}</b> is your coordinator for <b>{case}</b>, taking over from {before}. "
                 "Everything you have prepared and agreed stays as it is: just carry on as before.",
                 name=name, case=case, before=before)
    return _("<b>{name}</b> now coordinates <b>{case}</b> together with {lead}. "
             "Everything you have prepared and agreed stays as it is: just carry on as before.",
             name=name, case=case, lead=lead)


def given_by_operator(case: str, added: bool, chat_id: int):
    """The coordinator the operator gave a case to (`meetbot handover`)."""
    text = _("You have been added as a coordinator of <b>{case}</b>. You can see and run everything in it: "
             "see it with /meetings.", case=case) if added else \
        _("<b>{case}</b> has been handed over to you. Everything in it is yours now: its people, preparations, "
          "tasks, plan and meetings. See it with /meetings.", case=case)
    return reply(text, chat_id=chat_id, stamp_buttons=False, priority=NOTICE)


def taken_by_operator(case: str, name: str, chat_id: int):
    """The coordinator a case was taken from (`meetbot handover`)."""
    return reply(_("<b>{case}</b> has been handed over to {name}. Thank you for your work with the family.",
                   case=case, name=name), chat_id=chat_id, stamp_buttons=False, priority=NOTICE)


def rights_removed(chat_id: int):
    """A coordinator whose rights the operator removed (`meetbot coordinator-remove`)."""
    return reply(_("Your coordinator rights in this bot have ended. Thank you for your work with the families. "
                   "Nothing in your cases is lost: they go on with another coordinator. "
                   "If this is a mistake, please contact your operator."),
                 chat_id=chat_id, stamp_buttons=False, priority=NOTICE)


def family_reply(text: T, chat_id: int):
    return reply(text, chat_id=chat_id, stamp_buttons=False, priority=NOTICE)


def _case(ctx: Context) -> CaseView | None:
    case = ctx.case(ctx.state.data.get("case")) if isinstance(ctx.state.data.get("case"), int) else None
    return case if case is not None and may(ctx.person, "hand_over", case) else None


def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
    match ctx.state.step, action:
        case "case", ["case", case_id] if case_id.isdigit():
            case = ctx.case(int(case_id))
            return choose_mode(ctx, case) if case is not None and may(ctx.person, "hand_over", case) else None
        case "mode", ["mode", mode] if mode in MODES:
            case = _case(ctx)
            return choose_colleague(ctx, case, mode) if case is not None else None
        case "who", ["to", person_id] if person_id.isdigit():
            case = _case(ctx)
            colleague = _colleague(ctx, case, int(person_id)) if case is not None else None
            return confirm(ctx, case, ctx.state.data.get("mode"), colleague) if colleague is not None else None
        case "confirm", ["no"]:
            return outcome(IDLE, reply(_("Good, nothing has changed.")))
        case "confirm", ["yes"]:
            case = _case(ctx)
            colleague = _colleague(ctx, case, ctx.state.data.get("to")) if case is not None else None
            if colleague is None:  # meanwhile no longer a coordinator, or already in the case
                return outcome(IDLE, reply(_("That coordinator cannot be chosen any more. Nothing has changed; "
                                             "start again with /handover.")))
            return done(ctx, case, ctx.state.data.get("mode"), colleague)
    return None


def _colleague(ctx: Context, case: CaseView, person_id) -> Colleague | None:
    return next((c for c in _candidates(ctx, case) if c.person_id == person_id), None)


def on_text(ctx: Context, text: str) -> Outcome:
    again = ask_again(ctx)
    return outcome(again.state, reply(_("Please choose with the buttons, or /cancel.")), *again.replies)


def ask_again(ctx: Context) -> Outcome:
    case = _case(ctx)
    step, mode = ctx.state.step, ctx.state.data.get("mode")
    if case is None:
        return start(ctx)
    if step == "who" and mode in MODES:
        return choose_colleague(ctx, case, mode)
    if step == "confirm" and mode in MODES and (colleague := _colleague(ctx, case, ctx.state.data.get("to"))):
        return confirm(ctx, case, mode, colleague)
    return choose_mode(ctx, case)
