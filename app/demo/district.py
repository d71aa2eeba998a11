"""A synthetic Wakefield-like district for demonstrations and the benchmark.

Everything is generated from one seed: the same seed gives the same district. Names come
from short lists of common names, NHS numbers from the 999 test range (never issued to real
people), phone numbers from Ofcom's drama ranges. No real person is described.
"""

import itertools
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Optional

from sqlalchemy import select, text
from sqlmodel import Session, col

from app.demo import bulk
from app.demo.postcodes import postcode_pools
from app.front_door import nhs_number
from app.front_door.search import format_postcode, name_key, postcode_key
from models import Agency, AgencyKind, CareTeamMember, Network, Person, Profession, Role, User

DEMO_PASSWORD = "oneplan-demo-2026"
CHUNK = 10_000

NETWORKS = [
    ("Wakefield North", "Wakefield", "WF1"),
    ("Wakefield South", "Wakefield", "WF2"),
    ("Pontefract", "Pontefract", "WF8"),
    ("Castleford", "Castleford", "WF10"),
    ("Normanton and Airedale", "Normanton", "WF6"),
    ("Featherstone and Knottingley", "Knottingley", "WF11"),
    ("Ossett and Horbury", "Ossett", "WF5"),
]
PRACTICE_WORDS = [
    "Northgate",
    "Westgate",
    "Church View",
    "Park Lane",
    "Orchard",
    "Riverside",
    "Market Street",
    "Bridge",
    "Elm Tree",
    "Station Road",
    "Chapel",
    "Meadow",
    "Priory",
    "Castle",
    "Mill Lane",
    "Willow",
    "Hillside",
    "Ash Grove",
    "Trinity",
    "Valley",
    "Moorland",
    "Oakwood",
    "Kingsway",
    "Beech",
    "Greenside",
    "Holly Bank",
    "Rosemount",
    "Lime Tree",
    "Broad Lane",
    "Cliffe",
    "Fernlea",
    "Highfield",
    "Laburnum",
    "Marsh",
    "Newland",
    "Poplar",
    "Quarry Hill",
    "Redhill",
    "Stonegate",
    "Thornhill",
    "Vicarage",
    "Woodside",
]
GIVEN_NAMES = [
    "Margaret",
    "Jean",
    "Barbara",
    "Patricia",
    "Susan",
    "Christine",
    "Linda",
    "Dorothy",
    "Joan",
    "Pauline",
    "Brenda",
    "Sheila",
    "Irene",
    "Maureen",
    "Valerie",
    "Janet",
    "Elaine",
    "Ann",
    "Sandra",
    "Carol",
    "Doreen",
    "Edith",
    "Gladys",
    "Mavis",
    "Joyce",
    "Evelyn",
    "Hilda",
    "Betty",
    "Kathleen",
    "Eileen",
    "John",
    "David",
    "Michael",
    "Peter",
    "Robert",
    "Brian",
    "Alan",
    "William",
    "James",
    "Kenneth",
    "Keith",
    "Derek",
    "Barry",
    "Colin",
    "Roy",
    "Dennis",
    "Trevor",
    "Geoffrey",
    "Raymond",
    "Malcolm",
    "Gordon",
    "Harold",
    "Frank",
    "Stanley",
    "Arthur",
    "Albert",
    "Norman",
    "Thomas",
    "George",
    "Ernest",
    "Aisha",
    "Mohammed",
    "Priya",
    "Imran",
    "Fatima",
    "Tariq",
    "Zainab",
    "Hamza",
    "Grace",
    "Oliver",
    "Chloe",
    "Liam",
    "Emily",
    "Jack",
    "Sophie",
    "Daniel",
    "Hannah",
    "Ryan",
    "Megan",
    "Kieran",
]
FAMILY_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Hughes",
    "Lewis",
    "Turner",
    "Hill",
    "Moore",
    "Harrison",
    "Cooper",
    "Ward",
    "Martin",
    "Morris",
    "Lee",
    "Baker",
    "Shaw",
    "Holmes",
    "Marshall",
    "Atkinson",
    "Dixon",
    "Barker",
    "Fletcher",
    "Kelly",
    "Oldroyd",
    "Haigh",
    "Sykes",
    "Bottomley",
    "Hirst",
    "Crowther",
    "Schofield",
    "Firth",
    "Lockwood",
    "Ackroyd",
    "Pickersgill",
    "Hepworth",
    "Brook",
    "Armitage",
    "Dyson",
    "Hinchliffe",
    "Whiteley",
    "Greenwood",
    "Sutcliffe",
    "Barraclough",
    "Khan",
    "Hussain",
    "Ahmed",
    "Patel",
    "Begum",
    "Ali",
    "Shah",
    "Mahmood",
    "Iqbal",
    "Akhtar",
    "Kowalski",
    "Nowak",
    "O'Brien",
    "O'Neill",
    "McDonald",
    "Murphy",
    "Doyle",
    "Campbell",
    "Stewart",
    "Reid",
]
STREETS = [
    "Church Street",
    "Park Road",
    "Station Road",
    "Victoria Street",
    "Albert Road",
    "Mill Lane",
    "Green Lane",
    "Manor Road",
    "High Street",
    "School Lane",
    "Chapel Street",
    "Queen Street",
    "King Street",
    "Westfield Road",
    "Northfield Lane",
    "Cross Street",
    "Moor Lane",
    "Beech Grove",
    "Oak Avenue",
    "Holly Close",
    "Ings Road",
    "Denby Dale Road",
    "Aberford Road",
    "Doncaster Road",
    "Leeds Road",
    "Pontefract Road",
    "Bradford Road",
]
COMMUNICATION_NEEDS = [
    "Hard of hearing: face the person and speak clearly",
    "Uses British Sign Language",
    "Prefers to speak Urdu; needs an interpreter",
    "Registered blind: large print or audio",
    "Has dementia: short sentences, one question at a time",
    "Prefers Polish; daughter interprets",
]
RELATIONSHIPS = ["Daughter", "Son", "Wife", "Husband", "Niece", "Nephew", "Friend", "Neighbour", "Partner"]

