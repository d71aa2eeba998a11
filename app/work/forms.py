"""Reading My work's query strings and forms."""

from collections.abc import Mapping
from typing import Any, Optional

from app.web import fields
from app.work.workload import STATUS_FILTERS, WorklistFilters


def worklist_filters(args: Mapping[str, Any]) -> WorklistFilters:
    """Filters from the query string; anything unknown falls back to the default."""
    status = args.get("status", "open")
    return WorklistFilters(status if status in STATUS_FILTERS else "open", args.get("mine") == "yes", fields.page_number(args))


def notification_id(form: Mapping[str, Any]) -> Optional[int]:
    """The one inbox item to mark as read, or None for all of them."""
    return fields.record_id(form.get("notification_id"))
