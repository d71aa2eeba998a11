"""The trust pages' forms, read into commands: sign-in, break-glass and its review, and the
person's sharing decisions. Reading turns text into values (ids, yes or no, the version seen);
the rules (required, lengths, which agencies) are the commands' own, checked in the domain."""

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from typing import Any, Optional

from werkzeug.datastructures import MultiDict

from app.trust.break_glass import BreakGlass, ReviewBreakGlass
from app.trust.consent import RecordSharing, SharingView
from app.trust.passwords import ChangePassword
from app.trust.second_factor import Code
from app.web import fields

SHARES = {"yes": True, "no": False}
# Where a command's field and the form's field are called differently.
SHARING_FIELD_IDS = {"keep_objection_ids": "keep_objection", "object_to_agency_id": "object_to"}


def typed(form: Mapping[str, Any], name: str) -> Optional[str]:
    """What was typed in a text field, without surrounding spaces; None if nothing was."""
    return str(form.get(name) or "").strip() or None


def errors_for(
    command: Any, parse_errors: Mapping[str, str], command_errors: Mapping[str, str], field_ids: Optional[Mapping[str, str]] = None
) -> dict[str, str]:
    """One set of messages for the page: what could not be read (which wins, being the first thing
    wrong) and what the command's rules refused, in the order of the command's fields (which is the
    form's), each under the id of its field on the form."""
    merged = {**command_errors, **parse_errors}
    order = [f.name for f in dataclass_fields(command)]
    ordered = {name: merged[name] for name in order if name in merged}
    ordered.update({name: message for name, message in merged.items() if name not in ordered})
    return fields.on_form(ordered, field_ids or {})


# --- signing in ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


def sign_in(form: Mapping[str, Any]) -> tuple[Credentials, dict[str, str]]:
    """A username and a password, both needed before anything is checked."""
    errors: dict[str, str] = {}
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    if not username.strip():
        errors["username"] = "Enter your username"
    if not password:
        errors["password"] = "Enter your password"
    return Credentials(username, password), errors


# --- break-glass ---------------------------------------------------------------------------


def break_glass(form: Mapping[str, Any]) -> tuple[BreakGlass, dict[str, str]]:
    return BreakGlass(reason_code=str(form.get("reason_code") or ""), reason_text=typed(form, "reason_text")), {}


def review_break_glass(form: Mapping[str, Any], grant_id: int) -> tuple[ReviewBreakGlass, dict[str, str]]:
    appropriate = {"yes": True, "no": False}.get(str(form.get("appropriate") or ""))
    return ReviewBreakGlass(grant_id=grant_id, appropriate=appropriate, note=typed(form, "review_note")), {}


def review_field_ids(grant_id: int) -> dict[str, str]:
    """Each grant on the review page has its own choice and note box."""
    return {"appropriate": f"appropriate-{grant_id}", "note": f"review_note-{grant_id}"}


# --- the person's sharing decisions --------------------------------------------------------


def record_sharing(form: MultiDict) -> tuple[RecordSharing, dict[str, str]]:
    """The decisions as ticked and typed; a ticked objection or a chosen agency that is not a record's
    id cannot have come from the page's lists. A 400 if the version seen is missing."""
    errors: dict[str, str] = {}
    ticked = form.getlist("keep_objection")
    keep = fields.record_ids(ticked)
    if any(fields.record_id(value) is None for value in ticked):
        errors["keep_objection_ids"] = "Select objections from the list"
    raw_agency = typed(form, "object_to")
    agency_id = fields.record_id(raw_agency)
    if raw_agency is not None and agency_id is None:
        errors["object_to_agency_id"] = "Select an agency from the list"
    command = RecordSharing(
        shares_with_care_team=SHARES.get(str(form.get("shares_with_care_team") or "")),
        keep_objection_ids=frozenset(keep),
        object_to_agency_id=agency_id,
        carer_name=typed(form, "carer_name"),
        carer_relationship=typed(form, "carer_relationship"),
        carer_contact=typed(form, "carer_contact"),
        seen_version=fields.seen_version(form),
    )
    return command, errors


def sharing_values(current: SharingView) -> MultiDict:
    """The edit form filled in with the decisions as recorded (every standing objection ticked)."""
    recorded = current.consent
    shares = {None: "", True: "yes", False: "no"}[current.shares_with_care_team]
    values = MultiDict(
        {
            "shares_with_care_team": shares,
            "carer_name": (recorded.carer_name if recorded else "") or "",
            "carer_relationship": (recorded.carer_relationship if recorded else "") or "",
            "carer_contact": (recorded.carer_contact if recorded else "") or "",
        }
    )
    for item in current.objections:
        values.add("keep_objection", str(item.objection.id))
    return values


# --- a person's own account ----------------------------------------------------------------


def change_password(form: Mapping[str, Any]) -> tuple[ChangePassword, dict[str, str]]:
    """Passwords are read exactly as typed: a space is part of a password (the rule refuses one at either end)."""
    return ChangePassword(
        current_password=str(form.get("current_password") or ""),
        new_password=str(form.get("new_password") or ""),
        confirm_password=str(form.get("confirm_password") or ""),
    ), {}


def second_factor_code(form: Mapping[str, Any]) -> Code:
    """An authenticator code or a recovery code, as typed (the rules allow spaces inside it)."""
    return Code(code=str(form.get("code") or "")[:100])
