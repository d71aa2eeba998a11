"""Demo care plans for the people whose single assessment has begun: needs taken from the
assessment's suggestions, goals in the person's words, actions across the agencies in their care
team in every state of the handshake, contacts, a crisis plan, and most of them agreed (some past
their review date). Every item has the revision that made it, so history and "changed since you
last looked" read as they would in use. Rows are written in bulk."""

import random
from datetime import date, datetime, timedelta
from typing import Optional

from sqlalchemy import func, select, text, update
from sqlmodel import Session, col

from app.care_plan import read_model
from app.demo import bulk
from app.demo.district import duty_workers, key_worker_of
from models import (
    ActionStatus,
    Agency,
    AgencyKind,
    Assessment,
    AssessmentSection,
    CarePlan,
    CarePlanAction,
    CarePlanContact,
    CarePlanGoal,
    CarePlanNeed,
    CarePlanPart,
    CarePlanRevision,
    CareTeamMember,
    Notification,
    Person,
    SuggestedNeed,
    User,
)

CHUNK = 2_000
TABLES = (
    ("plan", CarePlan),
    ("part", CarePlanPart),
    ("need", CarePlanNeed),
    ("goal", CarePlanGoal),
    ("action", CarePlanAction),
    ("contact", CarePlanContact),
    ("revision", CarePlanRevision),
    ("notification", Notification),
)

# For each kind of need (by the rule that suggested it): which kind of agency usually takes it on,
# what it does, and the goals people set, in their own words.
S, T, P, V, M, G, N = (
    AgencyKind.social_care,
    AgencyKind.therapy,
    AgencyKind.pharmacy,
    AgencyKind.voluntary,
    AgencyKind.community_matron,
    AgencyKind.gp_practice,
    AgencyKind.community_nursing,
)
CONTENT: dict[str, tuple[AgencyKind, list[str], list[str]]] = {
    "personal_care": (
        S,
        ["Arrange a morning care call to help with washing and dressing.", "Review the care package with the family."],
        ["I want to get washed and dressed without waiting all morning."],
    ),
    "social_care_package": (
        S,
        ["Complete a Care Act needs assessment.", "Set up a package of care: two calls a day."],
        ["I want to stay in my own home."],
    ),
    "carers_assessment": (S, ["Offer a carer's assessment to the main carer."], ["I want my daughter to get some rest."]),
    "safeguarding_referral": (S, ["Make a safeguarding enquiry and agree a protection plan."], ["I want to feel safe at home."]),
    "falls_prevention": (
        T,
        ["Strength and balance exercises, six weeks.", "Check the home for trip hazards."],
        ["I want to stop falling."],
    ),
    "ot_home_assessment": (T, ["Home visit to assess for a second stair rail and a bath board."], ["I want to get upstairs safely."]),
    "community_alarm": (T, ["Arrange a pendant alarm and a key safe."], ["I want to be able to call someone if I fall."]),
    "medicines_review": (
        P,
        ["Structured medicines review.", "Set up a weekly blister pack and check it is being used."],
        ["I want to understand my tablets."],
    ),
    "loneliness_support": (
        V,
        ["Weekly befriending visit.", "Take to the Tuesday lunch club."],
        ["I want to feel less lonely in the evenings."],
    ),
    "welfare_benefits": (V, ["Check benefits and help to claim Attendance Allowance."], ["I want to manage my money without worrying."]),
    "frailty_review": (M, ["Frailty review at home."], ["I want to stay as well as I can this winter."]),
    "case_management": (M, ["Visit weekly and coordinate the care team."], ["I want one person to ring when things go wrong."]),
    "memory_assessment": (G, ["Refer to the memory assessment service."], ["I want to know what is happening with my memory."]),
    "mood_support": (G, ["GP review of mood and medication."], ["I want to enjoy things again."]),
    "urgent_mental_health_review": (G, ["Same-day GP and mental health review."], ["I want to feel safe."]),
    "pain_review": (G, ["Review pain relief."], ["I want to sleep through the night without pain."]),
    "tissue_viability": (N, ["Dress the leg ulcer twice a week.", "Check pressure areas at each visit."], ["I want my leg to heal."]),
    "continence_assessment": (N, ["Continence assessment and supply of products."], ["I want to go out without worrying."]),
    "nutrition_review": (N, ["Weekly weight and food chart.", "Refer to the dietitian."], ["I want to get my appetite back."]),
}
GENERIC_GOALS = ["I want to stay in my own home.", "I want to get to the shops on my own again.", "I want to get back to the allotment."]
FREQUENCY = ["Daily", "Twice a week", "Weekly", "Once", "Every morning", "Fortnightly"]
# A crisis plan's warning signs with what to do about them, as one pair, so the advice fits the sign
# (no rescue inhaler for a heart-failure warning); in words that fit anyone.
CRISIS_PLANS = [
    (
        "More breathless than usual, or new swelling in the ankles.",
        "Sit upright, weigh each morning, and call the district nurses the same day.",
    ),
    ("Confused or more muddled than usual, or not eating.", "Call the district nurses first. If the person cannot be woken, call 999."),
    ("Sugar readings above 15 two days running.", "Check the blood sugar again in an hour; if it is still high, ring the nurses."),
    ("A fall, even without an injury.", "Do not lift them alone: call the district nurses, or 999 if hurt or unable to get up."),
    ("Not passing much water, or a fever.", "Offer drinks often and call the district nurses the same day."),
]
# Handshake states in the mix the demo shows, with their weights.
STATES = [
    (ActionStatus.requested, 18),
    (ActionStatus.accepted, 14),
    (ActionStatus.in_progress, 30),
    (ActionStatus.done, 22),
    (ActionStatus.declined, 8),
    (ActionStatus.cancelled, 8),
]


