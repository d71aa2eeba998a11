"""Finding people: one search box that understands NHS numbers, dates of birth, postcodes and names.

Names are found by their start (exact matches first), then, while there is room under the limit,
by likeness, so a typo still finds the person ("Jonh Smith", "Smyth"): trigram similarity, as
PostgreSQL's pg_trgm measures it (each name key padded with two spaces before and one after, cut
into three-letter pieces; shared pieces over all pieces). On PostgreSQL pg_trgm's GIN indexes find
the close names (migration 0011_name_search) among the pairs of names people hold
(`person_name_pair`, 0012_daily_figures); on SQLite the same similarity, computed by a function the
engine registers (app/db.py), ranks them.

SQLite looks for close names among the distinct name keys (`person_name_key`, each with how many
people hold it, and its FTS5 trigram table; migration 0020_n_name_keys), never among the people:
`_NameKeys` finds each typed name's keys (by their start, or alike by trigram), then the people
holding them by the name indexes, pair of names by pair of names as PostgreSQL does, so a search
reads what one page needs whatever the number of people. (0011's FTS5 table of every person's
names, `person_name_trigram`, went in 0023_drop_person_trigram.)"""

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Optional

from sqlalchemy import Column, ColumnElement, Integer, MetaData, String, Table, and_, bindparam, case, column, func, or_, text, true
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.db import SIMILARITY_THRESHOLD, similarity, trigrams
from app.front_door import nhs_number
from app.trust import access
from models import Person, User

QUERY_MAX = 100
RESULT_LIMIT = 50
# Shorter typed names are matched by their start only: two letters say too little to be alike.
FUZZY_MIN_LENGTH = 3
# What the database holds for typo-tolerant search beyond what the models describe (migration
# 0011_name_search; its person_name_trigram objects until 0023_drop_person_trigram): the schema
# comparison leaves these out.
NAME_SEARCH_OBJECTS = frozenset(
    {
        "ix_person_given_name_key_trgm",
        "ix_person_family_name_key_trgm",
        "person_name_trigram",
        "person_name_trigram_data",
        "person_name_trigram_idx",
        "person_name_trigram_docsize",
        "person_name_trigram_config",
        "person_name_trigram_content",
        # PostgreSQL: each pair of name keys held, with how many people hold it (migration 0012).
        "person_name_pair",
        "ix_person_name_pair_given",
        "ix_person_name_pair_given_trgm",
        "ix_person_name_pair_family_trgm",
        "ix_person_names_born",
        # SQLite: the names in order, family name first (migration 0013_growth; given first is the above).
        "ix_person_family_names_born",
        # SQLite: the distinct name keys and their trigrams (migration 0020_n_name_keys).
        "person_name_key",
        "person_name_key_trigram",
        "person_name_key_trigram_data",
        "person_name_key_trigram_idx",
        "person_name_key_trigram_docsize",
        "person_name_key_trigram_config",
        "ix_person_names_postcode",
    }
)
# PostgreSQL's table of the pairs of name keys people hold (given, family; kept by a trigger on
# `person`): names are matched and ranked pair by pair, and only the people of the pairs that make
# the page are read, by ix_person_names_born (given, family, date of birth, id), already in order.
NAME_PAIRS = Table(
    "person_name_pair",
    MetaData(),
    Column("given_name_key", String(80), primary_key=True),
    Column("family_name_key", String(80), primary_key=True),
    Column("people", Integer, nullable=False),
)

# SQLite's table of the distinct name keys people hold (kept by triggers on `person`, migration
# 0020_n_name_keys): how many hold each as a given name and as a family name. Its trigram table,
# `person_name_key_trigram`, has the key's id as rowid.
NAME_KEYS = Table(
    "person_name_key",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("name_key", String(80), nullable=False, unique=True),
    Column("given", Integer, nullable=False),
    Column("family", Integer, nullable=False),
)

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


