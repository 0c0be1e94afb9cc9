"""The draft report as a Word document and as Markdown, in Finnish, Swedish and English, and the
summary page, downloads, exports and approvals through HTTP.

The report has the shape of seed 003: a title, a notice that it was drafted automatically, an
opening paragraph with the counts, one section per category (named in the report's language)
with quotes cited by reference code, and Table 1 of the stakeholder groups and their sessions.
"""

import csv
import html
import io
import re
from collections import Counter, defaultdict
from datetime import date

import pytest
from babel.dates import format_date
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from PIL import Image
from sqlmodel import col, select

from assistant.audit.models import AuditEntry
from assistant.classifier.categories import CATEGORY_KEYS, category
from assistant.feedback.models import Comment
from assistant.feedback.texts import STAKEHOLDER_LABELS
from assistant.i18n import translations
from assistant.summaries import exports, report
from assistant.summaries.models import ReportVersion
from assistant.summaries.service import Summary, SummaryFilters, build_summary
from tests.summaries.conftest import PII, SESSIONS, Seeded, included

LANGS = ("fi", "sv", "en")
QUOTE = re.compile(r"^”(?P<text>.*)” \((?P<source>.+), (?P<reference>VP-[A-Z0-9]{6})\)$", re.S)
MD_QUOTE = re.compile(r"^> ”(?P<text>.*)” \((?P<source>.+), (?P<reference>VP-[A-Z0-9]{6})\)$")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _names(lang: str) -> list[str]:
    return [category(key).text("name", lang) for key in CATEGORY_KEYS]


def _group(lang: str, key: str) -> str:
    return translations(lang).gettext(STAKEHOLDER_LABELS[key])


