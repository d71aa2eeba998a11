"""The session cookie's and the CSRF token's signers are built once per secret key (app/web/signing.py),
and sign exactly as Flask's and Flask-WTF's own: what either signed, the other reads."""

from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf, validate_csrf
from itsdangerous import URLSafeTimedSerializer

from app.web import signing


def test_the_session_serializer_is_built_once_for_the_apps_secret(app):
    interface = app.session_interface
    assert isinstance(interface, signing.KeptSessionInterface)
    assert interface.get_signing_serializer(app) is interface.get_signing_serializer(app)


def test_the_session_cookie_is_signed_as_flasks_own_and_reads_either_way(app):
    kept = app.session_interface.get_signing_serializer(app)
    flasks = SecureCookieSessionInterface().get_signing_serializer(app)
    value = {"user_id": 7, "csrf_token": "abc"}
    assert kept.loads(flasks.dumps(value)) == value == flasks.loads(kept.dumps(value))


def test_a_new_secret_gets_new_signers_and_the_old_secret_still_reads_while_it_is_a_fallback(app):
    old = app.session_interface.get_signing_serializer(app)
    cookie = old.dumps({"user_id": 7})
    app.config["SECRET_KEY"], app.config["SECRET_KEY_FALLBACKS"] = "a-new-secret", [app.config["SECRET_KEY"]]
    rotated = app.session_interface.get_signing_serializer(app)
    assert rotated is not old and rotated.loads(cookie) == {"user_id": 7}
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert app.session_interface.get_signing_serializer(app).loads_unsafe(cookie)[0] is False


def test_the_csrf_token_is_signed_as_flask_wtfs_own_and_reads_either_way(app):
    with app.test_request_context("/"):
        token = generate_csrf()
        validate_csrf(token)  # raises if refused
        fresh = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
        from flask import session

        assert fresh.loads(token) == session["csrf_token"]
        validate_csrf(fresh.dumps(session["csrf_token"]))
    assert signing.csrf_serializer(app.secret_key, "wtf-csrf-token") is signing.csrf_serializer(app.secret_key, "wtf-csrf-token")
