"""Demo assessments for the people on a caseload, in varied states and by varied authors.

Answers are generated from the assessment template itself (so they always fit it), shaped by
one frailty figure per person so that scores, bands and suggested needs hang together. Scores
and suggestions are computed by the same domain code the pages use. Rows are written in bulk.
"""

import random
from datetime import date, datetime, timedelta
from typing import Any, Optional

from sqlalchemy import func, select, text
from sqlmodel import Session, col

from app.assessment import needs, scoring
from app.demo import bulk
from app.demo.district import duty_workers, key_worker_of
from app.forms import questions, revisions
from models import Agency, AgencyKind, Assessment, AssessmentRevision, AssessmentSection, CareTeamMember, SuggestedNeed, User

CHUNK = 2_000
WORST_FIRST = ("barthel_", "loneliness")  # option lists that run from worst to best
YES_IS_WORSE = {
    "falls_last_year",
    "weight_loss",
    "memory_concerns",
    "safeguarding_concern",
    "lives_alone",
    "adaptations_needed",
    "care_act_impairment",
    "care_act_wellbeing",
}
YES_IS_BETTER = {"home_suitable", "key_safe", "benefits_check"}
# Who usually writes which section: the social worker and the OT add to the nurse's assessment.
WRITER_FOR = {
    "relationships": AgencyKind.social_care,
    "safety": AgencyKind.social_care,
    "environment": AgencyKind.therapy,
    "mental_health": None,
}
TEXT = {
    "what_matters": [
        "Staying in my own home with my cat.",
        "Getting to chapel on Sundays and seeing my friends there.",
        "Seeing my grandchildren every week.",
        "Keeping my garden going, even if I need help with it.",
        "Not going back into hospital.",
        "Being able to get to the shops and the market on my own.",
        "Having a proper wash every day; I hate feeling grubby.",
        "My allotment and my pigeons.",
    ],
    "strengths": [
        "Knows her own mind; very organised with her tablets.",
        "Good neighbours who check on him daily.",
        "Determined; walks to the corner shop every morning.",
        "Close family nearby; daughter visits daily.",
        "Still cooks for herself most days.",
        "Sense of humour; member of the bowls club.",
    ],
    "wishes": [
        "To stay at home as long as possible.",
        "To feel safer on the stairs.",
        "To be less lonely in the evenings.",
        "To get back to driving to the seaside.",
        "To have help with shopping and cleaning.",
    ],
    "conditions": [
        "Heart failure; type 2 diabetes.",
        "COPD; osteoarthritis of both knees.",
        "Parkinson's disease.",
        "Atrial fibrillation; previous stroke (2021).",
        "Chronic kidney disease stage 3; hypertension.",
        "Vascular dementia; hypertension.",
        "Osteoporosis; previous hip fracture.",
    ],
    "medicines": [
        "Ten regular medicines in a blister pack.",
        "Apixaban, bisoprolol, furosemide, metformin.",
        "Inhalers twice daily; paracetamol as needed.",
        "Co-careldopa four times a day; timing matters.",
        "Alendronic acid weekly; calcium and vitamin D.",
    ],
    "allergies": ["None known", "Penicillin (rash)", "Codeine (sickness)", "Elastoplast"],
    "gp_concerns": [
        "Weight falling since the summer.",
        "Two admissions with chest infections this year.",
        "Family worried about memory.",
        "Poorly controlled blood sugars.",
        "",
    ],
    "pain_where": ["Both knees", "Lower back", "Left hip", "Shoulders", "Feet"],
    "communication_needs": ["", "", "Hard of hearing: face him and speak clearly", "Prefers to speak Urdu", "Large print"],
    "contacts": [
        "Daughter Karen visits daily; son lives in Leeds.",
        "Neighbour Pat has a key.",
        "Goes to the lunch club on Tuesdays.",
        "Husband is main carer; church friends visit.",
    ],
    "carer_perspective": [
        "Daughter is exhausted and works full time.",
        "Husband manages but his own health is poor.",
        "Son wants more help in the mornings.",
        "Wife says nights are the hardest.",
    ],
    "safeguarding_details": ["Recent doorstep scam attempt.", "Concerns about a relative handling money."],
    "adaptations_details": [
        "Needs a second stair rail and a bath board.",
        "Grab rails by the toilet and front door.",
        "Would benefit from a stairlift assessment.",
    ],
}


def _choice_index(rng: random.Random, count: int, frailty: float, worst_first: bool) -> int:
    index = round(frailty * (count - 1) + rng.gauss(0, 0.7))
    index = min(max(index, 0), count - 1)
    return count - 1 - index if worst_first else index


