"""Registrant lists as CSV and XLSX, formulas neutralised (assistant.spreadsheets)."""

from collections.abc import Sequence

from assistant.dialogues.models import Registration
from assistant.i18n import gettext_for
from assistant.spreadsheets import to_csv, to_xlsx


def _rows(registrations: Sequence[Registration], lang: str) -> list[list[object]]:
    _ = gettext_for(lang)
    header = [
        _("Registered"),
        _("Status"),
        _("Organisation"),
        _("Business ID"),
        _("Register number"),
        _("Type"),
        _("Size"),
        _("Contact person"),
        _("Email"),
        _("Phone"),
        _("Attendees"),
        _("Topics"),
    ]
    rows: list[list[object]] = [header]
    for r in registrations:
        rows.append(
            [
                r.created_at.isoformat(timespec="seconds"),
                r.status,
                r.organisation_name,
                r.business_id or "",
                r.register_number or "",
                r.organisation_type,
                r.organisation_size,
                r.contact_name,
                r.email,
                r.phone,
                r.attendees,
                r.topics,
            ]
        )
    return rows


def registrations_csv(registrations: Sequence[Registration], lang: str) -> bytes:
    """Semicolon-separated UTF-8 with BOM, as Finnish Excel opens it."""
    return to_csv(_rows(registrations, lang))


def registrations_xlsx(registrations: Sequence[Registration], lang: str) -> bytes:
    """An .xlsx workbook with one sheet."""
    return to_xlsx(_rows(registrations, lang), "Registrations")
