"""The Jinja2 environment shared by every page, with gettext installed once."""

from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal, format_percent
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from assistant.feedback.texts import confidence_words, stakeholder_label
from assistant.settings import get_settings
from assistant.web import i18n

HELSINKI = "Europe/Helsinki"


def _format_datetime(value: datetime, fmt: str = "medium") -> str:
    """Helsinki time in the page's language; "full" spells out the weekday but keeps the time short."""
    locale = i18n.current_locale.get()
    if fmt == "full":
        local = value.astimezone(ZoneInfo(HELSINKI))
        return f"{format_date(local, 'full', locale=locale)} {format_time(local, 'short', locale=locale)}"
    return format_datetime(value, fmt, tzinfo=HELSINKI, locale=locale)


def _format_iso(value: str, fmt: str = "short") -> str:
    """An ISO 8601 timestamp (as stored in JSON files) in the page's language and Helsinki time."""
    try:
        return _format_datetime(datetime.fromisoformat(value), fmt)
    except (TypeError, ValueError):
        return str(value)


def _format_day(value, fmt: str = "medium") -> str:
    """A calendar date in the page's language (3.12.2026, 3 dec. 2026, 3 Dec 2026)."""
    return format_date(value, fmt, locale=i18n.current_locale.get())


def _format_percent(value: float) -> str:
    return format_percent(value, locale=i18n.current_locale.get())


def _format_number(value: float) -> str:
    return format_decimal(value, locale=i18n.current_locale.get())


def _category_name(key: str | None) -> str:
    """A category's name in the page's language (the key itself if unknown)."""
    from assistant.classifier.categories import category

    try:
        return category(key or "").text("name", i18n.current_locale.get())
    except KeyError:
        return key or ""


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The process-wide templates object."""
    env = Environment(
        loader=FileSystemLoader(str(get_settings().templates_dir)),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
    )
    result = Jinja2Templates(env=env)
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["datetime"] = _format_datetime
    env.filters["percent"] = _format_percent
    env.filters["day"] = _format_day
    env.filters["iso_datetime"] = _format_iso
    env.filters["number"] = _format_number
    env.globals["LOCALES"] = i18n.LOCALES
    env.globals["stakeholder_label"] = stakeholder_label
    env.globals["confidence_words"] = confidence_words
    env.globals["category_name"] = _category_name
    return result


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a page template in the request's language."""
    return templates().TemplateResponse(
        request,
        name,
        {
            "locale": i18n.current_locale.get(),
            "signed_in": getattr(request.state, "signed_in", None),
            **(context or {}),
        },
        status_code=status_code,
    )


def error_page(
    request: Request, title: str, status: int, detail: str | None = None
) -> HTMLResponse:
    """The error page in the base layout (title and detail already translated)."""
    return render(
        request, "error.html", {"title": title, "status": status, "detail": detail}, status
    )