def answer_for(rng: random.Random, question, frailty: float, today: date) -> Any:
    """A plausible answer to one template question for someone this frail (0 fit to 1 very frail)."""
    key, kind = question.key, question.type
    if kind in ("text", "long_text"):
        choices = TEXT.get(key)
        return rng.choice(choices) if choices else None
    if kind == "yes_no":
        worse = frailty * 0.8 + 0.05
        if key in YES_IS_WORSE:
            return "yes" if rng.random() < worse else "no"
        if key in YES_IS_BETTER:
            return "no" if rng.random() < worse else "yes"
        return rng.choice(["yes", "no"])
    if kind == "choice":
        values = [o.value for o in question.options]
        if key == "care_act_caring_for_child":
            return values[0]
        if key in ("housing", "smoking", "perspective_given_by", "dementia_diagnosis", "immunisations_up_to_date"):
            return rng.choice(values)
        return values[_choice_index(rng, len(values), frailty, key.startswith(WORST_FIRST))]
    if kind == "multi_choice":
        plain = [o.value for o in question.options if not o.exclusive]
        none = [o.value for o in question.options if o.exclusive]
        picked = [v for v in plain if rng.random() < frailty * 0.35]
        return picked or (none[:1] if none else [])
    if kind == "number":
        low = question.minimum or 0
        typical = {"admissions_last_year": 4 * frailty, "falls_count": 6 * frailty, "alcohol_units": 8}.get(key, 3)
        value = min(max(round(rng.expovariate(1 / max(typical, 0.5))), low), question.maximum or 1000)
        return int(value) if question.whole else float(value)
    if kind == "date":
        return (today - timedelta(days=rng.randint(10, 700))).isoformat()
    return None


def _agree_with_themselves(answers: dict) -> None:
    """A demo person's answers never contradict each other (the checks the assessment makes on a save):
    a fall in the year means at least one fall, a dementia diagnosis means memory concerns, no carer
    means nothing about how a carer copes."""
    if answers.get("falls_last_year") == "yes" and not answers.get("falls_count"):
        answers["falls_count"] = 1
    if answers.get("dementia_diagnosis") == "yes":
        answers["memory_concerns"] = "yes"
    if answers.get("has_carer") == "no":
        answers.pop("carer_coping", None)
        answers.pop("carer_perspective", None)


