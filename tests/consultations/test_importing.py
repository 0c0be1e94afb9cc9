"""Reading consultation-session files: CSV and XLSX as Finnish and Swedish offices write them,
files that must be refused, row-level errors with their row numbers, and duplicates."""

import datetime as dt
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from assistant.consultations import importing
from assistant.consultations.importing import (
    ImportFileError,
    ImportRow,
    Mapping,
    RowError,
    Table,
    content_hash,
    guess_mapping,
    match_stakeholder,
    parse_date,
    parse_rows,
    read_table,
)
from assistant.errors import InvalidInput
from assistant.feedback.enums import Stakeholder

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def xlsx(rows: list[list[object]], *, extra_sheet: bool = False) -> bytes:
    """An XLSX workbook whose first sheet holds `rows`, starting at A1 (None leaves a cell empty)."""
    workbook = Workbook()
    sheet = workbook.active
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=r, column=c, value=value)
    if extra_sheet:
        workbook.create_sheet("Muistiinpanot")["A1"] = "ei tuoda"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def refused(data: bytes, filename: str) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        read_table(data, filename)
    return caught.value


# --- CSV ---------------------------------------------------------------------------------------


def test_finnish_csv_utf8_with_bom_reads_header_and_rows():
    data = (
        "\ufeffKommentti;Sidosryhmä;Organisaatio;Päivämäärä;Tunniste\r\n"
        "Yhdenvertainen laatu kaikille tuottajille;Vanhusneuvosto;Pirkanmaan vanhusneuvosto;"
        "17.9.2024;A-1\r\n"
        "Pienet järjestöt jäävät hankinnoissa jalkoihin;yhdistys;Hoivayhdistys ry;2024-09-18;A-2\r\n"
    ).encode()

    table = read_table(data, "kasittely.csv")

    assert table.columns == ["Kommentti", "Sidosryhmä", "Organisaatio", "Päivämäärä", "Tunniste"]
    assert [number for number, _ in table.rows] == [2, 3]
    assert table.rows[0][1][0] == "Yhdenvertainen laatu kaikille tuottajille"
    rows, errors = parse_rows(table, guess_mapping(table.columns))
    assert errors == []
    assert rows[0] == ImportRow(
        row_number=2,
        text="Yhdenvertainen laatu kaikille tuottajille",
        stakeholder=Stakeholder.influence_body,
        stakeholder_raw="Vanhusneuvosto",
        organisation="Pirkanmaan vanhusneuvosto",
        date=dt.date(2024, 9, 17),
        external_id="A-1",
        content_hash=content_hash("Yhdenvertainen laatu kaikille tuottajille"),
    )
    assert (rows[1].stakeholder, rows[1].date) == (Stakeholder.producer_ngo, dt.date(2024, 9, 18))


def test_swedish_csv_utf8_without_bom():
    data = (
        "Kommentar;Intressentgrupp;Organisation;Datum\n"
        "Små föreningar behöver mindre upphandlingsdelar;förening;Föreningen Hjälp rf;1.10.2024\n"
        "Äldrerådet vill ha jämlik kvalitet;äldrerådet;;2024-10-02\n"
    ).encode()

    table = read_table(data, "samråd.CSV")
    rows, errors = parse_rows(table, guess_mapping(table.columns))

    assert errors == []
    assert [r.text for r in rows] == [
        "Små föreningar behöver mindre upphandlingsdelar",
        "Äldrerådet vill ha jämlik kvalitet",
    ]
    assert [r.stakeholder for r in rows] == [Stakeholder.producer_ngo, Stakeholder.influence_body]
    assert [r.organisation for r in rows] == ["Föreningen Hjälp rf", None]


def test_cp1252_semicolon_csv_as_older_finnish_excel_saves_it():
    # Excel's "CSV (semicolon separated)": Windows-1252, CRLF, quotes only where needed.
    data = (
        'Palaute;Sidosryhmä\r\n"Hinnat; laatu ja ""oma tuotanto"" vertailuun";Yritys\r\n'
        "Henkilöstöä on liian vähän;henkilöstö\r\n"
    ).encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    table = read_table(data, "palaute.csv")

    assert table.columns == ["Palaute", "Sidosryhmä"]
    assert table.rows == [
        (2, ['Hinnat; laatu ja "oma tuotanto" vertailuun', "Yritys"]),
        (3, ["Henkilöstöä on liian vähän", "henkilöstö"]),
    ]


