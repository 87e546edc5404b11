"""People on the other side of the emulated chat: they send messages, press
buttons and open links (each turning into a real Telegram Update for the bot),
and they can be asked what they see."""

from __future__ import annotations

import copy
import re
import secrets
import struct
import time
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import parse_qs, urlsplit

from bot.emulator.html import detect_entities, to_html, utf16_len

if TYPE_CHECKING:
    from bot.emulator.server import BotApiEmulator

_START_PARAM = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass
class ChatMessage:
    """One message as the person sees it; bot edits are applied in place."""

    message_id: int
    from_bot: bool
    text: str  # plain text as displayed ("" for media without text)
    html: str  # the HTML of the text (or caption) as written
    buttons: list[list[Button]] = field(default_factory=list)
    photo: bytes | None = None
    document: tuple[str, bytes] | None = None
    caption: str | None = None
    edited: bool = False
    date: int = 0
    deleted: bool = False  # stays in the list so indices (and `after=`) stay valid
    media: str | None = None  # "sticker", "voice", ... for the things that are not text
    raw: dict = field(default_factory=dict, repr=False)  # the Telegram Message object


@dataclass
class _Event:
    seq: int
    index: int  # position in EmulatedUser.messages
    kind: str  # "new" | "edit" (text or caption) | "markup" (buttons only) | "delete"


Predicate = Callable[[ChatMessage], bool]


class Mark(int):
    """`len(user.messages)` at one moment, remembering exactly when, so that
    `wait_for(after=mark)` also tells apart edits made just before it."""

    seq: int


