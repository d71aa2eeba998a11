"""Settings from environment variables, with safe defaults for a developer's machine."""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The data files clinicians change (questions, rules, clocks, bank holidays), each checked on load.
DATA = ROOT / "app" / "data"


class ConfigError(RuntimeError):
    pass


def _secret_key(instance_path: Path, production: bool) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set when ONEPLAN_ENV=production; refusing to start.")
    # A developer's machine keeps one random key in the instance folder so sessions
    # survive a restart without anyone committing a secret.
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def from_environment(instance_path: Path) -> dict:
    production = os.environ.get("ONEPLAN_ENV", "development") == "production"
    default_db = f"sqlite:///{instance_path / 'oneplan.db'}"
    return {
        "ONEPLAN_ENV": "production" if production else "development",
        "SECRET_KEY": _secret_key(instance_path, production),
        "DATABASE_URL": normalise_database_url(os.environ.get("DATABASE_URL", default_db)),
        "SQLITE_BUSY_TIMEOUT_MS": int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "5000")),
        "IDLE_TIMEOUT_MINUTES": int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30")),
        "SIGN_IN_LOCKOUT_FAILURES": int(os.environ.get("SIGN_IN_LOCKOUT_FAILURES", "10")),
        # Per client address, shared by every worker (app/trust/throttle.py): Redis if REDIS_URL
        # is set, otherwise the database. Raise them if many staff reach OnePlan from one address.
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "SIGN_IN_RATE_LIMIT": os.environ.get("SIGN_IN_RATE_LIMIT", "30 per minute"),
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "600 per minute"),
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "oneplan"),
        # However busy, a session ends this long after sign-in (ASVS 5.0 7.3.2): a new sign-in starts a new one.
        "SESSION_ABSOLUTE_HOURS": int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12")),
        # The demo configuration (`make run` sets ONEPLAN_DEMO=1): accounts without a second factor are
        # not made to set one up. An account that has one still gives it. Refused in production.
        "SECOND_FACTOR_DEMO_SKIP": os.environ.get("ONEPLAN_DEMO", "") == "1",
        "BREAK_GLASS_MINUTES": int(os.environ.get("BREAK_GLASS_MINUTES", "60")),
        # Where callers reach the FHIR API: its Location headers and CapabilityStatement say this,
        # never what a request's Host header claims. Empty: built from SERVER_NAME (app/api/views.py).
        "FHIR_BASE_URL": os.environ.get("FHIR_BASE_URL", ""),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        # __Host-: the browser keeps it only if it came over HTTPS, for the whole site and no other
        # host (no Domain), so a sibling subdomain cannot plant or overwrite it. Over plain http, on
        # a developer's machine, a browser would drop such a cookie, so only production uses the prefix.
        "SESSION_COOKIE_NAME": "__Host-oneplan" if production else "session",
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "NODE_MODULES": os.environ.get("ONEPLAN_NODE_MODULES", str(ROOT / "node_modules")),
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": production,
        # argon2id with the library's defaults; tests lower the cost to stay quick.
        "PASSWORD_HASH_COST": {},
    }


def normalise_database_url(url: str) -> str:
    """Accept the common spellings of a PostgreSQL URL and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url
