"""The person's sharing decisions (consent): whether they share their record with the care
team, the agencies they object to, and a carer they allow to see their plan.

The care team records them. An objection is enforced by the access rules (app/access.py
refuses that agency); a withdrawn objection is kept, dated, so nothing is lost.
"""
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.trust import audit
from app.web import fields
from models import Agency, CareTeamMember, Consent, ConsentObjection, Person, User
from models.clock import utc_now

SHARES = {"yes": True, "no": False}
CARER_NAME_MAX = 120
CARER_RELATIONSHIP_MAX = 60
CARER_CONTACT_MAX = 120


@dataclass
class Objection:
    objection: ConsentObjection
    agency: Agency
    in_care_team: bool


@dataclass
class SharingView:
    consent: Optional[Consent]
    objections: list[Objection] = field(default_factory=list)

    @property
    def version(self) -> int:
        return self.consent.version if self.consent else 0

    @property
    def shares_with_care_team(self) -> Optional[bool]:
        return self.consent.shares_with_care_team if self.consent else None


def view(session: Session, person_id: int) -> SharingView:
    """The decisions and the standing objections, each with whether that agency is in the care team (two queries)."""
    consent = session.exec(select(Consent).where(Consent.person_id == person_id)).first()
    in_team = (
        select(CareTeamMember.id)
        .where(CareTeamMember.person_id == person_id)
        .where(CareTeamMember.agency_id == ConsentObjection.agency_id)
        .where(CareTeamMember.left_at.is_(None))  # type: ignore[union-attr]
        .exists()
    )
    rows = session.exec(
        select(ConsentObjection, Agency, in_team)
        .join(Agency, Agency.id == ConsentObjection.agency_id)
        .where(ConsentObjection.person_id == person_id)
        .where(ConsentObjection.withdrawn_at.is_(None))  # type: ignore[union-attr]
        .order_by(Agency.name)
    ).all()
    return SharingView(consent, [Objection(o, a, bool(t)) for o, a, t in rows])


def validate(session: Session, form, user: User) -> tuple[dict, dict]:
    """Shares with the care team: yes or no. Standing objections to keep (ticked) and at most one
    new one, each an agency that exists and is not the recorder's own. A carer needs a name
    if anything about them is given."""
    errors: dict[str, str] = {}
    clean: dict = {}
    shares = form.get("shares_with_care_team") or ""
    if shares not in SHARES:
        errors["shares_with_care_team"] = "Select whether the person agrees to share their record with their care team"
    clean["shares_with_care_team"] = SHARES.get(shares)

    keep: set[int] = set()
    for raw in form.getlist("keep_objection") if hasattr(form, "getlist") else []:
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
            errors["keep_objection"] = "Select objections from the list"
            break
        keep.add(int(raw))
    clean["keep"] = keep

    new_agency = fields.whole_number(form, "object_to", "Select an agency from the list", errors, required=False)
    if new_agency is not None:
        if new_agency >= 2**31 or session.get(Agency, new_agency) is None:
            errors["object_to"] = "Select an agency from the list"
            new_agency = None
        elif new_agency == user.agency_id:
            errors["object_to"] = "You cannot record an objection to your own agency: ask another agency in the care team to record it"
            new_agency = None
    clean["object_to"] = new_agency

    clean["carer_name"] = fields.text(form, "carer_name", "the carer's name", errors, max_length=CARER_NAME_MAX)
    clean["carer_relationship"] = fields.text(form, "carer_relationship", "the carer's relationship to the person", errors,
                                              max_length=CARER_RELATIONSHIP_MAX)
    clean["carer_contact"] = fields.text(form, "carer_contact", "how to contact the carer", errors, max_length=CARER_CONTACT_MAX)
    if (clean["carer_relationship"] or clean["carer_contact"]) and not clean["carer_name"] and "carer_name" not in errors:
        errors["carer_name"] = "Enter the carer's name"
    return clean, errors


def save(session: Session, person: Person, clean: dict, user: User, seen_version: int) -> bool:
    """Record the decisions if nobody changed them since `seen_version` (False if they did);
    objections not kept are withdrawn, not deleted. Audited; commits."""
    now = utc_now()
    values = dict(shares_with_care_team=clean["shares_with_care_team"], carer_name=clean["carer_name"],
                  carer_relationship=clean["carer_relationship"], carer_contact=clean["carer_contact"],
                  recorded_by_id=user.id, recorded_at=now)
    if seen_version == 0:
        session.add(Consent(person_id=person.id, version=1, **values))
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return False
    else:
        result = session.exec(
            update(Consent).where(Consent.person_id == person.id).where(Consent.version == seen_version)
            .values(version=Consent.version + 1, **values)
        )  # type: ignore[call-overload]
        if result.rowcount != 1:
            session.rollback()
            return False
    standing = session.exec(
        select(ConsentObjection).where(ConsentObjection.person_id == person.id)
        .where(ConsentObjection.withdrawn_at.is_(None))  # type: ignore[union-attr]
    ).all()
    withdrawn = [o for o in standing if o.id not in clean["keep"]]
    for objection in withdrawn:
        objection.withdrawn_at, objection.withdrawn_by_id = now, user.id
        session.add(objection)
    added = clean["object_to"] is not None and clean["object_to"] not in {o.agency_id for o in standing if o not in withdrawn}
    if added:
        session.add(ConsentObjection(person_id=person.id, agency_id=clean["object_to"], recorded_by_id=user.id, recorded_at=now))
    audit.record(
        session, "record_consent", user=user, person_id=person.id, record_type="consent", record_id=person.id,
        reason=f"shares with care team: {'yes' if clean['shares_with_care_team'] else 'no'}; "
               f"objections withdrawn: {len(withdrawn)}; objection added: {'yes' if added else 'no'}",
    )
    session.commit()
    return True
