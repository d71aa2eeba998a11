"""Front-end packages served straight from node_modules (installed from package-lock.json)."""

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("assets", __name__)

# Only these package folders are served; nothing else under node_modules.
VENDOR_PACKAGES = {
    "nhsuk": Path("nhsuk-frontend") / "dist" / "nhsuk",
    "htmx": Path("htmx.org") / "dist",
}


def _node_modules() -> Path:
    return Path(current_app.config["NODE_MODULES"])


@bp.route("/assets/<path:filename>")
def nhsuk(filename: str):
    """The NHS.UK frontend's images, icons and manifest, where its page template expects them."""
    return send_from_directory(_node_modules() / VENDOR_PACKAGES["nhsuk"] / "assets", filename, max_age=3600)


@bp.route("/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str):
    if package not in VENDOR_PACKAGES:
        abort(404)
    return send_from_directory(_node_modules() / VENDOR_PACKAGES[package], filename, max_age=3600)
