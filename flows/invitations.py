"""An announced meeting as the people invited see it: the invitation with a
calendar file, the news that it moved or was cancelled, the reminders, and
their answers (coming / not coming / another time would suit better).

    invitation ─"coming" / "can't come"─► noted, the coordinator told (answers can change)
               └"another time"─► a few words on what would suit (or skip) ─► noted, the coordinator told

The buttons name the meeting by its random reference and its calendar
revision; whether the presser is invited is checked against the stored
invitations every time. A button from before a move asks again for the new time.
"""

from __future__ import annotations

from datetime import timedelta

from flows.cadence import planned_minutes
from flows.context import CaseView, Context, Invitee, MeetingView
from flows.outcome import (
    BULK,
    IDLE,
    NOTICE,
    AnswerInvitation,
    Button,
    CalendarEntry,
    Outcome,
    Reply,
    State,
    outcome,
    reply,
)
from flows.parsing import clean_line
from flows.text import Moment, T, _

FLOW = "rsvp"
RESPONSES = ("yes", "no", "other")
MAX_NOTE = 500


# ---- what the invited read ---------------------------------------------------------


def _type_name(models, case: CaseView, meeting: MeetingView) -> T:
    return T(models.get(case.model_id).meeting_type(meeting.meeting_type).name)


def _place(meeting: MeetingView) -> T:
    return _("{place}", place=meeting.place) if meeting.place else _("the place is not decided yet")


def answer_buttons(meeting: MeetingView) -> list[list[Button]]:
    data = f"{meeting.ref}:{meeting.sequence}"
    return [[Button(_("✅ I'm coming"), f"rsvp:yes:{data}"), Button(_("❌ I can't come"), f"rsvp:no:{data}")],
            [Button(_("🗓 Another time would suit better"), f"rsvp:other:{data}")]]


def calendar_entry(models, case: CaseView, meeting: MeetingView, *, cancelled: bool = False) -> CalendarEntry:
    meeting_type = models.get(case.model_id).meeting_type(meeting.meeting_type)
    return CalendarEntry(
        uid=f"{meeting.ref}@meetbot",
        sequence=meeting.sequence,
        starts_at=meeting.starts_at,
        ends_at=meeting.starts_at + timedelta(minutes=planned_minutes(meeting_type)),
        timezone=case.timezone,
        title=_("{meeting}: {case}", meeting=T(meeting_type.name), case=case.pseudonym),
        description=_("{purpose}\n\nThe bot in Telegram has the details, and your preparation questions.", purpose=T(meeting_type.purpose)),
        location=meeting.place,
        cancelled=cancelled,
    )


def meeting_details(models, case: CaseView, meeting: MeetingView) -> T:
    return _("{meeting}\n🕑 {when}\n📍 {place}", meeting=_type_name(models, case, meeting),
             when=Moment(meeting.starts_at, case.timezone), place=_place(meeting))


def _to(person: Invitee, *parts: T, buttons=(), calendar: CalendarEntry | None = None, broadcast: str | None = None,
        priority: int = BULK) -> Reply:
    return reply(*parts, buttons=buttons, chat_id=person.chat_id, stamp_buttons=False, priority=priority,
                 calendar=calendar, broadcast=broadcast)


def announcement(ctx: Context, case: CaseView, meeting: MeetingView, person: Invitee, broadcast: str) -> Reply:
    return _to(person, _("📅 <b>The next meeting about {case}</b>", case=case.pseudonym), meeting_details(ctx.models, case, meeting),
               _("Can you come? Please answer with the buttons. The file below puts the meeting in your phone's calendar."),
               buttons=answer_buttons(meeting), calendar=calendar_entry(ctx.models, case, meeting), broadcast=broadcast)


def change_notice(ctx: Context, case: CaseView, before: MeetingView, after: MeetingView, person: Invitee, broadcast: str) -> Reply:
    moved = after.starts_at != before.starts_at
    headline = (_("📅 <b>The meeting about {case} has moved</b>", case=case.pseudonym) if moved
                else _("📍 <b>The meeting about {case} has a new place</b>", case=case.pseudonym))
    was = _("It was: {when}, {place}", when=Moment(before.starts_at, case.timezone), place=_place(before))
    ask = (_("Can you come at the new time? Please answer again. The new calendar file replaces the old entry.") if moved
           else _("The time stays the same. The new calendar file replaces the old entry."))
    return _to(person, headline, meeting_details(ctx.models, case, after), was, ask, buttons=answer_buttons(after),
               calendar=calendar_entry(ctx.models, case, after), broadcast=broadcast)


def cancellation(ctx: Context, case: CaseView, meeting: MeetingView, person: Invitee, broadcast: str | None, *,
                 priority: int = BULK) -> Reply:
    return _to(person, _("❌ <b>The meeting about {case} on {when} is cancelled.</b>", case=case.pseudonym,
                         when=Moment(meeting.starts_at, case.timezone)),
               _("Open the file below to take it out of your calendar."),
               calendar=calendar_entry(ctx.models, case, meeting, cancelled=True), broadcast=broadcast, priority=priority)


