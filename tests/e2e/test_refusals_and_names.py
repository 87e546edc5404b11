"""Small promises end to end: the Telegram-name button submits what it shows,
text while the /language buttons wait is answered like any button question,
and a refused or forged press changes nothing, not even the pressed message."""

import asyncio

from sqlalchemy import select

from bot.db.models import Invite, Person
from tests.auxil.people import act, button, create_case, invite_links, make_coordinator
from tests.e2e.test_preparation import case_with, start_preparing


async def test_the_use_telegram_name_button_works_for_a_long_name_with_html(emulator, bot):
    cia = await make_coordinator(emulator, bot, emulator.user(1, "Cia"))
    await create_case(cia)
    links = await invite_links(cia)
    first = "<b>Anna-Maria</b> & <i>Lou</i>"
    last = "von Berg-Hohenstein " * 4 + "<script>x</script>"
    anna = emulator.user(2, first, last_name=last)
    assert len(anna.full_name) >= 100
    await act(anna, anna.open_link(links["family member"]), contains="agree")
    await act(anna, anna.press(button(anna, "I agree")), contains="What name")
    label = button(anna, "Use")
    shown = label.removeprefix("Use “").removesuffix("”")
    assert len(shown) <= 60 and anna.full_name.startswith(shown)
    confirm = await act(anna, anna.press(label), contains="Is that right?")
    assert shown in confirm.text  # HTML characters shown as written, not read as HTML
    await act(anna, anna.press(button(anna, "Yes")), contains="Welcome")
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(Person.name).where(Person.telegram_user_id == 2)) == shown
    joined = await cia.wait_for(lambda m: "has joined" in m.text, timeout=10)
    assert shown in joined.text


async def test_text_while_the_language_buttons_wait_asks_again_with_the_buttons(emulator, bot):
    cia, (anna,) = await case_with(emulator, bot, "family member")
    await anna.wait_for(lambda m: "You can prepare" in m.text, timeout=10)
    await act(anna, anna.send_command("language"), contains="Which language")
    await act(anna, anna.send_text("svenska tack"), contains="Which language")
    assert any("Please use the buttons under the message." in m.text for m in anna.bot_messages[-2:])
    assert not any("not waiting for an answer" in m.text for m in anna.bot_messages)
    await act(anna, anna.press("Svenska"), contains="svenska")
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(Person.language).where(Person.telegram_user_id == anna.user_id)) == "sv"
    # Someone who has not joined is asked again too.
    eve = emulator.user(9, "Eve")
    await act(eve, eve.send_command("language"), contains="Which language")
    await act(eve, eve.send_text("suomi"), contains="Which language")
    assert any("Please use the buttons under the message." in m.text for m in eve.bot_messages)


async def buttons_stay(user, message, *, settle: float = 0.6) -> None:
    await user.wait_until_answered(timeout=10)
    await asyncio.sleep(settle)  # a clearing, were there one, would have gone out by now
    assert message.buttons and not message.edited, message


async def test_refused_and_forged_presses_leave_the_real_buttons_alone(emulator, bot):
    cia, (anna, lars) = await case_with(emulator, bot, "family member", "network member")
    question = await start_preparing(anna)
    revoke = next(m for m in cia.messages if m.photo is not None and "family member" in (m.caption or "")).buttons[0][0].callback_data
    # A coordinator's revoke button, pressed (forged) by Anna on her own current question.
    await anna.press_data(revoke, question.message_id)
    await buttons_stay(anna, question)
    assert "does not work" in anna.callback_answers[-1]
    # A task button naming nothing of hers.
    await anna.press_data("-|task:done:AAAAAAAAAAAAAAAA", question.message_id)
    await buttons_stay(anna, question)
    # An old version of her own conversation: answered, asked again, the message untouched.
    await anna.press_data("12345|prep:skip", question.message_id)
    await buttons_stay(anna, question)
    assert "earlier message" in anna.callback_answers[-1]
    # Another flow's action with her current version is refused too.
    version = question.buttons[0][0].callback_data.split("|")[0]
    await anna.press_data(f"{version}|setup:create", question.message_id)
    await buttons_stay(anna, question)
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(Invite.id).where(Invite.revoked_at.is_not(None))) is None
    # The buttons still work.
    await act(anna, anna.press("Skip ▶", message=question), contains="Question 2 of")
