"""Reading the comment files of consultation sessions (CSV or XLSX) into rows ready to import.

Pure functions, no web and no database: `read_table` turns the uploaded bytes into a header and
rows, `guess_mapping` suggests which column holds what, and `parse_rows` checks each row into an
`ImportRow` or reports `RowError`s by the row number the preparer sees in the spreadsheet.
Messages are English msgids for gettext, with `%(name)s` parameters.
"""

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import PurePath
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from assistant.classifier.schemas import MAX_COMMENT_CHARS, clean_comment_text
from assistant.errors import N_, InvalidInput
from assistant.feedback.enums import Stakeholder

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 100
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # an XLSX is a zip archive; this caps what it inflates to
MAX_EXTERNAL_ID_CHARS = 100
MAX_ORGANISATION_CHARS = 200
XLSX_MAGIC = b"PK\x03\x04"
HELSINKI = ZoneInfo("Europe/Helsinki")

E_FILE_TYPE = N_(
    "Only CSV and XLSX files can be imported. Save the spreadsheet as .xlsx or .csv and try again."
)
E_EMPTY = N_("The file is empty.")
E_TOO_LARGE = N_("The file is too large: the limit is %(limit)s MB.")
E_NOT_TEXT = N_(
    "The file does not look like CSV text. Save it as CSV (UTF-8) or as XLSX and try again."
)
E_BAD_CSV = N_(
    "The CSV file could not be read. Check its quotation marks, or save it again from the spreadsheet program."
)
E_BAD_XLSX = N_(
    "The file could not be read as an Excel workbook (XLSX). Open it in a spreadsheet program and save it again as .xlsx."
)
E_NO_HEADER = N_("The first row is empty: it should name the columns, for example “Comment”.")
E_NO_ROWS = N_("The file has a header row but no comments below it.")
E_TOO_MANY_ROWS = N_("The file has more than %(limit)s rows. Split it into smaller files.")
E_TOO_MANY_COLUMNS = N_("The file has more than %(limit)s columns.")
E_BAD_MAPPING = N_("The chosen columns do not match the file. Choose them again.")

R_TEXT_EMPTY = N_("The comment text is empty.")
R_TEXT_CONTROL = N_("The comment text contains control characters.")
R_TEXT_TOO_LONG = N_("The comment is %(length)s characters long; the limit is %(limit)s.")
R_BAD_DATE = N_("The date “%(value)s” could not be read. Write it as 17.9.2024 or 2024-09-17.")
R_TOO_LONG = N_("The value in column “%(column)s” is longer than %(limit)s characters.")
R_DUPLICATE_ID = N_("The identifier “%(external_id)s” was already used on row %(row)s.")
R_DUPLICATE = N_("This row repeats row %(row)s.")


class ImportFileError(InvalidInput):
    """The uploaded file cannot be imported at all; `message` is an English msgid saying why."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message, field="file", **params)


@dataclass(frozen=True)
class Table:
    """A file's column names and its non-empty rows, each with its spreadsheet row number."""

    columns: list[str]
    rows: list[tuple[int, list[str]]]


@dataclass(frozen=True)
class Mapping:
    """Which column (0-based index) holds the comment text and, optionally, the other fields."""

    text: int
    stakeholder: int | None = None
    organisation: int | None = None
    date: int | None = None
    external_id: int | None = None


@dataclass(frozen=True)
class ImportRow:
    """One valid comment of the file, ready to store."""

    row_number: int
    text: str
    stakeholder: Stakeholder | None  # None: the session's stakeholder group applies
    stakeholder_raw: str | None
    organisation: str | None
    date: dt.date | None
    external_id: str | None
    content_hash: str


@dataclass(frozen=True)
class RowError:
    """A row that cannot be imported: its number, an English msgid and the msgid's parameters."""

    row_number: int
    msgid: str
    params: dict[str, object] = field(default_factory=dict)


def read_table(data: bytes, filename: str) -> Table:
    """Read an uploaded CSV or XLSX file into its header and non-empty rows, or refuse it."""
    extension = PurePath(filename).suffix.casefold()
    if extension not in (".csv", ".xlsx"):
        raise ImportFileError(E_FILE_TYPE)
    if not data:
        raise ImportFileError(E_EMPTY)
    if len(data) > MAX_BYTES:
        raise ImportFileError(E_TOO_LARGE, limit=f"{MAX_BYTES / 2**20:g}")
    return _read_xlsx(data) if extension == ".xlsx" else _read_csv(data)