# The fixed sign-ins shown by `make run`: (username, full name, role, profession, where).
DEMO_SIGN_INS = [
    ("spa", "Sam Patel", Role.spa_coordinator, Profession.care_coordinator, "spa"),
    ("nurse", "Nina Okafor", Role.practitioner, Profession.district_nurse, "nursing:Wakefield North"),
    ("socialworker", "Simon Walsh", Role.practitioner, Profession.social_worker, "social_care"),
    ("ot", "Olivia Thorne", Role.practitioner, Profession.occupational_therapist, "therapy"),
    ("lead", "Dr Lena Hart", Role.network_lead, Profession.gp, "practice:Wakefield North"),
    ("admin", "Adam Reeve", Role.administrator, Profession.administrator, "administration"),
]


class DistrictNotEmpty(Exception):
    pass


# No practitioner is named on more current care teams than this, as no real one is: past it, the
# case is held by the agency with no one named yet (an unallocated case, which the agency's duty
# worker sees to). The demo's staff is the same at every size, so with no limit a district nurse held
# 5,000 people at 2.4 million and My work sorted them all. A district of 20,000 is as it was: nobody
# there reaches it.
CASELOAD_MOST = 120


def duty_workers(session: Session) -> dict[int, list[int]]:
    """Each agency's practitioners, by id: who sees to the cases it holds with no one named."""
    staff: dict[int, list[int]] = {}
    for user_id, agency_id in session.execute(
        select(col(User.id), col(User.agency_id))
        .where(col(User.role) == Role.practitioner, col(User.is_active).is_(True))
        .order_by(col(User.id))
    ):
        staff.setdefault(agency_id, []).append(user_id)
    return staff


