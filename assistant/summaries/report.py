"""The draft report, as Markdown and as a Word document, in Finnish, Swedish or English.

Both are rendered from one outline (`outline()`), so the Markdown and the DOCX always say the
same thing; where the DOCX draws a bar chart, the Markdown gives its caption and figures. The shape follows the county's feedback summaries: an opening paragraph with the
counts, the five categories, one section per category with who raised it, its sub-themes and
quotes (cited by reference code, attributed to a group or body), then Table 1 of the stakeholder
groups and their sessions.
"""

import io
from dataclasses import dataclass, field

from babel.dates import format_date
from babel.numbers import format_percent

from assistant.classifier.categories import category
from assistant.feedback.texts import STAKEHOLDER_LABELS
from assistant.i18n import translations
from assistant.summaries.service import Quote, Summary


@dataclass
class Chart:
    """A bar chart: its caption, its bars (label, count), the axis label and a text alternative."""

    caption: str
    bars: list[tuple[str, int]]
    axis_label: str
    alt: str
    note: str = ""


@dataclass
class Section:
    """A heading with paragraphs, a chart, bullet points and quotes."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    chart: Chart | None = None
    more: list[str] = field(default_factory=list)  # paragraphs after the chart
    bullets: list[str] = field(default_factory=list)
    quotes: list[tuple[str, str]] = field(default_factory=list)  # (text, source)


@dataclass
class Outline:
    """The report's content, independent of the file format."""

    title: str
    notice: str
    opening: list[str]
    overview: list[str]
    overview_chart: Chart | None
    sections: list[Section]
    table_title: str
    table_header: tuple[str, str]
    table_rows: list[tuple[str, list[str]]]
    empty_table: str


def _group(lang: str, key: str) -> str:
    return translations(lang).gettext(STAKEHOLDER_LABELS.get(key, STAKEHOLDER_LABELS["other"]))


SMALL_CELL = 5  # the report may be published: counts below this are not shown exactly


def _suppress_line(counts: dict, line: list, hidden: set) -> bool:
    """Hide the smallest shown counts of a line whose total is printed until the hidden ones add
    up to 0 or at least SMALL_CELL; True when something more was hidden."""
    hidden_sum = sum(counts[key] for key in line if key in hidden)
    shown = sorted((counts[key], key) for key in line if key not in hidden and counts[key] > 0)
    grew = False
    while 0 < hidden_sum < SMALL_CELL and shown:
        n, key = shown.pop(0)
        hidden.add(key)
        hidden_sum += n
        grew = True
    return grew


def withheld(counts: list[tuple[str, int]]) -> set[str]:
    """The groups whose counts the report does not show, out of counts whose total it prints.

    First every group with 1 to SMALL_CELL − 1 comments. A single hidden count would be the total
    minus the shown ones, so while the hidden counts add up to less than SMALL_CELL the smallest
    shown group is hidden as well (secondary suppression, as in official statistics).
    """
    table = dict(counts)
    hidden = {group for group, n in counts if 0 < n < SMALL_CELL}
    _suppress_line(table, list(table), hidden)
    return hidden


def withheld_cells(summary: Summary) -> tuple[set[str], set[tuple[str, str]]]:
    """The group totals and the (group, category) counts that the report does not show.

    The report prints each category's total and each shown group's total, so the cells are
    suppressed along both: in every category and in every group whose total is shown, the hidden
    cells add up to 0 or at least SMALL_CELL, repeated until nothing changes. Subtracting shown
    counts from a printed total then never yields a count under SMALL_CELL.
    """
    hidden_totals = withheld(summary.groups)
    cells = {(g, c.key): n for c in summary.categories for g, n, _share in c.groups}
    hidden = {cell for cell, n in cells.items() if 0 < n < SMALL_CELL}
    lines = [[cell for cell in cells if cell[1] == c.key] for c in summary.categories]
    lines += [
        [cell for cell in cells if cell[0] == group]
        for group, _n in summary.groups
        if group not in hidden_totals
    ]
    while any([_suppress_line(cells, line, hidden) for line in lines]):
        pass
    return hidden_totals, hidden


def _with_count(lang: str, group: str, n: int, hidden: bool) -> str:
    """A group with its count as the report shows it: "Henkilöstö (12)", "Asukas (alle 5)", or the
    name alone when the count is withheld only so that a small one cannot be worked out."""
    name = _group(lang, group)
    if not hidden:
        return f"{name} ({n})"
    if n < SMALL_CELL:
        fewer = translations(lang).gettext("fewer than %(num)s") % {"num": SMALL_CELL}
        return f"{name} ({fewer})"
    return name


def _percent(lang: str, value: float) -> str:
    return format_percent(value, locale=lang)


def _language_of_comments(lang: str, of: str) -> str:
    _ = translations(lang).gettext
    names = {
        "fi": _("comments in Finnish"),
        "sv": _("comments in Swedish"),
        "en": _("comments in English"),
    }
    return names.get(of, of)


