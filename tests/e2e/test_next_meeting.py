"""The next meeting end to end: suggested from the model's cadence, changed,
announced with a calendar file that the icalendar library reads back, the
answers and their changes, a move and a cancellation that replace the
calendar entry, old buttons, reminders, and who could not be reached."""

import asyncio
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import select

from bot.db.models import Case, Invitation, Job, Meeting
from bot.emulator.users import ChatMessage
from tests.auxil.people import STOCKHOLM, act, button, case_with_people
from tests.auxil.running import running_bot
from tests.e2e.test_meeting import take_attendance


def is_calendar(message: ChatMessage) -> bool:
    """A calendar file (the plan's PDF is a document too)."""
    return message.document is not None and message.document[0].endswith(".ics")


def calendar_of(message: ChatMessage):
    """The one event in a calendar file the bot sent, read with the icalendar library."""
    name, data = message.document
    assert name.endswith(".ics")
    calendar = Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    assert calendar.walk("VTIMEZONE")  # the case's time zone travels with the file
    return event


async def held_meeting(emulator, bot, people):
    """A case whose first meeting took place (everyone there) and has ended."""
    cia, joined = await case_with_people(emulator, bot, people)
    control = await take_attendance(cia, *[name for name, _role in people])
    await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of")
    await act(cia, cia.press("⏹ End the meeting", message=control), contains="End the meeting now?")
    await act(cia, cia.press("Yes, end the meeting"), contains="The meeting has ended")
    return cia, joined


def local_day_after(days: int) -> date:
    """The first meeting is tomorrow; a suggestion `days` after it, moved back from a weekend."""
    day = datetime.now(STOCKHOLM).date() + timedelta(days=1 + days)
    return day - timedelta(days=max(0, day.weekday() - 4))


async def leave_out(cia, draft, name: str):
    """Untick someone in "who is invited" and come back to the draft."""
    ask = await act(cia, cia.press("👥 Who is invited", message=draft), contains="Who is invited")
    await cia.press(f"✅ {name}", message=ask)
    await cia.wait_for(lambda m: any(b.text == f"▫ {name}" for row in m.buttons for b in row), timeout=10)
    return await act(cia, cia.press("Done choosing ▶", message=ask), contains="Invited:")


async def announce(cia, *, place: str | None = None):
    draft = await act(cia, cia.send_command("next"), contains="The next meeting about")
    if place:
        await act(cia, cia.press("📍 Change place", message=draft), contains="Where will you meet?")
        draft = await act(cia, cia.send_text(place), contains="The next meeting about")
    await act(cia, cia.press(button(cia, "📣 Send to")), contains="on its way")
    return draft


