"""The catalogs are held to what a reader needs: every text translated, the
same placeholders and tags as the English, the glossary's words used the
same way every time (locales/glossary.toml), no forbidden variants, and every
text the code and the meeting models use present in every catalog."""

from __future__ import annotations

import re
import string
import tomllib
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
LANGUAGES = ("sv", "da", "fi", "en")
TRANSLATED = ("sv", "da", "fi")
TAG = re.compile(r"</?[a-z]+\b[^>]*>")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


@cache
def catalog(language: str):
    with (LOCALES / language / "LC_MESSAGES" / "meetbot.po").open("rb") as f:
        return read_po(f, locale=language)


@cache
def glossary() -> dict:
    with (LOCALES / "glossary.toml").open("rb") as f:
        return tomllib.load(f)


def entries(language: str):
    """(msgid, plural or None, context, translations) for every real entry."""
    for message in catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id, None)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        yield message, ids[0], ids[1], strings


def placeholders(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def tags(text: str) -> Counter:
    return Counter(TAG.findall(text))


def label(msgid: str, context: str | None) -> str:
    return f"[{context}] {msgid[:60]!r}" if context else repr(msgid[:60])


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    problems = [label(msgid, m.context) for m, msgid, _plural, strings in entries(language)
                if m.fuzzy or not all(s.strip() for s in strings)]
    assert not problems, "untranslated or fuzzy:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_and_tags_are_those_of_the_english(language):
    problems = []
    for m, msgid, plural, strings in entries(language):
        if plural is None:
            (text,) = strings
            if placeholders(text) != placeholders(msgid):
                problems.append(f"placeholders {sorted(placeholders(text))} ≠ {sorted(placeholders(msgid))}: {label(msgid, m.context)}")
            if tags(text) != tags(msgid):
                problems.append(f"tags differ: {label(msgid, m.context)}")
            continue
        # A plural form may leave out {n} ("en timme"), but none may invent a
        # placeholder, and the "many" form says everything the English says.
        allowed = placeholders(msgid) | placeholders(plural)
        for text in strings:
            if placeholders(text) - allowed:
                problems.append(f"unknown placeholder in {text!r}")
            if tags(text) != tags(plural):
                problems.append(f"tags differ: {label(msgid, m.context)}")
        if placeholders(strings[-1]) != placeholders(plural):
            problems.append(f"plural placeholders {sorted(placeholders(strings[-1]))}: {label(msgid, m.context)}")
    assert not problems, "\n".join(problems)


def test_english_catalog_says_exactly_the_source():
    problems = []
    for m, msgid, plural, strings in entries("en"):
        if strings != ((msgid,) if plural is None else (msgid, plural)):
            problems.append(label(msgid, m.context))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_glossary_terms_are_used_every_time(language):
    problems = []
    for term in glossary()["term"]:
        stems = term["stems"].get(language)
        if not stems:
            continue
        pattern = re.compile(term["en"], re.IGNORECASE)
        for m, msgid, plural, strings in entries(language):
            words = PLACEHOLDER.sub("", msgid + " " + (plural or ""))  # "{tasks}" is no word
            if not pattern.search(words):
                continue
            for text in strings:
                if not any(stem.lower() in text.lower() for stem in stems):
                    problems.append(f"{term['en']} → {term['words'][language]}: {text[:80]!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_forbidden_variant_is_used(language):
    forbidden = glossary()["forbidden"][language]
    problems = []
    for _m, _msgid, _plural, strings in entries(language):
        for text in strings:
            for pattern, reason in forbidden.items():
                if re.search(pattern, text):
                    problems.append(f"{pattern} ({reason}): {text[:80]!r}")
    assert not problems, "\n".join(problems)


def test_danish_quotes_are_danish():
    # German quotation marks („…“) crept into Danish once; the glossary forbids them.
    assert re.search(next(p for p in glossary()["forbidden"]["da"] if "„" in p), "Tryk på „Send“")
    assert not re.search(next(p for p in glossary()["forbidden"]["da"] if "„" in p), "Tryk på »Send«")


@cache
def source_messages() -> set[tuple[str | None, str]]:
    """Every (context, msgid) the code and the meeting models use, extracted
    as `pybabel extract -F babel.cfg` would."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(str(ROOT), method_map, options_map):
        msgid = message[0] if isinstance(message, tuple) else message
        found.add((context, msgid))
    return found


def test_extraction_finds_the_code_and_the_models():
    found = source_messages()
    assert (None, "Yes, erase my data") in found  # flows/forgetting.py
    assert ("meeting change", "No, keep it") in found  # a pgettext context
    assert (None, "Family group conference") in found  # a meeting model


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_the_source_uses_is_in_the_catalog(language):
    present = {(m.context, msgid) for m, msgid, _plural, _strings in entries(language)}
    missing = sorted(source_messages() - present, key=lambda item: (item[0] or "", item[1]))
    assert not missing, "not in the catalog:\n" + "\n".join(label(msgid, context) for context, msgid in missing)


KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s")


def po_entries(path: Path):
    """(line number, keyword, text) for each keyword of a .po file, its text
    joined across continuation lines: read as msgfmt reads it."""
    current = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = KEYWORD.match(line)
        if match:
            if current:
                yield current
            current = [number, match.group(1), line[match.end():].strip()[1:-1]]
        elif line.startswith('"') and current:
            current[2] += line.strip()[1:-1]
        elif current:
            yield current
            current = None
    if current:
        yield current


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_entry_is_well_formed_and_defined_once(language):
    """Babel's reader forgives what msgfmt refuses: a stray second msgstr (whose
    text then silently replaces the real one) or an entry defined twice, as a
    merge of two branches' catalogs can leave behind."""
    problems, seen, previous, context, msgid = [], set(), "", "", ""
    for number, keyword, text in po_entries(LOCALES / language / "LC_MESSAGES" / "meetbot.po"):
        if keyword == "msgstr" and previous != "msgid":
            problems.append(f"line {number}: msgstr after {previous or 'nothing'}")
        if keyword.startswith("msgstr[") and not (previous == "msgid_plural" or previous.startswith("msgstr[")):
            problems.append(f"line {number}: {keyword} after {previous or 'nothing'}")
        if keyword == "msgctxt":
            context = text
        elif keyword == "msgid":
            msgid, context = (context, text), ""
            if msgid in seen:
                problems.append(f"line {number}: defined twice: {text[:70]!r}")
            seen.add(msgid)
        previous = keyword
    assert not problems, "\n".join(problems)
