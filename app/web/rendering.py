"""One template per page; htmx requests get one block of it, so the markup exists once."""
from flask import render_template, request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def render(template: str, fragment: str | None = None, **context) -> str:
    """The full page, or only `fragment` (a block of the same template) for an htmx request."""
    if fragment and is_htmx():
        return render_block(template, fragment, **context)
    return render_template(template, **context)
