"""Tables as CSV and XLSX for download. Cells that a spreadsheet would read as a formula are
neutralised with a leading apostrophe (OWASP CSV injection guidance)."""

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A cell value that cannot run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: Sequence[Sequence[object]]) -> bytes:
    """Semicolon-separated UTF-8 with BOM, as Finnish Excel opens it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerows([[neutralise(v) for v in row] for row in rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: Sequence[Sequence[object]], title: str) -> bytes:
    """An .xlsx workbook with one sheet, the first row frozen as the header."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
