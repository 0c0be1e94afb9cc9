"""The audit log page (admins only)."""

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from assistant.accounts.web import AdminDep
from assistant.audit import service
from assistant.db import SessionDep
from assistant.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_log(request: Request, session: SessionDep, who: AdminDep) -> Response:
    """Newest entries first, filtered by action, actor or target; 50 per page."""
    params = request.query_params
    action = params.get("action") or None
    actor = (params.get("actor") or "").strip()[:320] or None
    target = (params.get("target") or "").strip()[:64] or None
    before = params.get("before", "")
    before_id = int(before) if before.isdigit() and len(before) < 12 else None
    rows = service.entries(
        session, action=action, actor=actor, target_id=target, before_id=before_id, limit=51
    )
    more = len(rows) > 50
    rows = rows[:50]
    query = urlencode(
        {k: v for k, v in (("action", action), ("actor", actor), ("target", target)) if v}
    )
    return render(
        request,
        "audit/log.html",
        {
            "rows": rows,
            "actions": service.actions(session),
            "action": action,
            "actor": actor,
            "target": target,
            "next_before": rows[-1].id if more and rows else None,
            "query": query,
        },
    )