def key_worker_of(team: Iterable[tuple], duty: dict[int, list[int]], person_id: int) -> Optional[int]:
    """Who writes for the person's key worker: the named one, else (an unallocated case, past
    CASELOAD_MOST) the key agency's duty worker, one of its staff by the person's id. `team` holds
    (agency id, user id or None, is key worker, ...) rows. None when there is no key worker."""
    for agency_id, user_id, is_key, *_ in team:
        if is_key:
            if user_id is not None:
                return user_id
            staff = duty.get(agency_id)
            return staff[person_id % len(staff)] if staff else None
    return None


def holds_data(session: Session) -> bool:
    """True if any of the directory or people tables has a row."""
    return any(session.execute(select(col(model.id)).limit(1)).first() is not None for model in (Network, Agency, User, Person))


@dataclass
class Built:
    networks: int = 0
    agencies: int = 0
    users: int = 0
    people: int = 0
    care_team_rows: int = 0
    caseload_people: int = 0
    by_kind: dict = field(default_factory=dict)


# The test range is 999 000 0000 to 999 999 9999: a million nine-digit prefixes (999 and six
# digits), of which those whose check digit would be 10 have no valid number. That leaves exactly
# this many valid numbers, and no more people than this can have a distinct one.
NHS_NUMBER_CAPACITY = 909_091
_SERIALS = 1_000_000


def without_nhs_number(people: int) -> int:
    """How many of a district of `people` have no NHS number: those beyond the 999 range's capacity."""
    return max(0, people - NHS_NUMBER_CAPACITY)


def nhs_numbers(start: int = 0):
    """Every valid NHS number in the 999 test range exactly once: from prefix 999+`start` upwards,
    then round from 999 000 000 back up to it, skipping prefixes that need check digit 10."""
    if not 0 <= start < _SERIALS:
        raise ValueError(f"start must be a six-digit serial, not {start}")
    for serial in itertools.chain(range(start, _SERIALS), range(start)):
        first_nine = f"999{serial:06d}"
        digit = nhs_number.check_digit(first_nine)
        if digit is not None:
            yield first_nine + str(digit)


def allocate_nhs_numbers(start: int = 0) -> Iterator[Optional[str]]:
    """One NHS number per person, in order: every valid number of the 999 test range once (as
    `nhs_numbers`), then None ("not known") for everyone after the first NHS_NUMBER_CAPACITY. No
    number outside the 999 range is ever made up."""
    yield from nhs_numbers(start)
    yield from itertools.repeat(None)


def _phone(rng: random.Random) -> str:
    return f"01632 9{rng.randint(60000, 60999):05d}"[:12]


def ods_code(agency_id: int) -> str:
    """A synthetic ODS code (OP and five digits): the shape other systems name an organisation by,
    never a real organisation's code."""
    return f"OP{agency_id:05d}"


