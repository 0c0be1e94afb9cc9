"""Languages: gettext catalogs loaded once, the request's locale kept in a context variable.

The template environment gets gettext callables once at start-up; they read the locale of the
current request, so two requests in different languages never share a translation.
"""

import io
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES: tuple[str, ...] = ("fi", "sv", "en")
DEFAULT_LOCALE = "fi"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LOCALE_COOKIE = "lang"

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


@cache
def translations(locale: str) -> NullTranslations:
    """The catalog of a locale, compiled in memory from its .po file (no .mo files to go stale)."""
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain="messages")


def gettext(message: str) -> str:
    """Translate into the current request's language."""
    return translations(current_locale.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a count into the current request's language."""
    return translations(current_locale.get()).ngettext(singular, plural, n)


_ = gettext


def negotiate(accept_language: str | None) -> str | None:
    """The best of our locales for an Accept-Language header, or None."""
    if not accept_language:
        return None
    ranked: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((quality, tag.strip()))
    for _quality, tag in sorted(ranked, key=lambda item: -item[0]):
        try:
            language = Locale.parse(tag, sep="-").language
        except (ValueError, TypeError, UnknownLocaleError):
            continue
        if language in LOCALES:
            return language
    return None


def choose_locale(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The URL's choice, then the remembered cookie, then the browser's preference, then Finnish."""
    for candidate in (query, cookie):
        if candidate in LOCALES:
            return candidate
    return negotiate(accept_language) or DEFAULT_LOCALE
