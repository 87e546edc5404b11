"""The thin Telegram side: each handler turns an update into a flow event and
hands it to the engine. Nothing here decides anything."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.edits import answer_edit
from bot.engine import Engine, Sender
from bot.inbox import after_commit
from flows.events import ButtonPress, Command, OtherMessage, TextMessage

log = logging.getLogger(__name__)


def _engine(context: ContextTypes.DEFAULT_TYPE) -> Engine:
    return context.application.bot_data["engine"]


def sender_of(update: Update) -> Sender:
    user = update.effective_user
    return Sender(
        user_id=user.id,
        chat_id=update.effective_chat.id,
        name=user.full_name,
        language_code=user.language_code,
    )


async def _handle(update: Update, context, event) -> None:
    handled = await _engine(context).handle(update.update_id, sender_of(update), event)
    await after_commit(lambda: _after(update, context, handled))


async def _after(update: Update, context, handled) -> None:
    """What the Telegram side does once the update's effects are committed."""
    if update.callback_query is not None and not handled.duplicate:
        try:
            await update.callback_query.answer(handled.toast)
        except Exception as exc:  # the spinner stops by itself; the answer is a courtesy
            log.info("could not answer a button press: %s", exc)
    if handled.commands_changed:
        await context.application.bot_data["refresh_commands"](update.effective_chat.id)
    if handled.wake:  # the replies themselves were handed to the sender already
        context.application.bot_data["wake_sender"]()
    if handled.drawing:
        context.application.bot_data["wake_documents"]()


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = update.effective_message.text
    word, _sep, args = text.partition(" ")
    name = word[1:].split("@", 1)[0].lower()
    await _handle(update, context, Command(name, args.strip()))


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _handle(update, context, TextMessage(update.effective_message.text))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    message_id = query.message.message_id if query.message else None
    await _handle(update, context, ButtonPress(query.data or "", message_id))


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    kind = next(
        (k for k in ("sticker", "photo", "voice", "video", "video_note", "audio", "document", "location", "contact", "animation")
         if getattr(message, k, None)),
        "other",
    )
    voice = message.voice
    if voice is None:
        await _handle(update, context, OtherMessage(kind))
        return
    duration = voice.duration  # an int, or a timedelta in newer python-telegram-bot
    seconds = int(duration.total_seconds()) if hasattr(duration, "total_seconds") else int(duration or 0)
    await _handle(update, context, OtherMessage(kind, voice.file_id, seconds))


async def on_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited message: not read, but the person is told so once."""
    await answer_edit(_engine(context), update.update_id, sender_of(update))
    await after_commit(context.application.bot_data["wake_sender"])


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    # Log the failure without the update's content: it may hold someone's answer.
    update_id = getattr(update, "update_id", None)
    log.error("handling update %s failed", update_id, exc_info=context.error)
    if update_id is not None:
        context.application.bot_data["failed_updates"].add(update_id)


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram tells us when someone blocks or unblocks the bot; the outbox then
    stops (or resumes) trying. Idempotent, so a repeat does no harm."""
    change = update.my_chat_member
    blocked = change.new_chat_member.status == "kicked"
    await _engine(context).set_blocked(change.chat.id, blocked)
