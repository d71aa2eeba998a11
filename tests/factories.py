"""Build the smallest world a test needs."""

import itertools
from datetime import date

from argon2 import PasswordHasher
from sqlmodel import Session

from app.front_door import nhs_number
from app.front_door.search import format_postcode, name_key, postcode_key
from models import Agency, AgencyKind, CareTeamMember, Network, Person, Profession, Role, User
from tests.conftest import FAST_HASH, PASSWORD

_counter = itertools.count(1)
_hasher = PasswordHasher(**FAST_HASH)
_PASSWORD_HASH = _hasher.hash(PASSWORD)


def valid_nhs_number(serial: int) -> str:
    """A valid NHS number in the 999 test range, distinct for each serial."""
    for candidate in itertools.count(serial * 7):
        first_nine = f"999{candidate % 1_000_000:06d}"
        digit = nhs_number.check_digit(first_nine)
        if digit is not None:
            return first_nine + str(digit)
    raise AssertionError("unreachable")


def network(session: Session, name: str | None = None) -> Network:
    n = next(_counter)
    row = Network(name=name or f"Network {n}", hub_name=f"Hub {n}")
    session.add(row)
    session.commit()
    return row


def agency(
    session: Session, kind: AgencyKind = AgencyKind.community_nursing, network: Network | None = None, name: str | None = None
) -> Agency:
    n = next(_counter)
    row = Agency(name=name or f"{kind.label} {n}", kind=kind, network_id=network.id if network else None, phone="01924 000000")
    session.add(row)
    session.commit()
    return row


def user(
    session: Session,
    agency: Agency,
    role: Role = Role.practitioner,
    profession: Profession = Profession.district_nurse,
    username: str | None = None,
    network: Network | None = None,
) -> User:
    n = next(_counter)
    row = User(
        username=username or f"user{n}",
        password_hash=_PASSWORD_HASH,
        full_name=f"Staff Member {n}",
        agency_id=agency.id,
        role=role,
        profession=profession,
        network_id=network.id if network else None,
    )
    session.add(row)
    session.commit()
    return row


def person(
    session: Session,
    gp_practice: Agency | None = None,
    given_name: str = "Ada",
    family_name: str = "Lovelace",
    date_of_birth: date = date(1941, 3, 12),
    postcode: str = "WF1 2AB",
    nhs: str | None = None,
    nhs_known: bool = True,
) -> Person:
    """A person; `nhs_known=False` for one whose NHS number is not known."""
    n = next(_counter)
    row = Person(
        nhs_number=(nhs or valid_nhs_number(n)) if nhs_known else None,
        given_name=given_name,
        family_name=family_name,
        given_name_key=name_key(given_name),
        family_name_key=name_key(family_name),
        date_of_birth=date_of_birth,
        address_line_1=f"{n} Test Street",
        town="Wakefield",
        postcode=format_postcode(postcode),
        postcode_key=postcode_key(postcode),
        gp_practice_id=gp_practice.id if gp_practice else None,
    )
    session.add(row)
    session.commit()
    return row


def team_member(
    session: Session, person: Person, agency: Agency, user: User | None = None, key_worker: bool = False, role: str = "District nursing"
) -> CareTeamMember:
    row = CareTeamMember(person_id=person.id, agency_id=agency.id, user_id=user.id if user else None, role=role, is_key_worker=key_worker)
    session.add(row)
    session.commit()
    return row


class World:
    """A small district: one network with a GP practice, a person in the care of a
    nursing team, and staff in and out of that team."""

    def __init__(self, session: Session):
        self.network = network(session, "Wakefield North")
        self.other_network = network(session, "Pontefract")
        self.practice = agency(session, AgencyKind.gp_practice, self.network, name="Northgate Surgery")
        self.nursing = agency(session, AgencyKind.community_nursing, self.network, name="North Community Nursing")
        self.social_care = agency(session, AgencyKind.social_care, name="Adult Social Care")
        self.spa = agency(session, AgencyKind.spa_hub, name="Single Point of Access")
        self.admin_agency = agency(session, AgencyKind.spa_hub, name="OnePlan Administration")
        self.nurse = user(session, self.nursing, username="nurse", network=self.network)
        self.outsider = user(session, self.social_care, profession=Profession.social_worker, username="outsider")
        self.coordinator = user(session, self.spa, Role.spa_coordinator, Profession.care_coordinator, username="coordinator")
        self.lead = user(session, self.practice, Role.network_lead, Profession.gp, username="lead", network=self.network)
        self.other_lead = user(session, self.practice, Role.network_lead, Profession.gp, username="otherlead", network=self.other_network)
        self.admin = user(session, self.admin_agency, Role.administrator, Profession.administrator, username="admin")
        self.person = person(session, self.practice)
        team_member(session, self.person, self.nursing, self.nurse, key_worker=True)


