"""The preparers' summary view, the draft report downloads, comment exports and approvals."""

import hashlib
import threading
from collections import OrderedDict
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func
from sqlmodel import Session, col, select

from assistant.accounts.web import PreparerDep
from assistant.audit.service import record
from assistant.classifier.categories import CATEGORY_KEYS
from assistant.consultations import service as consultations_service
from assistant.consultations.models import ConsultationSession
from assistant.db import SessionDep
from assistant.feedback.enums import Stakeholder
from assistant.feedback.models import Comment
from assistant.summaries import exports, report
from assistant.summaries.models import ReportVersion
from assistant.summaries.service import Summary, SummaryFilters, build_summary
from assistant.web.i18n import gettext as _
from assistant.web.params import optional_date
from assistant.web.templating import error_page, render

router = APIRouter(prefix="/workspace", include_in_schema=False)
REPORT_LANGS = ("fi", "sv", "en")
_cache: OrderedDict[tuple, Summary] = OrderedDict()
_cache_lock = threading.Lock()
CACHE_SIZE = 8


def filters_from(params) -> SummaryFilters:
    """Summary filters from query parameters; values that do not parse are left out."""
    session_id = params.get("session", "")
    stakeholder = params.get("stakeholder")
    lang = params.get("in_lang")
    return SummaryFilters(
        date_from=optional_date(params.get("from")),
        date_to=optional_date(params.get("to")),
        consultation_id=int(session_id) if session_id.isdigit() and len(session_id) < 10 else None,
        stakeholder=stakeholder if stakeholder in {s.value for s in Stakeholder} else None,
        lang=lang if lang in REPORT_LANGS else None,
        reviewed_only=params.get("reviewed") == "1",
    )


def _version(session: Session) -> tuple:
    """Changes whenever anything a summary shows changes: comments, sessions, and the names
    that quotes must mask (contacts, registrants, users). The summary cache's key part."""
    from assistant.accounts.models import User
    from assistant.dialogues.models import Registration
    from assistant.feedback.models import Contact

    comments = session.exec(
        select(func.count(), func.max(Comment.updated_at), func.max(Comment.id))
    ).one()
    sessions = session.exec(select(func.count(), func.max(ConsultationSession.updated_at))).one()
    names = tuple(
        session.exec(select(func.count(), func.max(model.id))).one()  # type: ignore[attr-defined]
        for model in (Contact, Registration, User)
    )
    return (*comments, *sessions, names)


def summary_for(session: Session, filters: SummaryFilters, lang: str) -> Summary:
    """The summary, from a small in-process cache while no comment has changed."""
    # The cache is per process, and a process may serve more than one database (the tests do).
    database = session.get_bind().url.render_as_string(hide_password=True)
    key = (database, tuple(sorted(filters.query_items().items())), lang, _version(session))
    session.rollback()
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    summary = build_summary(session, filters, placeholder_lang=lang)
    with _cache_lock:
        _cache[key] = summary
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return summary


@router.get("/summary", response_class=HTMLResponse)
def summary_page(request: Request, session: SessionDep, who: PreparerDep) -> Response:
    """The summary with its filters, charts, tables, downloads and approved versions."""
    filters = filters_from(request.query_params)
    lang = request.state.locale if request.state.locale in REPORT_LANGS else "fi"
    summary = summary_for(session, filters, lang)
    approved = session.exec(
        select(ReportVersion).order_by(col(ReportVersion.id).desc()).limit(10)
    ).all()
    return render(
        request,
        "summaries/summary.html",
        {
            "s": summary,
            "f": filters,
            "query": urlencode(filters.query_items()),
            "sessions": consultations_service.newest_first(session),
            "stakeholders": list(Stakeholder),
            "categories": CATEGORY_KEYS,
            "report_langs": REPORT_LANGS,
            "approved": approved,
            "csrf": who.csrf,
            "done": request.query_params.get("done"),
        },
    )