class EmulatedUser:
    """A Telegram user in a private chat with the bot (chat id == user id)."""

    def __init__(self, emu: BotApiEmulator, user_id: int, first_name: str, *,
                 last_name: str | None = None, username: str | None = None,
                 language_code: str | None = "en") -> None:
        self._emu = emu
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.started = False  # becomes True with the first thing the person sends
        self.blocked = False
        self.messages: list[ChatMessage] = []
        self.callback_answers: list[str] = []  # answerCallbackQuery texts ("" if none)
        self.reply_keyboard: list[list[str]] | None = None  # a ReplyKeyboardMarkup shown
        self.chat_instance = str(-(abs(hash((emu.token, user_id))) % 10**18))
        self._next_message_id = 1
        self._events: list[_Event] = []
        self._reached: dict[int, int] = {0: 0}  # messages count -> seq when reached
        self._acted_at: dict[int, int] = {}  # messages count -> seq of last action then
        self._last_action = 0
        self.update_ids: list[int] = []  # every update this person caused that was queued
        self._queries: dict[str, bool] = {}  # callback query id -> answered
        self._notes: list[tuple[int, str, str]] = []  # (position, who, text) for the transcript
        self.last_activity = time.monotonic()
        self.inflight = 0  # bot API calls about this chat being processed now

    # ---- identity -------------------------------------------------------
    @property
    def chat_id(self) -> int:
        return self.id

    @property
    def user_id(self) -> int:
        return self.id

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def user_json(self) -> dict:
        return _compact({"id": self.id, "is_bot": False, "first_name": self.first_name,
                         "last_name": self.last_name, "username": self.username,
                         "language_code": self.language_code})

    def chat_json(self) -> dict:
        return _compact({"id": self.id, "type": "private", "first_name": self.first_name,
                         "last_name": self.last_name, "username": self.username})

    # ---- reading --------------------------------------------------------
    @property
    def bot_messages(self) -> list[ChatMessage]:
        return [m for m in self.messages if m.from_bot and not m.deleted]

    @property
    def last_bot_message(self) -> ChatMessage | None:
        shown = self.bot_messages
        return shown[-1] if shown else None

    @property
    def unanswered_presses(self) -> list[str]:
        """Callback query ids the bot never answered (the phone shows a spinner)."""
        return [qid for qid, answered in self._queries.items() if not answered]

    def mark(self) -> Mark:
        mark = Mark(len(self.messages))
        mark.seq = self._emu.current_seq()
        return mark

    async def wait_for(self, predicate: Predicate | None = None, *, timeout: float = 5.0,
                       after: int | None = None) -> ChatMessage:
        """Wait for a bot message, new or edited, matching `predicate`.

        `after=None` means: since this person's last action. `after=n` (take
        `len(user.messages)` before acting) means: since the chat had n
        messages and since the person's last action at that point; edits to
        older messages made after that count too (an edit made before `after`
        was taken, with no action since, counts as well: pass `user.mark()`
        instead of the bare count to rule that out). Returns the earliest match;
        an edit that only changed buttons matches only an explicit predicate."""
        threshold, min_index = self._threshold(after)
        deadline = time.monotonic() + timeout
        while True:
            for event in self._events:
                if event.seq <= threshold or event.kind == "delete":
                    continue
                if event.kind == "markup" and predicate is None:
                    continue  # only buttons changed: not "the bot said something"
                msg = self.messages[event.index]
                if (event.kind == "new" and event.index < min_index) or msg.deleted:
                    continue
                if msg.from_bot and (predicate is None or predicate(msg)):
                    return msg
            left = deadline - time.monotonic()
            if left <= 0:
                # Imported here: the transcript module imports this one.
                from bot.emulator.transcript import render_chat

                raise TimeoutError(f"no matching bot message within {timeout}s; the chat:\n"
                                   + render_chat(self))
            await self._emu.wait_for_change(left)

    async def wait_until_answered(self, timeout: float = 5.0, *, quiet: float = 0.3) -> None:
        """Wait until the bot has fetched-and-confirmed every update this person
        caused and has then been silent in this chat for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            pending = [u for u in self.update_ids if u >= self._emu.confirmed_offset]
            idle = now - self.last_activity
            if not pending and self.inflight == 0 and idle >= quiet:
                return
            if now >= deadline:
                # Imported here: the transcript module imports this one.
                from bot.emulator.transcript import render_chat

                what = (f"updates {pending} not confirmed by getUpdates" if pending
                        else "the bot kept talking")
                raise TimeoutError(f"bot did not settle within {timeout}s ({what}); the chat:\n"
                                   + render_chat(self))
            step = deadline - now if pending or self.inflight else max(quiet - idle, 0.005)
            await self._emu.wait_for_change(min(step, deadline - now))

    # ---- acting ---------------------------------------------------------
    async def send_text(self, text: str) -> dict:
        if not text.strip():
            raise ValueError("Telegram apps do not send empty messages")
        # Telegram apps send a longer text as several messages of at most 4096 characters.
        while len(text) > 4096:
            part, text = text[:4096], text[4096:]
            self._send({"text": part, "entities": detect_entities(part)}, text=part)
        return self._send({"text": text, "entities": detect_entities(text)}, text=text)

    async def send_command(self, command: str, payload: str | None = None) -> dict:
        command = command if command.startswith("/") else "/" + command
        text = f"{command} {payload}" if payload else command
        entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        return self._send({"text": text, "entities": entities}, text=text)

    async def open_link(self, url: str) -> dict | None:
        """Follow a t.me deep link to this bot. Like the Telegram apps: with a
        start parameter the app sends "/start PARAM"; without one it sends
        "/start" only if the person has not started the bot yet (else None)."""
        username, payload = _parse_deep_link(url)
        if username.lower() != self._emu.bot_username.lower():
            raise ValueError(f"{url} points to @{username}, not to @{self._emu.bot_username}")
        if payload is None:
            return None if self.started else await self.send_command("/start")
        if not _START_PARAM.fullmatch(payload):
            raise ValueError(f"start parameter {payload!r} is not 1-64 of A-Z a-z 0-9 _ -; "
                             "Telegram apps would drop it")
        return await self.send_command("/start", payload)

    async def press(self, button: str, message: ChatMessage | int | None = None) -> dict | None:
        """Press the inline button with this text (or callback_data) in `message`,
        or in the newest bot message that has one."""
        msg, found = self._find_button(button, message)
        if found.callback_data is None:
            if found.url and _is_deep_link(found.url, self._emu.bot_username):
                return await self.open_link(found.url)
            raise ValueError(f"button {found.text!r} opens {found.url or 'something'} "
                             "outside this chat; it sends nothing to the bot")
        update = self._callback(msg, found.callback_data)
        self.note(f"pressed [ {found.text} ]")
        return update

    async def press_data(self, data: str, message_id: int) -> dict:
        """A callback query with arbitrary data, as a modified client could send."""
        update = self._callback(self._message(message_id), data)
        self.note(f"sent callback data {data!r}")
        return update

    async def send_sticker(self, emoji: str = "👍") -> dict:
        sticker = {**self._emu.register_file(b"sticker", "sticker", "sticker.webp", "image/webp"),
                   "width": 512, "height": 512, "is_animated": False, "is_video": False,
                   "type": "regular", "emoji": emoji}
        return self._send({"sticker": sticker}, media=f"sticker {emoji}")

    async def send_photo(self, data: bytes | None = None, caption: str | None = None) -> dict:
        data = data or make_png(640, 480)
        photo = self._emu.photo_sizes(data)
        content: dict[str, Any] = {"photo": photo}
        if caption:
            content.update(caption=caption, caption_entities=detect_entities(caption))
        return self._send(content, photo=data, caption=caption)

    async def send_voice(self, duration: int = 3) -> dict:
        voice = {**self._emu.register_file(b"OggS" + bytes(1200 * duration), "voice",
                                           "voice.ogg", "audio/ogg"), "duration": duration}
        return self._send({"voice": voice}, media=f"voice message {duration // 60}:{duration % 60:02d}")

    async def send_document(self, filename: str = "notes.pdf", data: bytes = b"%PDF-1.4 demo",
                            mime_type: str = "application/pdf", caption: str | None = None) -> dict:
        doc = self._emu.register_file(data, "document", filename, mime_type)
        content: dict[str, Any] = {"document": doc}
        if caption:
            content.update(caption=caption, caption_entities=detect_entities(caption))
        return self._send(content, document=(filename, data), caption=caption)

    async def edit_text(self, message_id: int, text: str) -> dict:
        msg = self._message(message_id)
        if msg.from_bot or msg.raw.get("text") is None:
            raise ValueError(f"message {message_id} is not a text message of {self.full_name}")
        self._act()
        msg.text, msg.html, msg.edited = text, to_html(text), True
        msg.raw.update(text=text, entities=detect_entities(text), edit_date=int(time.time()))
        if not msg.raw["entities"]:
            del msg.raw["entities"]
        self.changed(msg, "edit")
        return self._update("edited_message", copy.deepcopy(msg.raw))

    async def block(self) -> dict:
        """Block the bot: its sends now fail with 403; the bot gets my_chat_member."""
        self.blocked = True
        self.note("blocked the bot")
        return self._member_update("member", "kicked")

    async def unblock(self) -> dict:
        self.blocked = False
        self.note("unblocked the bot")
        return self._member_update("kicked", "member")

    # ---- called by the server -------------------------------------------
    def next_message_id(self) -> int:
        self._next_message_id += 1
        return self._next_message_id - 1

    def add_message(self, msg: ChatMessage) -> None:
        self.messages.append(msg)
        self._record(len(self.messages) - 1, "new")
        self._reached[len(self.messages)] = self._emu.next_seq()

    def changed(self, msg: ChatMessage, kind: str) -> None:
        self._record(next(i for i, m in enumerate(self.messages) if m is msg), kind)

    def find(self, message_id: int) -> ChatMessage | None:
        for msg in self.messages:
            if msg.message_id == message_id and not msg.deleted:
                return msg
        return None

    def answer(self, query_id: str, text: str, show_alert: bool) -> bool:
        if self._queries.get(query_id) is not False:
            return False
        self._queries[query_id] = True
        self.callback_answers.append(text)
        if text:  # the phone shows it as a toast (or an alert box)
            self.note(("⚠ " if show_alert else "ⓘ ") + text, who="bot")
        return True

    def owns_query(self, query_id: str) -> bool:
        return query_id in self._queries

    def note(self, text: str, who: str = "you") -> None:
        """Something the transcript shows between messages (a press, a toast)."""
        self._notes.append((len(self.messages), who, text))

    @property
    def notes(self) -> list[tuple[int, str, str]]:
        return list(self._notes)

    # ---- internals ------------------------------------------------------
    def _threshold(self, after: int | None) -> tuple[int, int]:
        if after is None:
            return self._last_action, 0
        if isinstance(after, Mark):
            return after.seq, int(after)
        if after > len(self.messages):
            return self._emu.current_seq(), after
        return max(self._reached.get(after, 0), self._acted_at.get(after, 0)), after

    def _record(self, index: int, kind: str) -> None:
        self._events.append(_Event(self._emu.next_seq(), index, kind))
        self.last_activity = time.monotonic()
        self._emu.notify_change()

    def _act(self) -> None:
        if self.blocked:
            raise RuntimeError(f"{self.full_name} has blocked the bot; call unblock() first")
        self.started = True
        self._last_action = self._emu.next_seq()
        self._acted_at[len(self.messages)] = self._last_action
        self.last_activity = time.monotonic()

    def _send(self, content: dict, *, text: str = "", photo: bytes | None = None,
              document: tuple[str, bytes] | None = None, caption: str | None = None,
              media: str | None = None, kind: str = "message", sender: dict | None = None) -> dict:
        """A new message in this chat; `sender` is its author (default: this person)."""
        self._act()
        if not content.get("entities", True):
            del content["entities"]
        if "caption_entities" in content and not content["caption_entities"]:
            del content["caption_entities"]
        message_id = self.next_message_id()
        raw = {"message_id": message_id, "chat": self.chat_json(), "date": int(time.time()),
               **content}
        if kind != "channel_post":  # a channel post has no author, only the channel
            raw = {"message_id": message_id, "from": sender or self.user_json(), **raw}
        self.add_message(ChatMessage(message_id=message_id, from_bot=False, text=text,
                                     html=to_html(text or caption or ""), photo=photo,
                                     document=document, caption=caption, date=raw["date"],
                                     media=media, raw=raw))
        return self._update(kind, copy.deepcopy(raw))

    def _callback(self, msg: ChatMessage, data: str, sender: dict | None = None) -> dict:
        self._act()
        query_id = str(secrets.randbits(62))
        self._queries[query_id] = False
        return self._update("callback_query", {
            "id": query_id, "from": sender or self.user_json(), "message": copy.deepcopy(msg.raw),
            "chat_instance": self.chat_instance, "data": data})

    def _member_update(self, old: str, new: str) -> dict:
        self._last_action = self._emu.next_seq()
        self.last_activity = time.monotonic()
        bot = self._emu.bot_user()
        return self._update("my_chat_member", {
            "chat": self.chat_json(), "from": self.user_json(), "date": int(time.time()),
            "old_chat_member": {"status": old, "user": bot, **({"until_date": 0} if old == "kicked" else {})},
            "new_chat_member": {"status": new, "user": bot, **({"until_date": 0} if new == "kicked" else {})}})

    def _update(self, kind: str, payload: dict) -> dict:
        update, queued = self._emu.enqueue(kind, payload)
        if queued:  # updates the bot's allowed_updates exclude are never delivered
            self.update_ids.append(update["update_id"])
        return update

    def _message(self, message_id: int) -> ChatMessage:
        msg = self.find(message_id)
        if msg is None:
            raise LookupError(f"no message {message_id} in the chat with {self.full_name}")
        return msg

    def _find_button(self, wanted: str, message: ChatMessage | int | None) -> tuple[ChatMessage, Button]:
        if isinstance(message, int):
            message = self._message(message)
        candidates = [message] if message is not None else list(reversed(self.bot_messages))
        for msg in candidates:
            if msg.deleted:
                continue
            flat = [b for row in msg.buttons for b in row]
            for b in flat:
                if b.text == wanted:
                    return msg, b
            for b in flat:
                if b.callback_data == wanted:
                    return msg, b
        where = f"message {message.message_id}" if message is not None else "any bot message"
        shown = [b.text for m in candidates for row in m.buttons for b in row][:20]
        raise LookupError(f"no button {wanted!r} in {where} of the chat with {self.full_name}; "
                          f"buttons shown: {shown}")

    def __repr__(self) -> str:
        return f"EmulatedUser({self.id}, {self.full_name!r}, language={self.language_code!r})"


def _compact(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def _parse_deep_link(url: str) -> tuple[str, str | None]:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if parts.scheme == "tg" and parts.netloc == "resolve":
        username = query.get("domain", [""])[0]
    elif parts.scheme in ("https", "http") and parts.netloc.lower() in ("t.me", "telegram.me"):
        username = parts.path.strip("/")
    else:
        raise ValueError(f"{url} is not a Telegram deep link")
    if not username:
        raise ValueError(f"{url} names no bot")
    payload = query.get("start", [None])[0]
    return username, payload


def _is_deep_link(url: str, bot_username: str) -> bool:
    try:
        return _parse_deep_link(url)[0].lower() == bot_username.lower()
    except ValueError:
        return False


def make_png(width: int = 1, height: int = 1) -> bytes:
    """A real (grey) PNG, so a photo sent by the person has true dimensions."""
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