@lru_cache(maxsize=1)
def _nhs_number_statement() -> Any:
    """The person with an NHS number (it is unique), and where the user stands with their record: built once."""
    return select(Person, *access.standing_facts()).where(col(Person.nhs_number) == bindparam("nhs_number"))


def by_nhs_number(session: Session, user: User, number: str) -> tuple[list[Person], dict[int, access.Standing]]:
    """The person whose NHS number this is (none or one), with the user's standing (`access.standings`),
    in one statement: the commonest search, and the one a clinician makes with the person in front of them."""
    rows = session.exec(_nhs_number_statement(), params={"nhs_number": number, **access.standing_params(user)}).all()
    people = [row[0] for row in rows]
    return people, {row[0].id: access.standing_of(user, *row[1:]) for row in rows}


def search_people(session: Session, query: PersonQuery, limit: int = RESULT_LIMIT) -> tuple[list[Person], bool]:
    """People matching every part of the query; returns (people, whether there are more).

    Names match by their start, those whose names are exactly what was typed first; then, if
    there is room, people whose names are only alike, the most alike first. Two statements at
    most (three on PostgreSQL, which sets the likeness threshold for its index first, and on SQLite
    for names alone or with half a postcode, which first finds the name keys they start or are like)."""
    if query.is_empty or query.problems:
        return [], False
    conditions = _other_conditions(query)
    keys: Optional[_NameKeys] = None
    if _by_pairs(session, query):
        people = _people_of_pairs(session, query.names, False, [], limit + 1, query.postcode_outward)
    elif not conditions and len(query.names) == 1 and session.get_bind().dialect.name == "sqlite":
        people = _first_by_one_name(session, query.names[0], limit + 1)
    elif _by_name_keys(session, query):
        keys = _NameKeys.find(session, query.names)
        people = keys.people_starting(session, limit + 1, query.postcode_outward)
    else:
        names = [or_(_prefix(Person.family_name_key, term), _prefix(Person.given_name_key, term)) for term in query.names]
        # Whether every typed name is one of the person's names in full: those come first.
        exact = [or_(col(Person.family_name_key) == term, col(Person.given_name_key) == term) for term in query.names]
        order: list[Any] = [case((and_(*exact), 0), else_=1)] if exact else []
        statement = (
            select(Person)
            .where(and_(*conditions, *names))
            .order_by(*order, col(Person.family_name_key), col(Person.given_name_key), col(Person.date_of_birth), col(Person.id))
            .limit(limit + 1)
        )
        people = list(session.exec(statement))
    if len(people) > limit:
        return people[:limit], True
    if not any(len(term) >= FUZZY_MIN_LENGTH for term in query.names):
        return people, False
    alike = _alike(session, query, conditions, exclude=[p.id for p in people if p.id is not None], limit=limit - len(people) + 1, keys=keys)
    room = limit - len(people)
    return people + alike[:room], len(alike) > room


# The people whose names start with `:t`, in four kinds none of which overlaps, each read in the
# order of the page from an index (migration 0013_growth), `:n` at most of each (of each given name,
# for the last): family name `:t`; given name `:t`; family name starting with `:t`; given name
# starting with `:t`. The first `:n` of all of them are among these.
_ONE_NAME_SQL = """
WITH RECURSIVE given_keys(v) AS (
    SELECT (SELECT min(given_name_key) FROM person WHERE given_name_key > :t AND given_name_key < :upper)
    UNION ALL
    SELECT (SELECT min(given_name_key) FROM person WHERE given_name_key > given_keys.v AND given_name_key < :upper)
    FROM given_keys WHERE given_keys.v IS NOT NULL
)
SELECT id FROM (SELECT id FROM person WHERE family_name_key = :t ORDER BY given_name_key, date_of_birth, id LIMIT :n)
UNION ALL
SELECT id FROM (
    SELECT id FROM person WHERE given_name_key = :t AND family_name_key <> :t ORDER BY family_name_key, date_of_birth, id LIMIT :n
)
UNION ALL
SELECT id FROM (
    SELECT id FROM person WHERE family_name_key > :t AND family_name_key < :upper AND given_name_key <> :t
    ORDER BY family_name_key, given_name_key, date_of_birth, id LIMIT :n
)
UNION ALL
SELECT person.id FROM given_keys JOIN person ON person.id IN (
    SELECT q.id FROM person q
    WHERE q.given_name_key = given_keys.v AND NOT (q.family_name_key >= :t AND q.family_name_key < :upper)
    ORDER BY q.family_name_key, q.date_of_birth, q.id LIMIT :n
)
WHERE given_keys.v IS NOT NULL
"""