@router.get("/summary/report.{fmt}")
def report_file(request: Request, session: SessionDep, who: PreparerDep, fmt: str) -> Response:
    """The draft report as DOCX or Markdown, in the language asked (`report_lang`)."""
    if fmt not in {"docx", "md"}:
        return error_page(request, _("Page not found"), 404)
    lang = request.query_params.get("report_lang", "fi")
    lang = lang if lang in REPORT_LANGS else "fi"
    filters = filters_from(request.query_params)
    summary = summary_for(session, filters, lang)
    record(
        session,
        actor=who.user,
        action="export.report",
        target_type="report",
        target_id=fmt,
        after={"lang": lang, "filters": filters.query_items(), "comments": summary.total},
    )
    session.commit()
    stamp = summary.generated_at.strftime("%Y%m%d")
    if fmt == "md":
        return Response(
            report.markdown(summary, lang),
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="yhteenveto-{stamp}-{lang}.md"'},
        )
    return Response(
        report.docx(summary, lang),
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"Content-Disposition": f'attachment; filename="yhteenveto-{stamp}-{lang}.docx"'},
    )


@router.get("/summary/comments.{fmt}")
def comments_file(request: Request, session: SessionDep, who: PreparerDep, fmt: str) -> Response:
    """Every comment the summary covers, with its labels, as CSV or XLSX."""
    if fmt not in {"csv", "xlsx"}:
        return error_page(request, _("Page not found"), 404)
    lang = request.state.locale if request.state.locale in REPORT_LANGS else "fi"
    filters = filters_from(request.query_params)
    rows = exports.comment_rows(session, filters, lang)
    record(
        session,
        actor=who.user,
        action="export.comments",
        target_type="comments",
        target_id=fmt,
        after={"filters": filters.query_items(), "rows": len(rows) - 1},
    )
    session.commit()
    if fmt == "csv":
        return Response(
            exports.to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="kommentit.csv"'},
        )
    return Response(
        exports.to_xlsx(rows, _("Comments")),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="kommentit.xlsx"'},
    )


@router.post("/summary/approve")
def approve(
    request: Request,
    session: SessionDep,
    who: PreparerDep,
    report_lang: Annotated[str, Form(max_length=2)] = "fi",
    query: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Approve the current draft: its text is kept as it was, with who approved it and when."""
    from urllib.parse import parse_qs

    lang = report_lang if report_lang in REPORT_LANGS else "fi"
    filters = filters_from({k: v[-1] for k, v in parse_qs(query).items()})
    summary = summary_for(session, filters, lang)
    text = report.markdown(summary, lang)
    version = ReportVersion(
        lang=lang,
        filters=filters.query_items(),
        total=summary.total,
        sessions=summary.session_count,
        markdown=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        approved_by_id=who.user.id,
        approved_by=who.user.email,
    )
    session.add(version)
    session.flush()
    record(
        session,
        actor=who.user,
        action="report.approve",
        target_type="report",
        target_id=version.id,
        after={"lang": lang, "comments": summary.total, "sha256": version.sha256},
    )
    session.commit()
    return RedirectResponse(
        f"/workspace/summary?{query + '&' if query else ''}done=approved", status_code=303
    )


@router.get("/summary/approved/{version_id}.md")
def approved_file(
    request: Request, session: SessionDep, who: PreparerDep, version_id: int
) -> Response:
    """An approved version's text, exactly as approved."""
    version = session.get(ReportVersion, version_id) if 0 < version_id < 2**31 else None
    if version is None:
        return error_page(request, _("Page not found"), 404)
    return Response(
        version.markdown,
        media_type="text/markdown; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="yhteenveto-hyvaksytty-{version.id}.md"'
        },
    )


@router.get("/ask", response_class=HTMLResponse)
def ask_page(request: Request, session: SessionDep, who: PreparerDep) -> Response:
    """Ask the feedback a question; the answer is the most relevant comments and their counts."""
    from assistant.summaries.ask import ask

    params = request.query_params
    question = (params.get("q") or "").strip()[:500]
    category_key = params.get("category")
    category_key = category_key if category_key in CATEGORY_KEYS else None
    filters = filters_from(params)
    answer = None
    if question:
        answer = ask(
            session,
            question,
            category=category_key,
            stakeholder=filters.stakeholder,
            consultation_id=filters.consultation_id,
            lang=filters.lang,
        )
    return render(
        request,
        "summaries/ask.html",
        {
            "question": question,
            "answer": answer,
            "category": category_key,
            "f": filters,
            "sessions": consultations_service.newest_first(session),
            "stakeholders": list(Stakeholder),
            "categories": CATEGORY_KEYS,
            "report_langs": REPORT_LANGS,
        },
    )
