"""Demo data for the network at work: specialist hubs serving several networks (with referrals,
some accepted so the hub is in the care team), each network's fortnightly multidisciplinary
meetings (past ones decided, the next one with its agenda), and the discharge board (delay reasons,
gating actions, and people home). Built from the records already there, so it agrees with them."""

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.demo import bulk
from app.demo.district import ods_code as _ods_code
from app.network.discharge import NOT_ON_THE_BOARD
from models import (
    OPEN_ACTION_STATUSES,
    Agency,
    AgencyKind,
    AnticipatoryMedicines,
    CarePlanAction,
    CareTeamMember,
    DelayReason,
    DischargeGate,
    DischargeWait,
    HubNetwork,
    HubReferral,
    HubReferralStatus,
    MdtAgendaItem,
    MdtMeeting,
    Network,
    PalliativeEntry,
    PalliativeStage,
    Person,
    Profession,
    Referral,
    ReferralSource,
    Role,
    User,
)

# Each hub, its kind of agency, and how many of the seven networks it serves (the first ones, by id).
HUBS = [
    ("Wakefield Frailty Hub", AgencyKind.community_matron, 7),
    ("Falls Prevention Hub", AgencyKind.therapy, 4),
    ("Palliative Care at Home Hub", AgencyKind.community_nursing, 7),
    ("Heart Failure Hub", AgencyKind.community_nursing, 3),
    ("Respiratory Hub", AgencyKind.therapy, 4),
]
HUB_REASONS = {
    "Wakefield Frailty Hub": "Clinical Frailty Scale 6 and rising; a comprehensive geriatric assessment at home, please.",
    "Falls Prevention Hub": "Three falls in two months; strength and balance work and a home hazards check.",
    "Palliative Care at Home Hub": "Wishes to die at home; anticipatory medicines and a plan for the family overnight.",
    "Heart Failure Hub": "Ankles swelling and more breathless; diuretic review at home.",
    "Respiratory Hub": "COPD: two exacerbations this winter; rescue pack and pulmonary rehabilitation.",
}
QUESTIONS = [
    "Falls twice this month: is it still safe for them to live alone?",
    "Carer is exhausted: what respite can we offer?",
    "Weight loss and more confused: who should lead the memory assessment?",
    "Wants to die at home: is everything in place for the end of life?",
    "Three hospital admissions this year: how do we keep them at home?",
    "Medicines not being taken: would a pharmacy review and blister packs help?",
]
DECISIONS = [
    "Stay at home with more help: social care to review the package of care; therapy to assess for equipment.",
    "Refer to the frailty hub for a comprehensive geriatric assessment; key worker to review the plan in two weeks.",
    "Respite for the carer next month; the carers' centre to offer a carer's assessment.",
    "Agree the ReSPECT form with the family; just-in-case medicines to be prescribed.",
    "Pharmacy to review medicines and supply blister packs; district nurse to check at the next visit.",
    "No change: the plan is working. Discuss again only if things change.",
]
PLACES = ["{practice}, meeting room", "Online (Teams)", "{network} community hub"]
DELAY_WEIGHTS = {
    DelayReason.package_of_care: 35,
    DelayReason.equipment: 12,
    DelayReason.assessment: 15,
    DelayReason.housing: 6,
    DelayReason.family: 8,
    DelayReason.care_home: 10,
    DelayReason.transport: 4,
    DelayReason.medicines: 6,
    DelayReason.other: 4,
}
MEETINGS_BACK = 6  # fortnightly, so twelve weeks of meetings
AGENDA_SIZE = (4, 8)

# The sign-ins this part of the demo adds (printed by `demo-sign-ins` after the district's own).
DEMO_SIGN_INS = ("hub", "ooh")


def add_network_work(
    session: Session, seed: int, now: datetime, password_hash: str | None = None, echo=lambda message: None
) -> dict[str, int]:
    """Hubs and their referrals, meetings and their agendas, and the discharge board, for every network."""
    rng = random.Random(seed * 15 + 1)
    today = now.date()
    networks = list(session.exec(select(Network).order_by(col(Network.id))).all())
    lead = session.exec(select(User).where(User.role == Role.network_lead).order_by(col(User.id))).first()
    counts = {"hubs": 0, "hub referrals": 0, "meetings": 0, "people discussed": 0, "discharges recorded": 0}
    if not networks:
        return counts

    # Key workers' people by network: who the networks' meetings and hubs are about.
    caseload: dict[int, list[tuple[int, int | None]]] = {n.id: [] for n in networks if n.id is not None}
    for person_id, network_id, user_id in session.exec(
        select(CareTeamMember.person_id, Agency.network_id, CareTeamMember.user_id)
        .join(Person, col(Person.id) == CareTeamMember.person_id)
        .join(Agency, col(Agency.id) == Person.gp_practice_id)
        .where(col(CareTeamMember.is_key_worker).is_(True), col(CareTeamMember.left_at).is_(None))
        .order_by(col(CareTeamMember.person_id))
    ).all():
        if network_id in caseload:
            caseload[network_id].append((person_id, user_id))

    counts.update(_hubs(session, rng, networks, caseload, now, password_hash))
    counts.update(_meetings(session, rng, networks, caseload, lead, today, now))
    counts["discharges recorded"] = _discharges(session, rng, today, now, lead)
    counts["on palliative registers"] = _palliative(session, rng, caseload, now, password_hash)
    session.commit()
    echo(
        f"network work: {counts['hubs']} hubs, {counts['hub referrals']} hub referrals, {counts['meetings']} meetings, "
        f"{counts['people discussed']} people discussed, {counts['discharges recorded']} discharges on the boards, "
        f"{counts['on palliative registers']} on palliative care registers"
    )
    return counts


