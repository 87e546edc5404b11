"""A coordinator's view of their case's audit trail (/audit): who did what to
the case and when, newest last, a page at a time. People by name, never ids;
never what anyone wrote (the trail holds none of it).

    /audit ─► [choose case] ─► the newest page ─► ◀ earlier / later ▶
"""

from __future__ import annotations

from flows.access import may
from flows.common import choose_case
from flows.context import AuditLine, AuditTrail, Context
from flows.labels import ROLE_NAMES
from flows.outcome import IDLE, Button, Outcome, State, outcome, reply
from flows.text import Lines, Moment, T, _, ngettext

FLOW = "audit"
PAGE = 20  # lines a page: a long trail stays one readable message

# What each action says. {meeting} is the meeting's time, {role} a role name,
# {other} the other person it names; the actor's name comes before it.
LABELS = {
    "created_case": _("created the case"),
    "invited": _("made an invitation link ({role})"),
    "revoked_invite": _("revoked an invitation link ({role})"),
    "joined": _("joined the case ({role})"),
    "erased_person": _("erased their data from the case"),
    "opened_preparation": _("opened the preparation for the meeting on {meeting}"),
    "viewed_digest": _("viewed what people shared for the meeting on {meeting}"),
    "nudged": _("reminded those who have not prepared for the meeting on {meeting}"),
    "started_meeting": _("started the meeting on {meeting}"),
    "ended_meeting": _("ended the meeting on {meeting}"),
    "added_task": _("added a task at the meeting on {meeting}"),
    "task_accept": _("took on a task"),
    "task_done": _("marked their part of a task done"),
    "task_not_yet": _("said a task is not done yet"),
    "task_talk": _("asked to talk about a task"),
    "task_help": _("asked for help with a task"),
    "task_new_date": _("asked for a new date for a task"),
    "task_marked_done": _("marked a task done for everyone"),
    "task_done_by_coordinator": _("marked an earlier task done"),
    "task_cancelled_by_coordinator": _("dropped an earlier task"),
    "read_plan": _("read the plan of the meeting on {meeting}"),
    "made_plan": _("made a new version of the plan"),
    "viewed_plan": _("viewed the plan"),
    "reminded_plan": _("reminded those who have not answered the plan"),
    "plan_agree": _("agreed to the plan"),
    "plan_disagree": _("said they do not agree to the plan"),
    "plan_read": _("read the plan"),
    "plan_paper_agree": _("recorded an agreement to the plan given on paper"),
    "plan_paper_disagree": _("recorded a disagreement with the plan given on paper"),
    "consent_given": _("consented to exchanging information"),
    "consent_refused": _("did not consent to exchanging information"),
    "consent_withdrawn": _("withdrew their consent to exchanging information"),
    "noted_view": _("added a view to the plan at the meeting on {meeting}"),
    "set_organisation": _("noted which organisation someone acts for"),
    "added_offline": _("added someone without Telegram ({role})"),
    "removed_offline": _("removed someone without Telegram"),
    "gave_feedback": _("gave feedback on the meeting on {meeting}"),
    "viewed_feedback": _("viewed the feedback"),
    "announced_meeting": _("announced the meeting on {meeting}"),
    "moved_meeting": _("moved the meeting to {meeting}"),
    "cancelled_meeting": _("cancelled the meeting on {meeting}"),
    "answered_invitation": _("answered the invitation to the meeting on {meeting}: {response}"),
    "recorded_case_date": _("recorded a date for the case"),
    "closed_case": _("closed the case"),
    "handed_over": _("handed the case over to {other}"),
    "added_coordinator": _("added {other} as a coordinator of the case"),
    "coordinator_removed": _("removed {other}'s coordinator rights"),
}
RESPONSES = {"yes": _("coming"), "no": _("not coming"), "other": _("another time suits better")}


def start(ctx: Context) -> Outcome:
    if ctx.person is None or not ctx.person.is_coordinator:
        return outcome(ctx.state, reply(_("Only a case's coordinators can see its trail.")))
    if not ctx.coordinated_cases:
        return outcome(IDLE, reply(_("You have no cases yet. Create one with /new.")))
    if ctx.audit_trail is None:
        return choose_case(FLOW, _("Which case's trail do you want to see?"), ctx.coordinated_cases)
    return show(ctx, ctx.audit_trail, None)


def show(ctx: Context, trail: AuditTrail, page: int | None, message_id: int | None = None) -> Outcome:
    if not may(ctx.person, "view_audit", trail.case):
        return outcome(IDLE, reply(_("Only a case's coordinators can see its trail.")))
    pages = max(1, -(-len(trail.lines) // PAGE))
    page = pages - 1 if page is None else min(max(page, 0), pages - 1)  # the newest page first
    shown = trail.lines[page * PAGE:(page + 1) * PAGE]
    parts: list[T] = [_("<b>What has happened in {case}</b>", case=trail.case.pseudonym)]
    if pages > 1:
        parts.append(ngettext("{n} event; page {page} of {pages}, newest last.",
                              "{n} events; page {page} of {pages}, newest last.",
                              len(trail.lines), page=page + 1, pages=pages))
    parts.append(_("{lines}", lines=Lines(tuple(line_text(trail.case.timezone, line) for line in shown))) if shown
                 else _("Nothing has happened yet."))
    row = []
    if page > 0:
        row.append(Button(_("◀ Earlier"), f"{FLOW}:page:{page - 1}"))
    if page < pages - 1:
        row.append(Button(_("Later ▶"), f"{FLOW}:page:{page + 1}"))
    state = State(FLOW, "shown", {"case": trail.case.id, "page": page}) if row else IDLE
    return outcome(state, reply(*parts, buttons=[row] if row else [], edit_message_id=message_id))


def line_text(zone: str, line: AuditLine) -> T:
    if line.by == "operator":
        who = _("the operator")
    elif line.by == "retention":
        who = _("retention")
    elif line.action == "erased_person":
        who = _("a participant")  # the trail keeps that someone erased their data, never who
    else:
        who = line.who if line.who is not None else _("someone since erased")
    label = LABELS.get(line.action)
    what = T(label.msgid, {
        "role": T(ROLE_NAMES[line.role]) if line.role in ROLE_NAMES else _("participant"),
        "meeting": Moment(line.meeting_at, zone, "stamp") if line.meeting_at else _("(a meeting since removed)"),
        "other": line.other if line.other is not None else _("someone since erased"),
        "response": RESPONSES.get(line.response, _("answered")),
    }) if label else _("made a change")
    # Translators: one line of a case's trail: when, who, what they did.
    return _("{when} · <b>{who}</b> {what}", when=Moment(line.at, zone, "stamp"), who=who, what=what)


def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
    match ctx.state.step, action:
        case "case", ["case", case_id] if case_id.isdigit():
            trail = ctx.audit_trail
            return show(ctx, trail, None) if trail is not None and trail.case.id == int(case_id) else None
        case "shown", ["page", page] if page.isdigit():
            return show(ctx, ctx.audit_trail, int(page), message_id) if ctx.audit_trail is not None else None
    return None


def on_text(ctx: Context, text: str) -> Outcome:
    again = ask_again(ctx)
    return outcome(again.state, reply(_("Please use the buttons below the trail, or /cancel.")), *again.replies)


def ask_again(ctx: Context) -> Outcome:
    if ctx.audit_trail is not None and ctx.state.step == "shown":
        return show(ctx, ctx.audit_trail, ctx.state.data.get("page"))
    return start(ctx)
