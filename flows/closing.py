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
    # The announced meetings ahead will not take place: those invited get a calendar file that takes each out again.
    plan = ctx.next_plan if ctx.next_plan is not None and ctx.next_plan.case.id == case.id else None
    announced = [m for m in plan.coming if m.ref] if plan is not None else []
    invited_to = dict(plan.coming_invited) if plan is not None else {}
    cancelled = [replace(m, status="cancelled", sequence=m.sequence + 1) for m in announced]
    broadcast = ctx.new_token()[:16]
    notices = []
    for chat in case.participant_chats:
        theirs = [m for m in cancelled if chat in invited_to.get(m.id, ())]
        parts = [_("<b>{case} is now closed.</b>", case=case.pseudonym), advice, _("Thank you for taking part. Take care.")]
        calendar = None
        if theirs:
            parts.insert(1, _not_taking_place(case, theirs[0]))
            calendar = calendar_entry(ctx.models, case, theirs[0], cancelled=True)
        notices.append(reply(*parts, chat_id=chat, stamp_buttons=False, priority=NOTICE, calendar=calendar, broadcast=broadcast))
        # One calendar file a message: each further meeting of a series gets its own.
        notices += [reply(_not_taking_place(case, m), chat_id=chat, stamp_buttons=False, priority=NOTICE,
                          calendar=calendar_entry(ctx.models, case, m, cancelled=True), broadcast=broadcast) for m in theirs[1:]]
    done = reply(ngettext(
        "<b>{case}</b> is closed. I have told {n} person taking part.",
        "<b>{case}</b> is closed. I have told the {n} people taking part.", len(case.participant_chats), case=case.pseudonym))
    changes = [CancelMeeting(m.id) for m in announced]
    changes += [CloseCase(case.id), RecordBroadcast(broadcast, case.id, "close", len(notices))]
    return outcome(IDLE, done, *notices, changes=changes)


def _not_taking_place(case: CaseView, meeting) -> T:
    return _("The meeting planned for {when} will not take place. Open the file below to take it out of your calendar.",
             when=Moment(meeting.starts_at, case.timezone))


def on_text(ctx: Context, text: str) -> Outcome:
    return outcome(ctx.state, reply(_("Please use the buttons under the message.")))


def ask_again(ctx: Context) -> Outcome:
    return start(ctx)
