"""A bare python-telegram-bot echo bot, as its own process: the yardstick
meetbot is measured against, run in the same conditions (polling the same
emulator, one process). `python -m benchmarks.echo_bot TOKEN BASE_URL FILE_URL`."""

from __future__ import annotations

import sys

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters


async def echo(update: Update, _context) -> None:
    await update.effective_message.reply_text(update.effective_message.text)


async def press(update: Update, _context) -> None:
    await update.callback_query.answer()
    await update.effective_message.reply_text(update.callback_query.data or "")


def main() -> None:
    token, base_url, file_url = sys.argv[1:4]
    application = Application.builder().token(token).base_url(base_url).base_file_url(file_url).build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(press))
    application.run_polling(poll_interval=0.0, timeout=1)


if __name__ == "__main__":
    main()
