"""Finding people: one search box that understands NHS numbers, dates of birth, postcodes and names."""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from app.front_door import nhs_number
from models import Person

QUERY_MAX = 100
RESULT_LIMIT = 50

_POSTCODE_FULL = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b", re.IGNORECASE)
_POSTCODE_OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$", re.IGNORECASE)
_DATE_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NAME = re.compile(r"^[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)*$", re.UNICODE)


def name_key(text: str) -> str:
    """A name as it is indexed: lower case, accents and punctuation gone (O'Brien -> obrien)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed.lower() if "a" <= c <= "z")


def postcode_key(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", (text or "").upper())


def format_postcode(text: str) -> str:
    key = postcode_key(text)
    return f"{key[:-3]} {key[-3:]}" if len(key) > 3 else key


def _prefix_upper_bound(prefix: str) -> Optional[str]:
    """The first string after every string that starts with `prefix` (letters only)."""
    while prefix and prefix[-1] == "z":
        prefix = prefix[:-1]
    if not prefix:
        return None
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


@dataclass
class PersonQuery:
    text: str = ""
    nhs_number: Optional[str] = None
    date_of_birth: Optional[date] = None
    postcode: Optional[str] = None  # full postcode key
    postcode_outward: Optional[str] = None
    names: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.nhs_number or self.date_of_birth or self.postcode or self.postcode_outward or self.names)


def parse(text: str) -> PersonQuery:
    """Read a search box: an NHS number (with or without spaces), a date of birth
    (31/12/1940 or 1940-12-31), a postcode or its first half, and parts of names, in any mix."""
    text = (text or "").strip()
    query = PersonQuery(text=text)
    if len(text) > QUERY_MAX:
        query.problems.append(f"Search must be {QUERY_MAX} characters or fewer")
        return query
    if not text:
        return query
    if nhs_number.looks_like(text):
        try:
            query.nhs_number = nhs_number.normalise(text)
        except nhs_number.InvalidNHSNumber as problem:
            query.problems.append(f"{problem}: {text}")
        return query

    rest = text
    postcode_match = _POSTCODE_FULL.search(rest)
    if postcode_match:
        query.postcode = postcode_key(postcode_match.group(0))
        rest = rest[: postcode_match.start()] + " " + rest[postcode_match.end() :]

    for token in re.split(r"[\s,]+", rest):
        if not token:
            continue
        if _DATE_DMY.match(token) or _DATE_ISO.match(token):
            parsed = _parse_date(token)
            if parsed is None:
                query.problems.append(f"{token} is not a real date. Enter a date of birth like 31/12/1940")
            else:
                query.date_of_birth = parsed
        elif _POSTCODE_OUTWARD.match(token) and any(c.isdigit() for c in token):
            query.postcode_outward = token.upper()
        elif _NAME.match(token) and name_key(token):
            query.names.append(name_key(token))
        else:
            query.problems.append(f"'{token[:40]}' is not a name, date of birth, postcode or NHS number")
    return query


def _parse_date(token: str) -> Optional[date]:
    iso = _DATE_ISO.match(token)
    try:
        if iso:
            year, month, day = (int(x) for x in iso.groups())
        else:
            dmy = _DATE_DMY.match(token)
            assert dmy is not None  # parse() passes only tokens that match one of the two
            day, month, year = (int(x) for x in dmy.groups())
        return date(year, month, day)
    except ValueError:
        return None


def search_people(session: Session, query: PersonQuery, limit: int = RESULT_LIMIT) -> tuple[list[Person], bool]:
    """People matching every part of the query, by name; returns (people, whether there are more)."""
    if query.is_empty or query.problems:
        return [], False
    conditions: list[ColumnElement[bool]] = []
    if query.nhs_number:
        conditions.append(col(Person.nhs_number) == query.nhs_number)
    if query.date_of_birth:
        conditions.append(col(Person.date_of_birth) == query.date_of_birth)
    if query.postcode:
        conditions.append(col(Person.postcode_key) == query.postcode)
    if query.postcode_outward:
        outward = query.postcode_outward
        conditions.append(and_(col(Person.postcode_key).like(f"{outward}%"), func.length(Person.postcode_key) == len(outward) + 3))
    for term in query.names:
        conditions.append(or_(_prefix(Person.family_name_key, term), _prefix(Person.given_name_key, term)))
    statement = (
        select(Person)
        .where(and_(*conditions))
        .order_by(col(Person.family_name_key), col(Person.given_name_key), col(Person.date_of_birth), col(Person.id))
        .limit(limit + 1)
    )
    people = list(session.exec(statement))
    return people[:limit], len(people) > limit


def _prefix(column, term: str):
    upper = _prefix_upper_bound(term)
    if upper is None:
        return column >= term
    return and_(column >= term, column < upper)