def _read_csv(data: bytes) -> Table:
    text = _decode(data)
    first_line, _, rest = text.partition("\n")
    # Excel's own hint line ("sep=;") is not a row of the sheet.
    if sep := re.fullmatch(r'"?sep=([;,\t|])"?', first_line.rstrip("\r")):
        delimiter, text = sep.group(1), rest
    else:
        delimiter = _detect_delimiter(text)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return _build_table([_cell_text(value) for value in record] for record in reader)
    except csv.Error as exc:
        raise ImportFileError(E_BAD_CSV) from exc


def _decode(data: bytes) -> str:
    """UTF-16 with a BOM (Excel's "Unicode text"), else UTF-8 (BOM or not), else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    elif b"\x00" in data or data.startswith(XLSX_MAGIC):
        raise ImportFileError(E_NOT_TEXT)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(E_NOT_TEXT)
    controls = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r") or ch == "\x7f")
    if "\x00" in text or controls * 20 > len(text):
        raise ImportFileError(E_NOT_TEXT)
    if not text.strip():
        raise ImportFileError(E_EMPTY)
    return text


def _detect_delimiter(text: str) -> str:
    """The delimiter among ; tab , that splits the header and keeps the first rows as wide."""
    best, best_score = "\x1f", (0, 0)  # a character no file uses: one column
    for delimiter in ";\t,":
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            sample = [record for record in islice(reader, 50) if record]
        except csv.Error:
            continue
        if not sample or len(sample[0]) < 2:
            continue
        width = len(sample[0])
        score = (sum(len(record) == width for record in sample), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_xlsx(data: bytes) -> Table:
    if not data.startswith(XLSX_MAGIC):
        raise ImportFileError(E_BAD_XLSX)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise ImportFileError(E_TOO_LARGE, limit=f"{MAX_BYTES / 2**20:g}")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if not workbook.worksheets:
                raise ImportFileError(E_EMPTY)
            records = workbook.worksheets[0].iter_rows(max_col=MAX_COLUMNS + 1, values_only=True)
            return _build_table([_cell_text(value) for value in record] for record in records)
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception as exc:
        # A damaged workbook surfaces as whatever openpyxl's zip and XML layers raise (BadZipFile,
        # KeyError, ValueError, ParseError, ...); to the preparer each means the same thing.
        raise ImportFileError(E_BAD_XLSX) from exc


def _cell_text(value: object) -> str:
    """A cell as the preparer reads it: ISO dates, whole numbers without ".0", "\\n" newlines."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).strip()


def _build_table(records: Iterable[list[str]]) -> Table:
    """Row 1 is the header; empty rows are skipped; rows are padded to the widest row."""
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(records, start=1):
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) > MAX_COLUMNS:
            raise ImportFileError(E_TOO_MANY_COLUMNS, limit=MAX_COLUMNS)
        if number == 1:
            header = cells
        elif cells:
            if len(rows) == MAX_ROWS:
                raise ImportFileError(E_TOO_MANY_ROWS, limit=MAX_ROWS)
            rows.append((number, cells))
    if not header and not rows:
        raise ImportFileError(E_EMPTY)
    if not header:
        raise ImportFileError(E_NO_HEADER)
    if not rows:
        raise ImportFileError(E_NO_ROWS)
    width = max(len(header), *(len(cells) for _, cells in rows))
    header += [""] * (width - len(header))
    columns = [" ".join(name.split()) or f"#{i}" for i, name in enumerate(header, start=1)]
    return Table(columns, [(n, cells + [""] * (width - len(cells))) for n, cells in rows])


def _normalise(value: str) -> str:
    """Casefolded words separated by single spaces: "In-house (Oy)" → "in house oy"."""
    return " ".join(re.sub(r"[\W_]+", " ", value.casefold()).split())


