"""Languages: gettext catalogs loaded once, the request's locale kept in a context variable.

The template environment gets gettext callables once at start-up; they read the locale of the
current request, so two requests in different languages never share a translation.
"""

from contextvars import ContextVar

from babel import Locale, UnknownLocaleError

from assistant.i18n import DEFAULT_LOCALE, LOCALE_DIR, LOCALES, translations  # noqa: F401

LOCALE_COOKIE = "lang"

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


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


def translate_error(exc) -> str:
    """A DomainError's message in the request's language, with its parameters filled in."""
    return gettext(exc.message) % exc.params if exc.params else gettext(exc.message)