def test_comma_csv_with_quoted_newlines_counts_rows_as_a_spreadsheet_does():
    data = (
        b'Comment,Stakeholder,Date\r\n"First line,\r\nsecond line",resident,2024-09-17T14:30:00\r\n'
        b'"Another, with a comma",staff,\r\n'
    )

    table = read_table(data, "comments.csv")

    assert table.columns == ["Comment", "Stakeholder", "Date"]
    assert table.rows == [
        (2, ["First line,\nsecond line", "resident", "2024-09-17T14:30:00"]),
        (3, ["Another, with a comma", "staff", ""]),
    ]
    rows, errors = parse_rows(table, guess_mapping(table.columns))
    assert errors == []
    assert rows[0].date == dt.date(2024, 9, 17)


def test_tab_separated_and_utf16_as_excel_unicode_text():
    data = "Kommentti\tPvm\nTekstiä\t17.9.2024\n".encode("utf-16")
    assert read_table(data, "vienti.csv").rows == [(2, ["Tekstiä", "17.9.2024"])]


def test_single_column_keeps_commas_and_semicolons_in_the_text():
    data = "Kommentti\nHyvä, mutta kallis; liian kallis\n".encode()
    table = read_table(data, "a.csv")
    assert table.columns == ["Kommentti"]
    assert table.rows == [(2, ["Hyvä, mutta kallis; liian kallis"])]


def test_excel_sep_hint_line_is_not_a_row():
    table = read_table(b"sep=,\r\nComment,ID\r\nA;B,1\r\n", "a.csv")
    assert table.columns == ["Comment", "ID"]
    assert table.rows == [(2, ["A;B", "1"])]


def test_empty_rows_are_skipped_and_short_rows_padded_with_neutral_column_names():
    data = "Kommentti;;ID\n\n;;\nTeksti\n  ;  ;  \nToinen;x;2;ylimääräinen\n".encode()

    table = read_table(data, "a.csv")

    assert table.columns == ["Kommentti", "#2", "ID", "#4"]
    assert table.rows == [(4, ["Teksti", "", "", ""]), (6, ["Toinen", "x", "2", "ylimääräinen"])]


# --- XLSX --------------------------------------------------------------------------------------


def test_xlsx_converts_dates_and_numbers_and_reads_the_first_sheet_only():
    data = xlsx(
        [
            ["Kommentti", "Sidosryhmä", "Päivämäärä", "ID", "Pisteet"],
            [
                "Digitaaliset palvelut kokeiluun",
                "Nuorisovaltuusto",
                dt.date(2024, 9, 17),
                1001,
                1.5,
            ],
            [None],
            [None],
            ["Omaa tuotantoa riittävästi", "asukas", dt.datetime(2024, 9, 18, 14, 30), 1002.0, 3],
        ],
        extra_sheet=True,
    )

    table = read_table(data, "Tilaisuus.xlsx")

    assert table.columns == ["Kommentti", "Sidosryhmä", "Päivämäärä", "ID", "Pisteet"]
    assert table.rows == [
        (2, ["Digitaaliset palvelut kokeiluun", "Nuorisovaltuusto", "2024-09-17", "1001", "1.5"]),
        (5, ["Omaa tuotantoa riittävästi", "asukas", "2024-09-18 14:30:00", "1002", "3"]),
    ]
    rows, errors = parse_rows(table, guess_mapping(table.columns))
    assert errors == []
    assert [(r.row_number, r.date, r.external_id) for r in rows] == [
        (2, dt.date(2024, 9, 17), "1001"),
        (5, dt.date(2024, 9, 18), "1002"),
    ]
    assert [r.stakeholder for r in rows] == [Stakeholder.influence_body, Stakeholder.resident]