# Header names in Finnish, Swedish and English: (whole header, part of a header). Fields earlier in
# this table win a header that matches two equally well ("Kommentin päivämäärä" is a date).
_HEADERS: dict[str, tuple[str, str]] = {
    "external_id": (
        r"id|tunniste|tunnus|viite|viitenumero|nro|numero|identifierare|referens|nummer|"
        r"identifier|reference|ref|number|no|external id|ulkoinen tunniste|vastaustunnus",
        r"\bid\b|tunniste|(?<!y )tunnus|viite|identif|referen",
    ),
    "date": (
        r"päivämäärä|pvm|päiväys|päivä|aika|ajankohta|aikaleima|datum|dag|tid|tidpunkt|"
        r"tidsstämpel|date|day|time|timestamp|created|submitted",
        r"päivämäär|\bpvm\b|päiväy|aika\b|aikaleim|ajankoh|datum|tidpunkt|tidsstämp|\bdate|timestamp",
    ),
    "stakeholder": (
        r"sidosryhmä|vastaajaryhmä|kohderyhmä|ryhmä|taho|rooli|intressentgrupp|intressent|grupp|"
        r"målgrupp|roll|stakeholder|stakeholder group|group|role|representing|"
        r"organisaation tyyppi|organisaatiotyyppi|organisationstyp|organisation type|organization type",
        r"sidosryhm|vastaajaryhm|edusta|intressent|företräd|stakeholder|represent|tyyppi|\btyp\b|type",
    ),
    "organisation": (
        r"organisaatio|organisaation nimi|yhteisö|taustayhteisö|yritys|työnantaja|organisation|"
        r"organisationens namn|företag|arbetsgivare|organization|organisation name|company|employer",
        r"organisaatio|yhteisö|organisation|organization|työnanta|employer",
    ),
    "text": (
        r"kommentti|kommentit|palaute|palautteet|kannanotto|lausunto|vastaus|mielipide|teksti|"
        r"huomio|huomiot|viesti|kommentar|kommentarer|synpunkt|synpunkter|åsikt|svar|text|"
        r"meddelande|comment|comments|feedback|remark|remarks|opinion|answer|response|message",
        r"komment|palaut|teksti|vastau|mielipi|lausun|kannanot|synpunkt|åsikt|\bsvar\b|\btext|"
        r"comment|feedback|answer|response",
    ),
}


def guess_mapping(columns: list[str]) -> Mapping:
    """Guess from the header names which column holds what; the preparer confirms or corrects."""
    candidates = []
    for priority, (name, (whole, part)) in enumerate(_HEADERS.items()):
        for index, column in enumerate(columns):
            header = _normalise(column)
            score = 2 if re.fullmatch(whole, header) else 1 if re.search(part, header) else 0
            if score:
                candidates.append((score, -priority, -index, name))
    chosen: dict[str, int] = {}
    for _, _, negative_index, name in sorted(candidates, reverse=True):
        if name not in chosen and -negative_index not in chosen.values():
            chosen[name] = -negative_index
    if "text" not in chosen:
        free = [i for i in range(len(columns)) if i not in chosen.values()]
        chosen["text"] = free[0] if free else 0
    return Mapping(**chosen)


# Free-text stakeholder values, most specific first: "nuorisovaltuusto" is an influence body before
# "valtuusto" makes it the council, and "valtuustoryhmä" is a political group.
_STAKEHOLDERS: tuple[tuple[Stakeholder, re.Pattern[str]], ...] = tuple(
    (key, re.compile(pattern))
    for key, pattern in (
        (
            Stakeholder.influence_body,
            r"neuvost|nuorisovaltuust|vaikuttamistoimiel|äldreråd|ungdomsfullmäktig|ungdomsråd|"
            r"handikappråd|funktionshinderråd|påverkansorgan|\bråd(et)?\b|influence bod|"
            r"youth council|elderly council|disability council",
        ),
        (
            Stakeholder.political,
            r"valtuustoryhm|puolue|poliitti|fullmäktigegrupp|politisk|politic|partiet\b|\bparti\b|"
            r"\bpart(y|ies)\b",
        ),
        (
            Stakeholder.council,
            r"valtuust|valtuutet|fullmäktig|hallitu|regionstyrels|council|\bboard",
        ),
        (Stakeholder.committee, r"lautakun|jaost|nämnd|sektion|committee|\bdivision"),
        (Stakeholder.in_house, r"\bin ?house|sidosyksik"),
        (
            Stakeholder.producer_ngo,
            r"järjestö|yhdisty|säätiö|förening|stiftelse|\bngos?\b|association|foundation|"
            r"non ?profit|third sector|kolmas sektori|tredje sektor",
        ),
        (
            Stakeholder.producer_company,
            r"yritys|yrityk|yrittäj|yhtiö|företag|compan|business|enterprise|\bfirma\b|tuottaj|"
            r"producent|producer|supplier|leverantör|\boy\b|\bab\b",
        ),
        (
            Stakeholder.staff,
            r"henkilös|henkilökun|työntekij|\bpersonal(en)?\b|anställd|medarbetar|staff|employee|"
            r"worker",
        ),
        (
            Stakeholder.resident,
            r"asuka|asukk|asiaka|asiakk|kuntalai|omainen|omaiset|omaishoit|potila|invånar|\bkund|"
            r"klient|anhörig|närstående|resident|client|citizen|patient|\bpublic\b",
        ),
        (Stakeholder.other, r"^(muu|muut|övrig|övriga|annan|andra|other|others)$"),
    )
)


