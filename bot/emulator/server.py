"""A Telegram Bot API server on loopback for tests and `meetbot demo`.

It speaks the real HTTP protocol (JSON, form and multipart requests; the
`{"ok":…}` envelope; Telegram's status codes and error texts), so
python-telegram-bot talks to it unchanged via `base_url`. Everything runs on
the caller's asyncio loop; nothing here blocks it."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import math
import random
import re
import secrets
import struct
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.emulator.html import (
    HtmlError,
    Parsed,
    detect_entities,
    parse_html,
    plain,
    to_html,
)
from bot.emulator.groups import EmulatedGroup
from bot.emulator.users import Button, ChatMessage, EmulatedUser

log = logging.getLogger(__name__)

# The calls that put something in front of a person; faults and flood control apply to these.
SENDING = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendVoice", "editMessageText",
                     "editMessageCaption", "editMessageReplyMarkup"})
TEXT_LIMIT, CAPTION_LIMIT = 4096, 1024
SCRIPTED_ANSWERS = frozenset({"502", "not json", "unparsable"})
_NOT_JSON = "<html><body><h1>502 Bad Gateway</h1></body></html>"  # what a broken proxy answers
# Parameters Telegram expects JSON-serialized when they arrive as form fields.
_JSON_FIELDS = ("reply_markup", "entities", "caption_entities", "commands", "scope",
                "link_preview_options", "allowed_updates", "reply_parameters", "menu_button",
                "message_ids")
_UPDATE_TYPES = ("message", "edited_message", "channel_post", "edited_channel_post",
                 "business_connection", "business_message", "edited_business_message",
                 "deleted_business_messages", "message_reaction", "message_reaction_count",
                 "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
                 "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer",
                 "my_chat_member", "chat_member", "chat_join_request", "chat_boost",
                 "removed_chat_boost")
# What Telegram delivers when the bot never said otherwise.
_DEFAULT_UPDATES = frozenset(_UPDATE_TYPES) - {"chat_member", "message_reaction",
                                               "message_reaction_count"}
_CHAT_ACTIONS = frozenset({"typing", "upload_photo", "record_video", "upload_video",
                           "record_voice", "upload_voice", "upload_document", "choose_sticker",
                           "find_location", "record_video_note", "upload_video_note"})
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_FILE_PREFIX = {"photo": "AgACAgQAAxkBAA", "document": "BQACAgQAAxkBAA",
                "sticker": "CAACAgIAAxkBAA", "voice": "AwACAgQAAxkBAA"}
_NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and "
                 "reply markup are exactly the same as a current content and reply markup "
                 "of the message")
_QUERY_INVALID = ("Bad Request: query is too old and response timeout expired or "
                  "query ID is invalid")


class ApiError(Exception):
    """An error answer, with Telegram's status code and description."""

    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters

    def body(self) -> dict:
        body: dict[str, Any] = {"ok": False, "error_code": self.code,
                                "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _too_many(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after})


@dataclass
class Faults:
    """Trouble to inject into the calls that send (getUpdates is never faulted)."""

    error_rate: float = 0.0  # share of sending calls answered 502 Bad Gateway
    delay: float = 0.0  # seconds added to every call
    next_429: list[int] = field(default_factory=list)  # retry_after values for the next sends
    seed: int | None = None  # setting it (re)starts the random sequence
    # Answers for the next calls of one method, in turn, e.g. {"setMyCommands": ["502"]}:
    # "502" (Bad Gateway), "not json" (a 200 whose body is an HTML page), "unparsable" (a
    # 200 whose result python-telegram-bot cannot read: a message without chat and date).
    # Such a call never reaches the method: nothing is delivered or changed.
    scripted: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rng, self._rng_seed = random.Random(self.seed), self.seed

    def next_scripted(self, method: str) -> str | None:
        answers = self.scripted.get(method)
        if not answers:
            return None
        answer = answers.pop(0)
        if answer not in SCRIPTED_ANSWERS:
            raise ValueError(f"unknown scripted answer {answer!r}; one of {sorted(SCRIPTED_ANSWERS)}")
        return answer

    def roll(self) -> bool:
        if self.seed != self._rng_seed:
            self._rng, self._rng_seed = random.Random(self.seed), self.seed
        return self.error_rate > 0 and self._rng.random() < self.error_rate


@dataclass
class ApiCall:
    method: str  # canonical spelling, e.g. "sendMessage"
    params: dict
    time: float  # time.monotonic() when the request arrived
    status: int | None = None  # HTTP status; None while a long poll is still waiting
    response: dict | None = field(default=None, repr=False)  # the JSON answered


@dataclass
class Upload:
    filename: str
    mime_type: str
    data: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"Upload({self.filename!r}, {self.mime_type!r}, {len(self.data)} bytes)"


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes = field(repr=False)
    filename: str = ""
    mime_type: str = ""
    path: str = ""
    photo: list[dict] | None = None  # all sizes, for a photo


class _Signal:
    """Wakes everyone waiting for "something changed"."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._event.wait(), max(timeout, 0))
        except asyncio.TimeoutError:
            pass


class _RateLimiter:
    """Telegram's flood control: ≤30 sends a second in all; per chat a burst
    of 3, then one a second (so ~60 a minute). Like Telegram it is not exact
    to the millisecond: 50 ms of network jitter are forgiven."""

    GLOBAL_PER_SECOND, CHAT_BURST, CHAT_PER_SECOND, JITTER = 30, 3.0, 1.0, 0.05

    def __init__(self) -> None:
        self._recent: deque[float] = deque()
        self._buckets: dict[int, tuple[float, float]] = {}

    def retry_after(self, chat_id: int | None, now: float) -> int:
        """0 if the call may go through (and it is counted), else seconds to wait."""
        window = 1.0 - self.JITTER
        while self._recent and now - self._recent[0] >= window:
            self._recent.popleft()
        if len(self._recent) >= self.GLOBAL_PER_SECOND:
            return max(1, math.ceil(self._recent[0] + window - now))
        if chat_id is not None:
            tokens, last = self._buckets.get(chat_id, (self.CHAT_BURST, now))
            tokens = min(self.CHAT_BURST, tokens + (now - last) * self.CHAT_PER_SECOND)
            if tokens < 1.0 - self.JITTER * self.CHAT_PER_SECOND:
                self._buckets[chat_id] = (tokens, now)
                return max(1, math.ceil((1.0 - tokens) / self.CHAT_PER_SECOND))
            self._buckets[chat_id] = (tokens - 1.0, now)
        self._recent.append(now)
        return 0


class _Params(dict):
    """Request parameters with Telegram's loose typing (form fields are strings)."""

    def int(self, name: str, error: str | None = None) -> int:
        value = self.get(name)
        try:
            if isinstance(value, bool):
                raise ValueError
            return int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ApiError(400, error or f"Bad Request: {name} is invalid") from None

    def number(self, name: str, default: float) -> float:
        if self.get(name) in (None, ""):
            return default
        try:
            return float(self[name])
        except (TypeError, ValueError):
            raise ApiError(400, f"Bad Request: {name} is invalid") from None

    def flag(self, name: str) -> bool:
        value = self.get(name)
        return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))

    def text(self, name: str, default: str = "") -> str:
        value = self.get(name)
        return default if value is None else str(value)


