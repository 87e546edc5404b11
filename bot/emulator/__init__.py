"""An in-process Telegram Bot API for tests and demos: the bot talks HTTP to
it exactly as to api.telegram.org, while tests act as the people in the chats.

    async with BotApiEmulator() as emu:
        anna = emu.user(1001, "Anna", language_code="sv")
        app = Application.builder().token(emu.token).base_url(emu.base_url) ...
        before = len(anna.messages)
        await anna.send_command("start")
        reply = await anna.wait_for(lambda m: "Välkommen" in m.text, after=before)
"""

from bot.emulator.html import HtmlError, parse_html
from bot.emulator.groups import EmulatedGroup
from bot.emulator.server import ApiCall, ApiError, BotApiEmulator, Faults, Upload
from bot.emulator.transcript import render_chat
from bot.emulator.users import Button, ChatMessage, EmulatedUser, Mark, make_png

__all__ = ["ApiCall", "ApiError", "BotApiEmulator", "Button", "ChatMessage", "EmulatedGroup", "EmulatedUser",
           "Faults", "HtmlError", "Mark", "Upload", "make_png", "parse_html", "render_chat"]
