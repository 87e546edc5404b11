"""Edited messages. Telegram tells the bot when someone edits a message they
sent, but an answer was taken when it arrived: the bot does not read edits.
So that nobody believes a change reached it, the person is told once how to
change an answer instead."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import Conversation, Person
from bot.delivery.render import outbox_rows
from bot.engine import AlreadyHandled
from bot.i18n import resolve_locale
from bot.inbox import current_batch, mark_handled
from flows.outcome import reply
from flows.text import _

EDITS_ARE_NOT_READ = _(
    "I can't see changes made to a message after it was sent, so your edit has not reached me. "
    "To change something, just send it again as a new message. "
    "To change an answer to your preparation questions, use /prep."
)


async def answer_edit(engine, update_id: int, sender) -> None:
    """Handle an edit once: the first time for this person, tell them;
    afterwards, nothing. Marked handled in the same transaction."""
    now = engine.clock()
    batch = current_batch()
    if batch is not None:  # stored and marked handled by the batch's own transaction (bot.inbox)
        await _answer(batch.session, engine, sender, now)
        return
    try:
        async with engine.sessionmaker() as session, session.begin():
            await _answer(session, engine, sender, now)
            if not await mark_handled(session, update_id, now):
                raise AlreadyHandled(update_id)
    except AlreadyHandled:
        return
    engine.handled_ids.add(update_id)


async def _answer(session, engine, sender, now) -> None:
    person = await session.scalar(select(Person).where(Person.chat_id == sender.chat_id))
    # Someone who is not a person (never joined, declined, erased
    # themselves) is told every time they edit: remembering that they
    # were told would be the one thing kept about them, where the engine
    # keeps not even their chat's position. An edit is rare; a repeated
    # notice costs less than a trace.
    if person is None or not person.told_about_edits:
        if person is not None:
            person.told_about_edits = True
            person.blocked_at = None  # they write again, so they unblocked us
            chosen = person.language
        else:
            conversation = await session.get(Conversation, sender.chat_id)
            chosen = conversation.language if conversation else None  # chosen before consenting
        language = resolve_locale(chosen, sender.language_code, engine.default_locale)
        session.add_all(outbox_rows(reply(EDITS_ARE_NOT_READ), sender.chat_id, language, 0, now))
