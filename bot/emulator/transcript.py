"""A chat rendered as plain text, the way the person's phone shows it; this is
what `meetbot demo` prints and what failing waits put in their error."""

from __future__ import annotations

import textwrap

from bot.emulator.users import ChatMessage, EmulatedUser

WIDTH = 72
_INDENT = " " * 8  # under "  bot › "


def render_chat(user: EmulatedUser, *, width: int = WIDTH) -> str:
    name = user.full_name + (f" (@{user.username})" if user.username else "")
    header = f"── {name} · {user.language_code or '?'} "
    lines = [header + "─" * max(3, width - len(header))]
    notes = user.notes
    for index, msg in enumerate(user.messages):
        lines += _notes_at(notes, index, width)
        if not msg.deleted:
            lines += _message(msg, width)
    lines += _notes_at(notes, len(user.messages), width)
    if user.reply_keyboard:
        lines.append(_INDENT + "keyboard: " + "  ".join(
            f"[ {b} ]" for row in user.reply_keyboard for b in row))
    if user.blocked:
        lines.append(_INDENT + "(the bot is blocked)")
    return "\n".join(lines)


def _notes_at(notes: list[tuple[int, str, str]], position: int, width: int) -> list[str]:
    out = []
    for at, who, text in notes:
        if at == position:
            out += _wrap(f"  {who} · ", text, width)
    return out


def _message(msg: ChatMessage, width: int) -> list[str]:
    prefix = "  bot › " if msg.from_bot else "  you › "
    parts = []
    if msg.photo is not None:
        parts.append(f"[photo: {_size(len(msg.photo))}]")
    if msg.document is not None:
        parts.append(f"[file: {msg.document[0]}]")
    if msg.media:
        parts.append(f"[{msg.media}]")
    body = msg.text or ""
    if msg.caption:
        body = msg.caption
    if parts:
        body = " ".join(parts) + ("\n" + body if body else "")
    if msg.edited:
        body += "  (edited)"
    lines = _wrap(prefix, body, width)
    for row in msg.buttons:
        lines.append(_INDENT + " ".join(
            f"[ {b.text} ↗ ]" if b.url else f"[ {b.text} ]" for b in row))
    return lines


def _wrap(prefix: str, body: str, width: int) -> list[str]:
    out: list[str] = []
    for paragraph in body.split("\n"):
        wrapped = textwrap.wrap(paragraph, width=width - len(prefix), break_on_hyphens=False,
                                replace_whitespace=False, drop_whitespace=True) or [""]
        for line in wrapped:
            out.append(((prefix if not out else _INDENT[: len(prefix)]) + line).rstrip())
    return out


def _size(n: int) -> str:
    if n < 1000:
        return f"{n} B"
    if n < 1_000_000:
        return f"{n / 1000:.1f} kB"
    return f"{n / 1_000_000:.1f} MB"