async def test_the_next_meeting_is_suggested_announced_answered_moved_and_cancelled(emulator, bot):
    cia, (anna, lars, aino) = await held_meeting(
        emulator, bot, [("Anna", "family member"), ("Lars", "network member"), ("Aino", "professional")])
    await act(aino, aino.send_command("language"), contains="Which language")
    await act(aino, aino.press("Suomi"), contains="suomeksi")

    draft = await act(cia, cia.send_command("next"), contains="The next meeting about Family A")
    suggested = local_day_after(42)
    assert "42 days after the last meeting" in draft.text  # the systemic model's follow-up
    assert suggested.strftime("%B").lower() in draft.text.lower() and f" {suggested.day} " in f" {draft.text} ".replace(",", " ")
    assert "14:30" in draft.text and "Invited: Anna, Lars, Aino" in draft.text and "Where: Town hall" in draft.text
    await act(cia, cia.press("🕑 Change time", message=draft), contains="At what time")
    await act(cia, cia.send_text("not a time"), contains="couldn't read that as a time")
    draft = await act(cia, cia.send_text("9.15"), contains="When:")
    assert "09:15" in draft.text and "Suggested date" not in draft.text
    await act(cia, cia.press("📍 Change place", message=draft), contains="Where will you meet?")
    draft = await act(cia, cia.send_text("Room <3> & co"), contains="Where: Room <3> & co")
    await act(cia, cia.press("📣 Send to 3 people", message=draft), contains="on its way to 3 people")

    invitation = await anna.wait_for(lambda m: "The next meeting about Family A" in m.text, timeout=10)
    assert "Room <3> & co" in invitation.text and "09:15" in invitation.text
    ics = await anna.wait_for(is_calendar, timeout=10)
    event = calendar_of(ics)
    start = event.decoded("dtstart")
    assert start.tzinfo is not None and event["dtstart"].params["TZID"] == "Europe/Stockholm"
    assert (start.date(), start.time()) == (suggested, time(9, 15))
    assert event.decoded("dtend") - start == timedelta(minutes=90)  # the systemic model's steps, 80 minutes, rounded up
    assert str(event["summary"]) == "Systemic meeting: Family A" and str(event["location"]) == "Room <3> & co"
    assert int(event["sequence"]) == 0 and str(event["status"]) == "CONFIRMED"
    uid = str(event["uid"])
    finnish = await aino.wait_for(is_calendar, timeout=10)
    assert str(calendar_of(finnish)["uid"]) == uid
    assert "Family A" in str(calendar_of(finnish)["summary"]) and str(calendar_of(finnish)["summary"]) != "Systemic meeting: Family A"

    await act(anna, anna.press("✅ I'm coming", message=invitation), contains="you are coming")
    await cia.wait_for(lambda m: "Anna is coming to the meeting about Family A" in m.text, timeout=10)
    aino_invitation = await aino.wait_for(lambda m: "rsvp:" in str(m.buttons), after=0, timeout=10)
    await aino.press(aino_invitation.buttons[1][0].text, message=aino_invitation)  # another time would suit better
    await aino.wait_until_answered(timeout=10)
    await act(aino, aino.send_text("Torstait <15> jälkeen"))
    told = await cia.wait_for(lambda m: "Aino would prefer another time" in m.text, timeout=10)
    assert "Torstait <15> jälkeen" in told.text
    await act(anna, anna.press("❌ I can't come", message=invitation), contains="cannot come")  # she changes her mind
    await cia.wait_for(lambda m: "Anna cannot come" in m.text, timeout=10)

    board = await act(cia, cia.send_command("next"), contains="Not answered yet")
    assert "Cannot come: Anna" in board.text and "Coming: nobody" in board.text
    assert "Another time would suit better: Aino: “Torstait <15> jälkeen”" in board.text and "Not answered yet: Lars" in board.text
    await act(lars, lars.send_command("next"), contains="Only the coordinator")

    # Moved: everyone is told, with a calendar file that replaces the entry; answers are asked again.
    await act(cia, cia.press("📅 Move the meeting", message=board), contains="On what date")
    new_day = suggested + timedelta(days=1 if suggested.weekday() < 4 else 3)
    await act(cia, cia.send_text(new_day.isoformat()), contains="At what time")
    await act(cia, cia.press(button(cia, "Keep 09:15")), contains="Move the meeting to")
    before = len(anna.messages)
    await act(cia, cia.press("Yes, move it"), contains="I have told the 3 people invited")
    moved = await anna.wait_for(lambda m: "has moved" in m.text, after=before, timeout=10)
    assert "It was:" in moved.text
    moved_ics = calendar_of(await anna.wait_for(is_calendar, after=before, timeout=10))
    assert str(moved_ics["uid"]) == uid and int(moved_ics["sequence"]) == 1
    assert moved_ics.decoded("dtstart").date() == new_day
    stale = await act(anna, anna.press("✅ I'm coming", message=invitation), contains="has changed since that message")
    assert any(b.text == "✅ I'm coming" for row in stale.buttons for b in row)
    await act(anna, anna.press("✅ I'm coming", message=stale), contains="you are coming")
    board = await act(cia, cia.send_command("next"), contains="Not answered yet")
    assert "Coming: Anna" in board.text and "Not answered yet: Lars, Aino" in board.text

    # Cancelled: the calendar file takes it out again; its buttons say so.
    await act(cia, cia.press("❌ Cancel the meeting", message=board), contains="Cancel the meeting on")
    before = len(anna.messages)
    await act(cia, cia.press("Yes, cancel the meeting"), contains="The meeting is cancelled")
    await anna.wait_for(lambda m: "is cancelled" in m.text, after=before, timeout=10)
    cancelled = calendar_of(await anna.wait_for(is_calendar, after=before, timeout=10))
    assert str(cancelled["uid"]) == uid and int(cancelled["sequence"]) == 2 and str(cancelled["status"]) == "CANCELLED"
    await act(anna, anna.press("❌ I can't come", message=stale), contains="was cancelled")
    async with bot.sessionmaker() as session:
        statuses = list(await session.scalars(select(Meeting.status).order_by(Meeting.id)))
        assert statuses == ["ended", "cancelled"]
        assert await session.scalar(select(Job.id).where(Job.kind == "meeting_remind", Job.done_at.is_(None))) is None
    draft = await act(cia, cia.send_command("next"), contains="The next meeting about")  # a new draft, from the cadence again
    assert "Suggested date" in draft.text