def match_stakeholder(value: str) -> Stakeholder | None:
    """The stakeholder group a free-text value (fi, sv or en) names, or None when unrecognised."""
    key = re.sub(r"[\s-]+", "_", value.strip().casefold())
    if key in Stakeholder.__members__:
        return Stakeholder(key)
    words = _normalise(value)
    return next((key for key, pattern in _STAKEHOLDERS if pattern.search(words)), None)


_FINNISH_DATE = re.compile(
    r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(?:klo\s+)?\d{1,2}[.:]\d{2}(?:[.:]\d{2})?)?"
)


def parse_date(value: str) -> dt.date:
    """A date written 17.9.2024, 17.09.2024, 2024-09-17 or as an ISO date and time; else ValueError."""
    value = value.strip()
    if match := _FINNISH_DATE.fullmatch(value):
        day, month, year = (int(part) for part in match.groups())
        return dt.date(year, month, day)
    if re.match(r"\d{4}-\d{2}-\d{2}", value):
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(HELSINKI)
        return moment.date()
    raise ValueError(f"not a date: {value!r}")


def content_hash(text: str) -> str:
    """SHA-256 of the text casefolded with whitespace collapsed: the same comment, the same hash."""
    normalised = " ".join(unicodedata.normalize("NFC", text).casefold().split())
    return hashlib.sha256(normalised.encode()).hexdigest()


_CONTROLS_TO_SPACE = {code: " " for code in (*range(32), 127)}
_Problems = list[tuple[str, dict[str, object]]]


def _one_line(
    cells: list[str], columns: list[str], index: int | None, limit: int, problems: _Problems
) -> str | None:
    """A cell as one line (control characters and runs of whitespace become single spaces)."""
    if index is None:
        return None
    value = " ".join(cells[index].translate(_CONTROLS_TO_SPACE).split())
    if len(value) > limit:
        problems.append((R_TOO_LONG, {"column": columns[index], "limit": limit}))
    return value or None


def _comment_text(value: str, problems: _Problems) -> str:
    try:
        text = clean_comment_text(value)
    except ValueError:
        problems.append((R_TEXT_CONTROL, {}) if value.strip() else (R_TEXT_EMPTY, {}))
        return ""
    if len(text) > MAX_COMMENT_CHARS:
        problems.append((R_TEXT_TOO_LONG, {"length": len(text), "limit": MAX_COMMENT_CHARS}))
    return text


def _date(value: str, problems: _Problems) -> dt.date | None:
    if not value:
        return None
    try:
        return parse_date(value)
    except (ValueError, OverflowError):
        problems.append((R_BAD_DATE, {"value": value[:40]}))
        return None


def parse_rows(table: Table, mapping: Mapping) -> tuple[list[ImportRow], list[RowError]]:
    """Check every row against the mapping: the rows to import, and the errors by row number."""
    indexes = (mapping.stakeholder, mapping.organisation, mapping.date, mapping.external_id)
    if any(not 0 <= i < len(table.columns) for i in (mapping.text, *indexes) if i is not None):
        raise ImportFileError(E_BAD_MAPPING)

    rows: list[ImportRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    for number, cells in table.rows:
        problems: _Problems = []
        text = _comment_text(cells[mapping.text], problems)
        raw = _one_line(cells, table.columns, mapping.stakeholder, MAX_COMMENT_CHARS, [])
        organisation = _one_line(
            cells, table.columns, mapping.organisation, MAX_ORGANISATION_CHARS, problems
        )
        date = _date(cells[mapping.date] if mapping.date is not None else "", problems)
        external_id = _one_line(
            cells, table.columns, mapping.external_id, MAX_EXTERNAL_ID_CHARS, problems
        )
        digest = content_hash(text)
        key = ("id", external_id) if external_id else ("text", digest)
        if not problems and key in seen:
            if external_id:
                problems.append((R_DUPLICATE_ID, {"external_id": external_id, "row": seen[key]}))
            else:
                problems.append((R_DUPLICATE, {"row": seen[key]}))
        if problems:
            errors.extend(RowError(number, msgid, params) for msgid, params in problems)
            continue
        seen[key] = number
        rows.append(
            ImportRow(
                row_number=number,
                text=text,
                stakeholder=match_stakeholder(raw) if raw else None,
                stakeholder_raw=raw,
                organisation=organisation,
                date=date,
                external_id=external_id,
                content_hash=digest,
            )
        )
    return rows, errors
