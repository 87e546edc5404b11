"""What can happen to the bot, as the flows see it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TextMessage:
    text: str


@dataclass(frozen=True)
class Command:
    name: str  # without the slash, lower case
    args: str = ""


@dataclass(frozen=True)
class ButtonPress:
    data: str  # as sent by Telegram: never trusted
    message_id: int | None = None


@dataclass(frozen=True)
class OtherMessage:
    """A sticker, photo, voice note, file, location...: something not text."""

    kind: str
    file_id: str | None = None  # a voice note's Telegram file, kept as a reference
    duration: int = 0


Event = TextMessage | Command | ButtonPress | OtherMessage
