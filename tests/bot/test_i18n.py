"""Locale resolution, date formatting and the catalogs."""

from datetime import datetime, timezone

import pytest
from babel.messages.pofile import read_po

from bot.i18n import SOURCE_CATALOGS, format_moment, render, resolve_locale
from flows.text import Moment, _, ngettext


def test_locale_comes_from_choice_then_telegram_then_default():
    assert resolve_locale("fi", "sv", "da") == "fi"
    assert resolve_locale(None, "sv-SE", "da") == "sv"
    assert resolve_locale(None, "de", "da") == "da"
    assert resolve_locale(None, None, "en") == "en"


def test_dates_in_each_locale_and_the_case_time_zone():
    moment = Moment(datetime(2026, 12, 3, 13, 30, tzinfo=timezone.utc), "Europe/Helsinki")
    assert format_moment(moment, "fi") == "torstai 3. joulukuuta 2026 15.30"
    assert "14:30" in format_moment(Moment(moment.at, "Europe/Stockholm"), "sv")
    assert "december" in format_moment(Moment(moment.at, "Europe/Copenhagen"), "da")
    assert "15:30" in format_moment(moment, "en")


@pytest.mark.parametrize("language", ["sv", "da", "fi", "en"])
def test_every_catalog_is_complete_and_placeholders_match(language):
    path = SOURCE_CATALOGS / language / "LC_MESSAGES" / "meetbot.po"
    with path.open("rb") as f:
        catalog = read_po(f, locale=language)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {message.id!r}")
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(_placeholders(ids[0])) | set(_placeholders(ids[-1]))
        for s in strings:
            if s and set(_placeholders(s)) - wanted:
                problems.append(f"unknown placeholder in {s!r}")
    assert not problems, "\n".join(problems[:20])


def _placeholders(text):
    import string

    return [name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name]


def test_rendering_translates_and_handles_plurals():
    assert render(_("Good, nothing was erased."), "sv") != "Good, nothing was erased."
    one = render(ngettext("{n} participant has joined", "{n} participants have joined", 1), "en")
    many = render(ngettext("{n} participant has joined", "{n} participants have joined", 3), "en")
    assert one == "1 participant has joined" and many == "3 participants have joined"
