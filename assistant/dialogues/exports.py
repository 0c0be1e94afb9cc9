"""Registrant lists as CSV and XLSX (openpyxl). Cells that a spreadsheet would read as a formula
are neutralised with a leading apostrophe (OWASP CSV injection guidance)."""

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook

from assistant.dialogues.models import Registration
from assistant.i18n import gettext_for

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A cell value that cannot run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


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
    return [[neutralise(v) for v in row] for row in rows]


def registrations_csv(registrations: Sequence[Registration], lang: str) -> bytes:
    """Semicolon-separated UTF-8 with BOM, as Finnish Excel opens it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerows(_rows(registrations, lang))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def registrations_xlsx(registrations: Sequence[Registration], lang: str) -> bytes:
    """An .xlsx workbook with one sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Registrations"
    for row in _rows(registrations, lang):
        sheet.append(row)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
