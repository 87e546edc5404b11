"""Closing a case end to end, and purging it after the retention period."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from bot.db.models import Broadcast, Case, Invitation, Invite, Job, Meeting, Person
from bot.purge import purge_with
from tests.auxil.people import act, button
from tests.e2e.test_meeting import meeting_with


async def test_closing_tells_everyone_in_their_language_and_stops_what_was_planned(emulator, bot):
    cia, (anna, aino) = await meeting_with(emulator, bot, [("Anna", "family member"), ("Aino", "professional")])
    notice = await anna.wait_for(lambda m: "You can prepare" in m.text, timeout=10)
    await act(aino, aino.send_command("language"), contains="Which language")
    await act(aino, aino.press("Suomi"), contains="suomeksi")
    await act(anna, anna.send_command("close"), contains="Only the coordinator")
    await act(cia, cia.send_command("close"), contains="Close")
    await act(cia, cia.press("No, keep it open"), contains="stays open")
    await act(cia, cia.send_command("close"), contains="erased 365 days after closing")
    await act(cia, cia.press(button(cia, "Yes, close")), contains="I have told the 2 people")
    closed = await anna.wait_for(lambda m: "Family A is now closed" in m.text, timeout=10)
    assert "get in touch again if things get harder" in closed.text  # the systemic model's own words
    await aino.wait_for(lambda m: "on nyt päätetty" in m.text, timeout=10)
    await act(anna, anna.press("Start preparing ▶", message=notice), contains="not available")
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(Case.status)) == "closed"
        # Nothing more is planned, but for the check that everyone was reached (and the daily retention).
        assert list(await session.scalars(select(Job.kind).where(Job.done_at.is_(None), Job.kind != "purge"))) in (
            [], ["broadcast_report"])
        assert await session.scalar(select(func.count()).select_from(Invite).where(Invite.case_id.is_not(None), Invite.revoked_at.is_(None))) == 0
    await act(cia, cia.send_command("close"), contains="no open cases")


async def test_purge_erases_a_closed_case_and_the_people_only_in_it(emulator, bot):
    cia, (anna,) = await meeting_with(emulator, bot, [("Anna", "family member")])
    await act(cia, cia.send_command("close"), contains="Close")
    await act(cia, cia.press(button(cia, "Yes, close")), contains="is closed")
    erased = await purge_with(bot.sessionmaker, retention_days=30, now=datetime.now(timezone.utc) + timedelta(days=31))
    assert erased["closed cases"] == 1 and erased["people no longer in any case"] == 1
    async with bot.sessionmaker() as session:
        assert list(await session.scalars(select(Person.name))) == ["Cia"]  # the coordinator stays


async def test_closing_takes_an_announced_meeting_out_of_the_calendars(emulator, bot):
    from tests.e2e.test_next_meeting import announce, calendar_of, held_meeting, is_calendar

    cia, (anna, lars) = await held_meeting(emulator, bot, [("Anna", "family member"), ("Lars", "network member")])
    await announce(cia)
    invitation = await anna.wait_for(lambda m: "The next meeting about" in m.text, timeout=10)
    first = calendar_of(await anna.wait_for(is_calendar, timeout=10))
    await act(cia, cia.send_command("close"), contains="Close")
    before = len(anna.messages)
    await act(cia, cia.press(button(cia, "Yes, close")), contains="I have told the 2 people")
    closed = await anna.wait_for(lambda m: "Family A is now closed" in m.text, after=before, timeout=10)
    assert "will not take place" in closed.text
    cancelled = calendar_of(await anna.wait_for(is_calendar, after=before, timeout=10))
    assert str(cancelled["uid"]) == str(first["uid"]) and int(cancelled["sequence"]) == 1
    assert str(cancelled["status"]) == "CANCELLED"
    await act(anna, anna.press("✅ I'm coming", message=invitation), contains="cancelled")
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Job).where(
            Job.done_at.is_(None), Job.kind.not_in(("broadcast_report", "purge")))) == 0
    # After the retention period, purge erases it all and says what it erased.
    erased = await purge_with(bot.sessionmaker, retention_days=30, now=datetime.now(timezone.utc) + timedelta(days=31))
    assert erased["closed cases"] == 1 and erased["meetings"] == 2 and erased["invitations and their answers"] == 2
    async with bot.sessionmaker() as session:
        for table in (Invitation, Meeting, Broadcast):
            assert await session.scalar(select(func.count()).select_from(table)) == 0


async def test_an_organisations_own_closing_advice_reaches_everyone_in_their_language(emulator, database_url, tmp_path):
    import re

    from flows.meeting_models import BUILTIN_DIR
    from tests.auxil.people import case_with_people
    from tests.auxil.running import running_bot

    advice = "Call the family centre on 010-123 45 67 if things get harder."
    own = re.sub(r'^closing_advice = ".*"$', f'closing_advice = "{advice}"',
                 (BUILTIN_DIR / "systemic.toml").read_text(encoding="utf-8"), count=1, flags=re.M)
    own += f'\n[translations.sv]\n"{advice}" = "Ring familjecentralen på 010-123 45 67 om det blir svårare."\n'
    (tmp_path / "systemic.toml").write_text(own, encoding="utf-8")
    async with running_bot(emulator, database_url, models_dir=str(tmp_path)) as runtime:
        cia, (anna, lars) = await case_with_people(emulator, runtime, [("Anna", "family member"), ("Lars", "network member")])
        await act(lars, lars.send_command("language"), contains="Which language")
        await act(lars, lars.press("Svenska"), contains="svenska")
        await act(cia, cia.send_command("close"), contains="Close")
        await act(cia, cia.press(button(cia, "Yes, close")), contains="is closed")
        assert advice in (await anna.wait_for(lambda m: "is now closed" in m.text, timeout=10)).text
        closed = await lars.wait_for(lambda m: "Ring familjecentralen på 010-123 45 67" in m.text, timeout=10)
        assert "Call the family centre" not in closed.text