def add_assessments(session: Session, seed: int, now: datetime, echo=lambda message: None, progress=None) -> int:
    """Give about five in six people on a caseload an assessment: some complete (a few past review),
    most in progress, written section by section by the people in their care team.
    `progress(done, total)` hears how many people on a caseload are done after each chunk (else
    `echo` a line of the assessments made)."""
    rng = random.Random(seed * 104729 + 3)
    template = questions.template()
    today = now.date()
    kinds = dict(session.execute(select(col(Agency.id), col(Agency.kind))).all())
    agency_of = dict(session.execute(select(col(User.id), col(User.agency_id))).all())
    duty = duty_workers(session)
    teams: dict[int, list[tuple[int, Optional[int], bool]]] = {}
    for person_id, agency_id, user_id, key in session.execute(
        select(col(CareTeamMember.person_id), col(CareTeamMember.agency_id), col(CareTeamMember.user_id), col(CareTeamMember.is_key_worker))
        .where(col(CareTeamMember.left_at).is_(None))
        .order_by(col(CareTeamMember.person_id), col(CareTeamMember.id))
    ):
        teams.setdefault(person_id, []).append((agency_id, user_id, key))
    ids = {
        name: (session.execute(select(func.max(model.id))).scalar() or 0)
        for name, model in (("a", Assessment), ("s", AssessmentSection), ("r", AssessmentRevision), ("n", SuggestedNeed))
    }
    rows: dict[str, list] = {"a": [], "s": [], "r": [], "n": []}
    made = 0
    for looked_at, person_id in enumerate(sorted(teams), start=1):
        team = teams[person_id]
        key_worker = key_worker_of(team, duty, person_id)
        if key_worker is None or rng.random() < 0.15:
            continue  # not assessed yet
        frailty = min(max(rng.betavariate(2.2, 2.0), 0.0), 1.0)
        writers = {kinds.get(agency): user for agency, user, _ in team if user}
        opened = now - timedelta(days=rng.randint(3, 400), minutes=rng.randint(0, 600))
        complete = rng.random() < 0.4
        ids["a"] += 1
        assessment_id = ids["a"]
        answers_by_section: dict[str, dict] = {}
        revision_of: dict[str, int] = {}
        moment = opened
        for section in template.sections:
            if not complete and rng.random() < 0.45:
                ids["s"] += 1
                rows["s"].append(
                    dict(
                        id=ids["s"],
                        assessment_id=assessment_id,
                        section_key=section.key,
                        answers={},
                        version=0,
                        updated_by_id=None,
                        updated_agency_id=None,
                        updated_at=None,
                    )
                )
                continue
            wanted = WRITER_FOR.get(section.key)
            writer = writers.get(wanted) if wanted else None
            writer = writer or key_worker
            answers = {}
            for question in section.questions:
                value = answer_for(rng, question, frailty, today)
                if value not in (None, "", []):
                    answers[question.key] = value
            if answers.get("falls_last_year") == "no":
                answers.pop("falls_count", None)
            _agree_with_themselves(answers)
            versions = 2 if rng.random() < 0.25 else 1
            before: dict = {}
            for version in range(1, versions + 1):
                moment = min(moment + timedelta(days=rng.randint(0, 6), minutes=rng.randint(5, 300)), now)
                saved = answers if version == versions else {k: v for k, v in answers.items() if rng.random() < 0.7}
                author = writer if version == versions else key_worker
                ids["r"] += 1
                rows["r"].append(
                    dict(
                        id=ids["r"],
                        assessment_id=assessment_id,
                        section_key=section.key,
                        section_version=version,
                        answers=saved,
                        changed=revisions.changed_keys(before, saved),
                        saved_by_id=author,
                        saved_agency_id=agency_of.get(author),
                        saved_at=moment,
                    )
                )
                before = saved
            revision_of[section.key] = ids["r"]
            answers_by_section[section.key] = answers
            ids["s"] += 1
            rows["s"].append(
                dict(
                    id=ids["s"],
                    assessment_id=assessment_id,
                    section_key=section.key,
                    answers=answers,
                    version=versions,
                    updated_by_id=writer,
                    updated_agency_id=agency_of.get(writer),
                    updated_at=moment,
                )
            )
        completed_at: Optional[datetime] = None
        review_due: Optional[date] = None
        if complete:
            completed_at = min(moment + timedelta(days=1), now)
            review_due = completed_at.date() + timedelta(days=rng.choice([90, 180, 365]))
            ids["r"] += 1
            rows["r"].append(
                dict(
                    id=ids["r"],
                    assessment_id=assessment_id,
                    section_key="status",
                    section_version=2,
                    answers={"status": "complete", "review_due_on": review_due.isoformat()},
                    changed=["status", "review_due_on"],
                    saved_by_id=key_worker,
                    saved_agency_id=agency_of.get(key_worker),
                    saved_at=completed_at,
                )
            )
        rows["a"].append(
            dict(
                id=assessment_id,
                person_id=person_id,
                status="complete" if complete else "draft",
                template_version=template.version,
                opened_at=opened,
                opened_by_id=key_worker,
                completed_at=completed_at,
                completed_by_id=key_worker if complete else None,
                review_due_on=review_due,
                updated_at=moment if answers_by_section else None,
                version=2 if complete else 1,
            )
        )
        results = scoring.score_all(answers_by_section)
        for suggestion in needs.suggest(answers_by_section, results):
            ids["n"] += 1
            rows["n"].append(
                dict(
                    id=ids["n"],
                    assessment_id=assessment_id,
                    person_id=person_id,
                    rule_key=suggestion.rule_key,
                    need=suggestion.need[:200],
                    reason=suggestion.reason[:500],
                    section_key=suggestion.section_key,
                    source=suggestion.source[:80],
                    answer=suggestion.answer[:500],
                    revision_id=revision_of.get(suggestion.section_key),
                    status="suggested",
                    created_at=moment,
                    updated_at=moment,
                )
            )
        made += 1
        if len(rows["a"]) >= CHUNK:
            _flush(session, rows)
            if progress is not None:
                progress(looked_at, len(teams))
            else:
                echo(f"assessments: {made:,}")
    _flush(session, rows)
    if progress is not None:
        progress(len(teams), len(teams))
    _reset_sequences(session)
    echo(f"assessments: {made:,} for {len(teams):,} people on a caseload")
    return made


def _flush(session: Session, rows: dict[str, list]) -> None:
    for key, model in (("a", Assessment), ("s", AssessmentSection), ("r", AssessmentRevision), ("n", SuggestedNeed)):
        if rows[key]:
            bulk.insert_rows(session, model, rows[key])
            rows[key].clear()
    bulk.commit(session)


def _reset_sequences(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("assessment", "assessment_section", "assessment_revision", "suggested_need"):
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"))
    session.commit()