class BotApiEmulator:
    """The Bot API of one bot, plus the people it talks to."""

    def __init__(self, token: str = "123456:TEST", bot_username: str = "meetbot_test_bot", *,
                 rate_limits: bool = False, bot_name: str = "Meetbot", first_update_id: int = 1) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.bot_id = int(token.split(":", 1)[0])
        self.rate_limits = rate_limits
        self.faults = Faults()
        self.calls: list[ApiCall] = []
        self.stats = {"calls": 0, "rate_limited": 0, "faults_429": 0, "faults_502": 0,
                      "faults_scripted": 0}
        self.webhook_url = ""
        self.webhook_secret = ""  # setWebhook's secret_token, sent with each delivery
        # Where a reverse proxy in front of the bot would forward the webhook URL's path to
        # (e.g. "http://127.0.0.1:8443"): the emulator posts updates there while a webhook is set.
        self.webhook_proxy: str | None = None
        self.webhook_last_error: tuple[int, str] | None = None  # (unix time, message), as getWebhookInfo says
        self._delivery: asyncio.Task | None = None
        self.confirmed_offset = 0  # every update_id below this is confirmed by the bot
        self._changed = _Signal()
        self._seq = 0
        self._users: dict[int, EmulatedUser] = {}  # every chat by id: people's and groups
        self._updates: list[dict] = []
        self._injected: set[int] = set()  # update ids put in by inject_update: always delivered
        # Telegram's update ids only grow: a bot whose database has handled
        # ids up to n is given an emulator that starts above n.
        self._next_update_id = first_update_id
        self._allowed = _DEFAULT_UPDATES
        self._poller: object | None = None
        self._files: dict[str, StoredFile] = {}
        self._commands: dict[tuple[str, str], list[dict]] = {}
        self._menu_buttons: dict[int | None, dict] = {}
        self._profile: dict[tuple[str, str], str] = {}
        self._limiter = _RateLimiter()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._handlers = {name[4:].lower(): getattr(self, name)
                          for name in dir(self) if name.startswith("api_")}
        self._canonical = {name[4:].lower(): name[4:] for name in dir(self) if name.startswith("api_")}

    # ---- lifecycle ------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> BotApiEmulator:
        app = web.Application(client_max_size=64 * 1024 * 1024)  # documents go up to 50 MB
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        self._closing = False
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self._host, self._port = host, self._runner.addresses[0][1]
        self._delivery = asyncio.create_task(self._deliver_to_webhook())
        return self

    async def stop(self) -> None:
        self._closing = True
        self._changed.fire()  # long polls return at once
        if self._delivery is not None:
            self._delivery.cancel()
            await asyncio.gather(self._delivery, return_exceptions=True)
            self._delivery = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"{self._origin}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self._origin}/file/bot"

    @property
    def _origin(self) -> str:
        if self._port is None:
            raise RuntimeError("the emulator is not started; await emu.start() first")
        return f"http://{self._host}:{self._port}"

    # ---- for tests ------------------------------------------------------
    def user(self, user_id: int, first_name: str, *, last_name: str | None = None,
             username: str | None = None, language_code: str | None = "en") -> EmulatedUser:
        """The person with this id (created on first use; chat id == user id)."""
        if user_id not in self._users:
            self._users[user_id] = EmulatedUser(self, user_id, first_name, last_name=last_name,
                                                username=username, language_code=language_code)
        return self._users[user_id]

    def group(self, chat_id: int, title: str, *, kind: str = "group") -> EmulatedGroup:
        """The group, supergroup or channel with this (negative) id, created on first use."""
        if chat_id not in self._users:
            self._users[chat_id] = EmulatedGroup(self, chat_id, title, kind)
        chat = self._users[chat_id]
        if not isinstance(chat, EmulatedGroup):
            raise ValueError(f"{chat_id} is a person's chat")
        return chat

    @property
    def users(self) -> list[EmulatedUser]:
        return [u for u in self._users.values() if not isinstance(u, EmulatedGroup)]

    def inject_update(self, fields: dict, *, user: EmulatedUser | None = None) -> dict:
        """Queue an update of any shape (a field Telegram never sends, a date
        as a string, an object in an older Bot API's form): `fields` is
        everything but the update_id, which the emulator gives. It is
        delivered whatever allowed_updates says. With `user`, it counts as
        theirs for `user.wait_until_answered()`."""
        update = {"update_id": self._next_update_id, **copy.deepcopy(fields)}
        self._next_update_id += 1
        self._updates.append(update)
        self._injected.add(update["update_id"])
        if user is not None:
            user.update_ids.append(update["update_id"])
        self._changed.fire()
        return copy.deepcopy(update)

    def calls_of(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """The commands set for exactly this scope and language (like getMyCommands)."""
        return copy.deepcopy(self._commands.get((_scope_key(scope), language_code or ""), []))

    def visible_commands(self, user: EmulatedUser) -> list[dict]:
        """The command menu this person's app shows, resolved like Telegram does."""
        lang = (user.language_code or "")[:2]
        for scope in ({"type": "chat", "chat_id": user.id}, {"type": "all_private_chats"},
                      {"type": "default"}):
            for code in (lang, ""):
                found = self._commands.get((_scope_key(scope), code))
                if found:
                    return copy.deepcopy(found)
        return []

    def menu_button(self, chat_id: int | None = None) -> dict:
        return copy.deepcopy(self._menu_buttons.get(chat_id) or self._menu_buttons.get(None)
                             or {"type": "commands"})

    @property
    def pending_updates(self) -> list[dict]:
        return copy.deepcopy(self._updates)

    # ---- used by EmulatedUser ---------------------------------------------
    async def wait_for_change(self, timeout: float) -> None:
        """Sleep until anything happens (an update, a message, a call) or timeout."""
        await self._changed.wait(timeout)

    def notify_change(self) -> None:
        self._changed.fire()

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def current_seq(self) -> int:
        return self._seq

    def bot_user(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_name,
                "username": self.bot_username}

    def enqueue(self, kind: str, payload: dict) -> tuple[dict, bool]:
        """Create an Update; it is queued unless the bot's allowed_updates exclude it."""
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        queued = kind in self._allowed
        if queued:
            self._updates.append(copy.deepcopy(update))
            self._changed.fire()
        return update, queued

    def register_file(self, data: bytes, kind: str, filename: str = "",
                      mime_type: str = "") -> dict:
        """Keep the bytes under a new file_id; returns the file's Telegram fields."""
        file_id = _FILE_PREFIX.get(kind, "BAACAgQAAxkBAA") + secrets.token_urlsafe(40)
        stored = StoredFile(file_id, "AgAD" + secrets.token_urlsafe(9), kind, data, filename,
                            mime_type, path=f"{kind}s/file_{len(self._files)}{_ext(filename)}")
        self._files[file_id] = stored
        out: dict[str, Any] = {"file_id": file_id, "file_unique_id": stored.file_unique_id,
                               "file_size": len(data)}
        if kind == "document":
            out.update(file_name=filename, mime_type=mime_type)
        elif kind == "voice":
            out["mime_type"] = mime_type
        return out

    def photo_sizes(self, data: bytes) -> list[dict]:
        """Store a photo; Telegram answers with a thumbnail and the full size."""
        size = _image_size(data)
        if size is None:
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        width, height = size
        if width + height > 10000 or max(width, height) > 20 * min(width, height):
            raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        if len(data) > 10 * 1024 * 1024:
            raise ApiError(400, "Bad Request: file is too big")
        sizes: list[dict] = []
        scale = 90 / max(width, height)
        if scale < 1:
            thumb = self.register_file(data, "photo", "photo.jpg", "image/jpeg")
            thumb.update(width=max(1, round(width * scale)), height=max(1, round(height * scale)),
                         file_size=max(1, round(len(data) * scale * scale)))
            sizes.append(thumb)
        full = self.register_file(data, "photo", "photo.jpg", "image/jpeg")
        full.update(width=width, height=height)
        sizes.append(full)
        for s in sizes:
            self._files[s["file_id"]].photo = sizes
        return copy.deepcopy(sizes)

    # ---- HTTP -----------------------------------------------------------
    async def _handle_api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        call = ApiCall(self._canonical.get(name.lower(), name), {}, time.monotonic())
        self.calls.append(call)
        self.stats["calls"] += 1
        user: EmulatedUser | None = None
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            handler = self._handlers.get(name.lower())
            if handler is None:
                raise ApiError(404, "Not Found")
            call.params = await _read_params(request)
            user = self._user_of(call.params)
            if user is not None:
                user.inflight += 1
                user.last_activity = time.monotonic()
            if self.faults.delay > 0:
                await asyncio.sleep(self.faults.delay)
            scripted = self.faults.next_scripted(call.method) if call.method != "getUpdates" else None
            if scripted is not None:
                self.stats["faults_scripted"] += 1
                status, body = 200, self._scripted_answer(scripted)
            else:
                if call.method in SENDING:
                    self._gate(call.params)
                result = await handler(_Params(call.params))
                status, body = 200, {"ok": True, "result": result}
        except ApiError as err:
            status, body = err.code, err.body()
        except Exception as err:  # a bug here must not look like a Telegram answer
            log.exception("emulator failed on %s", name)
            status, body = 500, {"ok": False, "error_code": 500,
                                 "description": f"Internal Server Error: {err!r}"}
        finally:
            if user is not None:
                user.inflight -= 1
                user.last_activity = time.monotonic()
        call.status, call.response = status, body
        self._changed.fire()
        if body is None:
            return web.Response(text=_NOT_JSON, status=status, content_type="text/html")
        return web.json_response(body, status=status)

    def _scripted_answer(self, answer: str) -> dict | None:
        """The body of a scripted fault (None: not JSON at all)."""
        if answer == "502":
            raise ApiError(502, "Bad Gateway")
        if answer == "unparsable":
            return {"ok": True, "result": {"message_id": self.next_seq()}}
        return None

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        for stored in self._files.values():
            if stored.path == request.match_info["path"]:
                return web.Response(body=stored.data,
                                    content_type=stored.mime_type or "application/octet-stream")
        return web.json_response(ApiError(404, "Not Found").body(), status=404)

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        return web.json_response(ApiError(404, "Not Found").body(), status=404)

    def _user_of(self, params: dict) -> EmulatedUser | None:
        try:
            return self._users.get(int(params.get("chat_id")))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            pass
        query_id = params.get("callback_query_id")
        return next((u for u in self._users.values() if u.owns_query(str(query_id))), None)

    def _gate(self, params: dict) -> None:
        if self.faults.next_429:
            self.stats["faults_429"] += 1
            raise _too_many(max(1, int(self.faults.next_429.pop(0))))
        if self.faults.roll():
            self.stats["faults_502"] += 1
            raise ApiError(502, "Bad Gateway")
        if self.rate_limits:
            try:
                chat_id: int | None = int(params.get("chat_id"))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                chat_id = None
            wait = self._limiter.retry_after(chat_id, time.monotonic())
            if wait:
                self.stats["rate_limited"] += 1
                raise _too_many(wait)

    # ---- shared pieces of the methods -------------------------------------
    def _chat(self, p: _Params, *, sending: bool = True) -> EmulatedUser:
        if p.get("chat_id") in (None, ""):
            raise ApiError(400, "Bad Request: chat_id is empty")
        user = self._users.get(p.int("chat_id", "Bad Request: chat not found"))
        if isinstance(user, EmulatedGroup) and not user.bot_member:
            raise ApiError(403, user.not_a_member_error)
        # The bot knows a private chat only once the person has written to it.
        if user is None or not user.started:
            raise ApiError(400, "Bad Request: chat not found")
        if sending and user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return user

    def _formatted(self, p: _Params, name: str, entities_name: str, *, limit: int,
                   too_long: str, required: bool) -> tuple[Parsed, str]:
        source = p.text(name)
        mode = p.text("parse_mode").strip().lower()
        if mode == "html":
            try:
                parsed = parse_html(source)
            except HtmlError as err:
                raise ApiError(400, f"Bad Request: can't parse entities: {err}") from None
            html = source.strip()
        elif mode in ("markdown", "markdownv2"):
            raise ApiError(400, "Bad Request: can't parse entities: the emulator implements "
                                "only parse_mode HTML")
        elif mode:
            raise ApiError(400, "Bad Request: unsupported parse_mode")
        elif isinstance(p.get(entities_name), list) and p.get(entities_name):
            parsed = Parsed(source, list(p[entities_name]))
            html = to_html(source)
        else:
            parsed = plain(source)
            html = to_html(parsed.text)
        if required and not parsed.text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(parsed.text) > limit:
            raise ApiError(400, f"Bad Request: {too_long}")
        parsed.entities = detect_entities(parsed.text, parsed.entities)
        return parsed, html

    def _markup(self, p: _Params) -> tuple[dict | None, list[list[Button]], Any]:
        """(inline markup, its buttons, reply keyboard change: ... = none, None = remove)."""
        markup = p.get("reply_markup")
        if markup is None or markup == "":
            return None, [], ...
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(400, "Bad Request: field \"inline_keyboard\" of the "
                                    "InlineKeyboardMarkup must be an Array of Arrays")
            buttons = [[_button(b) for b in row] for row in rows]
            clean = {"inline_keyboard": [[{k: v for k, v in b.items() if v is not None}
                                          for b in row] for row in rows if row]}
            return (clean if clean["inline_keyboard"] else None), [r for r in buttons if r], ...
        if "keyboard" in markup:
            return None, [], [[b if isinstance(b, str) else b.get("text", "") for b in row]
                              for row in markup["keyboard"]]
        if markup.get("remove_keyboard"):
            return None, [], None
        return None, [], ...  # force_reply and the like change nothing visible here

    def _reply_to(self, user: EmulatedUser, p: _Params) -> dict | None:
        params = p.get("reply_parameters") if isinstance(p.get("reply_parameters"), dict) else {}
        target_id = params.get("message_id", p.get("reply_to_message_id"))
        if target_id in (None, ""):
            return None
        target = user.find(int(target_id))
        if target is None:
            if params.get("allow_sending_without_reply") or p.flag("allow_sending_without_reply"):
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return {k: v for k, v in copy.deepcopy(target.raw).items() if k != "reply_to_message"}

    def _deliver(self, user: EmulatedUser, p: _Params, content: dict, **shown: Any) -> dict:
        inline, buttons, keyboard = self._markup(p)
        reply_to = self._reply_to(user, p)
        message_id = user.next_message_id()
        raw = {"message_id": message_id, "from": self.bot_user(), "chat": user.chat_json(),
               "date": int(time.time()), **content}
        if reply_to:
            raw["reply_to_message"] = reply_to
        if p.flag("protect_content"):
            raw["has_protected_content"] = True
        if inline:
            raw["reply_markup"] = inline
        user.add_message(ChatMessage(message_id=message_id, from_bot=True, buttons=buttons,
                                     date=raw["date"], raw=raw, **shown))
        if keyboard is not ...:
            user.reply_keyboard = keyboard
        return copy.deepcopy(raw)

    def _input_file(self, p: _Params, name: str, kind: str) -> tuple[StoredFile | None, Upload | None]:
        value = p.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = p.get(value[len("attach://"):])
        if isinstance(value, Upload):
            if not value.data:
                raise ApiError(400, "Bad Request: file must be non-empty")
            return None, value
        if isinstance(value, str) and value:
            if value.startswith(("http://", "https://")):
                raise ApiError(400, "Bad Request: failed to get HTTP URL content")
            stored = self._files.get(value)
            if stored is None:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            if stored.kind != kind:
                raise ApiError(400, f"Bad Request: can't use file of type {stored.kind.title()} "
                                    f"as {kind.title()}")
            return stored, None
        raise ApiError(400, f"Bad Request: there is no {kind} in the request")

    def _caption(self, p: _Params) -> tuple[dict, str | None, str]:
        parsed, html = self._formatted(p, "caption", "caption_entities", limit=CAPTION_LIMIT,
                                       too_long="message caption is too long", required=False)
        if not parsed.text:
            return {}, None, ""
        content: dict[str, Any] = {"caption": parsed.text}
        if parsed.entities:
            content["caption_entities"] = parsed.entities
        return content, parsed.text, html

    def _message_to_edit(self, user: EmulatedUser, p: _Params) -> ChatMessage:
        if p.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        msg = user.find(p.int("message_id", "Bad Request: message identifier is not specified"))
        if msg is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not msg.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return msg

    def _apply_edit(self, user: EmulatedUser, msg: ChatMessage, p: _Params,
                    content: dict | None, html: str | None) -> dict:
        inline, buttons, _ = self._markup(p)  # no reply_markup means: keyboard goes
        keys = ("text", "entities", "caption", "caption_entities", "reply_markup")
        new = {k: v for k, v in msg.raw.items() if k in keys}
        if content is not None:
            for k in keys[:4]:
                new.pop(k, None)
            new.update({k: v for k, v in content.items() if v})
        new.pop("reply_markup", None)
        if inline:
            new["reply_markup"] = inline
        old = {k: v for k, v in msg.raw.items() if k in keys}
        if new == old:
            raise ApiError(400, _NOT_MODIFIED)
        text_changed = any(new.get(k) != old.get(k) for k in keys[:4])
        for k in keys:
            msg.raw.pop(k, None)
        msg.raw.update(new)
        msg.buttons = buttons
        if text_changed:  # only then do apps show "edited"
            msg.raw["edit_date"] = int(time.time())
            msg.edited = True
            msg.html = html or ""
            if "text" in msg.raw:
                msg.text = msg.raw["text"]
            else:
                msg.caption = msg.raw.get("caption")
        user.changed(msg, "edit" if text_changed else "markup")
        return copy.deepcopy(msg.raw)

    # ---- Bot API methods (api_<methodName>) -----------------------------------
    async def api_getMe(self, p: _Params) -> dict:
        return {**self.bot_user(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    async def api_logOut(self, p: _Params) -> bool:
        return True

    async def api_close(self, p: _Params) -> bool:
        return True

    async def api_getUpdates(self, p: _Params) -> list[dict]:
        if self.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        if p.get("offset") not in (None, ""):
            self._confirm(p.int("offset"))
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed = frozenset(allowed) if allowed else _DEFAULT_UPDATES
        limit = min(max(p.int("limit") if p.get("limit") not in (None, "") else 100, 1), 100)
        timeout = max(p.number("timeout", 0), 0)  # fractions allowed, for quick tests
        # A newer getUpdates ends an older one that is still waiting, like Telegram.
        me = self._poller = object()
        self._changed.fire()
        deadline = time.monotonic() + timeout
        while True:
            if self._poller is not me:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure "
                                    "that only one bot instance is running")
            batch = [u for u in self._updates
                     if _kind(u) in self._allowed or u["update_id"] in self._injected][:limit]
            left = deadline - time.monotonic()
            if batch or left <= 0 or self._closing:
                return copy.deepcopy(batch)
            await self._changed.wait(left)

    def _confirm(self, offset: int) -> None:
        if offset < 0:  # -n: keep only the last n updates
            self._updates = self._updates[offset:]
            offset = self._updates[0]["update_id"] if self._updates else self._next_update_id
        elif offset == 0:
            return
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if offset > self.confirmed_offset:
            now, before = time.monotonic(), self.confirmed_offset
            for user in self._users.values():
                # The bot starts working on these updates now: the quiet period starts here.
                if any(before <= u < offset for u in user.update_ids):
                    user.last_activity = now
            self.confirmed_offset = offset
        self._changed.fire()

    async def api_setWebhook(self, p: _Params) -> bool:
        url = p.text("url")
        if url and not url.startswith("https://"):
            raise ApiError(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
        secret = p.text("secret_token")
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook_url, self.webhook_secret = url, secret
        self.webhook_last_error = None
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed = frozenset(allowed) if allowed else _DEFAULT_UPDATES
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        self._changed.fire()
        return True

    async def api_deleteWebhook(self, p: _Params) -> bool:
        self.webhook_url, self.webhook_secret = "", ""
        self.webhook_secret = ""  # setWebhook's secret_token, sent with each delivery
        # Where a reverse proxy in front of the bot would forward the webhook URL's path to
        # (e.g. "http://127.0.0.1:8443"): the emulator posts updates there while a webhook is set.
        self.webhook_proxy: str | None = None
        self.webhook_last_error: tuple[int, str] | None = None  # (unix time, message), as getWebhookInfo says
        self._delivery: asyncio.Task | None = None
        if p.flag("drop_pending_updates"):
            if self._updates:
                self.confirmed_offset = self._updates[-1]["update_id"] + 1
            self._updates.clear()
        return True

    async def api_getWebhookInfo(self, p: _Params) -> dict:
        info: dict[str, Any] = {"url": self.webhook_url, "has_custom_certificate": False,
                                "pending_update_count": len(self._updates)}
        if self.webhook_url:
            info["allowed_updates"] = sorted(self._allowed)
            if self.webhook_last_error:
                info["last_error_date"], info["last_error_message"] = self.webhook_last_error
        return info

    async def _deliver_to_webhook(self) -> None:
        """Telegram's side of a webhook: post the pending updates one at a time,
        in order, with the secret header when one is set; an update counts as
        delivered (and confirmed) only when answered 2xx, else it is tried again."""
        import aiohttp
        from urllib.parse import urlsplit

        async with aiohttp.ClientSession() as http:
            while not self._closing:
                batch = [u for u in self._updates if _kind(u) in self._allowed or u["update_id"] in self._injected]
                if not (self.webhook_url and self.webhook_proxy and batch):
                    await self._changed.wait(1.0)
                    continue
                update = copy.deepcopy(batch[0])
                parts = urlsplit(self.webhook_url)
                target = self.webhook_proxy.rstrip("/") + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret} if self.webhook_secret else {}
                try:
                    async with http.post(target, json=update, headers=headers,
                                         timeout=aiohttp.ClientTimeout(total=10)) as answer:
                        status = answer.status
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    status, reason = 0, f"Connection failed: {type(exc).__name__}"
                else:
                    reason = f"Wrong response from the webhook: {status}"
                if 200 <= status < 300:
                    self._confirm(update["update_id"] + 1)
                    continue
                self.webhook_last_error = (int(time.time()), reason)
                await asyncio.sleep(0.2)  # Telegram waits longer; tests need not

    async def api_sendMessage(self, p: _Params) -> dict:
        user = self._chat(p)
        parsed, html = self._formatted(p, "text", "entities", limit=TEXT_LIMIT,
                                       too_long="message is too long", required=True)
        content: dict[str, Any] = {"text": parsed.text}
        if parsed.entities:
            content["entities"] = parsed.entities
        return self._deliver(user, p, content, text=parsed.text, html=html)

    async def api_sendPhoto(self, p: _Params) -> dict:
        user = self._chat(p)
        extra, caption, html = self._caption(p)
        stored, upload = self._input_file(p, "photo", "photo")
        if upload is not None:
            sizes, data = self.photo_sizes(upload.data), upload.data
        else:
            assert stored is not None and stored.photo is not None
            sizes, data = copy.deepcopy(stored.photo), stored.data
        return self._deliver(user, p, {"photo": sizes, **extra}, text="", html=html,
                             photo=data, caption=caption)

    async def api_sendDocument(self, p: _Params) -> dict:
        user = self._chat(p)
        extra, caption, html = self._caption(p)
        stored, upload = self._input_file(p, "document", "document")
        if upload is not None:
            if len(upload.data) > 50 * 1024 * 1024:
                raise ApiError(413, "Request Entity Too Large")
            doc = self.register_file(upload.data, "document", upload.filename, upload.mime_type)
            name, data = upload.filename, upload.data
        else:
            assert stored is not None
            doc = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                   "file_size": len(stored.data), "file_name": stored.filename,
                   "mime_type": stored.mime_type}
            name, data = stored.filename, stored.data
        return self._deliver(user, p, {"document": doc, **extra}, text="", html=html,
                             document=(name, data), caption=caption)

    async def api_sendVoice(self, p: _Params) -> dict:
        user = self._chat(p)
        extra, caption, html = self._caption(p)
        stored, upload = self._input_file(p, "voice", "voice")
        if upload is not None:
            voice = self.register_file(upload.data, "voice", upload.filename, upload.mime_type or "audio/ogg")
        else:
            assert stored is not None
            voice = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                     "file_size": len(stored.data), "mime_type": stored.mime_type}
        voice["duration"] = int(p.get("duration") or 0)  # Telegram always answers with one
        return self._deliver(user, p, {"voice": voice, **extra}, text="", html=html, caption=caption,
                             media="voice message")

    async def api_editMessageText(self, p: _Params) -> dict:
        user = self._chat(p)
        msg = self._message_to_edit(user, p)
        if "text" not in msg.raw:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        parsed, html = self._formatted(p, "text", "entities", limit=TEXT_LIMIT,
                                       too_long="message is too long", required=True)
        return self._apply_edit(user, msg, p, {"text": parsed.text, "entities": parsed.entities},
                                html)

    async def api_editMessageCaption(self, p: _Params) -> dict:
        user = self._chat(p)
        msg = self._message_to_edit(user, p)
        if "text" in msg.raw:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        extra, caption, html = self._caption(p)
        return self._apply_edit(user, msg, p, {"caption": caption, **extra}, html)

    async def api_editMessageReplyMarkup(self, p: _Params) -> dict:
        user = self._chat(p)
        return self._apply_edit(user, self._message_to_edit(user, p), p, None, None)

    async def api_deleteMessage(self, p: _Params) -> bool:
        user = self._chat(p)
        msg = user.find(p.int("message_id", "Bad Request: message identifier is not specified"))
        if msg is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        msg.deleted = True
        user.changed(msg, "delete")
        return True

    async def api_deleteMessages(self, p: _Params) -> bool:
        user = self._chat(p)
        for message_id in p.get("message_ids") or []:
            msg = user.find(int(message_id))
            if msg is not None:
                msg.deleted = True
                user.changed(msg, "delete")
        return True

    async def api_answerCallbackQuery(self, p: _Params) -> bool:
        query_id = p.text("callback_query_id")
        user = next((u for u in self._users.values() if u.owns_query(query_id)), None)
        if user is None or not user.answer(query_id, p.text("text"), p.flag("show_alert")):
            raise ApiError(400, _QUERY_INVALID)
        return True

    async def api_sendChatAction(self, p: _Params) -> bool:
        user = self._chat(p)
        if p.text("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    async def api_getChat(self, p: _Params) -> dict:
        user = self._chat(p, sending=False)
        return {**user.chat_json(), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False,
                                        "gifts_from_channels": False}}

    async def api_leaveChat(self, p: _Params) -> bool:
        chat = self._chat(p, sending=False)
        if not isinstance(chat, EmulatedGroup):
            raise ApiError(400, "Bad Request: chat member status can't be changed in private chats")
        chat.bot_left()
        return True

    async def api_getFile(self, p: _Params) -> dict:
        stored = self._files.get(p.text("file_id"))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(stored.data) > 20 * 1024 * 1024:
            raise ApiError(400, "Bad Request: file is too big")
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.data), "file_path": stored.path}

    async def api_setMyCommands(self, p: _Params) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be an array of at most 100 items")
        clean = []
        for c in commands:
            command = str(c.get("command", "")).lstrip("/") if isinstance(c, dict) else ""
            description = str(c.get("description", "")) if isinstance(c, dict) else ""
            if not _COMMAND.fullmatch(command):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": command, "description": description})
        key = self._commands_key(p)
        if clean:
            self._commands[key] = clean
        else:
            self._commands.pop(key, None)
        return True

    async def api_getMyCommands(self, p: _Params) -> list[dict]:
        return copy.deepcopy(self._commands.get(self._commands_key(p), []))

    async def api_deleteMyCommands(self, p: _Params) -> bool:
        self._commands.pop(self._commands_key(p), None)
        return True

    def _commands_key(self, p: _Params) -> tuple[str, str]:
        lang = p.text("language_code")
        if lang and not re.fullmatch(r"[a-z]{2}", lang):
            raise ApiError(400, "Bad Request: invalid language code specified")
        scope = p.get("scope")
        if scope is not None and not (isinstance(scope, dict) and scope.get("type") in (
                "default", "all_private_chats", "all_group_chats", "all_chat_administrators",
                "chat", "chat_administrators", "chat_member")):
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        return _scope_key(scope), lang

    async def api_setChatMenuButton(self, p: _Params) -> bool:
        button = p.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app",
                                                                      "default"):
            raise ApiError(400, "Bad Request: can't parse menu button JSON object")
        chat_id = self._chat(p, sending=False).id if p.get("chat_id") not in (None, "") else None
        self._menu_buttons[chat_id] = button
        return True

    async def api_getChatMenuButton(self, p: _Params) -> dict:
        chat_id = self._chat(p, sending=False).id if p.get("chat_id") not in (None, "") else None
        return self.menu_button(chat_id)

    async def api_setMyName(self, p: _Params) -> bool:
        self._profile[("name", p.text("language_code"))] = p.text("name")
        return True

    async def api_getMyName(self, p: _Params) -> dict:
        return {"name": self._profile.get(("name", p.text("language_code")), self.bot_name)}

    async def api_setMyDescription(self, p: _Params) -> bool:
        self._profile[("description", p.text("language_code"))] = p.text("description")
        return True

    async def api_getMyDescription(self, p: _Params) -> dict:
        return {"description": self._profile.get(("description", p.text("language_code")), "")}

    async def api_setMyShortDescription(self, p: _Params) -> bool:
        self._profile[("short", p.text("language_code"))] = p.text("short_description")
        return True

    async def api_getMyShortDescription(self, p: _Params) -> dict:
        return {"short_description": self._profile.get(("short", p.text("language_code")), "")}


