"""Telegram-flavoured HTML: turn a bot's `parse_mode=HTML` text into the plain
text a person sees plus MessageEntity dicts, rejecting what Telegram rejects.

Deliberately a little stricter than Telegram's own parser in one respect: a
bare `&` in text (not starting an entity) is an error, as the Bot API docs
demand, so that a bot forgetting to escape user input fails in tests instead
of on the day someone is called "Tom & Jerry <3"."""

from __future__ import annotations

import html as std_html
import re
from dataclasses import dataclass, field

# Tag -> entity type, as listed under "HTML style" in the Bot API docs.
_TAGS = {
    "b": "bold", "strong": "bold",
    "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "span": "spoiler",
    "a": "text_link",
    "code": "code", "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}

_NAME = r"[A-Za-z][A-Za-z0-9-]*"
_ATTR = re.compile(r"""\s*([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
_START = re.compile(rf"<({_NAME})((?:\s+[A-Za-z_:][-A-Za-z0-9_:.]*"
                    r"""(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*>""")
_END = re.compile(rf"</({_NAME})\s*>")
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TRIM = " \t\r\n"

# Plain-text entities Telegram detects by itself in every message.
_AUTO = [
    ("url", re.compile(r"(?<![\w@/])(?:https?://|t\.me/)[^\s<>\"]+[^\s<>\".,;:!?)\]'»]")),
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}(?![\w@])")),
    ("hashtag", re.compile(r"(?<![\w#])#[^\W\d][\w]{0,255}")),
]


class HtmlError(ValueError):
    """The text after "Bad Request: can't parse entities: "."""


@dataclass
class Parsed:
    text: str
    entities: list[dict] = field(default_factory=list)


def utf16_len(text: str) -> int:
    # Telegram counts entity offsets and lengths in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _decode_entity(match: re.Match) -> str:
    named, dec, hexa = match.groups()
    if named:
        return _NAMED[named]
    code = int(dec) if dec else int(hexa, 16)
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"


def _unquote(value: str | None) -> str:
    if value is None:
        return ""
    if value[:1] in "\"'":
        value = value[1:-1]
    # Attribute values are decoded leniently, as Telegram does (URLs with `&`).
    return _ENTITY.sub(_decode_entity, value)


def parse_html(source: str) -> Parsed:
    """Parse Telegram HTML; raise HtmlError with Telegram-like wording."""
    out: list[str] = []
    pos16 = 0  # UTF-16 length of the text produced so far
    stack: list[tuple[str, dict, int]] = []  # open tags: (name, attrs, start offset)
    entities: list[dict] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "&":
            m = _ENTITY.match(source, i)
            if not m:
                raise HtmlError(f"Character '&' at byte offset {_byte_offset(source, i)} "
                                "must be escaped as &amp;")
            piece = _decode_entity(m)
            out.append(piece)
            pos16 += utf16_len(piece)
            i = m.end()
        elif ch == "<":
            end = _END.match(source, i)
            if end:
                name = end.group(1).lower()
                if not stack:
                    raise HtmlError(f"Unexpected end tag at byte offset {_byte_offset(source, i)}")
                if stack[-1][0] != name:
                    raise HtmlError(f"Unmatched end tag at byte offset {_byte_offset(source, i)}, "
                                    f'expected "</{stack[-1][0]}>", found "</{name}>"')
                tag, attrs, start = stack.pop()
                entity = _entity_for(tag, attrs, start, pos16 - start, entities)
                if entity:
                    entities.append(entity)
                i = end.end()
                continue
            start_tag = _START.match(source, i)
            if not start_tag:
                if source.startswith("</", i):
                    raise HtmlError(f"Unclosed end tag at byte offset {_byte_offset(source, i)}")
                raise HtmlError(f"Unsupported start tag at byte offset {_byte_offset(source, i)}; "
                                "a bare '<' must be escaped as &lt;")
            name = start_tag.group(1).lower()
            attrs = {k.lower(): _unquote(v) for k, v in _ATTR.findall(start_tag.group(2))}
            if name not in _TAGS:
                raise HtmlError(f'Unsupported start tag "{name}" at byte offset '
                                f"{_byte_offset(source, i)}")
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise HtmlError('Tag "span" must have class "tg-spoiler" at byte offset '
                                f"{_byte_offset(source, i)}")
            stack.append((name, attrs, pos16))
            i = start_tag.end()
        else:
            # Copy a run of ordinary characters at once.
            j = i
            while j < n and source[j] not in "&<":
                j += 1
            piece = source[i:j]
            out.append(piece)
            pos16 += utf16_len(piece)
            i = j
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return _trimmed(Parsed("".join(out), _sorted(entities)))


def _entity_for(tag: str, attrs: dict, offset: int, length: int, done: list[dict]) -> dict | None:
    kind = _TAGS[tag]
    entity: dict = {"type": kind, "offset": offset, "length": length}
    if tag == "a":
        url = attrs.get("href", "").strip()
        if not url:
            return None
        m = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if m:
            return {"type": "text_mention", "offset": offset, "length": length,
                    "user": {"id": int(m.group(1)), "is_bot": False, "first_name": ""}}
        entity["url"] = url
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    elif tag == "pre":
        # <pre><code class="language-x">…</code></pre> is one pre entity with a language.
        for inner in list(done):
            if (inner["type"] == "code" and inner["offset"] == offset
                    and inner["length"] == length and "_language" in inner):
                entity["language"] = inner["_language"]
                done.remove(inner)
    elif tag == "code":
        cls = attrs.get("class", "")
        if cls.startswith("language-"):
            entity["_language"] = cls[len("language-"):]
    return entity


def _sorted(entities: list[dict]) -> list[dict]:
    for e in entities:
        e.pop("_language", None)
    return sorted((e for e in entities if e["length"] > 0),
                  key=lambda e: (e["offset"], -e["length"]))


def _trimmed(parsed: Parsed) -> Parsed:
    """Telegram strips surrounding whitespace; entities move with the text."""
    text = parsed.text
    stripped = text.strip(_TRIM)
    if stripped == text:
        return parsed
    lead = utf16_len(text[: len(text) - len(text.lstrip(_TRIM))])
    size = utf16_len(stripped)
    entities = []
    for e in parsed.entities:
        start = max(e["offset"] - lead, 0)
        end = min(e["offset"] + e["length"] - lead, size)
        if end > start:
            entities.append({**e, "offset": start, "length": end - start})
    return Parsed(stripped, entities)


def plain(text: str) -> Parsed:
    """A text sent without parse_mode: only surrounding whitespace goes."""
    return _trimmed(Parsed(text, []))


def detect_entities(text: str, existing: list[dict] | None = None) -> list[dict]:
    """Add the url/command/mention/hashtag entities Telegram finds by itself,
    skipping spans already covered by an explicit entity."""
    existing = list(existing or [])
    taken = [(e["offset"], e["offset"] + e["length"]) for e in existing]
    found = []
    for kind, pattern in _AUTO:
        for m in pattern.finditer(text):
            start = utf16_len(text[: m.start()])
            end = start + utf16_len(m.group(0))
            if any(a < end and start < b for a, b in taken):
                continue
            taken.append((start, end))
            found.append({"type": kind, "offset": start, "length": end - start})
    return _sorted(existing + found)


def to_html(text: str) -> str:
    """The HTML a plain text would have been written as."""
    return std_html.escape(text, quote=False)
