"""What the coordinator hears when a message sent to many people could not
reach some of them (they blocked the bot, or left Telegram)."""

from __future__ import annotations

from flows.outcome import NOTICE, Reply, reply
from flows.text import Lines, T, _

WHAT = {
    "announce": _("The invitation to the next meeting"),
    "move": _("The news that the meeting has changed"),
    "cancel": _("The news that the meeting is cancelled"),
    "close": _("The news that the case is closed"),
}


def report(kind: str, pseudonym: str, unreached: list[str], pending: list[str], chat_id: int) -> Reply:
    parts: list[T] = [_("📣 <b>{what} ({case}) did not reach everyone.</b>", what=WHAT[kind], case=pseudonym)]
    if unreached:
        parts.append(_("I could not reach: {names}. They may have blocked the bot or left Telegram. "
                       "Please get in touch with them another way.", names=Lines(tuple(unreached), sep=", ")))
    if pending:
        parts.append(_("Still on its way to: {names}. Telegram has not let me deliver it yet; I keep trying.",
                       names=Lines(tuple(pending), sep=", ")))
    return reply(*parts, chat_id=chat_id, stamp_buttons=False, priority=NOTICE)
