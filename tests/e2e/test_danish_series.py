"""The Danish series runs as a series: a status meeting and a børnesamtale
planned at once, each with its own invitation and calendar file, and the
coordinator moving between them in /next."""

from datetime import date, timedelta

from sqlalchemy import select

from bot.db.models import Invitation, Meeting
from tests.auxil.people import act, button, invite_links, join, make_coordinator, tomorrow
from tests.e2e.test_next_meeting import calendar_of, is_calendar


async def danish_case(emulator, bot, first_type: str, *, day: str | None = None):
    cia = await make_coordinator(emulator, bot, emulator.user(1, "Cia"))
    await act(cia, cia.send_command("new"))
    await act(cia, cia.send_text("Familie J"))
    await act(cia, cia.press("Meetings during a placement"), contains=first_type)
    await act(cia, cia.press(first_type))
    await act(cia, cia.send_text(day or tomorrow()))
    await act(cia, cia.send_text("14:30"))
    await act(cia, cia.send_text("Stedet"), contains="check")
    await act(cia, cia.press("Create the case"), contains="is ready")
    links = await invite_links(cia)
    people = []
    for n, (name, role) in enumerate((("Mette", "family member"), ("Oliver", "child or young person"),
                                      ("Søren", "professional")), start=2):
        person = emulator.user(n, name)
        await join(person, links[role])
        people.append(person)
    return cia, people


async def test_a_status_meeting_and_a_bornesamtale_both_upcoming(emulator, bot):
    # The status meeting the day after tomorrow, so that the talk with the child
    # (due within 24 hours) is the sooner one whatever the time of day.
    in_two_days = (date.fromisoformat(tomorrow()) + timedelta(days=1)).isoformat()
    cia, (mette, oliver, soren) = await danish_case(emulator, bot, "Status meeting", day=in_two_days)
    await act(cia, cia.send_command("next"), contains="The next meeting about Familie J")
    await act(cia, cia.press(button(cia, "📣 Send to 3")), contains="on its way")

    board = await act(cia, cia.send_command("next"), contains="Not answered yet")
    draft = await act(cia, cia.press("➕ Plan one more meeting", message=board), contains="Also planned")
    assert "Meeting: Status meeting" in draft.text  # the next status meeting, a week after the first
    kinds = await act(cia, cia.press("🔀 Another kind of meeting", message=draft), contains="Which kind")
    draft = await act(cia, cia.press("Talk with the child", message=kinds), contains="unless the child asks")
    assert "Invited: Oliver" in draft.text  # no staff from the place
    await act(cia, cia.press(button(cia, "📣 Send to 1")), contains="on its way")

    calendars = await oliver.wait_for(lambda m: len([x for x in oliver.messages if is_calendar(x)]) == 2, timeout=10)
    assert calendars
    uids = {str(calendar_of(m)["UID"]) for m in oliver.messages if is_calendar(m)}
    assert len(uids) == 2  # two meetings, two calendar entries
    assert len([m for m in soren.messages if is_calendar(m)]) == 1 and len([m for m in mette.messages if is_calendar(m)]) == 1
    async with bot.sessionmaker() as session:
        meetings = list(await session.scalars(select(Meeting).order_by(Meeting.id)))
        invited = {(i.meeting_id, i.person_id) for i in await session.scalars(select(Invitation))}
    assert [m.meeting_type for m in meetings] == ["statusmode", "bornesamtale"]
    assert all(m.status == "planned" and m.ref for m in meetings)
    assert len([1 for meeting_id, _ in invited if meeting_id == meetings[1].id]) == 1

    board = await act(cia, cia.send_command("next"), contains="Also planned")
    # The soonest first: the talk with the child is due within 24 hours of the start.
    assert "Talk with the child" in board.text and "Oliver" in board.text and "Mette" not in board.text
    other = next(b.text for row in board.buttons for b in row if b.text.startswith("👉 Status meeting"))
    status = await act(cia, cia.press(other, message=board), contains="Not answered yet: Mette")
    assert "Søren" in status.text and "Status meeting\n" in status.text  # the status meeting's own answers
    assert any(b.text.startswith("👉 Talk with the child") for row in status.buttons for b in row)


async def test_ending_a_status_meeting_without_a_next_one_asks_first(emulator, bot):
    cia, (mette, oliver, soren) = await danish_case(emulator, bot, "Status meeting")
    control = await act(cia, cia.send_command("meeting"), contains="Who is here?")
    await act(cia, cia.press("▫ Mette", message=control), contains="✅ Mette")
    await act(cia, cia.press("▫ Oliver", message=control), contains="✅ Oliver")
    await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of")
    await act(cia, cia.press("⏹ End the meeting", message=control), contains="No next Status meeting is planned yet")
    await act(cia, cia.press("End without a next one"), contains="The meeting has ended")


async def test_an_overdue_first_network_meeting_is_said_plainly_from_the_recorded_placement(emulator, bot):
    from datetime import datetime, timedelta

    from bot.db.models import Case
    from tests.auxil.people import STOCKHOLM

    cia, _people = await danish_case(emulator, bot, "Network meeting")
    draft = await act(cia, cia.send_command("next"), contains="placement date is not recorded yet")
    ask = await act(cia, cia.press("🏠 Placement date", message=draft), contains="On what day was the child placed?")
    assert ask
    placed = datetime.now(STOCKHOLM).date() - timedelta(days=37)
    draft = await act(cia, cia.send_text(placed.isoformat()), contains="overdue")
    assert "Network meeting is 9 days overdue" in draft.text and "first possible day" in draft.text
    assert "🏠 Placed on:" in draft.text
    async with bot.sessionmaker() as session:
        case = await session.scalar(select(Case))
    assert case.placed_on == placed


async def test_the_child_reads_the_talks_purpose_and_their_part_in_each_step_before_the_questions(emulator, bot):
    cia, (mette, oliver, soren) = await danish_case(emulator, bot, "Talk with the child")
    notice = await oliver.wait_for(lambda m: "You can prepare" in m.text, timeout=10)
    intro = await act(oliver, oliver.press("Start preparing ▶", message=notice), contains="How the meeting goes")
    assert "Talk with the child" in intro.text and "life at the place" in intro.text
    assert "1. Getting comfortable: you speak" in intro.text


async def test_the_talk_with_the_child_comes_again_before_a_recorded_decision(emulator, bot):
    from datetime import datetime

    from bot.db.models import Case
    from tests.auxil.people import STOCKHOLM

    cia, (mette, oliver, soren) = await danish_case(emulator, bot, "Talk with the child")
    await act(cia, cia.send_command("next"), contains="The next meeting about Familie J")
    await act(cia, cia.press(button(cia, "📣 Send to 1")), contains="on its way")
    board = await act(cia, cia.send_command("next"), contains="Not answered yet")
    draft = await act(cia, cia.press("➕ Plan one more meeting", message=board), contains="Also planned")
    assert "If a decision is coming in the case" in draft.text
    await act(cia, cia.press("⚖️ Decision date", message=draft), contains="On what day is the decision to be made?")
    decision = datetime.now(STOCKHOLM).date() + timedelta(days=40)
    draft = await act(cia, cia.send_text(decision.isoformat()), contains="The model says: Talk with the child before")
    assert "The model says: Talk with the child before the decision, by" in draft.text
    assert "Talk with the child before the decision: due by" in draft.text  # in the series overview too
    assert "⚖️ A decision is due on:" in draft.text
    async with bot.sessionmaker() as session:
        case = await session.scalar(select(Case))
    assert case.decision_on == decision