async def test_who_is_invited_and_who_is_not_and_forged_answers(emulator, bot):
    cia, (anna, lars) = await held_meeting(emulator, bot, [("Anna", "family member"), ("Lars", "network member")])
    draft = await act(cia, cia.send_command("next"), contains="The next meeting about")
    draft = await leave_out(cia, draft, "Lars")
    assert "Invited: Anna" in draft.text
    await act(cia, cia.press("📣 Send to 1 person", message=draft), contains="on its way to 1 person")
    invitation = await anna.wait_for(lambda m: "The next meeting about" in m.text, timeout=10)
    await asyncio.sleep(0.5)
    assert not [m for m in lars.bot_messages if "The next meeting about" in m.text]
    # Lars copies Anna's button: he is not invited, so nothing is noted.
    await lars.press_data(invitation.buttons[0][0].callback_data, lars.bot_messages[-1].message_id)
    await lars.wait_until_answered(timeout=5)
    assert any("does not work here" in note for _i, _who, note in lars.notes)
    # Made-up data is refused the same way.
    await lars.press_data("-|rsvp:yes:AAAAAAAAAAAAAAAA:0", lars.bot_messages[-1].message_id)
    await lars.wait_until_answered(timeout=5)
    async with bot.sessionmaker() as session:
        assert list(await session.scalars(select(Invitation.response))) == [None]
    # Text where a button is expected.
    await act(anna, anna.send_text("yes I come"), contains="not waiting for an answer")


async def test_everyone_invited_is_reminded_the_day_before_and_shortly_before(emulator, database_url):
    # Reminders planned 2 and 4 seconds from now, for a meeting two minutes away.
    async with running_bot(emulator, database_url, meeting_reminder_leads="118s,116s") as runtime:
        cia, (anna, lars, aino) = await held_meeting(
            emulator, runtime, [("Anna", "family member"), ("Lars", "network member"), ("Aino", "professional")])
        await announce(cia)
        invitation = await anna.wait_for(lambda m: "The next meeting about" in m.text, timeout=10)
        await act(anna, anna.press("✅ I'm coming", message=invitation), contains="you are coming")
        lars_invitation = await lars.wait_for(lambda m: "The next meeting about" in m.text, timeout=10)
        await act(lars, lars.press("❌ I can't come", message=lars_invitation), contains="cannot come")
        async with runtime.sessionmaker() as session, session.begin():
            meeting = await session.scalar(select(Meeting).where(Meeting.ref.is_not(None)))
            case = await session.get(Case, meeting.case_id)
            meeting.starts_at = datetime.now(timezone.utc) + timedelta(seconds=120)
            await runtime.engine.planner.plan_meeting_reminders(session, meeting, case, datetime.now(timezone.utc))
        runtime.scheduler.wake()
        await asyncio.sleep(6)
        assert len([m for m in anna.bot_messages if "A reminder of the meeting" in m.text]) == 2
        assert not [m for m in lars.bot_messages if "A reminder of the meeting" in m.text]  # he said he cannot come
        unanswered = [m for m in aino.bot_messages if "Family A" in m.text and "⏰" in m.text]
        assert len(unanswered) == 2 and all(m.buttons for m in unanswered)  # not answered yet: the buttons come along


