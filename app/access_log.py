"""Who has looked at my record: every view and change of a person's record, for their key
worker and network lead (access.access_log_rule)."""
from flask import Blueprint, g, request

from app import access, audit_log
from app.db import get_session
from app.rendering import render
from models import Role

bp = Blueprint("access_log", __name__)


@bp.app_template_filter("action_label")
def action_label(action: str) -> str:
    return audit_log.action_label(action)


@bp.app_template_filter("role_label")
def role_label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:
        return role


def page_arg() -> int:
    """The page asked for; anything that is not a small whole number means the first."""
    raw = request.args.get("page", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 1


@bp.get("/people/<int:person_id>/access-log")
def show(person_id: int):
    person = access.person_for(g.user, person_id, "view_access_log", rule=access.access_log_rule)
    log = audit_log.for_person(get_session(), person.id, page_arg())
    return render("access_log/show.html", "log", person=person, log=log)
