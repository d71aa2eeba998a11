from datetime import datetime, timezone


def utc_now() -> datetime:
    """Every stored time is timezone-aware UTC."""
    return datetime.now(timezone.utc)
