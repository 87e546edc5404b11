"""Closing a case (/close): confirm, then everyone taking part is told the
case is closed and, in the model's own words, how to act if things get
harder again. What is stored is erased after the retention period
(`meetbot purge`).

    /close ─► [choose case] ─► confirm ─yes─► closed, everyone told
"""

from __future__ import annotations

from dataclasses import replace

from flows.access import may
from flows.common import choose_case
from flows.context import CaseView, Context
from flows.invitations import calendar_entry
from flows.outcome import (
    IDLE,
    NOTICE,
    Button,
    CancelMeeting,
    CloseCase,
    Outcome,
    RecordBroadcast,
    State,
    outcome,
    reply,
)
from flows.text import Moment, T, _, ngettext

FLOW = "close"


def start(ctx: Context) -> Outcome:
    if ctx.person is None or not ctx.person.is_coordinator:
        return outcome(ctx.state, reply(_("Only the coordinator of a case can close it.")))
    cases = [c for c in ctx.coordinated_cases if c.status == "open"]
    if not cases:
        return outcome(IDLE, reply(_("You have no open cases.")))
    if len(cases) == 1:
        return confirm(ctx, cases[0])
    return choose_case(FLOW, _("Which case do you want to close?"), cases)


def confirm(ctx: Context, case: CaseView) -> Outcome:
    return outcome(State(FLOW, "confirm", {"case": case.id}), reply(
        _("Close <b>{case}</b>? Everyone taking part will be told that the case is closed and how to get in touch "
          "if things get harder again.", case=case.pseudonym),
        ngettext("What is stored about the case is erased {n} day after closing.",
                 "What is stored about the case is erased {n} days after closing.", ctx.config.retention_days),
        buttons=[[Button(_("Yes, close the case"), "close:yes"), Button(_("No, keep it open"), "close:no")]]))


def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
    match ctx.state.step, action:
        case "case", ["case", case_id] if case_id.isdigit():
            case = ctx.case(int(case_id))
            return confirm(ctx, case) if case is not None and may(ctx.person, "close_case", case) else None
        case "confirm", ["no"]:
            return outcome(IDLE, reply(_("Good, the case stays open.")))
        case "confirm", ["yes"]:
            case = ctx.case(ctx.state.data.get("case", -1))
            if case is None or not may(ctx.person, "close_case", case):
                return outcome(IDLE, reply(_("This case is already closed, or it is not yours to close.")))
            return _close(ctx, case)
    return None


def _close(ctx: Context, case: CaseView) -> Outcome:
    model = ctx.models.get(case.model_id)
    advice = T(model.closing_advice) if model else _("If things get harder again, contact your social worker.")
    # An announced meeting will not take place: those invited get a calendar file that takes it out again.
    plan = ctx.next_plan if ctx.next_plan is not None and ctx.next_plan.case.id == case.id else None
    upcoming = plan.upcoming if plan is not None and plan.upcoming is not None and plan.upcoming.ref else None
    invited = {p.chat_id for p in plan.invited} if upcoming else set()
    cancelled = replace(upcoming, status="cancelled", sequence=upcoming.sequence + 1) if upcoming else None
    broadcast = ctx.new_token()[:16]
    notices = []
    for chat in case.participant_chats:
        parts = [_("<b>{case} is now closed.</b>", case=case.pseudonym), advice, _("Thank you for taking part. Take care.")]
        calendar = None
        if chat in invited:
            parts.insert(1, _("The meeting planned for {when} will not take place. Open the file below to take it out of your calendar.",
                              when=Moment(cancelled.starts_at, case.timezone)))
            calendar = calendar_entry(ctx.models, case, cancelled, cancelled=True)
        notices.append(reply(*parts, chat_id=chat, stamp_buttons=False, priority=NOTICE, calendar=calendar, broadcast=broadcast))
    done = reply(ngettext(
        "<b>{case}</b> is closed. I have told {n} person taking part.",
        "<b>{case}</b> is closed. I have told the {n} people taking part.", len(notices), case=case.pseudonym))
    changes = [CancelMeeting(upcoming.id)] if upcoming else []
    changes += [CloseCase(case.id), RecordBroadcast(broadcast, case.id, "close", len(notices))]
    return outcome(IDLE, done, *notices, changes=changes)


def on_text(ctx: Context, text: str) -> Outcome:
    return outcome(ctx.state, reply(_("Please use the buttons under the message.")))


def ask_again(ctx: Context) -> Outcome:
    return start(ctx)
