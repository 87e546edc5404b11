"""Handling one update exactly once: load the context, run the flows, and in
the same transaction write the changes, the new conversation position, the
outgoing messages and the mark that the update was handled."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import Conversation, OutboxMessage, Person
from bot.delivery.render import RENDERING, clear_buttons_row, outbox_rows
from bot.i18n import render, resolve_locale
from bot.inbox import current_batch, mark_handled
from bot.planner import Planner
from bot.storage.changes import Actor, apply
from bot.storage.context import load_context
from bot.storage.sealing import Sealer
from bot.storage.tokens import new_token
from flows import router
from flows.context import Config
from flows.events import ButtonPress, Event
from flows.outcome import IDLE, REPLY, BecomeCoordinator, Outcome, SetLanguage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sender:
    """The Telegram user and chat an update came from."""

    user_id: int
    chat_id: int
    name: str
    language_code: str | None


@dataclass(frozen=True)
class Handled:
    """What the Telegram side still has to do after the commit."""

    toast: str | None
    duplicate: bool = False
    commands_changed: bool = False  # someone became a coordinator or chose a language
    wake: bool = False  # it queued messages the sender must look for (not handed over in memory)
    drawing: bool = False  # it queued a document for the document worker to draw (the plan's PDF)


class AlreadyHandled(Exception):
    """The update was handled before: its transaction must not commit."""


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Engine:
    def __init__(
        self,
        sessionmaker: async_sessionmaker,
        *,
        models,
        config: Config,
        default_locale: str,
        clock: Callable[[], datetime] = _utcnow,
        token_factory: Callable[[], str] = new_token,
        sealer: Sealer | None = None,
        planner: Planner | None = None,
        outbox=None,
    ):
        self.sessionmaker = sessionmaker
        self.models = models
        self.config = config
        self.default_locale = default_locale
        self.clock = clock
        self.token_factory = token_factory
        self.sealer = sealer or Sealer()
        self.planner = planner
        # This process's sender (bot.delivery.sender.OutboxSender): replies are
        # written claimed by it and handed to it after the commit.
        self.outbox = outbox
        # Updates this process handled since the dispatcher last looked: it
        # then needs no second transaction to learn that.
        self.handled_ids: set[int] = set()

    async def handle(self, update_id: int, sender: Sender, event: Event) -> Handled:
        now = self.clock()
        batch = current_batch()
        if batch is not None:
            # Stored and marked handled by the batch's own transaction (bot.inbox).
            handled, claimed = await self._handle(batch.session, update_id, sender, event, now, mark=False)
            if claimed:
                batch.after.append(lambda: self.outbox.take(claimed))
            return handled
        try:
            async with self.sessionmaker() as session, session.begin():
                handled, claimed = await self._handle(session, update_id, sender, event, now)
        except AlreadyHandled:
            return Handled(None, duplicate=True)
        self.handled_ids.add(update_id)
        if claimed:
            self.outbox.take(claimed)  # committed and already claimed: sent without being read back
        return handled

    async def _handle(self, session, update_id: int, sender: Sender, event: Event, now, *,
                      mark: bool = True) -> tuple[Handled, list]:
        """Everything one update does, in the caller's transaction: the
        Handled to report and the outbox rows claimed for this process's sender."""
        ctx, person, conversation, reply_waiting = await load_context(
            session,
            chat_id=sender.chat_id,
            user_id=sender.user_id,
            telegram_name=sender.name,
            telegram_language=sender.language_code,
            event=event,
            now=now,
            models=self.models,
            config=self.config,
            default_locale=self.default_locale,
            new_token=self.token_factory,
            sealer=self.sealer,
        )
        if person is not None and person.blocked_at is not None:
            person.blocked_at = None  # they write again, so they unblocked us
        result = router.handle(event, ctx)

        actor = Actor(user_id=sender.user_id, chat_id=sender.chat_id,
                      telegram_language=sender.language_code, person=person, now=now,
                      sealer=self.sealer, planner=self.planner)
        for change in result.changes:
            await apply(change, session, actor)

        version = ctx.version
        if actor.person is None and result.state == IDLE:
            # Someone who declined, erased themselves or never joined: keep
            # not even their chat's position.
            if conversation is not None:
                await session.delete(conversation)
        else:
            version = self._save_position(session, conversation, sender.chat_id, ctx, result, now,
                                          person=actor.person is not None)
        own_language = resolve_locale(
            actor.person.language if actor.person else result.state.language,
            sender.language_code,
            self.default_locale,
        )
        rows = self._outbox_rows(result, sender, own_language, version, event, now,
                                 await self._languages_of(session, result, sender))
        claimed = self._claim_own(rows, sender.chat_id, reply_waiting)
        session.add_all(rows)
        if mark and not await mark_handled(session, update_id, now):
            raise AlreadyHandled(update_id)  # a repeat: all of it is rolled back
        return Handled(
            render(result.toast, own_language, plain=True) if result.toast else None,
            commands_changed=any(isinstance(c, (BecomeCoordinator, SetLanguage)) for c in result.changes),
            wake=wake_for(rows, claimed),
            drawing=any(row.status == RENDERING for row in rows),
        ), claimed

    async def set_blocked(self, chat_id: int, blocked: bool) -> None:
        batch = current_batch()
        if batch is not None:
            await self._set_blocked(batch.session, chat_id, blocked)
            return
        async with self.sessionmaker() as session, session.begin():
            await self._set_blocked(session, chat_id, blocked)

    async def _set_blocked(self, session, chat_id: int, blocked: bool) -> None:
        person = await session.scalar(select(Person).where(Person.chat_id == chat_id))
        if person is not None:
            person.blocked_at = self.clock() if blocked else None

    def _save_position(self, session, conversation, chat_id, ctx, result: Outcome, now, *, person: bool) -> int:
        state = result.state
        if person and conversation is not None and conversation.version != 0 and state == ctx.state:
            # Nothing to write: a person's position only changes with their
            # state (updated_at is the clock of a non-person's trace, bot/purge.py).
            return conversation.version
        if conversation is None:
            conversation = Conversation(chat_id=chat_id, data={}, version=0)
            session.add(conversation)
        if state != ctx.state or conversation.version == 0:
            # A fresh random version makes the buttons of every earlier step
            # recognisably stale; a question asked again keeps its version, so
            # all its copies still work.
            conversation.version = secrets.randbelow(2**31 - 1) + 1
        conversation.flow, conversation.step = state.flow, state.step
        conversation.data = dict(state.data)
        conversation.language = state.language
        conversation.updated_at = now
        return conversation.version

    def _outbox_rows(self, result: Outcome, sender: Sender, own_language: str, version: int, event, now,
                     languages: dict[int, str]) -> list[OutboxMessage]:
        rows = []
        edited = {r.edit_message_id for r in result.replies if r.edit_message_id is not None}
        if isinstance(event, ButtonPress) and result.clear_buttons and event.message_id and event.message_id not in edited:
            # First, so the old buttons disappear before the next question arrives.
            rows.append(clear_buttons_row(sender.chat_id, event.message_id, now))
        for reply in result.replies:
            chat_id = reply.chat_id or sender.chat_id
            if reply.language:
                language = reply.language
            elif chat_id == sender.chat_id:
                language = own_language
            else:
                language = languages.get(chat_id, self.default_locale)
            rows.extend(outbox_rows(reply, chat_id, language, version, now, sealer=self.sealer))
        return rows

    def _claim_own(self, rows: list[OutboxMessage], chat_id: int, reply_waiting: bool) -> list[OutboxMessage]:
        """Claim, as they are written, the replies to the person who wrote for
        this process's sender, which gets them in memory after the commit;
        unless a reply to them still waits in the outbox (as the context was
        loaded): then they queue behind it, and the sender claims them in
        order (bot/delivery/sender.py). Anything else is claimed from the
        outbox as before."""
        own = [row for row in rows if row.chat_id == chat_id and row.priority == REPLY and row.status is None]
        if self.outbox is None or reply_waiting or not own:
            return []
        for row in own:
            row.status, row.attempts = "pending", 0
            row.claim, row.claimed_until = self.outbox.own_claim, self.outbox.lease()
        return own

    async def _languages_of(self, session, result: Outcome, sender: Sender) -> dict[int, str]:
        """Each other reader's language, in one query however many are told (a broadcast)."""
        others = {r.chat_id for r in result.replies if r.chat_id and r.chat_id != sender.chat_id and not r.language}
        if not others:
            return {}
        rows = await session.execute(
            select(Person.chat_id, Person.language, Person.telegram_language).where(Person.chat_id.in_(others)))
        return {chat: resolve_locale(chosen, telegram, self.default_locale) for chat, chosen, telegram in rows}


def wake_for(rows: list[OutboxMessage], claimed: list[OutboxMessage]) -> bool:
    """Whether the sender must look in the outbox: it wrote something not
    handed over in memory."""
    return len(rows) > len(claimed)