def add_care_plans(session: Session, seed: int, now: datetime, echo=lambda message: None, progress=None) -> int:
    """A care plan for everyone whose assessment has begun, built by their care team.
    `progress(done, total)` hears how many of the assessed people are done after each chunk (else
    `echo` a line of the plans made)."""
    rng = random.Random(seed * 7919 + 11)
    today = now.date()
    agencies = {a.id: a for a in session.execute(select(Agency)).scalars()}
    users = {u.id: u for u in session.execute(select(User)).scalars()}
    duty = duty_workers(session)
    teams: dict[int, list[tuple[int, Optional[int], bool, str]]] = {}
    for person_id, agency_id, user_id, key, role in session.execute(
        select(
            col(CareTeamMember.person_id),
            col(CareTeamMember.agency_id),
            col(CareTeamMember.user_id),
            col(CareTeamMember.is_key_worker),
            col(CareTeamMember.role),
        )
        .where(col(CareTeamMember.left_at).is_(None))
        .order_by(col(CareTeamMember.person_id), col(CareTeamMember.id))
    ):
        teams.setdefault(person_id, []).append((agency_id, user_id, key, role))
    suggestions: dict[int, list] = {}
    for row in session.execute(
        select(
            col(SuggestedNeed.id),
            col(SuggestedNeed.person_id),
            col(SuggestedNeed.rule_key),
            col(SuggestedNeed.need),
            col(SuggestedNeed.answer),
        )
        .where(col(SuggestedNeed.status) == "suggested")
        .order_by(col(SuggestedNeed.id))
    ):
        suggestions.setdefault(row.person_id, []).append(row)
    what_matters = dict(
        session.execute(
            select(col(Assessment.person_id), col(AssessmentSection.answers))
            .join(AssessmentSection, col(AssessmentSection.assessment_id) == Assessment.id)
            .where(col(AssessmentSection.section_key) == "perspective")
        ).all()
    )
    opened = dict(session.execute(select(col(Assessment.person_id), col(Assessment.opened_at))).all())
    details = {
        row.id: row
        for row in session.execute(
            select(
                col(Person.id),
                col(Person.next_of_kin_name),
                col(Person.next_of_kin_relationship),
                col(Person.next_of_kin_phone),
                col(Person.carer_name),
                col(Person.carer_phone),
                col(Person.communication_needs),
            ).where(col(Person.id).in_(select(col(Assessment.person_id))))
        )
    }
    have_plan = set(session.execute(select(col(CarePlan.person_id))).scalars())
    ids = {key: (session.execute(select(func.max(model.id))).scalar() or 0) for key, model in TABLES}
    rows: dict[str, list] = {key: [] for key, _ in TABLES}
    adopted: list[int] = []
    made = 0
    for looked_at, person_id in enumerate(sorted(opened), start=1):
        team = teams.get(person_id)
        key_worker = key_worker_of(team or [], duty, person_id)
        if key_worker is None or person_id in have_plan:
            continue
        person = details[person_id]
        plan = _Plan(
            rng,
            ids,
            rows,
            person_id,
            users,
            agencies,
            team,
            key_worker,
            max(opened[person_id], now - timedelta(days=300)) + timedelta(days=rng.randint(1, 20)),
            now,
        )
        plan.parts(what_matters.get(person_id) or {}, person, today)
        for suggestion in suggestions.get(person_id, []):
            if rng.random() < 0.75:
                adopted.append(suggestion.id)
                plan.need(suggestion, today)
        plan.contacts(person)
        plan.finish(today)
        made += 1
        if len(rows["plan"]) >= CHUNK:
            _flush(session, rows, adopted)
            if progress is not None:
                progress(looked_at, len(opened))
            else:
                echo(f"care plans: {made:,}")
    _flush(session, rows, adopted)
    if progress is not None:
        progress(len(opened), len(opened))
    _reset_sequences(session)
    echo(f"care plans: {made:,}")
    return made