async def _read_params(request: web.Request) -> dict:
    """Query string, JSON body, urlencoded form or multipart, like the Bot API takes them."""
    params: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON body") from None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON body must be an object")
            params.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[key] = Upload(value.filename, value.content_type, value.file.read())
                else:
                    params[key] = value
    for key in _JSON_FIELDS:
        if isinstance(params.get(key), str):
            try:
                params[key] = json.loads(params[key])
            except ValueError:
                raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from None
    return params


def _kind(update: dict) -> str | None:
    return next((k for k in update if k != "update_id"), None)


def _scope_key(scope: dict | None) -> str:
    scope = dict(scope or {"type": "default"})
    if "chat_id" in scope:
        try:
            scope["chat_id"] = int(scope["chat_id"])
        except (TypeError, ValueError):
            pass
    return json.dumps(scope, sort_keys=True)


def _button(raw: Any) -> Button:
    if not isinstance(raw, dict) or not str(raw.get("text", "")).strip():
        raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
    text, data, url = str(raw["text"]), raw.get("callback_data"), raw.get("url")
    if data is not None:
        if not 1 <= len(str(data).encode("utf-8")) <= 64:
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return Button(text, callback_data=str(data))
    if url is not None:
        if not re.match(r"(https?|tg)://[^\s]+$", str(url)):
            raise ApiError(400, f"Bad Request: inline keyboard button URL '{url}' is invalid: "
                                "Wrong HTTP URL")
        return Button(text, url=str(url))
    actions = ("web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
               "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay")
    if not any(raw.get(a) is not None for a in actions):
        raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
    return Button(text)


def _ext(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:] if 0 <= dot and len(filename) - dot <= 6 else ""


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG, GIF, JPEG or WebP header."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            return (int.from_bytes(data[24:27], "little") + 1,
                    int.from_bytes(data[27:30], "little") + 1)
        if chunk == b"VP8 ":
            w, h = struct.unpack("<HH", data[26:30])
            return w & 0x3FFF, h & 0x3FFF
        if chunk == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                i += 1 if marker == 0xFF else 2
                continue
            length = struct.unpack(">H", data[i + 2:i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", data[i + 5:i + 9])
                return w, h
            i += 2 + length
    return None
