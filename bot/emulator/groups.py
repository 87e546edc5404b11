"""Group chats (and supergroups and channels) the bot can be added to.

A group keeps the chat machinery of a private chat (messages, buttons,
waiting for the bot), but its id is negative, it has a title, and every
action in it is done by one of its members: `group.send_text("hi", by=anna)`.
While the bot is a member it gets every message (as if its privacy mode
were off: the strictest case for a bot that must ignore groups); a button
press reaches it either way, as in Telegram, where a callback goes to the
bot whose button it is."""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING

from bot.emulator.html import detect_entities, utf16_len
from bot.emulator.users import ChatMessage, EmulatedUser

if TYPE_CHECKING:
    from bot.emulator.server import BotApiEmulator

KINDS = ("group", "supergroup", "channel")
# Everything an administrator may do, as Telegram lists it in a ChatMemberAdministrator.
_ADMIN_RIGHTS = dict.fromkeys(
    ("can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
     "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
     "can_post_stories", "can_edit_stories", "can_delete_stories", "can_post_messages",
     "can_edit_messages"), False) | {"can_manage_chat": True, "can_post_messages": True}


class EmulatedGroup(EmulatedUser):
    def __init__(self, emu: BotApiEmulator, chat_id: int, title: str, kind: str = "group") -> None:
        if chat_id >= 0:
            raise ValueError("group and channel ids are negative in Telegram")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        super().__init__(emu, chat_id, title, language_code=None)
        self.title, self.kind = title, kind
        self.bot_member = False

    # ---- identity -------------------------------------------------------
    def chat_json(self) -> dict:
        return {"id": self.id, "type": self.kind, "title": self.title}

    def user_json(self) -> dict:
        raise TypeError("a group does not act by itself: pass by=<a member>")

    @property
    def not_a_member_error(self) -> str:
        return f"Forbidden: bot is not a member of the {'channel' if self.kind == 'channel' else self.kind} chat"

    # ---- the bot's membership ---------------------------------------------
    async def add_bot(self, *, by: EmulatedUser) -> dict:
        """A member adds the bot (as an administrator in a channel)."""
        self.bot_member = True
        self.started = True
        self.note(f"{by.full_name} added the bot")
        return self._member_change("left", self._member_status(), by.user_json())

    def bot_left(self) -> dict:
        """The bot left (leaveChat); Telegram tells it so with my_chat_member."""
        self.bot_member = False
        self.note("the bot left", who="bot")
        payload = self._member_payload(self._member_status(), "left", self._emu.bot_user())
        return EmulatedUser._update(self, "my_chat_member", payload)  # past the membership check

    # ---- what members do --------------------------------------------------
    async def send_text(self, text: str, *, by: EmulatedUser) -> dict:
        self._check_person(by)
        return self._send({"text": text, "entities": detect_entities(text)}, text=text,
                          kind=self._message_kind, sender=by.user_json())

    async def send_command(self, command: str, payload: str | None = None, *, by: EmulatedUser) -> dict:
        self._check_person(by)
        command = command if command.startswith("/") else "/" + command
        text = f"{command} {payload}" if payload else command
        entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        return self._send({"text": text, "entities": entities}, text=text, kind=self._message_kind,
                          sender=by.user_json())

    async def forward(self, message: ChatMessage, *, by: EmulatedUser) -> ChatMessage:
        """A member forwards a message (a bot's, with its buttons) into the group."""
        self._check_person(by)
        content = {k: copy.deepcopy(v) for k, v in message.raw.items()
                   if k in ("text", "entities", "caption", "caption_entities", "reply_markup")}
        origin = message.raw.get("from", {})
        content["forward_origin"] = {"type": "user", "sender_user": origin, "date": message.date}
        self._send(content, text=message.text, caption=message.caption, kind=self._message_kind,
                   sender=by.user_json())
        forwarded = self.messages[-1]
        forwarded.buttons = copy.deepcopy(message.buttons)
        return forwarded

    async def press(self, button: str, message: ChatMessage | int | None = None, *,
                    by: EmulatedUser) -> dict:
        msg, found = self._find_button(button, message)
        if found.callback_data is None:
            raise ValueError(f"button {found.text!r} sends nothing to the bot")
        self.note(f"{by.full_name} pressed [ {found.text} ]")
        return self._callback(msg, found.callback_data, by.user_json())

    # ---- internals --------------------------------------------------------
    @property
    def _message_kind(self) -> str:
        return "channel_post" if self.kind == "channel" else "message"

    def _check_person(self, by: EmulatedUser) -> None:
        if isinstance(by, EmulatedGroup):
            raise TypeError("by= is a person, not a group")

    def _update(self, kind: str, payload: dict) -> dict:
        # The bot hears nothing from a group it is not in, except a press of its own button.
        if self.bot_member or kind == "callback_query":
            return super()._update(kind, payload)
        return {"update_id": None, kind: payload}

    def _member_status(self) -> str:
        return "administrator" if self.kind == "channel" else "member"

    def _member_change(self, old: str, new: str, sender: dict) -> dict:
        self._act()
        return self._update("my_chat_member", self._member_payload(old, new, sender))

    def _member_payload(self, old: str, new: str, sender: dict) -> dict:
        bot = self._emu.bot_user()

        def member(status: str) -> dict:
            extra = _ADMIN_RIGHTS if status == "administrator" else {}
            return {"status": status, "user": bot, **extra}

        return {"chat": self.chat_json(), "from": sender, "date": int(time.time()),
                "old_chat_member": member(old), "new_chat_member": member(new)}
