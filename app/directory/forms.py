"""The administrators' forms and filters, read into commands and filters: a new network, agency or
account, the lists' filters and the audit trail's. What cannot be read (an id that names nothing,
a date that is not real) is an error here; the rules of each record are the commands' own."""

from collections.abc import Mapping
from typing import Any, Optional, TypeVar

from app.directory.organisations import NewAgency, NewNetwork
from app.trust import audit_log
from app.trust.accounts import NewUser
from app.trust.forms import typed
from app.web import fields
from models import AgencyKind, AuditOutcome, Profession, Role

Choice = TypeVar("Choice", AgencyKind, Role, Profession)


def chosen(args: Mapping[str, Any], name: str, enum_cls: type[Choice]) -> Optional[Choice]:
    """One of an enum's values as chosen; anything else (or nothing) is no choice."""
    try:
        return enum_cls(args.get(name) or "")
    except ValueError:
        return None


def _chosen_id(form: Mapping[str, Any], name: str, message: str, errors: dict[str, str]) -> Optional[int]:
    """A record chosen from a list, by its id; something that is not an id cannot have come from the list."""
    raw = typed(form, name)
    row_id = fields.record_id(raw)
    if raw is not None and row_id is None:
        errors[name] = message
    return row_id


def new_network(form: Mapping[str, Any]) -> tuple[NewNetwork, dict[str, str]]:
    return NewNetwork(name=typed(form, "name"), hub_name=typed(form, "hub_name")), {}


def new_agency(form: Mapping[str, Any]) -> tuple[NewAgency, dict[str, str]]:
    errors: dict[str, str] = {}
    network_id = _chosen_id(form, "network_id", "Select a network", errors)
    ods_code = typed(form, "ods_code")
    return NewAgency(
        name=typed(form, "name"),
        kind=chosen(form, "kind", AgencyKind),
        network_id=network_id,
        phone=typed(form, "phone"),
        ods_code=ods_code.replace(" ", "").upper() if ods_code else None,
    ), errors


def new_user(form: Mapping[str, Any]) -> tuple[NewUser, dict[str, str]]:
    errors: dict[str, str] = {}
    agency_id = _chosen_id(form, "agency_id", "Select an agency", errors)
    network_id = _chosen_id(form, "network_id", "Select a network", errors)
    command = NewUser(
        username=str(form.get("username") or ""),
        full_name=str(form.get("full_name") or ""),
        agency_id=agency_id,
        role=chosen(form, "role", Role),
        profession=chosen(form, "profession", Profession),
        network_id=network_id,
        password=str(form.get("password") or ""),
    )
    return command, errors


def user_filters(args: Mapping[str, Any]) -> tuple[Optional[int], Optional[Role]]:
    """The staff list's agency and role; anything unknown means no filter."""
    return fields.record_id(args.get("agency")), chosen(args, "role", Role)


def audit_filters(args: Mapping[str, Any]) -> tuple[audit_log.Filters, dict[str, str]]:
    """The audit trail's filter form; anything unusable is an error by its field and filters nothing."""
    errors: dict[str, str] = {}
    username = fields.text(args, "username", "a username", errors, max_length=64) or ""
    action = args.get("action", "")
    if action and action not in audit_log.ACTIONS:
        errors["action"] = "Select an action from the list"
        action = ""
    outcome = fields.choice(args, "outcome", AuditOutcome, "Select allowed or refused", errors, required=False)
    date_from = fields.date_parts(args, "from", "the first date", errors, past=True)
    date_to = fields.date_parts(args, "to", "the last date", errors)
    if date_from and date_to and date_to < date_from and "to-day" not in errors:
        errors["to-day"] = "The last date must be the same as or after the first date"
    if errors:
        date_from = date_from if "from-day" not in errors else None
        date_to = date_to if "to-day" not in errors else None
    return audit_log.Filters(username.lower(), action, outcome, date_from, date_to), errors