def test_xlsx_multiline_cell_keeps_its_newline():
    table = read_table(xlsx([["Text"], ["rivi yksi\r\nrivi kaksi"]]), "a.xlsx")
    assert table.rows == [(2, ["rivi yksi\nrivi kaksi"])]


# --- Refused files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "msgid"),
    [
        (PNG, "kuva.csv", importing.E_NOT_TEXT),
        (bytes(range(256)) * 4, "data.xlsx", importing.E_BAD_XLSX),
        (b"PK\x03\x04" + bytes(200), "broken.xlsx", importing.E_BAD_XLSX),
        (b"Kommentti\nok\n", "teksti.xlsx", importing.E_BAD_XLSX),
        (b"", "tyhja.csv", importing.E_EMPTY),
        (b"", "tyhja.xlsx", importing.E_EMPTY),
        (b"\xef\xbb\xbf \r\n\r\n", "tyhja.csv", importing.E_EMPTY),
        (b";;;\r\n;;\r\n", "tyhja.csv", importing.E_EMPTY),
        (b"Kommentti;Sidosryhm\xe4\r\n", "otsikko.csv", importing.E_NO_ROWS),
        (b"\r\nKommentti\r\nTeksti\r\n", "alku.csv", importing.E_NO_HEADER),
        (b"Kommentti\nok\n", "palaute.xls", importing.E_FILE_TYPE),
        (b"Kommentti\nok\n", "palaute.pdf", importing.E_FILE_TYPE),
        (b"Kommentti\nok\n", "palaute", importing.E_FILE_TYPE),
        (
            b"Kommentti\n\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\n",
            "a.csv",
            importing.E_NOT_TEXT,
        ),
    ],
)
def test_files_that_cannot_be_imported_are_refused_with_a_reason(data, filename, msgid):
    assert refused(data, filename).message == msgid


def test_xlsx_bytes_named_csv_and_a_zip_that_is_no_workbook_are_refused():
    assert refused(xlsx([["Kommentti"], ["ok"]]), "a.csv").message == importing.E_NOT_TEXT
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    assert refused(buffer.getvalue(), "a.xlsx").message == importing.E_BAD_XLSX


def test_xlsx_header_only_empty_sheet_and_blank_first_row():
    assert refused(xlsx([["Kommentti", "ID"]]), "a.xlsx").message == importing.E_NO_ROWS
    assert refused(xlsx([]), "a.xlsx").message == importing.E_EMPTY
    assert refused(xlsx([[None], ["Kommentti"], ["x"]]), "a.xlsx").message == importing.E_NO_HEADER


def test_too_large_file_is_refused_before_reading(monkeypatch):
    monkeypatch.setattr(importing, "MAX_BYTES", 100)
    data = ("Kommentti\n" + "Liian pitkä tiedosto\n" * 10).encode()

    error = refused(data, "iso.csv")

    assert error.message == importing.E_TOO_LARGE
    assert error.message % error.params  # the limit fills the msgid's parameter
    assert read_table(data[:100], "pieni.csv").rows


def test_xlsx_that_inflates_past_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(importing, "MAX_UNPACKED_BYTES", 1000)
    assert refused(xlsx([["Kommentti"], ["ok"]]), "a.xlsx").message == importing.E_TOO_LARGE