def _first_by_one_name(session: Session, term: str, limit: int) -> list[Person]:
    """On SQLite, the first `limit` people one typed name finds by its start, in the order of the
    page (those with it in full first, then by family name, given name, date of birth): read in
    order from the name indexes, a page of each kind of match, rather than sorting everyone whose
    name starts with it (5,000 people for "smit" at 400,000)."""
    upper = _prefix_upper_bound(term) or "{"  # the keys hold a-z only: "{" comes after them all
    picked = text(_ONE_NAME_SQL).bindparams(t=term, upper=upper, n=limit).columns(column("id"))
    in_full = or_(col(Person.family_name_key) == term, col(Person.given_name_key) == term)
    statement = (
        select(Person)
        .where(col(Person.id).in_(picked))
        .order_by(
            case((in_full, 0), else_=1), col(Person.family_name_key), col(Person.given_name_key), col(Person.date_of_birth), col(Person.id)
        )
        .limit(limit)
    )
    return list(session.exec(statement))


def _other_conditions(query: PersonQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.nhs_number:
        conditions.append(col(Person.nhs_number) == query.nhs_number)
    if query.date_of_birth:
        conditions.append(col(Person.date_of_birth) == query.date_of_birth)
    if query.postcode:
        conditions.append(col(Person.postcode_key) == query.postcode)
    if query.postcode_outward:
        conditions.append(_in_outward(col(Person.postcode_key), query.postcode_outward))
    return conditions


def _in_outward(postcode_key: Any, outward: str) -> ColumnElement[bool]:
    """The postcode keys of an outward code's postcodes: a range of them (read from an index),
    three characters longer than it ("WF1" + "2AB", not "WF10" + "2AB")."""
    return _outward_range(postcode_key, outward, _postcode_upper_bound(outward), len(outward) + 3)


def _outward_range(postcode_key: Any, outward: Any, upper: Any, length: Any) -> ColumnElement[bool]:
    """`_in_outward` from its parts, values or bound parameters (`upper` None: no upper bound)."""
    return and_(_starting(postcode_key, outward, upper), func.length(postcode_key) == length)


def _alike(
    session: Session,
    query: PersonQuery,
    conditions: list[ColumnElement[bool]],
    exclude: list[int],
    limit: int,
    keys: "Optional[_NameKeys]" = None,
) -> list[Person]:
    """People whose every typed name is the start of one of theirs or like one of theirs (short
    names by their start only), not among `exclude`, the most alike first. On SQLite, by the name
    keys (`keys`, if the first statement found them already)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    bigger = func.greatest if postgres else func.max  # SQLite's max() of two values is its greatest()
    matches: list[ColumnElement[bool]] = []
    scores: list[Any] = []
    for term in query.names:
        starts = or_(_prefix(Person.family_name_key, term), _prefix(Person.given_name_key, term))
        if len(term) < FUZZY_MIN_LENGTH:
            matches.append(starts)
            continue
        likeness = bigger(func.similarity(Person.family_name_key, term), func.similarity(Person.given_name_key, term))
        if postgres:
            # `%` is the operator pg_trgm's GIN indexes answer, at the threshold set below.
            alike = or_(col(Person.family_name_key).op("%")(term), col(Person.given_name_key).op("%")(term))
        else:
            alike = likeness >= SIMILARITY_THRESHOLD
        matches.append(or_(starts, alike))
        scores.append(likeness)
    if _by_name_keys(session, query):
        keys = keys or _NameKeys.find(session, query.names)
        if not all(keys.found):
            return []  # a typed name that neither starts nor is like any name held
        return keys.people_alone(session, exclude, limit, query.postcode_outward)
    # On PostgreSQL, `%` matches at SIMILARITY_THRESHOLD: each connection is made with it (app/db.py).
    if postgres and _by_pairs(session, query):
        return _people_of_pairs(session, query.names, True, exclude, limit, query.postcode_outward)
    # A date of birth, full postcode or NHS number: the handful of people they find by their own
    # index, each one's likeness worked out directly.
    if exclude:
        conditions = [*conditions, col(Person.id).not_in(exclude)]
    statement = (
        select(Person)
        .where(and_(*conditions, *matches))
        .order_by(
            sum(scores[1:], scores[0]).desc(),
            col(Person.family_name_key),
            col(Person.given_name_key),
            col(Person.date_of_birth),
            col(Person.id),
        )
        .limit(limit)
    )
    return list(session.exec(statement))


def _by_name_keys(session: Session, query: PersonQuery) -> bool:
    """Names, alone or with the first half of a postcode, on SQLite: found pair of names by pair
    (`_NameKeys`). A date of birth, full postcode or NHS number narrows the people enough to read
    them directly."""
    narrowed = query.nhs_number or query.date_of_birth or query.postcode
    return bool(query.names) and not narrowed and session.get_bind().dialect.name == "sqlite"


def _by_pairs(session: Session, query: PersonQuery) -> bool:
    """Names, alone or with the first half of a postcode, on PostgreSQL: found pair by pair
    (NAME_PAIRS), as SQLite finds them by its name keys. A date of birth, full postcode or NHS number
    narrows the people enough to read them directly."""
    narrowed = query.nhs_number or query.date_of_birth or query.postcode
    return bool(query.names) and not narrowed and session.get_bind().dialect.name == "postgresql"


def _people_of_pairs(
    session: Session, terms: list[str], alike: bool, exclude: list[int], limit: int, outward: Optional[str] = None
) -> list[Person]:
    """The people holding the name pairs every typed name in `terms` starts (or, with `alike`, is
    like: a name of FUZZY_MIN_LENGTH letters or more), in the outward code `outward` if given, not
    among `exclude`; ranked as the person-by-person statements rank them (those with every typed
    name in full first, or with `alike` the most alike first), then by family name, given name, date
    of birth and id. The statement is built once for each shape of query (`_pairs_statement`): its
    words are parameters."""
    fuzzy = [alike and len(term) >= FUZZY_MIN_LENGTH for term in terms]
    uppers = [_prefix_upper_bound(term) for term in terms]
    outward_upper = _postcode_upper_bound(outward) if outward is not None else None
    statement = _pairs_statement(
        tuple(zip(fuzzy, (upper is not None for upper in uppers), strict=True)),
        alike,
        None if outward is None else outward_upper is not None,
        bool(exclude),
    )
    params: dict[str, Any] = {"n": limit, "pairs": limit + len(exclude)}
    for n, (term, upper) in enumerate(zip(terms, uppers, strict=True)):
        params[f"t{n}"] = term
        if upper is not None:
            params[f"u{n}"] = upper
    if outward is not None:
        params.update(outward=outward, outward_length=len(outward) + 3)
        if outward_upper is not None:
            params["outward_upper"] = outward_upper
    if exclude:
        params["exclude"] = exclude
    return list(session.exec(statement, params=params))


@lru_cache(maxsize=256)
def _pairs_statement(terms: tuple[tuple[bool, bool], ...], alike: bool, outward: Optional[bool], excluding: bool) -> Any:
    """`_people_of_pairs`'s statement for a shape of query: for each typed name, whether it is
    matched by likeness too and whether its start has an upper bound (`u0`...; see
    `_prefix_upper_bound`); whether `alike` ranks; whether there is an outward code (None) and its
    key range an upper bound; whether some people are left out. Its words are parameters (t0...,
    outward...), so building it (a CTE, a lateral join, an alias of every column of person: a fifth
    of a typo search's CPU) happens once.

    Every pair held is held by someone, so `:pairs` pairs (the page and one more for each person to
    leave out) always hold the page; each gives its people from the index, in order, `:n` at most.
    In an outward code a pair may have nobody, so every pair that meets the names is looked up
    there, by ix_person_names_postcode (given, family, postcode): as many lookups as pairs, however
    many people hold them across the district (found by likeness across the district and then kept
    to the outward code, they were 60,000 people read for one typed name at 2.4 million, 370 ms)."""
    pair = NAME_PAIRS.c
    matches: list[Any] = []
    scores: list[Any] = []
    in_full: list[Any] = []
    for n, (fuzzy, bounded) in enumerate(terms):
        term = bindparam(f"t{n}", type_=String)
        upper = bindparam(f"u{n}", type_=String) if bounded else None
        starts = or_(_starting(pair.family_name_key, term, upper), _starting(pair.given_name_key, term, upper))
        if fuzzy:
            matches.append(or_(starts, pair.family_name_key.op("%")(term), pair.given_name_key.op("%")(term)))
            scores.append(func.greatest(func.similarity(pair.family_name_key, term), func.similarity(pair.given_name_key, term)))
        else:
            matches.append(starts)
        in_full.append(or_(pair.family_name_key == term, pair.given_name_key == term))
    rank = -sum(scores[1:], scores[0]) if alike else case((and_(*in_full), 0), else_=1)
    ranked = (
        select(pair.given_name_key, pair.family_name_key, rank.label("rank"))
        .where(pair.people > 0, *matches)
        .order_by(rank, pair.family_name_key, pair.given_name_key)
    )
    pairs = (ranked if outward is not None else ranked.limit(bindparam("pairs", type_=Integer))).cte("pairs")
    held = select(Person).where(
        col(Person.given_name_key) == pairs.c.given_name_key, col(Person.family_name_key) == pairs.c.family_name_key
    )
    if outward is not None:
        held = held.where(
            _outward_range(
                col(Person.postcode_key),
                bindparam("outward", type_=String),
                bindparam("outward_upper", type_=String) if outward else None,
                bindparam("outward_length", type_=Integer),
            )
        )
    if excluding:
        held = held.where(col(Person.id).not_in(bindparam("exclude", expanding=True)))
    people = held.order_by(col(Person.date_of_birth), col(Person.id)).limit(bindparam("n", type_=Integer)).lateral("people")
    person = aliased(Person, people)
    return (
        select(person)
        .select_from(pairs)
        .join(people, true())
        .order_by(pairs.c.rank, pairs.c.family_name_key, pairs.c.given_name_key, col(person.date_of_birth), col(person.id))
        .limit(bindparam("n", type_=Integer))
    )


def _prefix(column, term: str):
    return _starting(column, term, _prefix_upper_bound(term))


def _starting(column: Any, start: Any, upper: Any) -> ColumnElement[bool]:
    """The keys from `start` up to (not including) `upper`, values or bound parameters: every key
    that starts with `start`, with its upper bound (None when it has none: "zz...")."""
    return and_(column >= start, column < upper) if upper is not None else column >= start


def _postcode_upper_bound(prefix: str) -> Optional[str]:
    """The first postcode key (digits and capitals) after every key that starts with `prefix`."""
    for n in reversed(range(len(prefix))):
        if prefix[n] == "9":
            return prefix[:n] + "A"
        if prefix[n] < "Z":
            return prefix[:n] + chr(ord(prefix[n]) + 1)
    return None


# SQLite, names alone: the pairs of names (given, family) people hold that every typed name finds,
# ranked as the person-by-person statement ranks their people, then the people of the first of
# them, each pair's from ix_person_names_born in order. The pairs are those of a key that every
# typed name finds, with whatever other name its holders have (read from the name index a name at
# a time, never a person at a time: `:free_given`, `:free_family`), and those of two keys that
# between them do (`:listed`, if anyone holds both). Only as many pairs as hold the page are read
# person by person: each pair's people are counted (up to `:n`, from the index alone) first. With the
# first half of a postcode, each pair's holders there (`{within}`, ix_person_names_postcode):
# every pair is counted, as a pair may have nobody there.
_PAIRS_SQL = """
WITH RECURSIVE
by_given(g, f) AS (
    SELECT k.value, (SELECT min(family_name_key) FROM person WHERE given_name_key = k.value) FROM json_each(:free_given) AS k
    UNION ALL
    SELECT g, (SELECT min(family_name_key) FROM person WHERE given_name_key = by_given.g AND family_name_key > by_given.f)
    FROM by_given WHERE f IS NOT NULL
),
by_family(g, f) AS (
    SELECT (SELECT min(given_name_key) FROM person WHERE family_name_key = k.value), k.value FROM json_each(:free_family) AS k
    UNION ALL
    SELECT (SELECT min(given_name_key) FROM person WHERE family_name_key = by_family.f AND given_name_key > by_family.g), f
    FROM by_family WHERE g IS NOT NULL
),
listed(g, f) AS (SELECT json_extract(k.value, '$[0]'), json_extract(k.value, '$[1]') FROM json_each(:listed) AS k),
pairs(g, f) AS (
    SELECT g, f FROM by_given WHERE f IS NOT NULL
    UNION
    SELECT g, f FROM by_family WHERE g IS NOT NULL
    UNION
    SELECT g, f FROM listed WHERE EXISTS (SELECT 1 FROM person WHERE given_name_key = listed.g AND family_name_key = listed.f)
),
ranked AS MATERIALIZED (SELECT g, f, {score} AS score FROM pairs ORDER BY score DESC, f, g {pairs}),
counted AS (
    SELECT g, f, score, (
        SELECT count(*) FROM (
            SELECT 1 FROM person AS r WHERE r.given_name_key = ranked.g AND r.family_name_key = ranked.f {within} {excluded} LIMIT :n
        )
    ) AS people
    FROM ranked
),
needed AS (
    SELECT g, f, score FROM (
        SELECT g, f, score, sum(people) OVER (ORDER BY score DESC, f, g ROWS UNBOUNDED PRECEDING) - people AS before FROM counted
    )
    WHERE before < :n
)
SELECT person.* FROM needed JOIN person ON person.id IN (
    SELECT r.id FROM person AS r WHERE r.given_name_key = needed.g AND r.family_name_key = needed.f {within} {excluded}
    ORDER BY r.date_of_birth, r.id LIMIT :n
)
ORDER BY needed.score DESC, needed.f, needed.g, person.date_of_birth, person.id
LIMIT :n
"""


@dataclass
class _NameKeys:
    """SQLite: the name keys each typed name finds (migration 0020_n_name_keys): those it starts,
    and, for a name of FUZZY_MIN_LENGTH letters or more, those alike enough. A person matches a
    typed name when one of their two names is among its keys: the rule `_alike` states person by
    person, decided once for each distinct name instead."""

    terms: list[str]
    starting: list[set[str]]  # for each typed name, the keys it starts
    found: list[set[str]]  # for each typed name, the keys it finds: those it starts, and those alike
    given: set[str]  # of all those, the keys someone holds as a given name
    family: set[str]  # and as a family name

    @classmethod
    def find(cls, session: Session, terms: list[str]) -> "_NameKeys":
        """One statement: the keys starting with a typed name, or sharing a trigram with one of
        FUZZY_MIN_LENGTH letters or more; each kept for the names it starts or is alike enough to."""
        key = NAME_KEYS.c
        where: list[ColumnElement[bool]] = [_prefix(key.name_key, term) for term in terms]
        pieces = sorted({piece for term in terms if len(term) >= FUZZY_MIN_LENGTH for piece in trigrams(term)})
        if pieces:
            sharing = text("SELECT rowid FROM person_name_key_trigram WHERE person_name_key_trigram MATCH :pattern")
            pattern = " OR ".join(f'"{piece}"' for piece in pieces)
            where.append(key.id.in_(sharing.bindparams(pattern=pattern).columns(column("rowid"))))
        rows = session.execute(select(key.name_key, key.given, key.family).where(or_(*where))).all()
        found = [
            {
                name
                for name, _, _ in rows
                if name.startswith(term) or (len(term) >= FUZZY_MIN_LENGTH and similarity(name, term) >= SIMILARITY_THRESHOLD)
            }
            for term in terms
        ]
        starting = [{name for name, _, _ in rows if name.startswith(term)} for term in terms]
        wanted = set().union(*found)
        given = {name for name, held, _ in rows if held > 0 and name in wanted}
        family = {name for name, _, held in rows if held > 0 and name in wanted}
        return cls(terms, starting, found, given, family)

    def people_starting(self, session: Session, limit: int, outward: Optional[str] = None) -> list[Person]:
        """Names alone (or with the first half of a postcode, `outward`): the first `limit` people
        whose names every typed name starts, those with each typed name in full first, then by
        family name, given name, date of birth and id."""
        if not all(self.starting):
            return []
        in_full = " AND ".join(f"(g = :t{n} OR f = :t{n})" for n in range(len(self.terms)))
        return self._people(session, self.starting, f"CASE WHEN {in_full} THEN 1 ELSE 0 END", self.terms, [], limit, outward)

    def people_alone(self, session: Session, exclude: list[int], limit: int, outward: Optional[str] = None) -> list[Person]:
        """Names alone (or with the first half of a postcode, `outward`): the first `limit` people
        (not among `exclude`) every typed name finds, the most alike first, then by family name,
        given name, date of birth and id."""
        close = [term for term in self.terms if len(term) >= FUZZY_MIN_LENGTH]
        score = " + ".join(f"max(similarity(f, :t{n}), similarity(g, :t{n}))" for n in range(len(close)))
        return self._people(session, self.found, score, close, exclude, limit, outward)

    def _people(
        self, session: Session, found: list[set[str]], score: str, terms: list[str], exclude: list[int], limit: int, outward: Optional[str]
    ) -> list[Person]:
        """The first `limit` people (not among `exclude`) one of whose names is among each of
        `found`'s keys, by `score` (highest first, an SQL expression of a pair's names `g` and `f`
        and of `terms`, bound as :t0, :t1...), family name, given name, date of birth and id: one
        statement (_PAIRS_SQL) that reads pairs of names and a page of people, whatever the number
        of people."""
        everywhere = set.intersection(*found)
        listed = [
            [given, family]
            for given in sorted(self.given - everywhere)
            for family in sorted(self.family - everywhere)
            if all(given in keys or family in keys for keys in found)
        ]
        excluded = "AND r.id NOT IN (SELECT value FROM json_each(:exclude))" if exclude else ""
        within, postcode = "", {}
        if outward:
            # Keys of the outward code's postcodes: starting with it (a range, read from the index),
            # three characters longer ("WF1" + "2AB", not "WF10" + "2AB").
            upper = _postcode_upper_bound(outward)
            within = "AND r.postcode_key >= :outward AND length(r.postcode_key) = :length" + (
                " AND r.postcode_key < :upper" if upper else ""
            )
            postcode = {"outward": outward, "length": len(outward) + 3, **({"upper": upper} if upper else {})}
        pairs = "" if outward else "LIMIT :pairs"
        statement = text(_PAIRS_SQL.format(score=score, excluded=excluded, within=within, pairs=pairs)).bindparams(
            free_given=json.dumps(sorted(everywhere & self.given)),
            free_family=json.dumps(sorted(everywhere & self.family)),
            listed=json.dumps(listed),
            **({} if outward else {"pairs": limit + len(exclude)}),
            **postcode,
            n=limit,
            **{f"t{n}": term for n, term in enumerate(terms)},
            **({"exclude": json.dumps(exclude)} if exclude else {}),
        )
        return list(session.scalars(select(Person).from_statement(statement)))
