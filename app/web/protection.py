"""Security headers on every response, including a Content-Security-Policy with no inline script; the
checks every request passes before its view; CSRF protection, with its signers and the session
cookie's kept (app/web/signing.py)."""

import secrets

from flask import abort, g, request
from flask_wtf.csrf import CSRFProtect

from app.web import signing

csrf = CSRFProtect()

# The NHS.UK page template runs one small script to mark the page as JavaScript-enabled;
# it carries a per-response nonce. Everything else is loaded from this site, except the NHS
# typeface, which the NHS.UK stylesheet takes from assets.nhs.uk (licensed for NHS services
# only, so not shipped here); without it pages fall back to Arial, as the stylesheet specifies.
PUBLIC_ASSETS = ("/static/", "/assets/", "/vendor/")  # the same files for everyone, nothing personal: cacheable
POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' https://assets.nhs.uk; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def init_app(app) -> None:
    signing.init_app(app)
    csrf.init_app(app)
    app.add_template_global(csp_nonce, "csp_nonce")

    @app.before_request
    def addresses_and_input_oneplan_can_take():
        """One hook for the checks every request passes before its view (one call rather than one each):

        - Record ids are 32-bit: a larger number in an address names nothing (and would overflow the
          database driver rather than miss).
        - A NUL character cannot be stored (PostgreSQL refuses it in text) and no person types one."""
        for value in (request.view_args or {}).values():
            if isinstance(value, int) and not 0 <= value < 2**31:
                abort(404, "There is nothing at this address.")
        sources = [request.args] + ([request.form] if request.method == "POST" else [])
        if any("\x00" in value for source in sources for _, values in source.lists() for value in values):
            abort(400, "What you entered contains a character OnePlan cannot store. Remove it and try again.")

    @app.after_request
    def security_headers(response):
        response.headers["Content-Security-Policy"] = POLICY.format(nonce=csp_nonce())
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if not request.path.startswith(PUBLIC_ASSETS):
            # Pages, htmx blocks, FHIR JSON, errors, redirects: any may show personal data, so none is
            # kept in a shared cache or the back-forward cache. Only the design system's files are.
            response.headers["Cache-Control"] = "no-store"
        return response
