from datetime import UTC, datetime


def utc_now() -> datetime:
    """Every stored time is timezone-aware UTC."""
    return datetime.now(UTC)
