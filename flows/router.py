"""Routes an event to the flow that should answer it.

Commands always work, whatever flow a person is in; buttons are checked for
staleness (they carry the conversation version they were sent with) and
then passed to the flow that made them; text goes to the current flow.
"""

from __future__ import annotations

from dataclasses import replace

from flows import (
    audit_view,
    closing,
    common,
    consent,
    coordinating,
    feedback,
    feedback_results,
    forgetting,
    handover,
    invitations,
    joining,
    next_meeting,
    offline,
    plan,
    prep_overview,
    preparing,
    proposals,
    running,
    setup,
    tasks,
)
from flows.context import Context
from flows.events import ButtonPress, Command, Event, OtherMessage, TextMessage
from flows.outcome import IDLE, Outcome, outcome, reply
from flows.text import _

UNSTAMPED = "-"

# Flows that hold a conversation, by the name stored in the state.
FLOWS = {m.FLOW: m for m in (
    joining, setup, coordinating, forgetting, preparing, prep_overview, running, tasks, tasks.OwnerFlow, closing,
    feedback, feedback_results, next_meeting, invitations, common.LanguageFlow, plan, plan.AnswerFlow, offline,
    proposals, proposals.FamilyFlow,
    audit_view, handover,
)}


def _prep(ctx: Context) -> Outcome:
    """/prep: the coordinator's overview, or a participant's own questions."""
    if ctx.person is not None and ctx.person.is_coordinator:
        return prep_overview.start(ctx)
    return preparing.start(ctx)


def _feedback(ctx: Context) -> Outcome:
    """/feedback: the coordinator's results, or a family member's own answers."""
    if ctx.person is not None and ctx.person.is_coordinator:
        return feedback_results.start(ctx)
    return feedback.start(ctx)


COMMANDS = {
    "help": common.show_help,
    "privacy": common.show_privacy,
    "language": common.ask_language,
    "forget": forgetting.start,
    "cancel": common.cancel,
    "new": setup.start,
    "meetings": coordinating.list_meetings,
    "invite": coordinating.start_invite,
    "prep": _prep,
    "meeting": running.start,
    "tasks": tasks.show,
    "close": closing.start,
    "next": next_meeting.start,
    "feedback": _feedback,
    "plan": plan.show,
    "proposals": proposals.start,
    "audit": audit_view.start,
    "handover": handover.start,
}


def stamp(version: int | None, action: str) -> str:
    return f"{UNSTAMPED if version is None else version}|{action}"


def handle(event: Event, ctx: Context) -> Outcome:
    match event:
        case Command(name="start", args=args):
            return joining.start(ctx, args.strip())
        case Command(name=name) if name in COMMANDS:
            return COMMANDS[name](ctx)
        case Command(name=name):
            return common.unknown_command(ctx, name)
        case ButtonPress():
            return _button(event, ctx)
        case TextMessage(text=text):
            flow = FLOWS.get(ctx.state.flow)
            if flow is None:
                return common.nothing_expected(ctx)
            return flow.on_text(ctx, text)
        case OtherMessage():
            flow = FLOWS.get(ctx.state.flow)
            if flow is None:
                return common.cannot_read(ctx)
            if hasattr(flow, "on_other"):
                return flow.on_other(ctx, event)
            again = flow.ask_again(ctx)
            return outcome(again.state, reply(_("I can only read text here.")), *again.replies)
    raise TypeError(f"unknown event {event!r}")


def _button(event: ButtonPress, ctx: Context) -> Outcome:
    result = _press(event, ctx)
    if event.data.startswith(UNSTAMPED + "|") and not result.changes and result.state == IDLE:
        # A notice's button that only tells something (closed, not yours) does
        # not pull the person out of what they are doing.
        result = replace(result, state=ctx.state)
    if not result.changes and result.state == ctx.state:
        # The press changed nothing (refused, forged, stale, already done):
        # it leaves the pressed message as it was, for a forged press may
        # name a real message whose buttons are still needed.
        return replace(result, clear_buttons=False)
    return result


def _press(event: ButtonPress, ctx: Context) -> Outcome:
    version, _sep, action = event.data.partition("|")
    parts = action.split(":")
    if version == UNSTAMPED:
        # Buttons that outlive a conversation (revoking a link): authority is checked by the action.
        if parts[0] == "rv" and len(parts) == 2:
            return coordinating.revoke(ctx)
        if parts[:2] == ["prep", "go"] and len(parts) == 3 and parts[2].isdigit():
            return preparing.go(ctx, int(parts[2]))
        if parts[:2] == ["meeting", "ready"] and len(parts) == 3 and parts[2].isdigit():
            return running.family_ready(ctx, int(parts[2]))
        if parts[0] == "plan" and len(parts) == 3 and parts[1] in ("agree", "no", "read"):
            return plan.respond(ctx, parts[1], parts[2])
        if parts[0] == "consent" and len(parts) in (3, 4) and parts[1] in ("yes", "no", "withdraw") and parts[2].isdigit():
            return consent.respond(ctx, parts[1], int(parts[2]), parts[3] if len(parts) == 4 else None)
        if parts[:2] == ["plan", "own"] and len(parts) == 4 and parts[2].isdigit():
            return plan.bring_own(ctx, int(parts[2]), parts[3])
        if parts[0] == "task" and len(parts) == 3:
            return tasks.respond(ctx, parts[1], parts[2])
        if parts[:2] == ["fb", "go"] and len(parts) == 3 and parts[2].isdigit():
            return feedback.go(ctx, int(parts[2]))
        if parts[:2] == ["propose", "go"] and len(parts) == 3 and parts[2].isdigit():
            return proposals.go(ctx, int(parts[2]))
        if parts[0] == "rsvp" and len(parts) == 4:
            return invitations.respond(ctx, parts[1], parts[2], parts[3])
        return common.forged_button(ctx)
    if not version.isdigit():
        return common.forged_button(ctx)
    if int(version) != ctx.version:
        return _stale(ctx)
    if parts[0] == "lang" and len(parts) == 2:
        return common.choose_language(ctx, parts[1])
    flow = FLOWS.get(ctx.state.flow)
    if flow is None or parts[0] != ctx.state.flow:
        return common.forged_button(ctx)
    result = flow.on_button(ctx, parts[1:], event.message_id)
    return result if result is not None else common.forged_button(ctx)


def _stale(ctx: Context) -> Outcome:
    flow = FLOWS.get(ctx.state.flow)
    if flow is None:
        return outcome(ctx.state, toast=common.stale_button_toast(), clear_buttons=False)
    again = flow.ask_again(ctx)
    # The old message keeps its buttons: the version could be forged too, and
    # pressing them again only shows where we are once more.
    return outcome(
        again.state,
        reply(_("That button belongs to an earlier question. Here is where we are now:")),
        *again.replies,
        toast=common.stale_button_toast(),
        clear_buttons=False,
    )