class _Plan:
    """One person's plan as it is written: each change takes the next plan version and a revision."""

    def __init__(self, rng, ids, rows, person_id, users, agencies, team, key_worker, started, now):
        self.rng, self.ids, self.rows, self.users, self.agencies, self.team = rng, ids, rows, users, agencies, team
        # Version 1 is the plan as opened; each change takes the next, as in the app.
        self.person_id, self.key_worker, self.moment, self.now, self.version = person_id, key_worker, started, now, 1
        self.started = started
        ids["plan"] += 1
        self.plan_id = ids["plan"]

    def _next(self, item_type: str, item_key, values: dict, summary: str, by: int, changed=None) -> dict:
        """Take the next plan version: a revision, and the stamp the item carries."""
        self.version += 1
        self.moment = min(self.moment + timedelta(hours=self.rng.randint(1, 60), minutes=self.rng.randint(0, 59)), self.now)
        self.ids["revision"] += 1
        agency = self.users[by].agency_id
        self.rows["revision"].append(
            dict(
                id=self.ids["revision"],
                care_plan_id=self.plan_id,
                plan_version=self.version,
                item_type=item_type,
                item_key=str(item_key),
                values=values,
                changed=list(values) if changed is None else changed,
                summary=summary[:300],
                saved_by_id=by,
                saved_agency_id=agency,
                saved_at=self.moment,
            )
        )
        return dict(changed_in=self.version, updated_by_id=by, updated_agency_id=agency, updated_at=self.moment)

    def _writer(self, kind: Optional[AgencyKind] = None) -> int:
        named = [user for agency, user, _, _ in self.team if user and (kind is None or self.agencies[agency].kind is kind)]
        return self.rng.choice(named) if named else self.key_worker

    def parts(self, perspective: dict, person, today: date) -> None:
        rng = self.rng
        agreed = rng.random() < 0.7
        answers = {
            "about_me": {
                k: v
                for k, v in {
                    "what_matters": perspective.get("what_matters"),
                    "about_me": rng.choice(
                        [
                            "Likes a cup of tea before anything else.",
                            "Early riser; has breakfast at 7.",
                            "Proud and independent; ask before helping.",
                            None,
                        ]
                    ),
                    "communication": person.communication_needs,
                }.items()
                if v
            },
            "contingency": {
                "early_warning_signs": (crisis := rng.choice(CRISIS_PLANS))[0],
                "what_to_do": crisis[1],
                "call_first": f"{self.agencies[self._key_agency()].name}, {self.agencies[self._key_agency()].phone} (8am to 10pm)",
            }
            if rng.random() < 0.8
            else {},
            "advance_care": {
                "preferred_place_of_care": rng.choice(["home", "home", "care_home", "not_decided"]),
                "preferred_place_of_death": rng.choice(["home", "hospice", "not_decided", "does_not_wish_to_discuss"]),
                "respect_form": rng.choice(["respect", "none", "not_known"]),
                "lasting_power_of_attorney": rng.choice(["health_and_welfare", "both", "none", "not_known"]),
            }
            if rng.random() < 0.5
            else {},
        }
        agreed_on = min(self.moment.date() + timedelta(days=rng.randint(2, 30)), today)
        review = agreed_on + timedelta(days=rng.choice([42, 90, 90, 180, 365]))
        answers["agreement"] = (
            {
                "agreed_on": agreed_on.isoformat(),
                "agreed_how": rng.choice(["in_person", "with_carer", "by_phone"]),
                "review_due_on": review.isoformat(),
            }
            if agreed
            else {}
        )
        self.review_due_on = review if agreed else None
        self.agreed_on = agreed_on if agreed else None
        for section in read_model.parts().sections:
            values = answers[section.key]
            self.ids["part"] += 1
            if section.key == "agreement" and values:
                self.agreement_row = dict(
                    id=self.ids["part"],
                    care_plan_id=self.plan_id,
                    part_key=section.key,
                    answers={},
                    version=0,
                    created_by_id=self.key_worker,
                    created_at=self.moment,
                    **self._unwritten(),
                )
                self.rows["part"].append(self.agreement_row)
                continue  # written last, once the rest of the plan is in place
            stamp = self._next("part", section.key, values, f"{section.title} updated", self.key_worker) if values else self._unwritten()
            self.rows["part"].append(
                dict(
                    id=self.ids["part"],
                    care_plan_id=self.plan_id,
                    part_key=section.key,
                    answers=values,
                    version=1 if values else 0,
                    created_by_id=self.key_worker,
                    created_at=self.moment,
                    **stamp,
                )
            )
        self.agreement = answers["agreement"]

    def _unwritten(self) -> dict:
        return dict(changed_in=1, updated_by_id=None, updated_agency_id=None, updated_at=self.moment)

    def _key_agency(self) -> int:
        return next(agency for agency, _, key, _ in self.team if key)

    def need(self, suggestion, today: date) -> None:
        rng = self.rng
        self.ids["need"] += 1
        need_id = self.ids["need"]
        values = {"need": suggestion.need, "detail": None, "status": "active", "from_assessment": suggestion.answer}
        stamp = self._next("need", need_id, values, f"Need added from the assessment: {suggestion.need}", self.key_worker)
        self.rows["need"].append(
            dict(
                id=need_id,
                care_plan_id=self.plan_id,
                need=suggestion.need,
                detail=None,
                status="active",
                suggested_need_id=suggestion.id,
                version=1,
                created_by_id=self.key_worker,
                created_at=self.moment,
                **stamp,
            )
        )
        if rng.random() < 0.7:
            self.ids["goal"] += 1
            goal = rng.choice(CONTENT[suggestion.rule_key][2] if suggestion.rule_key in CONTENT else GENERIC_GOALS)
            target = today + timedelta(days=rng.randint(-20, 120))
            status = rng.choice(["proposed", "active", "active", "achieved"])
            values = {"goal": goal, "target_on": target.isoformat(), "status": status}
            stamp = self._next("goal", self.ids["goal"], values, f"Goal added: {goal}", self.key_worker)
            self.rows["goal"].append(
                dict(
                    id=self.ids["goal"],
                    care_plan_id=self.plan_id,
                    need_id=need_id,
                    goal=goal,
                    target_on=target,
                    status=status,
                    version=1,
                    created_by_id=self.key_worker,
                    created_at=self.moment,
                    **stamp,
                )
            )
        for _ in range(rng.choice([1, 1, 2])):
            kind, texts, _ = CONTENT.get(suggestion.rule_key, (None, [f"Follow up: {suggestion.need.lower()}."], []))
            self.action(need_id, kind, rng.choice(texts), today)

    def action(self, need_id: int, kind: Optional[AgencyKind], description: str, today: date) -> None:
        rng = self.rng
        in_team = [agency for agency, _, _, _ in self.team if kind is None or self.agencies[agency].kind is kind]
        owner = rng.choice(in_team) if in_team else self._key_agency()
        named = [user for agency, user, _, _ in self.team if agency == owner and user]
        owner_user = named[0] if named and rng.random() < 0.5 else None
        status = rng.choices([s for s, _ in STATES], weights=[w for _, w in STATES])[0]
        start = today + timedelta(days=rng.randint(-40, 10))
        due = start + timedelta(days=rng.randint(3, 60))
        requester = self.key_worker if owner != self._key_agency() or rng.random() < 0.5 else self._writer()
        self.ids["action"] += 1
        action_id = self.ids["action"]
        names = {"owner": self.agencies[owner].name, "owner_user": self.users[owner_user].full_name if owner_user else None}
        values = {
            "description": description,
            "frequency": rng.choice(FREQUENCY),
            "start_on": start.isoformat(),
            "due_on": due.isoformat(),
            **names,
            "status": "requested",
            "status_reason": None,
        }
        stamp = self._next("action", action_id, values, f"Action added: {description}", requester)
        responder = owner_user or next((u for a, u, _, _ in self.team if a == owner and u), None) or self.key_worker
        reason, responded_at, completed_at = None, None, None
        if status is not ActionStatus.requested:
            reason = {
                ActionStatus.declined: "We have no capacity in this area until next month; please ask the voluntary sector.",
                ActionStatus.cancelled: "No longer needed: the family have arranged this.",
            }.get(status)
            values = {**values, "status": status.value, "status_reason": reason}
            stamp = self._next(
                "action",
                action_id,
                values,
                f"Action {status.label.lower()} by {names['owner']}: {description}",
                responder,
                changed=["status"] + (["status_reason"] if reason else []),
            )
            responded_at = stamp["updated_at"]
            completed_at = responded_at if status is ActionStatus.done else None
        elif rng.random() < 0.6:
            self.ids["notification"] += 1
            self.rows["notification"].append(
                dict(
                    id=self.ids["notification"],
                    user_id=owner_user,
                    agency_id=None if owner_user else owner,
                    person_id=self.person_id,
                    kind="action_requested",
                    message=f"{self.users[requester].full_name} asked {names['owner_user'] or names['owner']} "
                    f"to do something for a person in their care: {description}",
                    link_endpoint="care_plan.show",
                    link_args={"person_id": self.person_id, "_anchor": f"action-{action_id}"},
                    created_at=self.moment,
                    read_at=None,
                    topic=None,
                )
            )
        self.rows["action"].append(
            dict(
                id=action_id,
                care_plan_id=self.plan_id,
                need_id=need_id,
                person_id=self.person_id,
                description=description,
                owner_agency_id=owner,
                owner_user_id=owner_user,
                frequency=values["frequency"],
                start_on=start,
                due_on=due,
                status=status.value,
                status_reason=reason,
                requested_by_id=requester,
                responded_by_id=responder if responded_at else None,
                responded_at=responded_at,
                completed_at=completed_at,
                version=2 if responded_at else 1,
                created_by_id=requester,
                created_at=self.moment,
                **stamp,
            )
        )

    def contacts(self, person) -> None:
        key_agency = self.agencies[self._key_agency()]
        people = []
        if person.next_of_kin_name:
            people.append(
                ("personal", person.next_of_kin_name, person.next_of_kin_relationship, None, person.next_of_kin_phone, "Any time", True)
            )
        if person.carer_name:
            people.append(("personal", person.carer_name, "Carer", None, person.carer_phone, "Evenings and weekends", True))
        people.append(
            ("professional", key_agency.name, "District nursing team", key_agency.name, key_agency.phone, "8am to 10pm, every day", True)
        )
        practice = next((self.agencies[a] for a, _, _, _ in self.team if self.agencies[a].kind is AgencyKind.gp_practice), None)
        if practice:
            people.append(("professional", practice.name, "GP practice", practice.name, practice.phone, "Weekdays 8am to 6:30pm", False))
        people.append(("professional", "NHS 111", "Urgent advice", None, "111", "Evenings, nights and weekends", True))
        for kind, name, relationship, organisation, phone, when, out_of_hours in people:
            self.ids["contact"] += 1
            values = {
                "kind": kind,
                "name": name,
                "relationship": relationship,
                "organisation": organisation,
                "phone": phone,
                "when_to_call": when,
                "out_of_hours": "yes" if out_of_hours else "no",
            }
            stamp = self._next("contact", self.ids["contact"], values, f"Contact added: {name}", self.key_worker)
            self.rows["contact"].append(
                dict(
                    id=self.ids["contact"],
                    care_plan_id=self.plan_id,
                    kind=kind,
                    name=name,
                    relationship=relationship,
                    organisation=organisation,
                    phone=phone,
                    when_to_call=when,
                    out_of_hours=out_of_hours,
                    active=True,
                    version=1,
                    created_by_id=self.key_worker,
                    created_at=self.moment,
                    **stamp,
                )
            )

    def finish(self, today: date) -> None:
        if self.agreement:
            stamp = self._next("part", "agreement", self.agreement, "Agreement and review updated", self.key_worker)
            self.agreement_row.update(answers=self.agreement, version=1, created_by_id=self.key_worker, **stamp)
        self.rows["plan"].append(
            dict(
                id=self.plan_id,
                person_id=self.person_id,
                opened_at=self.started,
                opened_by_id=self.key_worker,
                version=self.version,
                review_due_on=self.review_due_on,
                agreed_on=self.agreed_on,
                updated_at=self.moment,
                updated_by_id=self.key_worker,
            )
        )


def _flush(session: Session, rows: dict[str, list], adopted: list[int]) -> None:
    for key, model in TABLES:
        if rows[key]:
            bulk.insert_rows(session, model, rows[key])
            rows[key].clear()
    for start in range(0, len(adopted), 500):
        session.execute(
            update(SuggestedNeed)
            .where(col(SuggestedNeed.id).in_(adopted[start : start + 500]))
            .values(status="adopted")
            .execution_options(synchronize_session=False)
        )  # nothing of these is loaded: no need to look
    adopted.clear()
    bulk.commit(session)


def _reset_sequences(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    for _, model in TABLES:
        table = model.__tablename__
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"))
    session.commit()
