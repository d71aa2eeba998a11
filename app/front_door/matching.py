"""Finding the one record for a referred person, so no one gets a second record.

An exact NHS number is decisive. Without one, candidates are people sharing a date of
birth (or the same date with day and month swapped), or a family name and postcode, and
each is scored on how closely name, date of birth and postcode agree.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Optional

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, select

from app.front_door.search import name_key, postcode_key
from models import Person

STRONG = 80
POSSIBLE = 50
CANDIDATE_LIMIT = 10
_SCAN_LIMIT = 200


@dataclass
class Candidate:
    person: Person
    score: int
    reasons: list[str] = field(default_factory=list)
    same_nhs_number: bool = False

    @property
    def person_id(self) -> int:
        assert self.person.id is not None  # candidates are records read from the database
        return self.person.id

    @property
    def strength(self) -> str:
        if self.same_nhs_number:
            return "NHS number matches"
        if self.score >= STRONG:
            return "Strong match"
        return "Possible match"


@dataclass
class Details:
    """What the referrer told us about the person; any part may be missing."""

    nhs_number: Optional[str] = None
    given_name: str = ""
    family_name: str = ""
    date_of_birth: Optional[date] = None
    postcode: str = ""

    @property
    def is_enough_to_match(self) -> bool:
        return bool(self.nhs_number or self.date_of_birth or (self.family_name and self.postcode))


def swapped(day: date) -> Optional[date]:
    """The same date with day and month swapped (3/4 for 4/3), if that is a real, different date."""
    try:
        other = date(day.year, day.day, day.month)
    except ValueError:
        return None
    return other if other != day else None


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


_SOUNDEX = {c: str(d) for d, letters in enumerate(["aeiouyhw", "bfpv", "cgjkqsxz", "dt", "l", "mn", "r"]) for c in letters}


def soundex(word: str) -> str:
    if not word:
        return ""
    codes = [_SOUNDEX.get(c, "") for c in word]
    out, last = word[0].upper(), codes[0]
    for c, code in zip(word[1:], codes[1:], strict=True):
        if code != "0" and code != last:
            out += code
        if c not in "hw":
            last = code
    return (out + "000")[:4]


def name_agreement(said: str, recorded: str) -> tuple[int, Optional[str]]:
    """Score one name: exact 1.0, near (a typo or sounds alike) 0.6, initial only 0.3."""
    if not said or not recorded:
        return 0, None
    if said == recorded:
        return 100, "same"
    if levenshtein(said, recorded) <= (1 if len(said) <= 4 else 2) or soundex(said) == soundex(recorded):
        return 60, "similar"
    if len(said) == 1 and recorded.startswith(said):
        return 30, "same initial"
    return 0, None


def score(details: Details, person: Person) -> Candidate:
    """Weights: family name 30, given name 20, date of birth 30, postcode 20 (100 for an NHS number)."""
    if details.nhs_number and details.nhs_number == person.nhs_number:
        return Candidate(person, 100, ["NHS number is the same"], same_nhs_number=True)
    points, reasons = 0, []
    family, family_how = name_agreement(name_key(details.family_name), person.family_name_key)
    given, given_how = name_agreement(name_key(details.given_name), person.given_name_key)
    points += family * 30 // 100 + given * 20 // 100
    if family_how:
        reasons.append(f"family name {family_how}")
    if given_how:
        reasons.append(f"given name {given_how}")
    if details.date_of_birth:
        if details.date_of_birth == person.date_of_birth:
            points += 30
            reasons.append("date of birth the same")
        elif swapped(details.date_of_birth) == person.date_of_birth:
            points += 20
            reasons.append("date of birth with day and month swapped")
    if details.postcode:
        said, recorded = postcode_key(details.postcode), person.postcode_key
        if said == recorded:
            points += 20
            reasons.append("postcode the same")
        elif said[:-3] and said[:-3] == recorded[:-3]:
            points += 5
            reasons.append("same postcode district")
    if details.nhs_number and person.nhs_number and person.nhs_number != details.nhs_number:
        # A different NHS number on record is strong evidence it is someone else.
        points -= 40
        reasons.append("a different NHS number is on record")
    elif details.nhs_number and not person.nhs_number:
        # None on record: no evidence either way (the referral's number may be theirs).
        reasons.append("no NHS number on record")
    return Candidate(person, max(points, 0), reasons)


def candidates(session: Session, details: Details) -> list[Candidate]:
    """Possible records for the person described, best first: an exact NHS number always first."""
    if not details.is_enough_to_match:
        return []
    found: dict[int, Candidate] = {}
    if details.nhs_number:
        person = session.exec(select(Person).where(Person.nhs_number == details.nhs_number)).first()
        if person is not None:
            candidate = score(details, person)
            found[candidate.person_id] = candidate
    conditions: list[ColumnElement[bool]] = []
    if details.date_of_birth:
        days = [details.date_of_birth] + ([swapped(details.date_of_birth)] if swapped(details.date_of_birth) else [])
        conditions.append(col(Person.date_of_birth).in_(days))
    family = name_key(details.family_name)
    if family and details.postcode:
        conditions.append(and_(col(Person.family_name_key) == family, col(Person.postcode_key) == postcode_key(details.postcode)))
    if conditions:
        for person in session.exec(select(Person).where(or_(*conditions)).limit(_SCAN_LIMIT)):
            if person.id not in found:
                candidate = score(details, person)
                found[candidate.person_id] = candidate
    ranked = sorted(found.values(), key=lambda c: (not c.same_nhs_number, -c.score, c.person.family_name_key, c.person.id))
    return [c for c in ranked if c.score >= POSSIBLE][:CANDIDATE_LIMIT]


def is_likely(candidate: Candidate, details: Details) -> bool:
    """Likely enough to be the person to take a referral for them with no one to choose (the FHIR
    API, without an NHS number): the same NHS number, or a strong match whose given and family names
    both agree (the same or alike), so twins at one address are never taken for each other."""
    if candidate.same_nhs_number:
        return True
    if candidate.score < STRONG:
        return False
    pairs = ((details.given_name, candidate.person.given_name_key), (details.family_name, candidate.person.family_name_key))
    return all(name_agreement(name_key(said), recorded)[0] >= 60 for said, recorded in pairs)