async def test_reminders_are_never_planned_at_night(emulator, database_url):
    async with running_bot(emulator, database_url, quiet_hours="21-8") as runtime:
        cia, (anna,) = await held_meeting(emulator, runtime, [("Anna", "family member")])
        draft = await act(cia, cia.send_command("next"), contains="The next meeting about")
        await act(cia, cia.press("🕑 Change time", message=draft), contains="At what time")
        await act(cia, cia.send_text("8.30"), contains="08:30")
        await act(cia, cia.press(button(cia, "📣 Send to")), contains="on its way")
        async with runtime.sessionmaker() as session:
            due = sorted(await session.scalars(select(Job.due_at).where(Job.kind == "meeting_remind")))
    local = [d.astimezone(STOCKHOLM) for d in due]
    # The day before at 08:30; and instead of 06:30 on the day, the evening before, just before the quiet hours (21-8).
    assert [(t.hour, t.minute) for t in local] == [(8, 30), (20, 59)]


async def test_the_coordinator_hears_who_could_not_be_reached(emulator, bot):
    cia, (anna, lars) = await held_meeting(emulator, bot, [("Anna", "family member"), ("Lars", "network member")])
    await lars.block()
    await announce(cia)
    report = await cia.wait_for(lambda m: "did not reach everyone" in m.text, timeout=20)
    assert "I could not reach: Lars" in report.text and "Anna" not in report.text
    await anna.wait_for(lambda m: "The next meeting about" in m.text, timeout=10)  # the others still get it


async def test_the_first_meeting_can_be_announced_too_and_preparation_follows_the_invitations(emulator, bot):
    cia, (anna, lars) = await case_with_people(emulator, bot, [("Anna", "family member"), ("Lars", "network member")],
                                                date=(datetime.now(ZoneInfo("Europe/Stockholm")) + timedelta(days=20)).date().isoformat())
    draft = await act(cia, cia.send_command("next"), contains="planned when the case was created")
    draft = await leave_out(cia, draft, "Lars")
    assert "Invited: Anna" in draft.text
    await act(cia, cia.press("📣 Send to 1 person", message=draft), contains="on its way")
    await anna.wait_for(is_calendar, timeout=10)
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(Meeting.ref)) is not None  # the same meeting, now announced
        assert len(list(await session.scalars(select(Meeting)))) == 1
    await act(cia, cia.send_command("prep"), contains="Preparation")
    overview = cia.last_bot_message.text
    assert "Anna" in overview and "Lars" not in overview


async def test_the_next_meeting_is_set_from_the_running_meeting_and_the_way_back_is_shown(emulator, bot):
    cia, (anna, aino) = await case_with_people(emulator, bot, [("Anna", "family member"), ("Aino", "professional")],
                                                model_button="Family group conference")
    control = await take_attendance(cia, "Anna", "Aino")
    await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of 3")
    await act(cia, cia.press("Next step ▶", message=control), contains="Step 2 of 3")
    await act(cia, cia.press("Next step ▶", message=control), contains="Step 3 of 3")  # the plan, with the next date
    draft = await act(cia, cia.press("📅 Plan the next meeting", message=control), contains="The next meeting about")
    assert "42 days after the last meeting" in draft.text  # from the meeting under way
    await act(cia, cia.press("📣 Send to 2 people", message=draft), contains="/meeting takes you back to the meeting")
    await anna.wait_for(is_calendar, timeout=10)
    back = await act(cia, cia.send_command("meeting"), contains="Step 3 of 3")
    assert "Plan the next meeting" in str(back.buttons)
