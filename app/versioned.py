"""Saves that carry the version the user saw: "change this only if nobody saved it first".

Every versioned record (an assessment section, the assessment, a care-plan part or item, a
referral, the person's sharing decisions) has a `version` column. A save sends the version the
user was shown; `save_if_unchanged` writes only if the row is still at that version, raising it,
in one statement, so two people saving at once cannot both win. The one who loses gets a
`Conflict`: what they sent, what is there now, who saved it and when, so nothing is lost.
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Generic, Optional, TypeVar, cast

from sqlalchemy import CursorResult, bindparam, inspect, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.base import instance_state
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session

from models import Agency, User

Row = TypeVar("Row")


def save_if_unchanged(session: Session, model: Any, row_id: int, seen_version: int, values: dict[str, Any], *conditions: Any) -> bool:
    """Write `values` (and the next version) to the row only if it is still at `seen_version` and meets
    `conditions`; True if it did. Nothing is written otherwise, so there is nothing to undo.

    The session's copy of the row, when it holds one at `seen_version`, then shows the row as written
    (`values` and the next version), without reading it back; a copy at another version was stale, and
    is expired, to be read afresh when next used."""
    if session.autoflush:
        session.flush()  # what the session holds reaches the database first, as an ORM update would
    statement = _update_statement(model, tuple(values))
    if conditions:
        statement = statement.where(*conditions)
    parameters = {"_row_id": row_id, "_seen_version": seen_version, **{f"_new_{name}": value for name, value in values.items()}}
    result = cast(CursorResult[Any], session.connection().execute(statement, parameters))
    if result.rowcount != 1:
        return False
    row = session.identity_map.get(identity_key(model, row_id))
    if row is not None:
        if instance_state(row).dict.get("version") == seen_version:
            for name, value in values.items():
                set_committed_value(row, name, value)
            set_committed_value(row, "version", seen_version + 1)
        else:
            session.expire(row)
    return True


@lru_cache(maxsize=256)
def _update_statement(model: Any, names: tuple[str, ...]) -> Any:
    """The UPDATE of `names` on `model`'s row at a version, built once for each model and set of
    columns (every save builds the same one): its values, the row and the version are parameters."""
    columns = inspect(model).columns
    table = columns["id"].table
    return (
        update(table)
        .where(table.c.id == bindparam("_row_id"), table.c.version == bindparam("_seen_version"))
        .values(
            {
                **{columns[name].name: bindparam(f"_new_{name}", type_=columns[name].type) for name in names},
                "version": table.c.version + 1,
            }
        )
    )


@dataclass
class Conflict:
    """Someone saved this record after the user opened it: both versions, and who saved theirs."""

    yours: dict[str, Any]
    theirs: dict[str, Any]
    writer: Optional[User]
    agency: Optional[Agency]
    at: Optional[datetime]
    version: int  # the version to save against, once the user has reconciled the two


def conflict_with(session: Session, row: Any, yours: dict[str, Any], theirs: dict[str, Any]) -> Conflict:
    """The conflict with `row` as it stands now (refreshed), stamped by its `updated_by_id` and
    `updated_agency_id` when it has them."""
    session.refresh(row)
    writer_id = getattr(row, "updated_by_id", None)
    agency_id = getattr(row, "updated_agency_id", None)
    writer = session.get(User, writer_id) if writer_id else None
    agency = session.get(Agency, agency_id) if agency_id else None
    return Conflict(yours, theirs, writer, agency, getattr(row, "updated_at", None), row.version)


@dataclass
class SaveResult(Generic[Row]):
    """What a command did: the saved row, or why not. `errors` are by field (the form shows them
    beside the fields, a 400); `conflict` is a newer version (409); `refused` is a rule of the record
    saying no, in words for the user (409); `forbidden` means the user may not do this at all (403)."""

    item: Optional[Row] = None
    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    conflict: Optional[Conflict] = None
    refused: Optional[str] = None
    forbidden: Optional[str] = None

    @property
    def ok(self) -> bool:
        return not (self.errors or self.conflict or self.refused or self.forbidden)