def _source(lang: str, quote: Quote) -> str:
    return f"{quote.body or _group(lang, quote.stakeholder)}, {quote.reference}"


def _chart(
    lang: str, number: int, title: str, bars: list[tuple[str, int]], note: str = ""
) -> Chart:
    _ = translations(lang).gettext
    return Chart(
        caption=_("Figure %(num)s. %(title)s") % {"num": number, "title": title},
        bars=bars,
        axis_label=_("Comments"),
        alt=_("Bar chart: %(bars)s.") % {"bars": "; ".join(f"{label} {n}" for label, n in bars)}
        + (f" {note}" if note else ""),
        note=note,
    )


def outline(summary: Summary, lang: str) -> Outline:
    """Everything the report says, in one language."""
    t = translations(lang)
    _, ngettext = t.gettext, t.ngettext
    total, sessions = summary.total, summary.session_count
    hidden_totals, hidden_cells = withheld_cells(summary)
    opening = [
        ngettext(
            "The summary is based on a total of %(num)s comment",
            "The summary is based on a total of %(num)s comments",
            total,
        )
        % {"num": total}
        + " "
        + ngettext(
            "from %(num)s consultation session.",
            "from %(num)s consultation sessions.",
            sessions,
        )
        % {"num": sessions}
    ]
    if summary.groups:
        opening.append(
            _("The comments came from these stakeholder groups: %(groups)s.")
            % {
                "groups": ", ".join(
                    _with_count(lang, key, n, key in hidden_totals) for key, n in summary.groups
                )
            }
        )
    overview = [
        f"{i}. {category(c.key).text('name', lang)}: "
        + ngettext("%(num)s comment", "%(num)s comments", c.n) % {"num": c.n}
        + f" ({_percent(lang, c.share)})"
        for i, c in enumerate(summary.categories, start=1)
    ]
    figures = 0
    overview_chart = None
    if summary.total:
        figures += 1
        overview_chart = _chart(
            lang,
            figures,
            _("Comments by category"),
            [(category(c.key).text("name", lang), c.n) for c in summary.categories],
        )
    flagged = {
        (row.group, cell.category): cell
        for row in summary.crosstab.rows
        for cell in row.cells
        if cell.flag == "over" and row.group
    }
    sections = []
    for i, c in enumerate(summary.categories, start=1):
        section = Section(heading=f"{i}. {category(c.key).text('name', lang)}")
        if not c.n:
            section.paragraphs.append(_("No comment fell in this category."))
            sections.append(section)
            continue
        section.paragraphs.append(
            ngettext(
                "%(num)s comment (%(share)s of all) fell in this category.",
                "%(num)s comments (%(share)s of all) fell in this category.",
                c.n,
            )
            % {"num": c.n, "share": _percent(lang, c.share)}
        )
        # Withheld counts are left out of the chart: a bar's length would tell them.
        shown = [(_group(lang, g), n) for g, n, _s in c.groups if (g, c.key) not in hidden_cells]
        if shown:
            figures += 1
            section.chart = _chart(
                lang,
                figures,
                _("%(category)s: comments by stakeholder group")
                % {"category": category(c.key).text("name", lang)},
                shown,
                _("Small groups are not shown, so that no count under %(num)s can be worked out.")
                % {"num": SMALL_CELL}
                if len(shown) < len(c.groups)
                else "",
            )
        top = c.groups[:3]
        if top:
            section.paragraphs.append(
                _("It was raised most by: %(groups)s.")
                % {
                    "groups": ", ".join(
                        _with_count(lang, g, n, (g, c.key) in hidden_cells) for g, n, _s in top
                    )
                }
            )
        for (group, key), cell in sorted(flagged.items()):
            # A share of a shown group total would tell a withheld count.
            if key == c.key and (group, key) not in hidden_cells and group not in hidden_totals:
                section.paragraphs.append(
                    _(
                        "%(group)s raised it clearly more often than the others: %(share)s of "
                        "their comments against %(overall)s overall."
                    )
                    % {
                        "group": _group(lang, group),
                        "share": _percent(lang, cell.share or 0.0),
                        "overall": _percent(lang, cell.overall_share or 0.0),
                    }
                )
        if c.terms_for(lang):
            section.more.append(
                _("Key terms: %(terms)s.") % {"terms": ", ".join(c.terms_for(lang)[:8])}
            )
        if len(c.themes) > 1:
            section.more.append(_("The comments form %(num)s sub-themes:") % {"num": len(c.themes)})
            section.bullets = [
                ", ".join(theme.terms[:5])
                + " ("
                + ngettext("%(num)s comment", "%(num)s comments", theme.size) % {"num": theme.size}
                + ")"
                for theme in c.themes
            ]
        # The first quote of each of the largest sub-themes: a few voices, not a wall of text.
        section.quotes = [(quote.text, _source(lang, quote)) for quote in c.quotes][:3]
        sections.append(section)
    return Outline(
        title=_("Summary of stakeholder feedback"),
        notice=_(
            "This is a draft compiled automatically from the comments in Vuoropuhe on %(date)s. "
            "It rests on %(num)s comments; quotes are cited by their reference code and personal "
            "details in them are replaced. Check it before use."
        )
        % {"date": format_date(summary.generated_at, "long", locale=lang), "num": total},
        opening=opening,
        overview=overview,
        overview_chart=overview_chart,
        sections=sections,
        table_title=_("Table 1. Stakeholder groups and consultation sessions"),
        table_header=(_("Stakeholder group"), _("Consultation sessions")),
        table_rows=[
            (
                _group(lang, group),
                [f"{s.name} ({format_date(s.held_on, 'short', locale=lang)})" for s in rows],
            )
            for group, rows in summary.sessions_table
        ],
        empty_table=_("No consultation sessions are recorded for these comments."),
    )


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_chart(chart: Chart) -> str:
    """A chart in Markdown: its caption and the figures it draws, as its text alternative says."""
    return f"*{_md_escape(chart.caption)}* – {_md_escape(chart.alt)}"