def open_referral(session: Session, person: Person, urgency=None, received_at=None, **fields):
    """A referral for the person from their GP, received now (or `received_at`) and not yet triaged
    (committed)."""
    from datetime import UTC, datetime

    from app.front_door import clocks
    from models import Referral, ReferralStatus, Urgency

    urgency = urgency or Urgency.urgent
    received_at = received_at or datetime.now(UTC)
    row = Referral(
        person_id=person.id,
        source="gp",
        referrer_name="Dr Rao",
        reason="Falls",
        requested_urgency=urgency,
        urgency=urgency,
        status=ReferralStatus.received,
        received_at=received_at,
        due_by=clocks.due_by(received_at, urgency),
        **fields,
    )
    session.add(row)
    session.commit()
    return row


def care_plan(session: Session, person: Person, by: User):
    """The person's care plan, opened (with its empty parts) by `by`."""
    from app.care_plan import commands

    plan = commands.open_plan(session, person, by)
    session.commit()
    return plan


class PlanWorld(World):
    """World, plus a social worker whose agency is in the care team, a therapy service that is not,
    and the person's care plan opened by the key worker (the nurse)."""

    def __init__(self, session: Session):
        super().__init__(session)
        self.social_worker = user(session, self.social_care, profession=Profession.social_worker, username="socialworker")
        team_member(session, self.person, self.social_care, self.social_worker, role="Social work")
        self.therapy = agency(session, AgencyKind.therapy, name="Community Therapy")
        self.ot = user(session, self.therapy, profession=Profession.occupational_therapist, username="ot")
        self.plan = care_plan(session, self.person, self.nurse)


class ListedWorld(World):
    """World, with the person on every list a page can show: the nurse's caseload, worklist (an
    overdue action for their agency) and inbox; the referral queue (an open referral); the network's
    overdue reviews (a plan past its review date); the lead's break-glass reviews (the outsider broke glass)."""

    def __init__(self, session: Session):
        from datetime import UTC, datetime, timedelta

        from app.care_plan import commands
        from app.front_door import clocks
        from app.work import notifications
        from models import AccessGrant, CarePlan, PlanItemType, Referral, ReferralStatus, Urgency

        super().__init__(session)
        now = datetime.now(UTC)
        self.referral = Referral(
            person_id=self.person.id,
            source="gp",
            referrer_name="Dr Rao",
            reason="Falls",
            requested_urgency=Urgency.urgent,
            urgency=Urgency.urgent,
            status=ReferralStatus.received,
            received_at=now,
            due_by=clocks.due_by(now, Urgency.urgent),
        )
        session.add(self.referral)
        plan = care_plan(session, self.person, self.nurse)
        commands.add_item(
            session,
            plan,
            self.person,
            commands.AddItem(PlanItemType.action, {"description": "Visit", "due_on": "2020-01-01"}, owner_agency_id=self.nursing.id),
            self.nurse,
        )
        self.plan = session.get(CarePlan, plan.id)
        self.plan.review_due_on = date.today() - timedelta(days=30)
        session.add(self.plan)
        notifications.notify(session, "note", f"{self.person.full_name} needs a call", user_id=self.nurse.id, person_id=self.person.id)
        session.add(
            AccessGrant(
                user_id=self.outsider.id,
                agency_id=self.social_care.id,
                person_id=self.person.id,
                reason_code="other",
                reason_text="Called by the family",
                granted_at=now - timedelta(hours=3),
                expires_at=now - timedelta(hours=2),
            )
        )
        session.commit()


def person_account(session: Session, person: Person, username: str, kind: str = "person", shares_assessment: bool = False):
    """An account for the person (or, kind "carer", a carer they nominated) on their own pages (app/my_record)."""
    from models import PersonAccount

    row = PersonAccount(
        person_id=person.id,
        kind=kind,
        username=username,
        password_hash=_PASSWORD_HASH,
        full_name=person.full_name if kind == "person" else f"Carer of {person.given_name}",
        shares_assessment=shares_assessment,
    )
    session.add(row)
    session.commit()
    return row


def sign_in_person(client, username: str, password: str = PASSWORD):
    """Sign in on the people's own sign-in page (not the staff one)."""
    import re

    page = client.get("/my/sign-in").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    return client.post("/my/sign-in", data={"username": username, "password": password, "csrf_token": token})