def test_too_many_rows_and_columns(monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    monkeypatch.setattr(importing, "MAX_COLUMNS", 4)
    rows = "Kommentti\n" + "".join(f"rivi {i}\n" for i in range(4))
    assert refused(rows.encode(), "a.csv").params == {"limit": 3}
    assert len(read_table(rows.encode()[:-7], "a.csv").rows) == 3
    assert refused(b"a;b;c;d;e\n1;2;3;4;5\n", "a.csv").message == importing.E_TOO_MANY_COLUMNS
    assert refused(xlsx([["a"] * 5, [1] * 5]), "a.xlsx").message == importing.E_TOO_MANY_COLUMNS


def test_refusal_is_an_invalid_input_the_web_layer_can_translate():
    error = refused(b"", "a.csv")
    assert isinstance(error, InvalidInput)
    assert (error.status_code, error.field) == (422, "file")


# --- Rows --------------------------------------------------------------------------------------


def test_row_errors_carry_the_spreadsheet_row_number_and_valid_rows_still_import():
    table = read_table(
        (
            "Kommentti;Päivämäärä;ID;Organisaatio\n"
            "Hyvä kommentti;17.9.2024;1;\n"
            ";18.9.2024;2;\n"
            "Päivä väärin;31.2.2024;3;\n"
            "Ohjausmerkki \x07 tekstissä;;4;\n"
            f"{'x' * 5001};;5;\n"
            f"Pitkä tunniste;;{'9' * 101};\n"
            f"Pitkä nimi;;7;{'o' * 201}\n"
            "Viimeinen kunnossa;2024-09-20;8;\n"
        ).encode(),
        "a.csv",
    )

    rows, errors = parse_rows(table, guess_mapping(table.columns))

    assert [r.row_number for r in rows] == [2, 9]
    assert errors == [
        RowError(3, importing.R_TEXT_EMPTY),
        RowError(4, importing.R_BAD_DATE, {"value": "31.2.2024"}),
        RowError(5, importing.R_TEXT_CONTROL),
        RowError(6, importing.R_TEXT_TOO_LONG, {"length": 5001, "limit": 5000}),
        RowError(7, importing.R_TOO_LONG, {"column": "ID", "limit": 100}),
        RowError(8, importing.R_TOO_LONG, {"column": "Organisaatio", "limit": 200}),
    ]
    for error in errors:
        assert error.msgid % error.params if error.params else error.msgid


def test_duplicates_within_a_file_point_to_the_first_row():
    table = read_table(
        (
            b"Kommentti;ID\n"
            b"Sama teksti;\n"
            b"  SAMA   teksti ;\n"
            b"Sama teksti;k-7\n"
            b"Eri teksti, sama tunniste;k-7\n"
            b"Sama teksti;k-8\n"
        ),
        "a.csv",
    )

    rows, errors = parse_rows(table, Mapping(text=0, external_id=1))

    assert [(r.row_number, r.external_id) for r in rows] == [(2, None), (4, "k-7"), (6, "k-8")]
    assert errors == [
        RowError(3, importing.R_DUPLICATE, {"row": 2}),
        RowError(5, importing.R_DUPLICATE_ID, {"external_id": "k-7", "row": 4}),
    ]


def test_unknown_stakeholder_is_not_an_error_and_keeps_the_original_value():
    table = Table(["Kommentti", "Ryhmä"], [(2, ["Teksti", "Kuorolaiset"]), (3, ["Toinen", ""])])
    rows, errors = parse_rows(table, Mapping(text=0, stakeholder=1))
    assert errors == []
    assert [(r.stakeholder, r.stakeholder_raw) for r in rows] == [
        (None, "Kuorolaiset"),
        (None, None),
    ]


def test_a_mapping_outside_the_table_is_refused():
    table = Table(["Kommentti"], [(2, ["Teksti"])])
    with pytest.raises(ImportFileError) as caught:
        parse_rows(table, Mapping(text=0, date=3))
    assert caught.value.message == importing.E_BAD_MAPPING


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("resident", Stakeholder.resident),
        ("producer_ngo", Stakeholder.producer_ngo),
        ("In-house", Stakeholder.in_house),
        ("Asukas", Stakeholder.resident),
        ("asiakkaat ja omaiset", Stakeholder.resident),
        ("invånare", Stakeholder.resident),
        ("Resident", Stakeholder.resident),
        ("järjestö", Stakeholder.producer_ngo),
        ("Potilasyhdistys", Stakeholder.producer_ngo),
        ("förening", Stakeholder.producer_ngo),
        ("NGO", Stakeholder.producer_ngo),
        ("yritys", Stakeholder.producer_company),
        ("Yksityinen palveluntuottaja", Stakeholder.producer_company),
        ("företag", Stakeholder.producer_company),
        ("company", Stakeholder.producer_company),
        ("Henkilöstö", Stakeholder.staff),
        ("personal", Stakeholder.staff),
        ("Staff", Stakeholder.staff),
        ("Vanhusneuvosto", Stakeholder.influence_body),
        ("nuorisovaltuusto", Stakeholder.influence_body),
        ("Vammaisneuvosto", Stakeholder.influence_body),
        ("Äldrerådet", Stakeholder.influence_body),
        ("vaikuttamistoimielin", Stakeholder.influence_body),
        ("Sosiaali- ja terveyslautakunta", Stakeholder.committee),
        ("nämnd", Stakeholder.committee),
        ("Aluevaltuusto", Stakeholder.council),
        ("fullmäktige", Stakeholder.council),
        ("Regional council", Stakeholder.council),
        ("Kokoomuksen valtuustoryhmä", Stakeholder.political),
        ("puolue", Stakeholder.political),
        ("Svenska folkpartiet", Stakeholder.political),
        ("parti", Stakeholder.political),
        ("inhouse", Stakeholder.in_house),
        ("sidosyksikkö", Stakeholder.in_house),
        ("muu", Stakeholder.other),
        ("Kuorolaiset", None),
        ("among friends", None),
    ],
)
def test_stakeholder_free_text_in_three_languages(value, key):
    assert match_stakeholder(value) == key


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("17.9.2024", dt.date(2024, 9, 17)),
        ("07.09.2024", dt.date(2024, 9, 7)),
        ("17.9.2024 klo 14.30", dt.date(2024, 9, 17)),
        ("2024-09-17", dt.date(2024, 9, 17)),
        ("2024-09-17 14:30:00", dt.date(2024, 9, 17)),
        ("2024-09-17T22:30:00Z", dt.date(2024, 9, 18)),  # already the 18th in Helsinki
    ],
)
def test_dates_finnish_and_iso(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["9/17/2024", "17.9.24", "31.2.2024", "2024-13-01", "huomenna"])
def test_dates_that_cannot_be_read(value):
    with pytest.raises(ValueError):
        parse_date(value)