def markdown(summary: Summary, lang: str) -> str:
    """The report as Markdown."""
    o = outline(summary, lang)
    lines = [f"# {o.title}", "", f"*{o.notice}*", ""]
    for paragraph in o.opening:
        lines += [paragraph, ""]
    lines += [*o.overview, ""]
    if o.overview_chart:
        lines += [_md_chart(o.overview_chart), ""]
    for section in o.sections:
        lines += [f"## {section.heading}", ""]
        for paragraph in section.paragraphs:
            lines += [paragraph, ""]
        if section.chart:
            lines += [_md_chart(section.chart), ""]
        for paragraph in section.more:
            lines += [paragraph, ""]
        if section.bullets:
            lines += [f"- {b}" for b in section.bullets] + [""]
        for text, source in section.quotes:
            lines += [f"> ”{_md_escape(text)}” ({source})", ""]
    lines += [f"## {o.table_title}", ""]
    if o.table_rows:
        lines += [f"| {o.table_header[0]} | {o.table_header[1]} |", "|---|---|"]
        lines += [
            f"| {_md_escape(group)} | {'<br>'.join(_md_escape(s) for s in sessions)} |"
            for group, sessions in o.table_rows
        ]
    else:
        lines.append(o.empty_table)
    return "\n".join(lines).rstrip() + "\n"


def _add_chart(document, chart: Chart) -> None:
    """The chart as a picture with its text alternative, then its caption in Word's Caption style."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    from assistant.summaries.charts import bar_chart_png

    png = bar_chart_png(chart.bars, axis_label=chart.axis_label)
    picture = document.add_paragraph()
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.keep_with_next = (
        True  # never a chart on one page, its caption on the next
    )
    shape = picture.add_run().add_picture(io.BytesIO(png), width=Cm(14))
    # Word reads a picture's alternative text from wp:docPr/@descr; python-docx has no setter.
    shape._inline.docPr.set("descr", chart.alt)
    shape._inline.docPr.set("title", chart.caption)
    caption = f"{chart.caption}. {chart.note}" if chart.note else chart.caption
    document.add_paragraph(caption, style="Caption")


def docx(summary: Summary, lang: str) -> bytes:
    """The report as a Word document with real heading, caption, quote and table styles, and a
    bar chart of the categories and of each category's stakeholder groups."""
    from docx import Document
    from docx.shared import Pt

    o = outline(summary, lang)
    document = Document()
    document.core_properties.title = o.title
    document.core_properties.language = lang
    document.add_heading(o.title, level=0)
    notice = document.add_paragraph()
    notice.add_run(o.notice).italic = True
    for paragraph in o.opening:
        document.add_paragraph(paragraph)
    for line in o.overview:
        document.add_paragraph(line.split(". ", 1)[1], style="List Number")
    if o.overview_chart:
        _add_chart(document, o.overview_chart)
    for section in o.sections:
        document.add_heading(section.heading, level=1)
        for paragraph in section.paragraphs:
            document.add_paragraph(paragraph)
        if section.chart:
            _add_chart(document, section.chart)
        for paragraph in section.more:
            document.add_paragraph(paragraph)
        for bullet in section.bullets:
            document.add_paragraph(bullet, style="List Bullet")
        for text, source in section.quotes:
            quote = document.add_paragraph(style="Quote")
            quote.add_run(f"”{text}”")
            quote.add_run(f" ({source})").font.size = Pt(9)
    document.add_heading(o.table_title, level=1)
    if o.table_rows:
        table = document.add_table(rows=1, cols=2)
        table.style = "Table Grid"
        header = table.rows[0].cells
        for cell, text in zip(header, o.table_header, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(text).bold = True
        for group, sessions in o.table_rows:
            cells = table.add_row().cells
            cells[0].text = group
            cells[1].text = "\n".join(sessions)
    else:
        document.add_paragraph(o.empty_table)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
