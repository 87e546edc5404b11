"""The Bot API emulator, exercised through python-telegram-bot over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import time

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.emulator import BotApiEmulator, Faults, make_png, parse_html, render_chat
from bot.emulator.html import HtmlError

# PTB 22 warns that RetryAfter.retry_after will become a timedelta; both are handled below.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def emu():
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest.fixture
async def bot(emu):
    async with Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url) as b:
        yield b


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in row]
                                 for row in rows])


def seconds(retry_after: int | dtm.timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, dtm.timedelta) else retry_after


async def started(emu: BotApiEmulator, user_id: int = 1001, name: str = "Anna", **kw):
    user = emu.user(user_id, name, **kw)
    await user.send_command("start")
    return user


# ---- protocol ----------------------------------------------------------------

async def test_get_me_and_protocol_errors(emu, bot):
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "meetbot_test_bot", True)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emu.base_url}999:WRONG/getMe") as r:
            assert r.status == 401
            assert await r.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        async with http.post(f"{emu.base_url}{emu.token}/noSuchMethod") as r:
            assert r.status == 404
            assert (await r.json())["description"] == "Not Found"
        # JSON body, urlencoded form and GET query all work, JSON-in-form is decoded.
        await started(emu)
        markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
        async with http.post(f"{emu.base_url}{emu.token}/sendMessage",
                             json={"chat_id": 1001, "text": "json", "reply_markup": markup}) as r:
            body = await r.json()
            assert body["ok"] and body["result"]["reply_markup"] == markup
        async with http.post(f"{emu.base_url}{emu.token}/sendMessage",
                             data={"chat_id": "1001", "text": "form",
                                   "reply_markup": json.dumps(markup)}) as r:
            assert (await r.json())["result"]["text"] == "form"
        async with http.get(f"{emu.base_url}{emu.token}/getMe") as r:
            assert (await r.json())["result"]["username"] == "meetbot_test_bot"
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=emu.base_url) as wrong:
            await wrong.get_me()
    assert [c.status for c in emu.calls_of("sendMessage")] == [200, 200]
    assert emu.calls_of("sendMessage")[1].params["reply_markup"] == markup


async def test_get_updates_keeps_updates_until_confirmed(emu, bot):
    anna = emu.user(1001, "Anna")
    sent = [await anna.send_text(f"hello {i}") for i in range(3)]
    first = await bot.get_updates()
    assert [u.message.text for u in first] == ["hello 0", "hello 1", "hello 2"]
    assert [u.update_id for u in first] == [u["update_id"] for u in sent]
    again = await bot.get_updates(limit=2)
    assert [u.update_id for u in again] == [u.update_id for u in first[:2]]  # not lost
    rest = await bot.get_updates(offset=first[1].update_id)
    assert [u.message.text for u in rest] == ["hello 1", "hello 2"]
    assert await bot.get_updates(offset=first[-1].update_id + 1) == ()
    assert emu.confirmed_offset == first[-1].update_id + 1
    assert emu.pending_updates == []


async def test_long_poll_wakes_up_when_an_update_arrives(emu, bot):
    anna = emu.user(1001, "Anna")
    began = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    await anna.send_text("wake up")
    updates = await asyncio.wait_for(poll, 2)
    assert [u.message.text for u in updates] == ["wake up"]
    assert time.monotonic() - began < 1.0
    began = time.monotonic()
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0.3) == ()
    assert time.monotonic() - began >= 0.25  # an empty long poll does wait


async def test_allowed_updates_webhook_and_competing_polls(emu, bot):
    anna = await started(emu)
    first = await bot.get_updates(allowed_updates=["message"])
    assert [u.message.text for u in first] == ["/start"]
    await anna.block()  # a my_chat_member update, which this bot did not ask for
    await anna.unblock()
    await anna.send_text("still here")
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest] == ["still here"]

    await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict, match="(?i)webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()

    waiting = asyncio.create_task(bot.get_updates(offset=rest[-1].update_id + 1, timeout=5))
    await asyncio.sleep(0.05)
    async with Bot(emu.token, base_url=emu.base_url) as second_instance:
        assert await second_instance.get_updates(offset=rest[-1].update_id + 1) == ()
    with pytest.raises(Conflict, match="(?i)terminated by other getUpdates request"):
        await asyncio.wait_for(waiting, 1)


# ---- messages, buttons, edits ----------------------------------------------------

async def test_html_message_with_keyboard_as_the_person_sees_it(emu, bot):
    anna = await started(emu, language_code="sv")
    sent = await bot.send_message(
        1001, "<b>Hej</b> Anna &amp; co 😀 <i>kommer</i> du?", parse_mode="HTML",
        reply_markup=keyboard([("Ja", "rsvp:yes"), ("Nej", "rsvp:no")]))
    assert sent.text == "Hej Anna & co 😀 kommer du?"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 3), ("italic", 17, 6)]  # offsets in UTF-16: the emoji counts twice
    assert sent.from_user.id == 123456 and sent.chat.id == 1001
    seen = anna.last_bot_message
    assert seen.message_id == sent.message_id == 2  # ids are per chat, /start was 1
    assert seen.text == "Hej Anna & co 😀 kommer du?"
    assert seen.html.startswith("<b>Hej</b>")
    assert [[(b.text, b.callback_data) for b in row] for row in seen.buttons] == [
        [("Ja", "rsvp:yes"), ("Nej", "rsvp:no")]]


async def test_press_gives_a_callback_query_and_it_must_be_answered_once(emu, bot):
    anna = await started(emu)
    sent = await bot.send_message(1001, "Coming?", reply_markup=keyboard([("Yes", "y"), ("No", "n")]))
    raw = await anna.press("Yes")
    update = Update.de_json(raw, bot)
    query = update.callback_query
    assert query.data == "y" and query.from_user.id == 1001
    assert query.message.message_id == sent.message_id and query.message.text == "Coming?"
    assert anna.unanswered_presses == [query.id]
    assert await bot.answer_callback_query(query.id, text="Noted") is True
    assert anna.callback_answers == ["Noted"] and anna.unanswered_presses == []
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(BadRequest, match="(?i)query ID is invalid"):
        await bot.answer_callback_query("12345")
    by_data = Update.de_json(await anna.press("n"), bot)
    assert by_data.callback_query.data == "n"
    with pytest.raises(LookupError, match="no button 'Maybe'"):
        await anna.press("Maybe")


async def test_edit_message_text_and_markup(emu, bot):
    anna = await started(emu)
    sent = await bot.send_message(1001, "Pick one", reply_markup=keyboard([("A", "a")]))
    before = len(anna.messages)
    edited = await bot.edit_message_text("Picked <b>A</b>", chat_id=1001,
                                         message_id=sent.message_id, parse_mode="HTML")
    assert edited.text == "Picked A" and edited.reply_markup is None  # no markup: keyboard goes
    seen = await anna.wait_for(lambda m: m.text == "Picked A", after=before, timeout=1)
    assert seen.edited and seen.buttons == [] and len(anna.messages) == before
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("Picked <b>A</b>", chat_id=1001,
                                    message_id=sent.message_id, parse_mode="HTML")
    assert emu.calls[-1].response == {
        "ok": False, "error_code": 400,
        "description": "Bad Request: message is not modified: specified new message content "
                       "and reply markup are exactly the same as a current content and reply "
                       "markup of the message"}
    mark = anna.mark()
    await bot.edit_message_reply_markup(1001, sent.message_id, reply_markup=keyboard([("B", "b")]))
    assert anna.messages[-1].buttons[0][0].text == "B"
    with pytest.raises(TimeoutError):  # new buttons alone are not "the bot said something"
        await anna.wait_for(after=mark, timeout=0.05)
    assert await anna.wait_for(lambda m: m.buttons != [], after=mark, timeout=0.05)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=1001, message_id=999)
    with pytest.raises(BadRequest, match="(?i)message can't be edited"):
        await bot.edit_message_text("x", chat_id=1001, message_id=1)  # the person's /start
    assert await bot.delete_message(1001, sent.message_id) is True
    assert anna.last_bot_message is None and anna.messages[-1].deleted


async def test_photo_and_document_uploads(emu, bot):
    anna = await started(emu)
    png = make_png(300, 200)
    photo = await bot.send_photo(1001, png, caption="<b>Map</b>", parse_mode="HTML")
    assert (photo.photo[-1].width, photo.photo[-1].height) == (300, 200)
    assert photo.photo[-1].file_size == len(png) and photo.caption == "Map"
    assert photo.caption_entities[0].type == "bold"
    assert anna.last_bot_message.photo == png and anna.last_bot_message.caption == "Map"
    again = await bot.send_photo(1001, photo.photo[-1].file_id)
    assert again.photo[-1].file_id == photo.photo[-1].file_id and anna.messages[-1].photo == png
    doc = await bot.send_document(1001, b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                                  filename="meeting.ics", caption="Calendar")
    assert doc.document.file_name == "meeting.ics" and doc.document.mime_type == "text/calendar"
    assert anna.last_bot_message.document == ("meeting.ics",
                                              b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    file = await bot.get_file(doc.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    with pytest.raises(BadRequest, match="(?i)IMAGE_PROCESS_FAILED"):
        await bot.send_photo(1001, b"not an image")
    with pytest.raises(BadRequest, match="(?i)message caption is too long"):
        await bot.send_document(1001, b"x", filename="a.txt", caption="c" * 1025)
    with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
        await bot.send_document(1001, "no-such-file-id")


async def test_commands_are_stored_per_scope_and_language(emu, bot):
    await bot.set_my_commands([("start", "Start"), ("help", "Help")])
    await bot.set_my_commands([("start", "Börja")], language_code="sv")
    await bot.set_my_commands([("mine", "Mine")], scope=BotCommandScopeAllPrivateChats(),
                              language_code="fi")
    assert [c.description for c in await bot.get_my_commands(language_code="sv")] == ["Börja"]
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert await bot.get_my_commands(language_code="da") == ()  # exact lookup, no fallback
    assert emu.commands(language_code="sv") == [{"command": "start", "description": "Börja"}]
    assert emu.commands({"type": "all_private_chats"}, "fi")[0]["command"] == "mine"
    assert emu.visible_commands(emu.user(5, "Dane", language_code="da"))[0]["description"] == "Start"
    assert emu.visible_commands(emu.user(6, "Finn", language_code="fi"))[0]["command"] == "mine"
    await bot.delete_my_commands(language_code="sv")
    assert emu.commands(language_code="sv") == []
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Bad-Command", "x")])


# ---- Telegram's refusals -------------------------------------------------------

async def test_chat_not_found_until_the_person_writes(emu, bot):
    emu.user(1001, "Anna")
    with pytest.raises(BadRequest, match="(?i)Chat not found"):
        await bot.send_message(1001, "hi")
    with pytest.raises(BadRequest, match="(?i)Chat not found"):
        await bot.send_message(4242, "hi")
    await emu.user(1001, "Anna").send_text("hello")
    assert (await bot.send_message(1001, "hi")).text == "hi"


async def test_length_limits_count_visible_characters(emu, bot):
    anna = await started(emu)
    fits = "<b>" + "x" * 4096 + "</b>"  # 4103 characters of HTML, 4096 visible
    assert len((await bot.send_message(1001, fits, parse_mode="HTML")).text) == 4096
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(1001, "x" * 4097)
    assert emu.calls[-1].response["description"] == "Bad Request: message is too long"
    with pytest.raises(BadRequest, match="(?i)text is empty"):
        await bot.send_message(1001, "  <b> </b> ", parse_mode="HTML")
    assert len(anna.bot_messages) == 1


@pytest.mark.parametrize("html, why", [
    ("<blink>x</blink>", 'Unsupported start tag "blink"'),
    ("<b>bold", "Can't find end tag"),
    ("<b><i>x</b></i>", "Unmatched end tag"),
    ("1 < 2", "bare '<'"),
    ("Tom & Jerry", "'&'"),
    ("<span>x</span>", "tg-spoiler"),
])
async def test_invalid_html_is_refused(emu, bot, html, why):
    anna = await started(emu)
    with pytest.raises(BadRequest, match="(?i)Can't parse entities") as err:
        await bot.send_message(1001, html, parse_mode="HTML")
    assert why.lower() in str(err.value).lower()
    description = emu.calls_of("sendMessage")[-1].response["description"]
    assert description.startswith("Bad Request: can't parse entities: ") and why in description
    assert anna.bot_messages == []


async def test_blocked_person_gives_forbidden(emu, bot):
    anna = await started(emu)
    update = await anna.block()
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await bot.send_message(1001, "hello?")
    await anna.unblock()
    assert (await bot.send_message(1001, "welcome back")).text == "welcome back"


# ---- faults and flood control ----------------------------------------------------

async def test_forced_429_is_retry_after_and_delivers_nothing(emu, bot):
    anna = await started(emu)
    emu.faults.next_429 = [7]
    with pytest.raises(RetryAfter) as err:
        await bot.send_message(1001, "hi")
    assert seconds(err.value.retry_after) == 7
    assert anna.bot_messages == [] and emu.stats["faults_429"] == 1
    assert emu.calls_of("sendMessage")[-1].status == 429
    await bot.send_message(1001, "now")
    assert [m.text for m in anna.bot_messages] == ["now"]


async def test_502_faults_are_network_errors_and_reproducible(emu, bot):
    anna = await started(emu)
    emu.faults = Faults(error_rate=0.5, seed=42)
    outcomes = []
    for i in range(20):
        try:
            await bot.send_message(1001, f"m{i}")
            outcomes.append(True)
        except NetworkError as exc:
            assert "Bad Gateway" in str(exc)
            outcomes.append(False)
    assert 3 < outcomes.count(False) < 17
    assert [m.text for m in anna.bot_messages] == [f"m{i}" for i, ok in enumerate(outcomes) if ok]
    assert await bot.get_updates() != ()  # never faulted
    emu.faults = Faults(error_rate=0.5, seed=42)
    replay = []
    for i in range(20):
        try:
            await bot.send_message(1001, "again")
            replay.append(True)
        except NetworkError:
            replay.append(False)
    assert replay == outcomes


async def test_scripted_answers_for_one_method_in_turn_deliver_nothing(emu, bot):
    from telegram.error import TelegramError

    anna = await started(emu)
    emu.faults.scripted = {"sendMessage": ["unparsable", "not json", "502"], "setMyCommands": ["502"]}
    with pytest.raises(KeyError):  # a 200 whose message python-telegram-bot cannot read
        await bot.send_message(1001, "one")
    with pytest.raises(TelegramError, match="Invalid server response"):
        await bot.send_message(1001, "two")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(1001, "three")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.set_my_commands([("help", "Help")])
    assert anna.bot_messages == [] and emu.commands() == [] and emu.stats["faults_scripted"] == 4
    await bot.send_message(1001, "now")
    assert await bot.set_my_commands([("help", "Help")])
    assert [m.text for m in anna.bot_messages] == ["now"] and emu.commands()[0]["command"] == "help"


async def test_delay_fault_slows_each_call(emu, bot):
    emu.faults.delay = 0.2
    began = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - began >= 0.2


async def test_rate_limits_per_chat_and_overall(emu, bot):
    anna = await started(emu)
    for i in range(3):  # the burst Telegram tolerates
        await bot.send_message(1001, f"burst {i}")
    emu.rate_limits = True
    sent = 0
    with pytest.raises(RetryAfter) as err:
        for i in range(5):
            await bot.send_message(1001, f"fast {i}")
            sent += 1
    assert sent == 3 and seconds(err.value.retry_after) >= 1
    assert emu.calls[-1].response["parameters"]["retry_after"] >= 1
    assert emu.stats["rate_limited"] == 1
    assert len(anna.bot_messages) == 6
    others = [await started(emu, 2000 + i, f"P{i}") for i in range(31)]
    with pytest.raises(RetryAfter):
        for other in others:
            await bot.send_message(other.id, "news")
    assert emu.stats["rate_limited"] == 2
    # At most 30 a second in all; Anna's 3 were (normally) in this same second.
    assert 27 <= sum(len(o.bot_messages) for o in others) <= 30


# ---- acting as people ------------------------------------------------------------

async def test_deep_link_becomes_start_with_payload(emu, bot):
    anna = emu.user(1001, "Anna")
    raw = await anna.open_link("https://t.me/meetbot_test_bot?start=inv_ABC-123")
    msg = Update.de_json(raw, bot).message
    assert msg.text == "/start inv_ABC-123"
    assert msg.entities[0].type == "bot_command" and msg.entities[0].length == 6
    assert anna.started
    assert await anna.open_link("https://t.me/meetbot_test_bot") is None  # already started
    with pytest.raises(ValueError, match="not to @meetbot_test_bot"):
        await anna.open_link("https://t.me/other_bot?start=x")
    with pytest.raises(ValueError, match="start parameter"):
        await anna.open_link("https://t.me/meetbot_test_bot?start=has space")


async def test_press_data_forges_any_callback(emu, bot):
    anna = await started(emu)
    sent = await bot.send_message(1001, "Menu", reply_markup=keyboard([("A", "a")]))
    query = Update.de_json(await anna.press_data("admin:delete_all", sent.message_id), bot)
    assert query.callback_query.data == "admin:delete_all"
    assert query.callback_query.message.message_id == sent.message_id
    with pytest.raises(LookupError):
        await anna.press_data("x", 999)


async def test_transcript_reads_like_a_phone(emu, bot):
    anna = await started(emu, last_name="Berg", username="anna", language_code="sv")
    await bot.send_message(1001, "Welcome to the family-network meeting for Leo. " * 3,
                           reply_markup=InlineKeyboardMarkup([
                               [InlineKeyboardButton("Yes", callback_data="y"),
                                InlineKeyboardButton("No", callback_data="n")],
                               [InlineKeyboardButton("Open", url="https://example.org")]]))
    await bot.send_photo(1001, make_png(64, 64), caption="The room")
    await bot.send_document(1001, b"x" * 1500, filename="meeting.ics")
    query = Update.de_json(await anna.press("Yes"), bot).callback_query
    await bot.answer_callback_query(query.id, "Saved")
    text = render_chat(anna)
    lines = text.splitlines()
    assert lines[0].startswith("── Anna Berg (@anna) · sv ──") and len(lines[0]) == 72
    assert lines[1] == "  you › /start"
    assert lines[2].startswith("  bot › Welcome to the family-network meeting for Leo.")
    assert all(len(line) <= 72 for line in lines)
    assert "        [ Yes ] [ No ]" in lines and "        [ Open ↗ ]" in lines
    assert any(line.startswith("  bot › [photo: ") and line.endswith(" B]") for line in lines)
    assert "        The room" in lines
    assert "  bot › [file: meeting.ics]" in lines
    assert lines[-2:] == ["  you · pressed [ Yes ]", "  bot · ⓘ Saved"]


# ---- with a real python-telegram-bot Application ---------------------------------

async def test_application_polling_round_trip(emu):
    async def start(update, context):
        await update.message.reply_html("Hi <b>there</b>!", reply_markup=keyboard([("Ping", "ping")]))

    async def pressed(update, context):
        await update.callback_query.answer("Pong!")
        await update.callback_query.edit_message_text("Ponged")
        await context.bot.send_message(update.effective_chat.id, "Anything else?")

    async def echo(update, context):
        await update.message.reply_text(update.message.text.upper())

    app = (Application.builder().token(emu.token).base_url(emu.base_url)
           .base_file_url(emu.base_file_url).build())
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    anna = emu.user(1001, "Anna")
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=1)
        try:
            await anna.open_link("https://t.me/meetbot_test_bot?start=abc")
            hello = await anna.wait_for(lambda m: "there" in m.text, timeout=3)
            assert hello.buttons[0][0].text == "Ping"
            before = len(anna.messages)
            await anna.press("Ping")
            await anna.wait_until_answered(timeout=3)
            assert anna.callback_answers == ["Pong!"]
            assert anna.messages[before - 1].text == "Ponged"
            assert (await anna.wait_for(after=before, timeout=0.1)).text in ("Ponged",
                                                                             "Anything else?")
            await anna.send_text("shout")
            assert (await anna.wait_for(timeout=3)).text == "SHOUT"
            with pytest.raises(TimeoutError, match="you › shout"):
                await anna.wait_for(lambda m: m.text == "never", timeout=0.2)
        finally:
            await app.updater.stop()
            await app.stop()
    assert emu.pending_updates == []


# ---- the HTML parser on its own ------------------------------------------------

def test_parse_html_entities_and_links():
    parsed = parse_html('  <a href="https://x.org/?a=1&amp;b=2">link</a> <pre><code '
                        'class="language-python">x = 1</code></pre> <tg-spoiler>s</tg-spoiler>\n')
    assert parsed.text == "link x = 1 s"
    assert parsed.entities == [
        {"type": "text_link", "offset": 0, "length": 4, "url": "https://x.org/?a=1&b=2"},
        {"type": "pre", "offset": 5, "length": 5, "language": "python"},
        {"type": "spoiler", "offset": 11, "length": 1}]
    with pytest.raises(HtmlError, match="byte offset 3"):
        parse_html("ä <x>")


# ---- raw updates and group chats ---------------------------------------------------
async def raw_updates(emu, offset: int = 0) -> list[dict]:
    """getUpdates as JSON, not parsed by python-telegram-bot (which would fail on odd ones)."""
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emu.base_url}{emu.token}/getUpdates", json={"offset": offset}) as response:
            return (await response.json())["result"]


async def test_an_injected_update_of_any_shape_is_delivered_as_it_is(emu, bot):
    anna = emu.user(1001, "Anna")
    await bot.get_updates(allowed_updates=["message"])  # a poll is not among them
    odd = emu.inject_update({"message": {"message_id": 1, "date": "yesterday", "chat": anna.chat_json(),
                                         "from": anna.user_json(), "text": "hi"}}, user=anna)
    old_poll = emu.inject_update({"poll": {"id": "7", "question": "?", "options": []}})
    garbage = emu.inject_update({"surprise": [1, 2, 3]})
    assert [u["update_id"] for u in (odd, old_poll, garbage)] == [odd["update_id"] + i for i in range(3)]
    assert await raw_updates(emu) == [odd, old_poll, garbage]
    assert anna.update_ids == [odd["update_id"]]
    with pytest.raises(Exception):  # python-telegram-bot cannot parse this batch: the point of injecting
        await bot.get_updates()
    assert await raw_updates(emu, garbage["update_id"] + 1) == []
    assert emu.confirmed_offset == garbage["update_id"] + 1


async def test_a_group_hears_nothing_until_the_bot_is_added_and_the_bot_can_leave(emu, bot):
    anna = await started(emu)
    await bot.get_updates(offset=-1)
    group = emu.group(-1001, "Family chat", kind="supergroup")
    await group.send_text("before the bot", by=anna)  # the bot is not there: no update
    with pytest.raises(Forbidden, match="not a member of the supergroup chat"):
        await bot.send_message(group.id, "hello")
    added = await group.add_bot(by=anna)
    await group.send_command("help", by=anna)
    updates = await bot.get_updates(offset=added["update_id"])
    member, command = updates
    assert member.my_chat_member.chat.type == "supergroup"
    assert member.my_chat_member.from_user.id == anna.id
    assert member.my_chat_member.new_chat_member.status == "member"
    assert command.message.chat.id == group.id and command.message.from_user.id == anna.id
    assert command.message.text == "/help"

    sent = await bot.send_message(group.id, "posted into the group", reply_markup=keyboard([("Press", "p")]))
    assert group.bot_messages[-1].text == "posted into the group"
    forwarded = await group.forward(group.bot_messages[-1], by=anna)
    await group.press("Press", forwarded, by=anna)
    await group.edit_text(command.message.message_id, "/help again")
    more = await bot.get_updates(offset=command.update_id + 1)
    assert [u.effective_message.chat.id for u in more] == [group.id] * 3
    assert more[0].message.forward_origin is not None
    assert more[1].callback_query.message.chat.id == group.id
    assert more[1].callback_query.from_user.id == anna.id
    assert more[2].edited_message.text == "/help again"
    assert sent.chat.type == "supergroup"

    with pytest.raises(BadRequest, match="private chats"):
        await bot.leave_chat(anna.id)
    assert await bot.leave_chat(group.id) is True
    assert not group.bot_member
    (left,) = await bot.get_updates(offset=more[-1].update_id + 1)
    assert left.my_chat_member.new_chat_member.status == "left"
    assert left.my_chat_member.chat.id == group.id
    with pytest.raises(Forbidden, match="not a member"):
        await bot.leave_chat(group.id)
    await group.send_text("after the bot left", by=anna)
    assert await bot.get_updates(offset=left.update_id + 1) == ()


async def test_a_bot_added_to_a_channel_is_made_an_administrator(emu, bot):
    anna = await started(emu)
    await bot.get_updates(offset=-1)
    channel = emu.group(-1002, "News", kind="channel")
    added = await channel.add_bot(by=anna)
    (update,) = await bot.get_updates(offset=added["update_id"])
    assert update.my_chat_member.new_chat_member.status == "administrator"
    assert update.my_chat_member.chat.type == "channel"
    assert emu.group(-1002, "News") is channel
    with pytest.raises(ValueError):
        emu.group(anna.id, "Not a group")
    assert emu.users == [anna]
