"""Webhook mode: Telegram posts updates to our server behind a reverse proxy
(the emulator plays both), which checks the secret, stores and only then says 200."""

import aiohttp
from sqlalchemy import func, select

from bot.db.models import InboundUpdate
from bot.ops.models import ServiceValue
from tests.auxil.people import act, create_case, make_coordinator
from tests.auxil.running import running_bot

URL = "https://meetbot.example.org/telegram/updates"


def webhook_settings(**more):
    return dict(webhook_url=URL, webhook_listen="127.0.0.1:0", **more)


async def stored_updates(sessionmaker) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(InboundUpdate))


def an_update(update_id: int) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": 1700000000, "text": "/help",
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        "chat": {"id": 77, "type": "private", "first_name": "Eve"},
        "from": {"id": 77, "is_bot": False, "first_name": "Eve"}}}


async def test_a_request_without_the_right_secret_is_refused_and_nothing_stored(emulator, database_url, sessionmaker):
    async with running_bot(emulator, database_url, **webhook_settings()) as bot:
        secret = emulator.webhook_secret
        assert emulator.webhook_url == URL and len(secret) >= 32  # made at random, kept in the database
        local = f"http://127.0.0.1:{bot.webhook.port}/telegram/updates"
        async with aiohttp.ClientSession() as http:
            async with http.post(local, json=an_update(900)) as answer:
                assert answer.status == 401
            async with http.post(local, json=an_update(901),
                                 headers={"X-Telegram-Bot-Api-Secret-Token": secret[:-1] + "x"}) as answer:
                assert answer.status == 403
            async with http.post(local, data="{not json", headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as answer:
                assert answer.status == 400
            assert await stored_updates(sessionmaker) == 0
            async with http.post(local, json=an_update(902), headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as answer:
                assert answer.status == 200
            async with sessionmaker() as session:
                # Stored before the 200 (handled by now or soon), with nothing else.
                assert list(await session.scalars(select(InboundUpdate.update_id))) == [902]
        async with sessionmaker() as session:
            kept = await session.get(ServiceValue, "webhook_secret")
            assert kept.value.startswith("fernet:") and secret not in kept.value  # sealed with the key
    assert not emulator.calls_of("getUpdates")


async def test_a_configured_secret_is_the_one_telegram_is_given(emulator, database_url):
    async with running_bot(emulator, database_url, **webhook_settings(webhook_secret="our-own_Secret-123")):
        assert emulator.webhook_secret == "our-own_Secret-123"
        (call,) = emulator.calls_of("setWebhook")
        assert set(call.params["allowed_updates"]) == {"message", "edited_message", "callback_query", "my_chat_member"}


async def test_a_coordinator_works_by_webhook_and_then_by_polling_again(emulator, database_url, sessionmaker):
    cia = emulator.user(1, "Cia", language_code="en")
    async with running_bot(emulator, database_url, **webhook_settings()) as bot:
        emulator.webhook_proxy = f"http://127.0.0.1:{bot.webhook.port}"
        await make_coordinator(emulator, bot, cia)
        done = await create_case(cia, pseudonym="Family W")
        assert "Family W" in done.text
        await act(cia, cia.send_command("help"), contains="/meetings")
    assert not emulator.calls_of("getUpdates")
    assert emulator.webhook_url == URL  # a stopped process leaves it: Telegram keeps the updates meanwhile
    cia_waits = await cia.send_command("meetings")  # sent while no bot runs: kept by Telegram

    async with running_bot(emulator, database_url) as bot:  # polling: the webhook goes, the update comes
        assert emulator.webhook_url == "" and emulator.calls_of("deleteWebhook")
        await cia.wait_for(lambda m: m.text.startswith("Your cases") and "Family W" in m.text)
        await act(cia, cia.send_command("help"), contains="/meetings")
    assert emulator.calls_of("getUpdates")
    async with sessionmaker() as session:
        ids = list(await session.scalars(select(InboundUpdate.update_id).where(InboundUpdate.handled_at.is_(None))))
    assert ids == [] and cia_waits["update_id"]
