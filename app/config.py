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
        "SIGN_IN_MAX_FAILURES": int(os.environ.get("SIGN_IN_MAX_FAILURES", "5")),
        "SIGN_IN_LOCK_SECONDS": int(os.environ.get("SIGN_IN_LOCK_SECONDS", "60")),
        "SIGN_IN_LOCKOUT_FAILURES": int(os.environ.get("SIGN_IN_LOCKOUT_FAILURES", "10")),
        "BREAK_GLASS_MINUTES": int(os.environ.get("BREAK_GLASS_MINUTES", "60")),
        # Where callers reach the FHIR API: its Location headers and CapabilityStatement say this,
        # never what a request's Host header claims. Empty: built from SERVER_NAME (app/api/views.py).
        "FHIR_BASE_URL": os.environ.get("FHIR_BASE_URL", ""),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
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
