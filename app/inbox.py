"""My inbox: notifications for me and for my agency."""
from datetime import date

from flask import Blueprint, g, redirect, request, url_for

from app import access, audit, notifications, workload
from app.db import get_session
from app.rendering import render

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@bp.get("")
def index():
    access.require(g.user, "read_inbox")
    session = get_session()
    workload.remind_reviews(session, g.user, date.today())
    items = notifications.inbox(session, g.user)
    audit.record(session, "view_inbox", user=g.user, detail=f"{len(items)} items")
    session.commit()
    return render("inbox/index.html", "items", items=items)


@bp.post("/read")
def mark_read():
    """Mark one item (`notification_id`) or all of mine as read."""
    access.require(g.user, "read_inbox")
    session = get_session()
    raw = request.form.get("notification_id", "")
    changed = notifications.mark_read(session, g.user, int(raw) if raw.isdigit() and len(raw) < 10 else None)
    session.commit()
    if request.headers.get("HX-Request") == "true":
        return index()
    return redirect(url_for("inbox.index", marked=changed))
