"""A worklist's items, each as work/_work_item.html renders it, made from that template's output once
per shape of item rather than rendered item by item.

An item's markup depends on its words and ids only through where they go: which parts show (a need, a
named practitioner, how often, a due date, a reason) and which moves it has (its status) decide its
shape. The first time a shape is asked for, the template renders an item of that shape whose words and
ids are stand-ins, and the output is kept as its text around them; every later item of the shape is
that text with its own words put in, escaped as the template escapes them. The page's markup still
exists once, in the template (and its NHS.UK macros); tests/work/test_worklist_markup.py checks the two
agree byte for byte for every shape.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Optional, Union

from flask import current_app, render_template, request
from markupsafe import Markup, escape

from app.web.filters import long_date
from app.work.workload import ActionRow, NeedRow, UserName, WorkItem
from models import ActionStatus

TEMPLATE = "work/_work_item.html"
REASON_SHOWN = frozenset({ActionStatus.declined, ActionStatus.cancelled})  # as the template says
SHORT = 60  # the moves' short name for the action: `action.description | truncate(60)` in action_moves

# Stand-ins: words and numbers no item's markup holds otherwise. A description longer than the short
# name's limit, so that its short name is a stand-in of its own.
_ID, _PERSON_ID, _VERSION = 876_543_210_017, 876_543_210_029, 876_543_210_031
_DESCRIPTION = "\x02description\x03 " + "x" * 80
_DUE_ON = date(1111, 11, 11)


@dataclass(frozen=True)
class _Person:
    """The stand-in person: what the template reads of one."""

    id: int
    given_name: str
    family_name: str
    nhs_number_in_sentence: str


# What each field of an item is as the template shows it: its stand-in in the output, and how an item's
# value is written there.
_FIELDS: dict[str, tuple[str, Callable[[WorkItem, Any], str]]] = {
    "id": (str(_ID), lambda item, env: str(item.action.id)),
    "person_id": (str(_PERSON_ID), lambda item, env: str(item.person.id)),
    "version": (str(_VERSION), lambda item, env: str(item.action.version)),
    "description": (_DESCRIPTION, lambda item, env: escape(item.action.description)),
    "short": (
        "\x02description\x03...",
        lambda item, env: escape(env.call_filter("truncate", item.action.description, [SHORT])),
    ),
    "family_name": ("\x02FAMILY\x03", lambda item, env: escape(item.person.family_name.upper())),
    "given_name": ("\x02given\x03", lambda item, env: escape(item.person.given_name)),
    "nhs_number": ("\x02nhs\x03", lambda item, env: escape(item.person.nhs_number_in_sentence)),
    "need": ("\x02need\x03", lambda item, env: escape(item.need.need if item.need else "")),
    "owner_user": ("\x02named\x03", lambda item, env: escape(item.owner_user.full_name if item.owner_user else "")),
    "frequency": ("\x02frequency\x03", lambda item, env: escape(item.action.frequency or "")),
    "due_on": (long_date(_DUE_ON), lambda item, env: escape(long_date(item.action.due_on))),
    "reason": ("\x02reason\x03", lambda item, env: escape(item.action.status_reason or "")),
}
# The longest first: a stand-in that begins another (the description's short name) is tried after it.
_STAND_INS = re.compile("|".join(re.escape(stand_in) for stand_in, _ in sorted(_FIELDS.values(), key=lambda f: -len(f[0]))))
_FIELD_OF = {stand_in: name for name, (stand_in, _) in _FIELDS.items()}
_TOKEN = "csrf_token"  # the form's token: each page's own, put in as the header's is

Shape = tuple[ActionStatus, bool, bool, bool, bool, bool, bool]
Parts = list[Union[str, tuple[str]]]  # text, and (field name,) where an item's value goes


def shape(item: WorkItem) -> Shape:
    """What decides an item's markup besides its words and ids (each `if` of the template)."""
    action = item.action
    return (
        action.status,
        item.overdue,
        item.need is not None,
        item.owner_user is not None,
        bool(action.frequency),
        action.due_on is not None,
        bool(action.status_reason) and action.status in REASON_SHOWN,
    )


def rows(items: list[WorkItem]) -> Optional[list[Markup]]:
    """Each item's markup, as the template renders it alone; None when rendering is not kept (the
    FAST_RENDERING setting off), for the page to include the template item by item."""
    if not current_app.config.get("FAST_RENDERING", True):
        return None
    env = current_app.jinja_env
    token = _csrf_token()
    kept: dict = current_app.extensions.setdefault("oneplan_worklist_shapes", {})
    out = []
    for item in items:
        key = (shape(item), request.script_root)
        made = kept.get(key)
        if made is None:
            made = kept[key] = _made(_parts(item))
        text, fields = made
        out.append(Markup(text.format_map({field: _value(field, item, env, token) for field in fields})))
    return out


def _made(parts: Parts) -> tuple[str, tuple[str, ...]]:
    """A shape's parts as one format string (its text, braces doubled, with "{field}" where each
    value goes) and the fields it names, each worked out once an item however often it shows."""
    text = "".join(part.replace("{", "{{").replace("}", "}}") if type(part) is str else "{" + part[0] + "}" for part in parts)
    return text, tuple(dict.fromkeys(part[0] for part in parts if type(part) is not str))


def _csrf_token() -> str:
    """The request's CSRF token, as the moves' forms write it (the template global they call)."""
    make_token: Callable[[], str] = current_app.jinja_env.globals["csrf_token"]  # type: ignore[assignment]
    return str(escape(make_token()))


def _value(field: str, item: WorkItem, env: Any, token: str) -> str:
    return token if field == _TOKEN else str(_FIELDS[field][1](item, env))


def _parts(item: WorkItem) -> Parts:
    """The template's output for an item of this item's shape, as its text around its fields."""
    stand_in = _stand_in(item)
    rendered = render_template(TEMPLATE, item=stand_in)
    token = _csrf_token()
    parts: Parts = []
    for n, text in enumerate(rendered.split(token) if token else [rendered]):
        if n:
            parts.append((_TOKEN,))
        at = 0
        for found in _STAND_INS.finditer(text):
            parts.extend([text[at : found.start()], (_FIELD_OF[found.group()],)])
            at = found.end()
        parts.append(text[at:])
    parts = [part for part in parts if part != ""]
    if "".join(part if type(part) is str else _stand_in_text(part[0], token) for part in parts) != rendered:
        raise AssertionError(f"the stand-ins of {TEMPLATE} cannot be told apart in its output")
    return parts


def _stand_in_text(field: str, token: str) -> str:
    return token if field == _TOKEN else _FIELDS[field][0]


def _stand_in(item: WorkItem) -> WorkItem:
    """An item of the same shape whose words and ids are the stand-ins."""
    status, overdue, need, named, frequency, due, reason = shape(item)
    action = ActionRow(
        _ID,
        _PERSON_ID,
        _VERSION,
        _DESCRIPTION,
        status,
        _FIELDS["frequency"][0] if frequency else None,
        _DUE_ON if due else None,
        _FIELDS["reason"][0] if reason else None,
    )
    person: Any = _Person(_PERSON_ID, _FIELDS["given_name"][0], _FIELDS["family_name"][0], _FIELDS["nhs_number"][0])
    return WorkItem(
        action,
        person,
        NeedRow(0, _FIELDS["need"][0]) if need else None,
        UserName(0, _FIELDS["owner_user"][0]) if named else None,
        overdue,
    )
