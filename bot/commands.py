"""The command menus Telegram shows, per language and per role.

A menu is a convenience (a typed command works without one): failing to set
one never stops the bot or a reply."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select
from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.config import SUPPORTED_LOCALES
from bot.db.models import Person
from bot.i18n import render, resolve_locale
from flows.text import _

log = logging.getLogger(__name__)

MENU_TRIES = 5
MENU_FIRST_WAIT = 10.0  # seconds before the second try; doubled before each next one

EVERYONE = (
    ("prep", _("Prepare for your meeting")),
    ("proposals", _("Suggest who to invite")),
    ("meetings", _("Your meetings")),
    ("tasks", _("Your tasks")),
    ("plan", _("The plan and its PDF")),
    ("feedback", _("Tell how the meeting felt")),
    ("help", _("What I can do")),
    ("language", _("Choose your language")),
    ("privacy", _("What is stored and who sees it")),
    ("forget", _("Erase your data")),
    ("cancel", _("Stop what you are doing")),
)
COORDINATOR = (
    ("new", _("Create a case and its first meeting")),
    ("meetings", _("Your cases and meetings")),
    ("invite", _("Invite links and QR codes")),
    ("proposals", _("Who the family suggests inviting")),
    ("prep", _("Who has prepared, and what they shared")),
    ("meeting", _("Run the meeting: agenda and speaking turns")),
    ("tasks", _("The tasks in your cases")),
    ("plan", _("The plan: who has agreed, and its PDF")),
    ("next", _("Plan and announce the next meeting")),
    ("feedback", _("How the meetings felt")),
    ("close", _("Close a case")),
    ("audit", _("Who did what in a case")),
    ("handover", _("Hand a case over, or add a coordinator")),
    ("help", _("What I can do")),
    ("language", _("Choose your language")),
    ("privacy", _("What is stored and who sees it")),
    ("forget", _("Erase your data")),
    ("cancel", _("Stop what you are doing")),
)


def menu(entries, language: str) -> list[BotCommand]:
    return [BotCommand(name, render(text, language, plain=True)) for name, text in entries]


async def register_defaults(bot: Bot, default_locale: str) -> None:
    await bot.set_my_commands(menu(EVERYONE, default_locale), scope=BotCommandScopeDefault())
    for language in SUPPORTED_LOCALES:
        await bot.set_my_commands(menu(EVERYONE, language), scope=BotCommandScopeDefault(), language_code=language)


async def register_menus(bot: Bot, sessionmaker, default_locale: str) -> bool:
    """Everyone's menus and the coordinators', run in the background at
    start-up: if Telegram cannot take them (a network error, a 5xx), say so
    once and try again a few times, later each time; the bot serves people
    meanwhile. True once they are set."""
    tries, wait = MENU_TRIES, MENU_FIRST_WAIT
    for attempt in range(1, tries + 1):
        try:
            await register_defaults(bot, default_locale)
            await register_all_coordinators(bot, sessionmaker, default_locale)
        except Exception as exc:
            if attempt == 1:
                log.warning("could not set the command menus (%s: %s); trying again in the background",
                            type(exc).__name__, exc)
            if attempt < tries:
                await asyncio.sleep(wait)
                wait *= 2
            continue
        if attempt > 1:
            log.info("the command menus are set (try %d)", attempt)
        return True
    log.error("gave up setting the command menus after %d tries; the next start tries again", tries)
    return False


async def register_coordinator(bot: Bot, chat_id: int, language: str) -> None:
    try:
        await bot.set_my_commands(menu(COORDINATOR, language), scope=BotCommandScopeChat(chat_id))
    except Exception as exc:  # a menu is a convenience; never fail a reply or a start-up for it
        log.warning("could not set coordinator commands (%s: %s)", type(exc).__name__, exc)


async def register_all_coordinators(bot: Bot, sessionmaker, default_locale: str) -> None:
    from bot.coordinators import removals

    async with sessionmaker() as session:
        people = list(await session.scalars(select(Person).where(Person.is_coordinator.is_(True))))
        removed = list(await session.scalars(select(Person.chat_id).where(
            Person.is_coordinator.is_(False), Person.id.in_(await removals(session)))))
    for person in people:
        language = resolve_locale(person.language, person.telegram_language, default_locale)
        await register_coordinator(bot, person.chat_id, language)
    for chat_id in removed:  # in case `meetbot coordinator-remove` could not reach Telegram itself
        await unregister_coordinator(bot, chat_id)


async def unregister_coordinator(bot: Bot, chat_id: int) -> None:
    """Someone no longer a coordinator sees everyone's menu again."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
    except Exception as exc:
        log.warning("could not take back coordinator commands (%s: %s)", type(exc).__name__, exc)