def reminder(models, case: CaseView, meeting: MeetingView, person: Invitee) -> Reply:
    """Sent by the scheduler the day before and shortly before."""
    parts = [_("⏰ <b>A reminder of the meeting about {case}</b>", case=case.pseudonym), meeting_details(models, case, meeting)]
    buttons = ()
    if person.response is None:
        parts.append(_("You have not said yet whether you can come. Please answer with the buttons."))
        buttons = answer_buttons(meeting)
    elif person.response == "yes":
        parts.append(_("Welcome, see you there!"))
    return _to(person, *parts, buttons=buttons, priority=NOTICE)


# ---- answering ----------------------------------------------------------------------


def respond(ctx: Context, response: str, ref: str, sequence: str) -> Outcome:
    """A reply button: the reference names the meeting; the stored invitation decides."""
    invitation = ctx.invitation
    if invitation is None or ctx.person is None or invitation.meeting.ref != ref or response not in RESPONSES:
        return outcome(ctx.state, toast=_("This button does not work here."), clear_buttons=False)
    meeting, case = invitation.meeting, invitation.case
    if meeting.status == "cancelled" or case.status != "open":
        return outcome(ctx.state, reply(_("This meeting was cancelled, so there is nothing to answer.")))
    if meeting.status != "planned" or meeting.starts_at <= ctx.now:
        return outcome(ctx.state, reply(_("This meeting has already begun or taken place, so there is nothing to answer.")))
    if sequence != str(meeting.sequence):
        return outcome(ctx.state, reply(
            _("This meeting has changed since that message. It is now:"), meeting_details(ctx.models, case, meeting),
            _("Can you come?"), buttons=answer_buttons(meeting), stamp_buttons=False), toast=_("The meeting has changed"))
    if response == "other":
        return outcome(State(FLOW, "note", {"ref": ref, "seq": meeting.sequence}), _ask_note(), clear_buttons=False)
    if response == invitation.response:
        return outcome(ctx.state, toast=_("Thank you, I already know."), clear_buttons=False)
    return _noted(ctx, response, None)


def _ask_note() -> Reply:
    return reply(_("What would suit you better? Write a few words, for example which days or times work for you."),
                 buttons=[[Button(_("Skip"), "rsvp:skip")]])


def _noted(ctx: Context, response: str, note: str | None) -> Outcome:
    invitation = ctx.invitation
    meeting, case = invitation.meeting, invitation.case
    when = Moment(meeting.starts_at, case.timezone)
    thanks = {
        "yes": _("Thank you! I have noted that you are coming on {when}. If something changes, just press another button.", when=when),
        "no": _("Thank you for letting us know. I have told the coordinator that you cannot come on {when}.", when=when),
        "other": _("Thank you. I have told the coordinator that another time would suit you better."),
    }[response]
    replies = [reply(thanks)]
    if invitation.coordinator_chats:
        who = dict(name=ctx.person.name, case=case.pseudonym, when=when)
        told = {
            "yes": [_("✅ {name} is coming to the meeting about {case} on {when}.", **who)],
            "no": [_("❌ {name} cannot come to the meeting about {case} on {when}.", **who)],
            "other": [_("🗓 {name} would prefer another time for the meeting about {case} on {when}.", **who)],
        }[response]
        if note:
            told.append(_("<i>{note}</i>", note=note))
        told.append(_("/next shows all the answers."))
        replies += [reply(*told, chat_id=chat, stamp_buttons=False, priority=NOTICE) for chat in invitation.coordinator_chats]
    # The buttons stay, so the answer can be changed later.
    return outcome(IDLE, *replies, changes=[AnswerInvitation(meeting.id, response, note)], toast=_("Noted"), clear_buttons=False)


def _guard(ctx: Context) -> Outcome | None:
    invitation = ctx.invitation
    meeting = invitation.meeting if invitation else None
    if (invitation is None or meeting.status != "planned" or meeting.starts_at <= ctx.now
            or meeting.sequence != ctx.state.data.get("seq")):
        return outcome(IDLE, reply(_("This meeting has changed or is over, so that answer no longer applies. "
                                     "Please use the buttons in the newest message about it.")))
    return None


def on_text(ctx: Context, text: str) -> Outcome:
    refusal = _guard(ctx)
    if refusal:
        return refusal
    note = clean_line(text)
    if len(note) > MAX_NOTE:
        return outcome(ctx.state, reply(_("Please keep it shorter than {max} characters.", max=MAX_NOTE)))
    return _noted(ctx, "other", note or None)


def on_button(ctx: Context, action: list[str], message_id: int | None) -> Outcome | None:
    if action == ["skip"]:
        return _guard(ctx) or _noted(ctx, "other", None)
    return None


def ask_again(ctx: Context) -> Outcome:
    return _guard(ctx) or outcome(ctx.state, _ask_note())