def test_content_hash_ignores_case_and_spacing_but_not_words():
    assert content_hash("Hyvä  palvelu\n") == content_hash("hyvä palvelu")
    assert content_hash("Hyvä palvelu") != content_hash("Huono palvelu")


# --- Guessing the columns ----------------------------------------------------------------------


def test_guess_mapping_finnish():
    columns = ["Tunniste", "Päivämäärä", "Sidosryhmä", "Organisaatio", "Kommentti"]
    assert guess_mapping(columns) == Mapping(
        text=4, stakeholder=2, organisation=3, date=1, external_id=0
    )


def test_guess_mapping_swedish():
    columns = ["Datum", "Kommentar", "Intressentgrupp", "Organisation", "ID"]
    assert guess_mapping(columns) == Mapping(
        text=1, stakeholder=2, organisation=3, date=0, external_id=4
    )


def test_guess_mapping_english_with_unrelated_columns():
    columns = [
        "Name",
        "Email",
        "Comment",
        "Stakeholder group",
        "Organization",
        "Date",
        "Response ID",
    ]
    assert guess_mapping(columns) == Mapping(
        text=2, stakeholder=3, organisation=4, date=5, external_id=6
    )


def test_guess_mapping_prefers_the_closer_name_and_falls_back_to_the_first_free_column():
    assert guess_mapping(["Organisaation tyyppi", "Organisaatio", "Palaute"]) == Mapping(
        text=2, stakeholder=0, organisation=1
    )
    assert guess_mapping(["ID", "Vapaa kenttä", "Muuta"]) == Mapping(text=1, external_id=0)


# --- Property ----------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        st.binary(max_size=2000),
        st.text(max_size=500).map(str.encode),
        st.binary(max_size=500).map(lambda tail: b"PK\x03\x04" + tail),
    ),
    filename=st.sampled_from(["kommentit.csv", "kommentit.xlsx"]),
)
def test_read_table_returns_a_table_or_refuses_nothing_else(data, filename):
    try:
        table = read_table(data, filename)
    except ImportFileError as error:
        assert error.message
        return
    assert table.columns and table.rows
    assert all(len(cells) == len(table.columns) for _, cells in table.rows)
    assert all(number >= 2 for number, _ in table.rows)