def _table_1(dataset: Seeded, lang: str, used: set[int]) -> list[tuple[str, list[str]]]:
    """Table 1 as it should read: groups with the most sessions first, sessions by date."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for spec in sorted(SESSIONS, key=lambda s: s.held_on):
        if dataset.sessions[spec.key] in used:
            when = format_date(spec.held_on, "short", locale=lang)
            grouped[spec.stakeholder].append(f"{spec.name} ({when})")
    return [
        (_group(lang, group), sessions)
        for group, sessions in sorted(grouped.items(), key=lambda item: (-len(item[1]), item[0]))
    ]


def _docx_text(document) -> str:
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _unescape_md(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


@pytest.fixture(scope="module")
def summaries(dataset: Seeded) -> dict[str, Summary]:
    """The summary of the whole dataset, with placeholders in each report language."""
    with dataset.session() as session:
        return {
            lang: build_summary(session, SummaryFilters(), placeholder_lang=lang) for lang in LANGS
        }


@pytest.fixture(scope="module")
def comments(dataset: Seeded) -> dict[str, Comment]:
    """The comments a summary covers, by reference."""
    with dataset.session() as session:
        return {c.reference: c for c in included(session)}


# --- the Word document ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_word_document_has_the_shape_of_the_county_summaries(
    dataset, summaries, comments, lang
):
    summary = summaries[lang]
    document = Document(io.BytesIO(report.docx(summary, lang)))
    paragraphs = document.paragraphs
    outline = report.outline(summary, lang)

    assert paragraphs[0].style.name == "Title"
    assert paragraphs[0].text == outline.title == document.core_properties.title
    assert outline.title
    assert document.core_properties.language == lang
    assert str(summary.total) in paragraphs[1].text  # the notice
    assert paragraphs[2].text == outline.opening[0]
    assert str(summary.total) in paragraphs[2].text
    assert str(summary.session_count) in paragraphs[2].text

    headings = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    names = _names(lang)
    assert headings == [f"{i}. {name}" for i, name in enumerate(names, 1)] + [outline.table_title]
    numbered = [p.text for p in paragraphs if p.style.name == "List Number"]
    assert [line.split(":")[0] for line in numbered] == names

    # Quotes in the Quote style, cited by the reference of a comment of the section's category.
    section = None
    quoted: list[str] = []
    for paragraph in paragraphs:
        if paragraph.style.name == "Heading 1":
            section = headings.index(paragraph.text)
        elif paragraph.style.name == "Quote":
            match = QUOTE.match(paragraph.text)
            assert match, paragraph.text
            comment = comments[match["reference"]]
            assert section is not None and section < len(CATEGORY_KEYS)
            assert comment.label == CATEGORY_KEYS[section]
            if "[" not in match["text"]:  # nothing masked: the comment as written, whole
                assert match["text"] == comment.text
            quoted.append(match["reference"])
    assert len(quoted) >= len(CATEGORY_KEYS)
    assert len(set(quoted)) == len(quoted)

    # Table 1: the stakeholder groups with their sessions and dates.
    assert len(document.tables) == 1
    table = document.tables[0]
    assert [cell.text for cell in table.rows[0].cells] == list(outline.table_header)
    rows = [(row.cells[0].text, row.cells[1].text.split("\n")) for row in table.rows[1:]]
    used = {c.consultation_id for c in comments.values() if c.consultation_id}
    assert rows == _table_1(dataset, lang, used)
    if lang == "fi":
        elderly = ["Vanhusneuvoston kokouskäsittely (17.9.2024)"]  # as in seed 003
        assert (_group("fi", "influence_body"), elderly) in rows


FIGURE = {"fi": "Kuvio", "sv": "Figur", "en": "Figure"}


def _pictures(document) -> list[tuple[Image.Image, str, str]]:
    """Each picture in the document: the image, its text alternative, the caption below it."""
    body = document.paragraphs
    found = []
    for i, paragraph in enumerate(body):
        for blip in paragraph._p.xpath(".//a:blip"):
            part = document.part.related_parts[blip.get(qn("r:embed"))]
            image = Image.open(io.BytesIO(part.blob))
            image.load()
            (doc_pr,) = paragraph._p.xpath(".//wp:docPr")
            assert body[i + 1].style.name == "Caption"
            found.append((image, doc_pr.get("descr"), body[i + 1].text))
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_the_word_document_draws_the_categories_and_each_categorys_groups(
    summaries, comments, lang
):
    document = Document(io.BytesIO(report.docx(summaries[lang], lang)))
    pictures = _pictures(document)
    rows = list(comments.values())
    label = {c.reference: c.final_label or c.predicted_label for c in rows}
    by_category = Counter(label.values())
    cells = Counter((c.stakeholder, label[c.reference]) for c in rows)
    group_totals = Counter(c.stakeholder for c in rows)
    assert len(document.inline_shapes) == len(pictures) >= 2
    for number, (image, alt, caption) in enumerate(pictures, start=1):
        assert image.format == "PNG" and image.width >= 1000, (image.format, image.size)
        assert caption.startswith(f"{FIGURE[lang]} {number}. ")
        assert alt  # the text alternative a screen reader reads
    # Figure 1: every category with its count, in the text alternative as well.
    _image, alt, _caption = pictures[0]
    for key, name in zip(CATEGORY_KEYS, _names(lang), strict=True):
        assert f"{name} {by_category.get(key, 0)}" in alt
    # Then one figure per category with groups to draw, in category order.
    names = {_group(lang, key): key for key in STAKEHOLDER_LABELS}
    drawn: dict[tuple[str, str], int] = {}
    figure_categories = []
    for _image, alt, caption in pictures[1:]:
        key = next(k for k in CATEGORY_KEYS if caption.split(". ", 1)[1].startswith(_name(k, lang)))
        figure_categories.append(key)
        bars = alt.split(": ", 1)[1].split(".")[0]
        for bar in bars.split("; "):
            group, n = bar.rsplit(" ", 1)
            assert cells[(names[group], key)] == int(n) >= 5  # the true count, never a small one
            drawn[(names[group], key)] = int(n)
        left_out = [g for (g, k), n in cells.items() if k == key and (g, k) not in drawn]
        assert bool(left_out) == (caption.count(".") > 1), caption  # a note says when
    assert figure_categories == sorted(figure_categories, key=CATEGORY_KEYS.index)
    assert any(n < 5 for n in cells.values()), "the dataset should have small cells to hide"
    # Nothing printed lets a reader subtract their way to a count under 5: in each category the
    # hidden groups add up to 0 or at least 5, and so do the hidden cells of every group.
    for key in CATEGORY_KEYS:
        hidden = by_category.get(key, 0) - sum(n for (_g, k), n in drawn.items() if k == key)
        assert hidden == 0 or hidden >= 5, (key, hidden)
    text = report.markdown(summaries[lang], lang)
    for group, total in group_totals.items():
        if f"{_group(lang, group)} ({total})" in text:  # its total is printed
            hidden = total - sum(n for (g, _k), n in drawn.items() if g == group)
            assert hidden == 0 or hidden >= 5, (group, hidden)


def test_withheld_counts_cannot_be_worked_out_from_the_total():
    # One small group beside a printed total: the next smallest is withheld too.
    assert report.withheld([("a", 20), ("b", 10), ("c", 8), ("d", 6), ("e", 3)]) == {"d", "e"}
    # Small groups that already add up to 5 or more need no company.
    assert report.withheld([("a", 20), ("b", 3), ("c", 2)]) == {"b", "c"}
    assert report.withheld([("a", 20), ("b", 7)]) == set()
    assert report.withheld([("a", 4)]) == {"a"}


def _name(key: str, lang: str) -> str:
    return category(key).text("name", lang)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_swedish_and_english_reports_name_the_categories_in_their_language(summaries, lang):
    summary = summaries[lang]
    markdown = report.markdown(summary, lang)
    document = _docx_text(Document(io.BytesIO(report.docx(summary, lang))))
    for own, finnish in zip(_names(lang), _names("fi"), strict=True):
        assert own != finnish
        assert own in markdown and own in document
        assert finnish not in markdown and finnish not in document


@pytest.mark.parametrize("lang", LANGS)
def test_the_markdown_says_what_the_word_document_says(summaries, lang):
    summary = summaries[lang]
    document = Document(io.BytesIO(report.docx(summary, lang)))
    lines = report.markdown(summary, lang).splitlines()

    assert lines[0] == f"# {document.paragraphs[0].text}"
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert [line[3:] for line in lines if line.startswith("## ")] == headings

    docx_quotes = [QUOTE.match(p.text) for p in document.paragraphs if p.style.name == "Quote"]
    md_quotes = [MD_QUOTE.match(line) for line in lines if line.startswith("> ")]
    assert all(docx_quotes) and all(md_quotes)
    assert [(m["reference"], m["source"]) for m in md_quotes] == [
        (m["reference"], m["source"]) for m in docx_quotes
    ]
    assert [_unescape_md(m["text"]) for m in md_quotes] == [
        m["text"].replace("\n", " ") for m in docx_quotes
    ]

    table = document.tables[0]
    md_rows = [line for line in lines if line.startswith("| ")]
    assert md_rows[0] == f"| {table.rows[0].cells[0].text} | {table.rows[0].cells[1].text} |"
    assert [
        tuple(_unescape_md(part) for part in row[2:-2].split(" | ")) for row in md_rows[1:]
    ] == [(row.cells[0].text, row.cells[1].text.replace("\n", "<br>")) for row in table.rows[1:]]


AUTOMATIC = {"fi": "automaattisesti", "sv": "automatiskt", "en": "automatically"}


@pytest.mark.parametrize("lang", LANGS)
def test_the_notice_says_the_draft_was_made_automatically_from_n_comments(summaries, lang):
    summary = summaries[lang]
    notice = report.outline(summary, lang).notice
    assert AUTOMATIC[lang] in notice
    assert re.search(rf"\b{summary.total}\b", notice)
    assert f"*{notice}*" in report.markdown(summary, lang)


def test_the_finnish_report_opens_like_seed_003(summaries):
    summary = summaries["fi"]
    opening = report.outline(summary, "fi").opening[0]
    assert opening == (
        f"Yhteenveto perustuu yhteensä {summary.total} kommenttiin "
        f"{summary.session_count} käsittelytilaisuudesta."
    )
    english = report.outline(summary, "en").opening[0]
    assert english == (
        f"The summary is based on a total of {summary.total} comments "
        f"from {summary.session_count} consultation sessions."
    )
    assert report.outline(summary, "sv").opening[0] != english


def test_an_empty_selection_still_makes_a_report(dataset):
    with dataset.session() as session:
        summary = build_summary(session, SummaryFilters(date_to=date(2000, 1, 1)))
    assert summary.total == 0
    outline = report.outline(summary, "fi")
    assert all(section.quotes == [] for section in outline.sections)
    assert outline.table_rows == []
    document = Document(io.BytesIO(report.docx(summary, "fi")))
    assert document.tables == []
    assert outline.empty_table in report.markdown(summary, "fi")


# --- through HTTP, as a preparer ------------------------------------------------------------------


def _ngo(seeded: Seeded) -> tuple[int, list[Comment]]:
    session_id = seeded.sessions["ngo"]
    with seeded.session() as session:
        return session_id, included(session, consultation_id=session_id)


def test_the_summary_page_shows_the_five_categories_with_charts(shared_dataset, sign_in):
    preparer = sign_in("preparer")
    page = preparer.client.get("/workspace/summary")
    assert page.status_code == 200
    text = html.unescape(page.text)
    for name in _names("fi"):
        assert name in text
    assert '<svg class="bar-chart" role="img"' in page.text
    assert "Vanhusneuvoston kokouskäsittely" in text  # Table 1

    session_id, rows = _ngo(shared_dataset)
    narrowed = preparer.client.get(f"/workspace/summary?session={session_id}")
    assert narrowed.status_code == 200
    assert f"report.docx?session={session_id}&amp;report_lang=sv" in narrowed.text
    assert len(rows) >= 5


def test_the_report_downloads_in_the_language_asked(shared_dataset, sign_in):
    preparer = sign_in("preparer")
    session_id, rows = _ngo(shared_dataset)

    response = preparer.client.get(
        f"/workspace/summary/report.docx?session={session_id}&report_lang=sv"
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == DOCX_TYPE
    assert response.headers["content-disposition"].endswith('-sv.docx"')
    document = Document(io.BytesIO(response.content))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[:5] == [f"{i}. {name}" for i, name in enumerate(_names("sv"), 1)]
    assert re.search(rf"\b{len(rows)}\b", document.paragraphs[2].text)
    table = document.tables[0]
    assert [(r.cells[0].text, r.cells[1].text) for r in table.rows[1:]] == [
        (_group("sv", "producer_ngo"), "Järjestötuottajien keskustelu (2024-10-03)")
    ]
    references = {c.reference for c in rows}
    for paragraph in document.paragraphs:
        if paragraph.style.name == "Quote":
            match = QUOTE.match(paragraph.text)
            assert match and match["reference"] in references
            assert match["source"] == "järjestötuottajat"

    markdown = preparer.client.get(
        f"/workspace/summary/report.md?session={session_id}&report_lang=fi"
    )
    assert markdown.status_code == 200
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("# ")
    assert f"| {_group('fi', 'producer_ngo')} | Järjestötuottajien keskustelu (3.10.2024) |" in (
        markdown.text
    )
    for name in _names("fi"):
        assert name in markdown.text

    with shared_dataset.session() as session:
        audit = session.exec(
            select(AuditEntry)
            .where(AuditEntry.action == "export.report", AuditEntry.actor == preparer.email)
            .order_by(col(AuditEntry.id))
        ).all()
    assert [(a.target_id, a.after["lang"], a.after["comments"]) for a in audit] == [
        ("docx", "sv", len(rows)),
        ("md", "fi", len(rows)),
    ]


def test_comment_exports_neutralise_formulas(shared_dataset, sign_in):
    preparer = sign_in("preparer")
    session_id, rows = _ngo(shared_dataset)
    formula = shared_dataset.references["ngo_formula"]
    hidden = shared_dataset.references["ngo_hidden"]
    texts = {c.reference: c.text for c in rows}
    assert texts[formula].startswith("=SUM(1)")

    response = preparer.client.get(f"/workspace/summary/comments.csv?session={session_id}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header, body = table[0], table[1:]
    assert len(header) == 14 and all(len(row) == 14 for row in body)
    by_reference = {row[0]: row for row in body}
    assert set(by_reference) == set(texts)
    assert hidden not in by_reference
    assert by_reference[formula][-1] == "'" + texts[formula]
    for reference, row in by_reference.items():
        if reference != formula:
            assert row[-1] == texts[reference]
    assert not any(cell.startswith(("=", "+", "@")) for row in table for cell in row)

    response = preparer.client.get(f"/workspace/summary/comments.xlsx?session={session_id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == header
    cells = {row[0]: row for row in values[1:]}
    assert set(cells) == set(texts)
    assert cells[formula][-1] == "'" + texts[formula]
    assert sheet.freeze_panes == "A2"


@pytest.mark.parametrize(
    ("lang", "placeholder"), [("fi", "[henkilötunnus]"), ("sv", "[personbeteckning]")]
)
def test_exports_never_carry_an_identity_code(dataset, lang, placeholder):
    with dataset.session() as session:
        rows = exports.comment_rows(session, SummaryFilters(stakeholder="other"), lang)
    texts = {row[0]: row[-1] for row in rows[1:]}
    assert set(texts) == {dataset.references[w.key] for w in PII}
    hetu = texts[dataset.references["pii_hetu"]]
    assert "010150-123T" not in hetu and placeholder in hetu
    assert hetu.startswith("Asiakasmaksun laskussa oli isäni tiedot (")
    assert "010150-123T" not in exports.to_csv(rows).decode("utf-8-sig")
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(rows, "Kommentit"))).active
    assert not any(
        "010150-123T" in str(v) for row in sheet.iter_rows(values_only=True) for v in row
    )


def test_approving_keeps_the_text_as_approved(shared_dataset, sign_in):
    preparer = sign_in("preparer")
    session_id, rows = _ngo(shared_dataset)
    query = f"session={session_id}"
    refused = preparer.client.post(
        "/workspace/summary/approve",
        data={"report_lang": "fi", "query": query},
        follow_redirects=False,
    )
    assert refused.status_code in {400, 403}  # no CSRF token
    with shared_dataset.session() as session:
        assert not session.exec(
            select(ReportVersion).where(ReportVersion.approved_by == preparer.email)
        ).all()

    response = preparer.client.post(
        "/workspace/summary/approve",
        data={"csrf": preparer.csrf, "report_lang": "fi", "query": query},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/workspace/summary?{query}&done=approved"

    with shared_dataset.session() as session:
        version = session.exec(
            select(ReportVersion)
            .where(ReportVersion.approved_by == preparer.email)
            .order_by(col(ReportVersion.id).desc())
        ).first()
        assert version is not None
        entry = session.exec(
            select(AuditEntry).where(
                AuditEntry.action == "report.approve", AuditEntry.target_id == str(version.id)
            )
        ).one()
    assert version.lang == "fi"
    assert version.filters == {"session": str(session_id)}
    assert version.total == len(rows)
    assert version.sessions == 1
    assert entry.actor == preparer.email
    assert entry.after["sha256"] == version.sha256
    assert "Järjestötuottajien keskustelu" in version.markdown

    page = preparer.client.get(f"/workspace/summary?{query}&done=approved")
    assert f"/workspace/summary/approved/{version.id}.md" in page.text
    approved = preparer.client.get(f"/workspace/summary/approved/{version.id}.md")
    assert approved.status_code == 200
    assert approved.text == version.markdown
    draft = preparer.client.get(f"/workspace/summary/report.md?{query}&report_lang=fi")
    assert draft.text == version.markdown  # nothing changed since


def test_anonymous_visitors_are_sent_to_sign_in(shared_dataset, anonymous):
    for path in (
        "/workspace/summary",
        "/workspace/summary/report.docx?report_lang=sv",
        "/workspace/summary/report.md",
        "/workspace/summary/comments.csv",
        "/workspace/summary/comments.xlsx",
        "/workspace/summary/approved/1.md",
    ):
        response = anonymous.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/sign-in?next="), path


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_the_report_never_shows_a_group_count_below_five(summaries, lang):
    summary = summaries[lang]
    small = [(key, n) for key, n in summary.groups if 0 < n < 5] + [
        (g, n) for c in summary.categories for g, n, _share in c.groups[:3] if 0 < n < 5
    ]
    assert small, "the dataset should have a small group for this test to mean anything"
    text = report.markdown(summary, lang)
    for key, n in small:
        assert f"{_group(lang, key)} ({n})" not in text
    fewer = {"fi": "alle 5", "en": "fewer than 5"}[lang]
    assert f"({fewer})" in text
