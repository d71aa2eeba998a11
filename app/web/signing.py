"""The signers behind the session cookie and the CSRF token, built once for each secret key rather
than on every request.

Flask builds the session cookie's serializer twice a request (to read the cookie, then to write
it) and Flask-WTF the CSRF token's once or twice more; each signature then built its signer again
and derived its key again from the secret. A signer and its derived keys depend only on the secret
keys, salt and algorithm, so they are kept, and the cookies and tokens they sign are the same
bytes as before: a cookie or token signed before still reads.
"""

from functools import lru_cache
from typing import Any, Optional

import flask_wtf.csrf
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import Signer, TimestampSigner, URLSafeTimedSerializer

# A few secrets at most (one, plus any SECRET_KEY_FALLBACKS while a key is rotated; tests that set
# their own): bounded, so a changed secret does not keep its signers for ever.
_KEPT = 16


class KeptKeySigner(TimestampSigner):
    """A timestamp signer that derives each of its keys once: the derivation is a hash of the secret
    and the salt, the same every time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._derived: dict[Optional[str | bytes], bytes] = {}

    def derive_key(self, secret_key: Optional[str | bytes] = None) -> bytes:
        key = self._derived.get(secret_key)
        if key is None:
            key = self._derived[secret_key] = super().derive_key(secret_key)
        return key


class KeptSerializer(URLSafeTimedSerializer):
    """A URL-safe timed serializer that keeps the signer of each salt it signs with."""

    default_signer = KeptKeySigner

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signers: dict[Optional[str | bytes], Signer] = {}

    def make_signer(self, salt: Optional[str | bytes] = None) -> Signer:
        signer = self._signers.get(salt)
        if signer is None:
            signer = self._signers[salt] = super().make_signer(salt)
        return signer


@lru_cache(maxsize=_KEPT)
def _serializer(
    keys: tuple[str | bytes, ...], salt: str, serializer: Any = None, key_derivation: Any = None, digest_method: Any = None
) -> KeptSerializer:
    if serializer is None:
        return KeptSerializer(list(keys), salt=salt)
    return KeptSerializer(
        list(keys), salt=salt, serializer=serializer, signer_kwargs={"key_derivation": key_derivation, "digest_method": digest_method}
    )


def csrf_serializer(secret_key: str | bytes, salt: str) -> KeptSerializer:
    """Flask-WTF's `URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token")`, kept."""
    return _serializer((secret_key,), salt)


class KeptSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the serializer kept for the app's secret keys."""

    def get_signing_serializer(self, app: Flask) -> Optional[URLSafeTimedSerializer]:
        if not app.secret_key:
            return None
        # The current key last, as Flask gives them (itsdangerous signs with the last).
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        return _serializer(keys, self.salt, self.serializer, self.key_derivation, self.digest_method)


def init_app(app: Flask) -> None:
    app.session_interface = KeptSessionInterface()
    # Flask-WTF builds its serializer by this module-level name in generate_csrf and validate_csrf
    # (the token in every form and page, the check of every POST): point it at the kept one.
    flask_wtf.csrf.URLSafeTimedSerializer = csrf_serializer
