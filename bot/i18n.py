"""Translations: loading the gettext catalogs, choosing a person's locale and
rendering the flows' texts into Telegram HTML in it."""

from __future__ import annotations

import html
import io
import logging
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from bot.config import SUPPORTED_LOCALES
from flows.text import Lines, Moment, Number, Raw, T

log = logging.getLogger(__name__)

DOMAIN = "meetbot"
PACKAGE_CATALOGS = Path(__file__).resolve().parent / "locales"  # compiled at build time
SOURCE_CATALOGS = Path(__file__).resolve().parent.parent / "locales"  # a source checkout

# Babel locales for formatting. English readers here live in the Nordics:
# "English (Europe)" gives them a 24-hour clock and day-first dates.
BABEL_LOCALES = {"sv": "sv_SE", "da": "da_DK", "fi": "fi_FI", "en": "en_150"}


def _load(language: str) -> NullTranslations:
    compiled = PACKAGE_CATALOGS / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not compiled.exists():
        compiled = SOURCE_CATALOGS / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if compiled.exists():
        with compiled.open("rb") as f:
            return Translations(f, domain=DOMAIN)
    source = SOURCE_CATALOGS / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if source.exists():
        # A development checkout without compiled catalogs: read the .po directly.
        with source.open("rb") as f:
            catalog = read_po(f, locale=language)
        return _from_catalog(catalog)
    log.warning("no catalog for %s; showing English", language)
    return NullTranslations()


def _from_catalog(catalog) -> Translations:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@lru_cache(maxsize=None)
def translations(language: str) -> NullTranslations:
    return _load(language)


# An organisation's own meeting model texts, translated in the model file
# itself ([translations.sv] and so on): they come before the catalogs.
_model_texts: dict[str, dict[str, str]] = {}


def use_model_translations(models) -> None:
    _model_texts.clear()
    for model in models.values():
        for language, texts in model.translations.items():
            _model_texts.setdefault(language, {}).update(texts)


def resolve_locale(chosen: str | None, telegram_code: str | None, default: str) -> str:
    """The person's own choice, else what their Telegram app says, else the default."""
    if chosen in SUPPORTED_LOCALES:
        return chosen
    if telegram_code:
        base = telegram_code.replace("_", "-").split("-")[0].lower()
        if base in SUPPORTED_LOCALES:
            return base
    return default


# How each country writes a date and a time, as Babel patterns. CLDR's own
# "full" date joined to its "short" time reads like a form (no "kl."/"klo"),
# and the Finnish full date has a nominative weekday that cannot stand inside
# a sentence; a numeric Finnish date never needs inflection. `short_date` is
# how people type a date (it is shown as an example of what to write);
# `stamp` is that date with the time, for a list of many (an audit trail).
MOMENT_PATTERNS = {
    "sv": {"date": "EEEE d MMMM y", "time": "HH.mm", "datetime": "{date} 'kl.' {time}", "short_date": "y-MM-dd",
           "stamp": "y-MM-dd HH.mm"},
    "da": {"date": "EEEE 'den' d. MMMM y", "time": "HH.mm", "datetime": "{date} 'kl.' {time}",
           "short_date": "d.M.y", "stamp": "d.M.y 'kl.' HH.mm"},
    "fi": {"date": "EEE d.M.y", "time": "H.mm", "datetime": "{date} 'klo' {time}", "short_date": "d.M.y",
           "stamp": "d.M.y 'klo' H.mm"},
    "en": {"date": "EEEE, d MMMM y", "time": "HH:mm", "datetime": "{date}, {time}", "short_date": "dd/MM/y",
           "stamp": "dd/MM/y HH:mm"},
}


def moment_pattern(style: str, language: str) -> str:
    patterns = MOMENT_PATTERNS[language]
    if style == "datetime":
        return patterns["datetime"].format(date=patterns["date"], time=patterns["time"])
    return patterns[style]


def format_moment(moment: Moment, language: str) -> str:
    # The zone is given explicitly: without it Babel would use the machine's.
    return format_datetime(moment.at, moment_pattern(moment.style, language),
                           tzinfo=ZoneInfo(moment.timezone), locale=BABEL_LOCALES[language])


def format_number(number: Number, language: str) -> str:
    pattern = "0" if number.digits == 0 else "0." + "#" * number.digits
    return format_decimal(number.value, format=pattern, locale=BABEL_LOCALES[language])


def render(text: T | str, language: str, *, plain: bool = False) -> str:
    """A text in Telegram HTML: the template translated, every parameter
    escaped. `plain` gives text for places without HTML (button labels)."""
    if isinstance(text, str):
        return text if plain else html.escape(text, quote=False)
    catalog = translations(language)
    if text.plural is not None:
        template = catalog.ngettext(text.msgid, text.plural, text.n)
    elif text.context is not None:
        template = catalog.pgettext(text.context, text.msgid)
    else:
        template = _model_texts.get(language, {}).get(text.msgid) or catalog.gettext(text.msgid)
    params = {key: _param(value, language, plain) for key, value in text.params.items()}
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        # A broken translation must not silence the message: fall back to English.
        log.error("translation of %r in %s has bad placeholders", text.msgid[:40], language)
        source = text.msgid if text.plural is None or text.n == 1 else text.plural
        return source.format(**params)


def _param(value, language: str, plain: bool) -> str:
    if isinstance(value, T):
        return render(value, language, plain=plain)
    if isinstance(value, Lines):
        return value.sep.join(render(item, language, plain=plain) for item in value.items)
    if isinstance(value, Raw):
        return value.html
    if isinstance(value, datetime):
        raise TypeError("pass datetimes as Moment, so they get a time zone")
    if isinstance(value, Number):
        shown = format_number(value, language)
    else:
        shown = format_moment(value, language) if isinstance(value, Moment) else str(value)
    return shown if plain else html.escape(shown, quote=False)


def render_parts(parts, language: str) -> str:
    return "\n\n".join(render(part, language) for part in parts)
