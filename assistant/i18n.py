"""Translation catalogs, loaded once per process; used by pages, emails, calendars and exports."""

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES: tuple[str, ...] = ("fi", "sv", "en")
DEFAULT_LOCALE = "fi"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


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


def gettext_for(locale: str) -> Callable[[str], str]:
    """A gettext function bound to one language (for emails and files made outside a request)."""
    return translations(locale if locale in LOCALES else DEFAULT_LOCALE).gettext