def _hubs(session, rng, networks, caseload, now, password_hash) -> dict[str, int]:
    hubs = []
    for name, kind, serves in HUBS:
        hub = Agency(name=name, kind=kind, phone=f"01924 {rng.randint(300000, 399999)}")
        session.add(hub)
        session.flush()
        assert hub.id is not None  # just flushed
        hub.ods_code = _ods_code(hub.id)
        hubs.append(hub)
        for network in networks[:serves]:
            assert network.id is not None
            session.add(HubNetwork(hub_agency_id=hub.id, network_id=network.id))
    if password_hash:
        frailty = hubs[0]
        assert frailty.id is not None
        session.add(
            User(
                username="hub",
                password_hash=password_hash,
                full_name="Harriet Ubanwa",
                agency_id=frailty.id,
                role=Role.practitioner,
                profession=Profession.community_matron,
                created_at=now,
            )
        )
    referrals, members = [], []
    for hub, (_name, _kind, serves) in zip(hubs, HUBS, strict=True):
        for network in networks[:serves]:
            people = caseload.get(network.id, [])
            for person_id, user_id in rng.sample(people, min(len(people), max(1, len(people) // 60))):
                referred = now - timedelta(days=rng.randint(1, 80), hours=rng.randint(0, 8))
                status = rng.choices(list(HubReferralStatus), weights=[25, 55, 10, 10])[0]
                row = dict(
                    person_id=person_id,
                    hub_agency_id=hub.id,
                    network_id=network.id,
                    reason=HUB_REASONS[hub.name],
                    status=status.value,
                    referred_by_id=user_id,
                    referred_at=referred,
                    responded_by_id=None,
                    responded_at=None if status is HubReferralStatus.requested else referred + timedelta(days=rng.randint(1, 5)),
                    response_note="Needs met by the community matrons" if status is HubReferralStatus.declined else None,
                    ended_at=None,
                    care_team_member_id=None,
                    version=1 if status is HubReferralStatus.requested else 2,
                )
                if status is HubReferralStatus.ended:
                    row["ended_at"] = row["responded_at"] + timedelta(days=rng.randint(7, 30))
                    if row["ended_at"] > now:
                        row.update(status=HubReferralStatus.accepted.value, ended_at=None)
                if row["status"] == HubReferralStatus.accepted.value:
                    members.append(
                        dict(
                            person_id=person_id,
                            agency_id=hub.id,
                            user_id=None,
                            role=hub.name,
                            is_key_worker=False,
                            joined_at=row["responded_at"],
                            left_at=None,
                        )
                    )
                referrals.append(row)
    if members:
        bulk.insert_rows(session, CareTeamMember, members)
    if referrals:
        bulk.insert_rows(session, HubReferral, referrals)
    session.flush()
    return {"hubs": len(hubs), "hub referrals": len(referrals)}


def _meetings(session, rng, networks, caseload, lead, today, now) -> dict[str, int]:
    """Fortnightly on the same weekday: six past meetings with decisions, and the next one with its agenda."""
    practices = dict(
        session.exec(
            select(Agency.network_id, func.min(Agency.name)).where(Agency.kind == AgencyKind.gp_practice).group_by(col(Agency.network_id))
        ).all()
    )
    meetings = discussed = 0
    next_day = today + timedelta(days=(3 - today.weekday()) % 7 or 7)  # the coming Thursday
    for network in networks:
        people = caseload.get(network.id, [])
        for back in range(MEETINGS_BACK, -1, -1):
            held_on = next_day - timedelta(weeks=2 * back)
            place = rng.choice(PLACES).format(practice=practices.get(network.id, "The surgery"), network=network.name)
            meeting = MdtMeeting(
                network_id=network.id,
                held_on=held_on,
                place=place,
                scheduled_by_id=lead.id if lead else None,
                scheduled_at=datetime.combine(held_on - timedelta(weeks=4), time(9), tzinfo=UTC),
            )
            session.add(meeting)
            session.flush()
            meetings += 1
            chosen = rng.sample(people, min(len(people), rng.randint(*AGENDA_SIZE)))
            rows = []
            for person_id, user_id in chosen:
                added = datetime.combine(held_on - timedelta(days=rng.randint(2, 10)), time(10), tzinfo=UTC)
                past = held_on < today
                rows.append(
                    dict(
                        meeting_id=meeting.id,
                        person_id=person_id,
                        question=rng.choice(QUESTIONS),
                        added_by_id=user_id,
                        added_at=min(added, now),
                        decision=rng.choice(DECISIONS) if past else None,
                        decided_by_id=lead.id if past and lead else None,
                        decided_at=datetime.combine(held_on, time(14), tzinfo=UTC) if past else None,
                        actions_created=0,
                        version=2 if past else 1,
                    )
                )
            if rows:
                bulk.insert_rows(session, MdtAgendaItem, rows)
                discussed += len(rows)
    session.flush()
    return {"meetings": meetings, "people discussed": discussed}


def _discharges(session, rng, today: date, now: datetime, lead) -> int:
    """Most ward referrals from before the last week are home; the rest wait, most with a reason and
    the person's open plan actions gating their discharge."""
    rows = session.exec(
        select(col(Referral.id), col(Referral.person_id), col(Referral.medically_optimised_on))
        .where(
            col(Referral.source) == ReferralSource.hospital_discharge,
            col(Referral.linked_to_id).is_(None),
            col(Referral.medically_optimised_on).is_not(None),
            col(Referral.status).not_in(NOT_ON_THE_BOARD),
        )
        .order_by(col(Referral.id))
    ).all()
    waits = []
    for referral_id, person_id, ready in rows:
        assert ready is not None
        age = (today - ready).days
        home_on = None
        if age > 7 and rng.random() < 0.9 or age > 3 and rng.random() < 0.4:
            home_on = min(ready + timedelta(days=int(rng.expovariate(1 / 4))), today)
        delayed = (home_on or today) - ready > timedelta(days=1)
        reason = rng.choices(list(DELAY_WEIGHTS), weights=list(DELAY_WEIGHTS.values()))[0] if delayed and rng.random() < 0.85 else None
        waits.append(
            dict(
                referral_id=referral_id,
                person_id=person_id,
                delay_reason=reason.value if reason else None,
                delay_note=None,
                home_on=home_on,
                updated_by_id=lead.id if lead else None,
                updated_at=now,
                version=1,
            )
        )
    if not waits:
        return 0
    bulk.insert_rows(session, DischargeWait, waits)
    session.flush()
    waiting = dict(session.exec(select(DischargeWait.person_id, DischargeWait.id).where(col(DischargeWait.home_on).is_(None))).all())
    if waiting:
        gates = []
        for action_id, person_id in session.exec(
            select(CarePlanAction.id, CarePlanAction.person_id)
            .join(DischargeWait, col(DischargeWait.person_id) == CarePlanAction.person_id)
            .where(col(DischargeWait.home_on).is_(None), col(CarePlanAction.status).in_(OPEN_ACTION_STATUSES))
            .order_by(col(CarePlanAction.id))
        ).all():
            if rng.random() < 0.5:
                gates.append(dict(wait_id=waiting[person_id], action_id=action_id))
        if gates:
            bulk.insert_rows(session, DischargeGate, gates)
    return len(waits)


def _palliative(session, rng, caseload, now, password_hash) -> int:
    """About one in twenty of each network's caseload on its palliative care register, at every stage;
    and the out-of-hours service, whose clinician reads their crisis summaries."""
    service = Agency(name="Wakefield Out-of-Hours Service", kind=AgencyKind.community_nursing, phone="01924 500500")
    session.add(service)
    session.flush()
    assert service.id is not None
    service.ods_code = _ods_code(service.id)
    if password_hash:
        session.add(
            User(
                username="ooh",
                password_hash=password_hash,
                full_name="Dr Omar Haddad",
                agency_id=service.id,
                role=Role.out_of_hours,
                profession=Profession.gp,
                created_at=now,
            )
        )
    rows = []
    for people in caseload.values():
        for person_id, user_id in rng.sample(people, len(people) // 20):
            stage = rng.choices(list(PalliativeStage), weights=[40, 30, 20, 10])[0]
            medicines = rng.choice(list(AnticipatoryMedicines))
            rows.append(
                dict(
                    person_id=person_id,
                    stage=stage.value,
                    anticipatory_medicines=medicines.value,
                    medicines_note="In the kitchen cupboard, with the chart" if medicines is AnticipatoryMedicines.in_home else None,
                    added_by_id=user_id,
                    added_at=now - timedelta(days=rng.randint(5, 200)),
                    updated_by_id=user_id,
                    updated_at=now - timedelta(days=rng.randint(0, 4)),
                    removed_at=None,
                    version=1,
                )
            )
    if rows:
        bulk.insert_rows(session, PalliativeEntry, rows)
    return len(rows)
