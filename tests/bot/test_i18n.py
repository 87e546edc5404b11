"""Locale resolution, date formatting and the catalogs."""

from datetime import datetime, timezone

import pytest

from bot.i18n import format_moment, render, resolve_locale
from flows.text import Moment, _, ngettext, pgettext


def test_locale_comes_from_choice_then_telegram_then_default():
    assert resolve_locale("fi", "sv", "da") == "fi"
    assert resolve_locale(None, "sv-SE", "da") == "sv"
    assert resolve_locale(None, "de", "da") == "da"
    assert resolve_locale(None, None, "en") == "en"


def test_dates_in_each_locale_and_the_case_time_zone():
    moment = Moment(datetime(2026, 12, 3, 13, 30, tzinfo=timezone.utc), "Europe/Helsinki")
    assert format_moment(moment, "fi") == "to 3.12.2026 klo 15.30"
    assert format_moment(Moment(moment.at, "Europe/Stockholm"), "sv") == "torsdag 3 december 2026 kl. 14.30"
    assert format_moment(moment, "en") == "Thursday, 3 December 2026, 15:30"


# Each country's own way of writing a date and a time, every style pinned.
SATURDAY = datetime(2026, 12, 5, 13, 30, tzinfo=timezone.utc)  # 14.30 in Stockholm and Copenhagen
MORNING = datetime(2027, 1, 15, 7, 5, tzinfo=timezone.utc)  # 9.05 in Helsinki


@pytest.mark.parametrize(("language", "at", "zone", "style", "shown"), [
    ("sv", SATURDAY, "Europe/Stockholm", "datetime", "lördag 5 december 2026 kl. 14.30"),
    ("sv", SATURDAY, "Europe/Stockholm", "date", "lördag 5 december 2026"),
    ("sv", SATURDAY, "Europe/Stockholm", "time", "14.30"),
    ("sv", SATURDAY, "Europe/Stockholm", "short_date", "2026-12-05"),
    ("da", SATURDAY, "Europe/Copenhagen", "datetime", "lørdag den 5. december 2026 kl. 14.30"),
    ("da", SATURDAY, "Europe/Copenhagen", "date", "lørdag den 5. december 2026"),
    ("da", SATURDAY, "Europe/Copenhagen", "time", "14.30"),
    ("da", SATURDAY, "Europe/Copenhagen", "short_date", "5.12.2026"),
    ("fi", SATURDAY, "Europe/Stockholm", "datetime", "la 5.12.2026 klo 14.30"),
    ("fi", MORNING, "Europe/Helsinki", "datetime", "pe 15.1.2027 klo 9.05"),
    ("fi", MORNING, "Europe/Helsinki", "date", "pe 15.1.2027"),
    ("fi", MORNING, "Europe/Helsinki", "time", "9.05"),
    ("fi", MORNING, "Europe/Helsinki", "short_date", "15.1.2027"),
    ("en", SATURDAY, "Europe/Stockholm", "datetime", "Saturday, 5 December 2026, 14:30"),
    ("en", SATURDAY, "Europe/Stockholm", "date", "Saturday, 5 December 2026"),
    ("en", SATURDAY, "Europe/Stockholm", "time", "14:30"),
    ("en", SATURDAY, "Europe/Stockholm", "short_date", "05/12/2026"),
    # The audit trail's lines: a short date and the time.
    ("sv", SATURDAY, "Europe/Stockholm", "stamp", "2026-12-05 14.30"),
    ("da", SATURDAY, "Europe/Copenhagen", "stamp", "5.12.2026 kl. 14.30"),
    ("fi", MORNING, "Europe/Helsinki", "stamp", "15.1.2027 klo 9.05"),
    ("en", SATURDAY, "Europe/Stockholm", "stamp", "05/12/2026 14:30"),
])
def test_each_country_writes_dates_and_times_its_own_way(language, at, zone, style, shown):
    assert format_moment(Moment(at, zone, style), language) == shown


@pytest.mark.parametrize("language", ["sv", "da", "fi", "en"])
def test_the_example_date_is_one_the_date_parser_reads_back(language):
    from flows.parsing import parse_date

    example = format_moment(Moment(MORNING, "Europe/Helsinki", "short_date"), language)
    assert parse_date(example, MORNING.date()) == MORNING.date()


def test_dates_do_not_depend_on_the_machine_time_zone(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert format_moment(Moment(SATURDAY, "Europe/Stockholm"), "sv") == "lördag 5 december 2026 kl. 14.30"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_rendering_translates_and_handles_plurals():
    assert render(_("Good, nothing was erased."), "sv") != "Good, nothing was erased."
    one = render(ngettext("{n} participant has joined", "{n} participants have joined", 1), "en")
    many = render(ngettext("{n} participant has joined", "{n} participants have joined", 3), "en")
    assert one == "1 participant has joined" and many == "3 participants have joined"


def test_one_english_text_with_two_meanings_gets_a_translation_for_each():
    # "No, keep it" to erasing one's data keeps the data; to cancelling or
    # moving a meeting it leaves the meeting as it is.
    assert render(_("No, keep it"), "sv") == "Nej, behåll dem"
    assert render(pgettext("meeting change", "No, keep it"), "sv") == "Nej, låt det vara"
    assert render(pgettext("meeting change", "No, keep it"), "fi") == "Ei, pidä ennallaan"
    # A child's "Friends" is not the adults' network-map category.
    assert render(pgettext("network map", "Friends"), "sv") == "Vänner"
    assert render(_("Friends"), "sv") == "Med kompisar"  # "Var vill du att planen hjälper dig?"
    assert render(pgettext("meeting change", "No, keep it"), "en") == "No, keep it"


MONDAY = datetime(2026, 12, 14, 11, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("language", "valid", "deadline", "meeting"), [
    ("sv", "Gäller till och med måndag 14 december 2026.", "senast måndag 14 december 2026",
     "Mötet om <b>Familj A</b> är lördag 5 december 2026 kl. 14.30."),
    ("da", "Gælder indtil mandag den 14. december 2026.", "senest mandag den 14. december 2026",
     "Mødet om <b>Familj A</b> er lørdag den 5. december 2026 kl. 14.30."),
    ("fi", "Voimassa ma 14.12.2026 asti.", "viimeistään ma 14.12.2026",
     "Kokous (<b>Familj A</b>) pidetään la 5.12.2026 klo 14.30."),
])
def test_validity_deadlines_and_meeting_times_read_as_sentences(language, valid, deadline, meeting):
    zone = {"sv": "Europe/Stockholm", "da": "Europe/Copenhagen", "fi": "Europe/Stockholm"}[language]
    link = render(_("<b>Link for: {role}</b>\n{link}\nValid until {until}.", role="x", link="y",
                    until=Moment(MONDAY, zone, "date")), language)
    assert link.endswith(valid)
    task = render(_("• {what} – {owners}, by {date}", what="w", owners="o", date=Moment(MONDAY, zone, "date")), language)
    assert task.endswith(deadline)
    hello = render(ngettext(
        "Hello! The meeting about <b>{case}</b> is on {when}. You can prepare for it now: there is {n} question for you.",
        "Hello! The meeting about <b>{case}</b> is on {when}. You can prepare for it now: there are {n} questions for you.",
        3, case="Familj A", when=Moment(SATURDAY, zone)), language)
    assert meeting in hello