def build(session: Session, people: int, seed: int, password_hash: str, today: date, echo=lambda message: None, progress=None) -> Built:
    """Write the whole district into an empty database; raises DistrictNotEmpty otherwise. People
    beyond the 999 range's NHS_NUMBER_CAPACITY have no NHS number (`allocate_nhs_numbers`).
    `progress(done)` hears how many people are written, after each chunk (else `echo` a line)."""
    if holds_data(session):
        raise DistrictNotEmpty()
    rng = random.Random(seed)
    built = Built()
    created = datetime.combine(today, datetime.min.time(), tzinfo=UTC) - timedelta(days=400)

    networks: list[dict[str, Any]] = []
    agencies: list[dict[str, Any]] = []
    for index, (name, town, _outward) in enumerate(NETWORKS, start=1):
        networks.append(dict(id=index, name=name, hub_name=f"{town} hub"))
    practice_names = iter(rng.sample(PRACTICE_WORDS, 40))
    agency_id = 0

    def add_agency(name, kind, network_id=None):
        nonlocal agency_id
        agency_id += 1
        agencies.append(
            dict(id=agency_id, name=name, kind=kind.value, network_id=network_id, phone=_phone(rng), ods_code=ods_code(agency_id))
        )
        return agency_id

    practices_by_network: dict[int, list[int]] = {}
    nursing, matrons = {}, {}
    for network in networks:
        count = 6 if network["id"] <= 5 else 5  # 40 practices across 7 networks
        practices_by_network[network["id"]] = [
            add_agency(f"{next(practice_names)} Surgery", AgencyKind.gp_practice, network["id"]) for _ in range(count)
        ]
        nursing[network["id"]] = add_agency(f"{network['name']} Community Nursing", AgencyKind.community_nursing, network["id"])
        matrons[network["id"]] = add_agency(f"{network['name']} Community Matrons", AgencyKind.community_matron, network["id"])
    district = {
        "social_care": add_agency("Wakefield Adult Social Care", AgencyKind.social_care),
        "therapy": add_agency("Community Therapy Services", AgencyKind.therapy),
        "voluntary": [
            add_agency(n, AgencyKind.voluntary) for n in ("Later Life Companions", "District Carers' Centre", "Good Neighbours Scheme")
        ],
        "pharmacy": [
            add_agency(n, AgencyKind.pharmacy)
            for n in ("Market Street Pharmacy", "Castle Chemist", "Riverside Pharmacy", "Valley Pharmacy")
        ],
        "hospital": add_agency("Pinderfield Park General Hospital", AgencyKind.hospital),
        "mental_health": add_agency("Older People's Mental Health Service", AgencyKind.mental_health),
        "spa": add_agency("Single Point of Access", AgencyKind.spa_hub),
        "administration": add_agency("OnePlan Administration", AgencyKind.spa_hub),
    }
    bulk.insert_rows(session, Network, networks)
    bulk.insert_rows(session, Agency, agencies)
    built.networks, built.agencies = len(networks), len(agencies)
    built.by_kind = {}
    for row in agencies:
        built.by_kind[row["kind"]] = built.by_kind.get(row["kind"], 0) + 1

    users, user_id = [], 0
    staff_by_agency: dict[int, list[int]] = {}

    def add_user(username, full_name, role, profession, agency, network_id=None):
        nonlocal user_id
        user_id += 1
        users.append(
            dict(
                id=user_id,
                username=username,
                password_hash=password_hash,
                full_name=full_name,
                agency_id=agency,
                role=role.value,
                profession=profession.value,
                network_id=network_id,
                is_active=True,
                failed_sign_ins=0,
                last_failed_sign_in_at=None,
                created_at=created,
            )
        )
        if role is Role.practitioner:
            staff_by_agency.setdefault(agency, []).append(user_id)
        return user_id

    demo_ids = {}
    for username, full_name, role, profession, where in DEMO_SIGN_INS:
        kind, _, network_name = where.partition(":")
        network_id = next((n["id"] for n in networks if n["name"] == network_name), None)
        agency = {
            "spa": district["spa"],
            "social_care": district["social_care"],
            "therapy": district["therapy"],
            "administration": district["administration"],
            "nursing": nursing.get(network_id),
            "practice": practices_by_network[network_id][0] if network_id is not None else None,
        }[kind]
        home = network_id if kind in ("nursing", "practice") else (1 if kind in ("social_care", "therapy") else None)
        demo_ids[username] = add_user(username, full_name, role, profession, agency, home)

    def person_name():
        return f"{rng.choice(GIVEN_NAMES)} {rng.choice(FAMILY_NAMES)}"

    def staff(prefix, count, role, profession, agency, network_id=None):
        for n in range(1, count + 1):
            add_user(f"{prefix}{n}", person_name(), role, profession, agency, network_id)

    for network in networks:
        # One slug per network ("wakefield-north", "normanton-and-airedale"): usernames must be unique.
        slug = "-".join(network["name"].lower().split())
        staff(f"nurse.{slug}.", 6, Role.practitioner, Profession.district_nurse, nursing[network["id"]], network["id"])
        staff(f"matron.{slug}.", 2, Role.practitioner, Profession.community_matron, matrons[network["id"]], network["id"])
        staff(f"gp.{slug}.", 3, Role.practitioner, Profession.gp, practices_by_network[network["id"]][1], network["id"])
        staff(f"support.{slug}.", 2, Role.practitioner, Profession.support_worker, nursing[network["id"]], network["id"])
        if network["id"] != 1:
            add_user(
                f"lead.{slug}",
                f"Dr {person_name()}",
                Role.network_lead,
                Profession.gp,
                practices_by_network[network["id"]][0],
                network["id"],
            )
    for n, network in enumerate(networks * 2, start=1):
        add_user(f"socialworker{n}", person_name(), Role.practitioner, Profession.social_worker, district["social_care"], network["id"])
    for n, network in enumerate(networks, start=1):
        add_user(f"ot{n}", person_name(), Role.practitioner, Profession.occupational_therapist, district["therapy"], network["id"])
        add_user(f"physio{n}", person_name(), Role.practitioner, Profession.physiotherapist, district["therapy"], network["id"])
    for n, agency in enumerate(district["voluntary"], start=1):
        staff(f"volunteer{n}.", 2, Role.practitioner, Profession.voluntary_sector_worker, agency)
    for n, agency in enumerate(district["pharmacy"], start=1):
        add_user(f"pharmacist{n}", person_name(), Role.practitioner, Profession.pharmacist, agency)
    staff("mhnurse", 3, Role.practitioner, Profession.mental_health_nurse, district["mental_health"])
    staff("spa.coordinator", 5, Role.spa_coordinator, Profession.care_coordinator, district["spa"])
    staff("manager", 1, Role.practitioner, Profession.manager, district["hospital"])
    staff("sysadmin", 1, Role.administrator, Profession.administrator, district["administration"])
    bulk.insert_rows(session, User, users)
    built.users = len(users)
    session.commit()
    echo(f"directory: {built.networks} networks, {built.agencies} agencies, {built.users} staff")

    numbers = allocate_nhs_numbers(rng.randint(0, 200_000))
    team_rows, member_id, person_rows = [], 0, []
    caseload_share = 0.12
    demo_nurse_quota = 40
    held: dict[int, int] = {}  # named cases a practitioner holds, up to CASELOAD_MOST

    def has_room(user: int) -> bool:
        return held.get(user, 0) < CASELOAD_MOST

    def allocated(user: Optional[int]) -> Optional[int]:
        """`user`, counted against their caseload; None (no one named) when it is full."""
        if user is None or not has_room(user):
            return None
        held[user] = held.get(user, 0) + 1
        return user

    # Social care's other cases go to the demo social worker's colleagues, never to them.
    colleagues = {district["social_care"]: [u for u in staff_by_agency[district["social_care"]] if u != demo_ids["socialworker"]]}
    weights = [16, 16, 14, 14, 14, 13, 13]
    pools = postcode_pools(
        {network["id"]: people * weight // sum(weights) for network, weight in zip(networks, weights, strict=True)},
        {network["id"]: NETWORKS[network["id"] - 1][2] for network in networks},
    )
    for person_id in range(1, people + 1):
        network = rng.choices(networks, weights=weights)[0]
        town = NETWORKS[network["id"] - 1][1]
        practice = rng.choice(practices_by_network[network["id"]])
        given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
        age = int(rng.triangular(18, 100, 82))
        born = today - timedelta(days=age * 365 + rng.randint(0, 364))
        postcode = rng.choice(pools[network["id"]])
        has_kin = rng.random() < 0.7
        person_rows.append(
            dict(
                id=person_id,
                nhs_number=next(numbers),
                given_name=given,
                family_name=family,
                given_name_key=name_key(given),
                family_name_key=name_key(family),
                date_of_birth=born,
                address_line_1=f"{rng.randint(1, 180)} {rng.choice(STREETS)}",
                address_line_2=None,
                town=town,
                postcode=format_postcode(postcode),
                postcode_key=postcode_key(postcode),
                phone=_phone(rng),
                gp_practice_id=practice,
                communication_needs=rng.choice(COMMUNICATION_NEEDS) if rng.random() < 0.08 else None,
                next_of_kin_name=f"{rng.choice(GIVEN_NAMES)} {family}" if has_kin else None,
                next_of_kin_relationship=rng.choice(RELATIONSHIPS) if has_kin else None,
                next_of_kin_phone=_phone(rng) if has_kin else None,
                carer_name=f"{rng.choice(GIVEN_NAMES)} {family}" if rng.random() < 0.15 else None,
                carer_phone=None,
                created_at=created,
            )
        )
        if age >= 65 and rng.random() < caseload_share * 1.4 or (network["id"] == 1 and demo_nurse_quota > 0 and age >= 75):
            built.caseload_people += 1
            if network["id"] == 1 and demo_nurse_quota > 0:
                key_worker = demo_ids["nurse"]
                demo_nurse_quota -= 1
            else:
                key_worker = rng.choice(staff_by_agency[nursing[network["id"]]])
            member_id += 1
            team_rows.append(
                dict(
                    id=member_id,
                    person_id=person_id,
                    agency_id=nursing[network["id"]],
                    user_id=allocated(key_worker),
                    role="District nursing",
                    is_key_worker=True,
                    joined_at=created,
                    left_at=None,
                )
            )
            others = rng.sample(["social_care", "therapy", "voluntary", "matron", "pharmacy", "practice"], rng.randint(1, 3))
            for other in others:
                agency, named, team_role = {
                    "social_care": (district["social_care"], True, "Social work"),
                    "therapy": (district["therapy"], rng.random() < 0.6, "Occupational therapy"),
                    "voluntary": (rng.choice(district["voluntary"]), False, "Befriending and practical help"),
                    "matron": (matrons[network["id"]], True, "Community matron"),
                    "pharmacy": (rng.choice(district["pharmacy"]), False, "Medicines support"),
                    "practice": (practice, False, "GP practice"),
                }[other]
                user = None
                if named and staff_by_agency.get(agency):
                    if other == "social_care" and has_room(demo_ids["socialworker"]) and rng.random() < 0.15:
                        user = allocated(demo_ids["socialworker"])
                    else:
                        user = allocated(rng.choice(colleagues.get(agency, staff_by_agency[agency])))
                member_id += 1
                team_rows.append(
                    dict(
                        id=member_id,
                        person_id=person_id,
                        agency_id=agency,
                        user_id=user,
                        role=team_role,
                        is_key_worker=False,
                        joined_at=created,
                        left_at=None,
                    )
                )
        if len(person_rows) >= CHUNK:
            _flush(session, person_rows, team_rows)
            if progress is not None:
                progress(person_id)
            else:
                echo(f"people: {person_id:,} / {people:,}")
    _flush(session, person_rows, team_rows)
    if progress is not None:
        progress(people)
    built.people, built.care_team_rows = people, member_id
    _reset_sequences(session)
    echo(f"people: {people:,} ({built.caseload_people:,} on a caseload, {member_id:,} care-team rows)")
    return built


def _flush(session: Session, person_rows: list, team_rows: list) -> None:
    if person_rows:
        bulk.insert_rows(session, Person, person_rows)
    if team_rows:
        bulk.insert_rows(session, CareTeamMember, team_rows)
    bulk.commit(session)
    person_rows.clear()
    team_rows.clear()


def _reset_sequences(session: Session) -> None:
    """Rows were written with explicit ids: move PostgreSQL's id sequences past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("network", "agency", "user_account", "person", "care_team_member"):
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"))
    session.commit()
