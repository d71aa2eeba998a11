"""Administration: agencies, networks and user accounts (administrators only)."""
from flask import Blueprint, g

from app import access

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def administrators_only():
    access.require(g.user, "manage_directory")


@bp.get("")
def index():
    from app.rendering import render

    return render("admin/index.html")
