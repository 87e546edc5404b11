"""The Bot API calls carried by aiohttp (bot/telegram_http.py): what arrives
is what python-telegram-bot meant to send, and failures are the library's."""

from __future__ import annotations

import socket

import pytest
from telegram import Bot, InputFile
from telegram.error import NetworkError, TimedOut

from bot.telegram_http import AiohttpRequest


def _bot(emulator, base_url=None, **timeouts) -> Bot:
    return Bot(emulator.token, base_url=base_url or emulator.base_url,
               request=AiohttpRequest(8, **timeouts), get_updates_request=AiohttpRequest(1, **timeouts))


async def test_texts_buttons_and_a_file_with_a_nordic_name_arrive_as_sent(emulator):
    anna = emulator.user(2, "Anna")
    await anna.send_text("hi")
    async with _bot(emulator) as bot:
        await bot.send_message(2, "Hej <b>Anna</b> &amp; \"du\"", parse_mode="HTML")
        await bot.send_document(2, InputFile(b"%PDF-1.4 plan", filename='plan-sjöberg "ny".pdf'),
                                caption="Planen för familjen Sjöberg")
    text, document = anna.bot_messages
    assert text.text == 'Hej Anna & "du"'
    # UTF-8, as the apps send it: not percent-encoded ("sj%C3%B6berg")
    assert document.document == ('plan-sjöberg "ny".pdf', b"%PDF-1.4 plan")
    assert document.caption == "Planen för familjen Sjöberg"


async def test_an_answer_slower_than_the_read_timeout_is_timed_out(emulator):
    emulator.user(2, "Anna")
    async with _bot(emulator, read_timeout=0.2) as bot:
        # getUpdates with nothing waiting holds the call for its timeout: longer than 0.2 s
        with pytest.raises(TimedOut):
            await bot._post("getUpdates", {"timeout": 2}, read_timeout=0.2)


async def test_a_refused_connection_is_a_network_error(emulator):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest(1)
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.post(f"http://127.0.0.1:{port}/bot{emulator.token}/getMe")
    finally:
        await request.shutdown()
