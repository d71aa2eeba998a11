"""The single assessment over HTTP: view, edit in place, validation, no lost updates, history,
suggested needs, completion, access and audit, and a fixed number of queries per page."""

from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from models import (
    Assessment,
    AssessmentRevision,
    AssessmentSection,
    AuditEvent,
    AuditOutcome,
    Profession,
    SuggestedNeed,
)
from tests.factories import World, team_member, user

BASE = "/people/{}/assessment"
HTMX = {"HX-Request": "true"}
BARTHEL_LOW = {  # 2 + 2 + 0 + 1 + 1 + 1 + 1 + 1 + 1 + 0 = 10 of 20: needs help with personal care
    "barthel_bowels": "continent",
    "barthel_bladder": "continent",
    "barthel_grooming": "needs_help",
    "barthel_toilet": "needs_some_help",
    "barthel_feeding": "needs_help",
    "barthel_transfer": "major_help",
    "barthel_mobility": "wheelchair_independent",
    "barthel_dressing": "needs_help",
    "barthel_stairs": "needs_help",
    "barthel_bathing": "dependent",
}


@pytest.fixture
def world(db):
    return World(db)


@pytest.fixture
def started(client, auth, db, world):
    auth.sign_in("nurse")
    assert auth.post(BASE.format(world.person.id)).status_code == 302
    return db.exec(select(Assessment)).one()


def section_version(db, key):
    db.expire_all()
    return db.exec(select(AssessmentSection).where(AssessmentSection.section_key == key)).one().version


def save(auth, world, key, answers, version=0, htmx=False):
    return auth.post(f"{BASE.format(world.person.id)}/sections/{key}", {"version": str(version), **answers}, headers=HTMX if htmx else {})


def test_the_key_worker_starts_and_views_the_whole_assessment_and_the_view_is_audited(client, db, world, started):
    page = client.get(BASE.format(world.person.id))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for title in (
        "The person&#39;s perspective",
        "Clinical background",
        "Disease prevention",
        "Personal care and physical wellbeing",
        "Senses",
        "Mental health",
        "Relationships",
        "Safety",
        "Immediate environment and resources",
    ):
        assert title in body
    assert db.exec(select(func.count()).select_from(AssessmentSection)).one() == 9
    views = db.exec(select(AuditEvent).where(AuditEvent.person_id == world.person.id, AuditEvent.user_id == world.nurse.id)).all()
    assert any(e.action == "view_assessment" for e in views) and any(e.action == "open_assessment" for e in views)


def test_starting_twice_keeps_one_assessment(client, auth, db, world, started):
    assert auth.post(BASE.format(world.person.id)).status_code == 302
    assert db.exec(select(func.count()).select_from(Assessment)).one() == 1


def test_the_edit_form_is_a_fragment_for_htmx_and_a_page_without(client, world, started):
    url = f"{BASE.format(world.person.id)}/sections/perspective/edit"
    fragment = client.get(url, headers=HTMX).get_data(as_text=True)
    assert "<html" not in fragment and 'name="what_matters"' in fragment and 'id="section-perspective"' in fragment
    page = client.get(url).get_data(as_text=True)
    assert "<html" in page and 'name="what_matters"' in page


def test_a_save_is_attributed_kept_as_a_revision_and_leaves_other_sections_alone(client, auth, db, world, started):
    response = save(auth, world, "perspective", {"what_matters": "My garden", "perspective_given_by": "person"}, htmx=True)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "My garden" in body and "Last written by" in body and world.nursing.name in body and "<html" not in body
    revision = db.exec(select(AssessmentRevision)).one()
    assert revision.section_key == "perspective" and revision.saved_by_id == world.nurse.id
    assert revision.saved_agency_id == world.nursing.id and set(revision.changed) == {"what_matters", "perspective_given_by"}
    others = db.exec(select(AssessmentSection).where(AssessmentSection.section_key != "perspective")).all()
    assert all(s.version == 0 and s.answers == {} for s in others)
    # Without JavaScript the same save redirects back to the page at that section.
    plain = save(auth, world, "perspective", {"what_matters": "My garden and my cat"}, version=1)
    assert plain.status_code == 302 and plain.headers["Location"].endswith("#section-perspective")


def test_findings_become_suggested_needs_linked_to_their_answer(client, auth, db, world, started):
    assert save(auth, world, "physical", BARTHEL_LOW).status_code == 302
    assert save(auth, world, "prevention", {"falls_last_year": "yes", "falls_count": "3"}).status_code == 302
    suggestions = {s.rule_key: s for s in db.exec(select(SuggestedNeed))}
    personal = next(s for s in suggestions.values() if "personal care" in s.need.lower())
    assert personal.section_key == "physical" and "10" in personal.answer and personal.revision_id is not None
    falls = next(s for s in suggestions.values() if "fall" in s.need.lower())
    assert falls.section_key == "prevention"
    page = client.get(BASE.format(world.person.id)).get_data(as_text=True)
    assert personal.need in page and "Barthel" in page


def test_a_finding_that_no_longer_holds_withdraws_its_suggestion(client, auth, db, world, started):
    save(auth, world, "prevention", {"falls_last_year": "yes", "falls_count": "2"})
    save(auth, world, "prevention", {"falls_last_year": "no"}, version=1)
    db.expire_all()
    falls = [s for s in db.exec(select(SuggestedNeed)) if "fall" in s.need.lower()]
    assert falls and all(s.status == "withdrawn" for s in falls)


def test_a_saved_section_and_its_suggestions_show_what_reading_the_assessment_afresh_shows(client, auth, db, world, started):
    # A finding that suggests a need, then one that withdraws it and one that brings it back: the
    # save's answer is built from what it read before saving, and must match a fresh read.
    steps = [
        ("physical", BARTHEL_LOW, 0),
        ("prevention", {"falls_last_year": "yes", "falls_count": "2"}, 0),
        ("prevention", {"falls_last_year": "no"}, 1),
        ("prevention", {"falls_last_year": "yes", "falls_count": "4"}, 2),
    ]
    for key, answers, version in steps:
        saved = save(auth, world, key, answers, version=version, htmx=True)
        assert saved.status_code == 200
        fresh = client.get(f"{BASE.format(world.person.id)}/sections/{key}/edit", headers=HTMX)  # reads it afresh
        assert fresh.status_code == 200
        page = client.get(BASE.format(world.person.id)).get_data(as_text=True)
        section = page[page.index(f'<section class="nhsuk-card app-section" id="section-{key}"') :]
        section = section[: section.index("</section>") + len("</section>")]
        suggestions = page[page.index('<div id="suggestions"') :]
        suggestions = suggestions[: suggestions.index("</details>") + len("</details>")] if "</details>" in suggestions else ""
        body = saved.get_data(as_text=True)
        assert section.replace("\n", "").replace(" ", "") in body.replace("\n", "").replace(" ", "").replace(
            '<strongclass="nhsuk-tagnhsuk-tag--green">Saved</strong>', ""
        ).replace(" open", "").replace("open", ""), key
        assert suggestions.replace(' hx-swap-oob="true"', "") in body.replace(' hx-swap-oob="true"', "")
        # The count of sections written and what is still missing to complete follow the save too
        # (they used to stay as the page was loaded: "0 of 9 sections written" after two saves).
        for start, end in (('<span id="sections-written"', "</span>"), ('<div id="complete-sections"', "</div>")):
            fragment = page[page.index(start) :]
            fragment = fragment[: fragment.index(end) + len(end)]
            assert fragment in body.replace(' hx-swap-oob="true"', ""), (key, fragment)
        assert body.count('hx-swap-oob="true"') == 3  # the suggestions, the count and what is missing


def test_a_save_reads_the_assessment_once(client, auth, db, world, started, count_queries):
    save(auth, world, "perspective", {"what_matters": "one"}, htmx=True)
    data = {"csrf_token": auth.csrf_token(), "version": "1", "what_matters": "two"}
    with count_queries() as ran:
        assert client.post(f"{BASE.format(world.person.id)}/sections/perspective", data=data, headers=HTMX).status_code == 200
    reads = [s for s in ran.statements if s.lstrip().upper().startswith("SELECT") and "assessment" in s.split("FROM", 1)[-1][:40]]
    assert sum(1 for s in reads if "FROM assessment " in s or "FROM assessment\n" in s) == 1, reads
    assert sum(1 for s in reads if "FROM assessment_section" in s) == 1, reads
    assert sum(1 for s in ran.statements if "FROM suggested_need" in s) == 1
    # session and user, person with the access rule's facts, assessment, sections, suggestions; the
    # section, its revision, the assessment's time; the audit event (one statement on either database).
    assert ran.count == 9, "\n".join(s[:120] for s in ran.statements)


@pytest.mark.parametrize(
    "key, answers, field, words",
    [
        ("clinical", {"admissions_last_year": "51"}, "admissions_last_year", "50"),
        ("clinical", {"admissions_last_year": "-1"}, "admissions_last_year", ""),
        ("clinical", {"admissions_last_year": "lots"}, "admissions_last_year", ""),
        (
            "prevention",
            {"blood_pressure_checked-day": "31", "blood_pressure_checked-month": "2", "blood_pressure_checked-year": "2025"},
            "blood_pressure_checked",
            "",
        ),
        ("physical", {"mobility": "flying"}, "mobility", "Select one of the options"),
        ("physical", {"walking_aids": ["stick", "jetpack"]}, "walking_aids", ""),
        ("perspective", {"what_matters": "x" * 20001}, "what_matters", "characters or fewer"),
    ],
)
def test_bad_answers_get_a_message_by_the_field_and_save_nothing(client, auth, db, world, started, key, answers, field, words):
    response = save(auth, world, key, answers, htmx=True)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert f'id="{field}-error"' in body or f'id="{field}--error"' in body or "nhsuk-error-message" in body
    assert words in body
    assert "nhsuk-error-summary" in body
    assert section_version(db, key) == 0
    assert db.exec(select(func.count()).select_from(AssessmentRevision)).one() == 0


def test_a_save_without_the_version_seen_is_refused(client, auth, db, world, started):
    response = auth.post(f"{BASE.format(world.person.id)}/sections/perspective", {"what_matters": "x"})
    assert response.status_code == 400
    assert section_version(db, "perspective") == 0


def test_an_unknown_section_is_404(client, auth, world, started):
    assert client.get(f"{BASE.format(world.person.id)}/sections/astrology/edit").status_code == 404
    assert save(auth, world, "astrology", {"x": "y"}).status_code == 404


def test_a_stale_save_is_refused_shows_both_and_the_reconciled_save_lands(client, auth, db, world, started):
    assert save(auth, world, "perspective", {"what_matters": "Seeing my grandchildren"}).status_code == 302
    stale = save(auth, world, "perspective", {"what_matters": "Going to chapel"}, version=0, htmx=True)
    assert stale.status_code == 409
    body = stale.get_data(as_text=True)
    assert "Someone else changed this section" in body
    assert "Seeing my grandchildren" in body and "Going to chapel" in body
    assert 'name="version" value="1"' in body  # the form now carries the newer version
    db.expire_all()
    row = db.exec(select(AssessmentSection).where(AssessmentSection.section_key == "perspective")).one()
    assert row.answers["what_matters"] == "Seeing my grandchildren" and row.version == 1
    merged = save(auth, world, "perspective", {"what_matters": "Seeing my grandchildren; going to chapel"}, version=1)
    assert merged.status_code == 302
    assert section_version(db, "perspective") == 2
    assert db.exec(select(func.count()).select_from(AssessmentRevision)).one() == 2


def test_history_lists_every_save_and_a_revision_shows_what_changed(client, auth, db, world, started):
    social_worker = user(db, world.social_care, profession=Profession.social_worker, username="socialworker")
    team_member(db, world.person, world.social_care, social_worker, role="Social work")
    save(auth, world, "relationships", {"loneliness": "often_always", "has_carer": "yes"})
    auth.sign_out()
    auth.sign_in("socialworker")
    save(auth, world, "relationships", {"loneliness": "some_of_the_time", "has_carer": "yes", "carer_coping": "yes_a_lot"}, version=1)
    history = client.get(f"{BASE.format(world.person.id)}/history").get_data(as_text=True)
    assert history.count("Relationships") >= 2 and world.nursing.name in history and world.social_care.name in history
    latest = db.exec(select(AssessmentRevision).order_by(AssessmentRevision.id.desc())).first()
    diff = client.get(f"{BASE.format(world.person.id)}/history/{latest.id}")
    assert diff.status_code == 200
    text = diff.get_data(as_text=True)
    assert "Often or always" in text or "often" in text.lower()
    assert "Some of the time" in text or "some of the time" in text.lower()
    assert client.get(f"{BASE.format(world.person.id)}/history/999999").status_code == 404


REQUIRED_ANSWERS = {
    "perspective": {"what_matters": "My garden."},
    "clinical": {"conditions": "Heart failure."},
    "physical": {"pain_where": "Knees."},
    "mental_health": {"memory_concerns": "no"},
    "safety": {"lives_alone": "yes"},
}


def write_required_sections(db, assessment, by):
    from app.assessment import service

    for key, answers in REQUIRED_ANSWERS.items():
        assert service.save_section(db, assessment, service.SaveSection(key, answers, 0), by).ok
    db.commit()


def test_an_empty_assessment_cannot_be_completed_and_the_page_says_what_is_missing(client, auth, db, world, started):
    due = date.today() + timedelta(days=90)
    refused = auth.post(
        f"{BASE.format(world.person.id)}/complete",
        {"version": "1", "review_due-day": due.day, "review_due-month": due.month, "review_due-year": due.year},
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Write these sections before completing the assessment: The person&#39;s perspective, Clinical background" in page
    assert 'href="#complete-sections"' in page
    db.expire_all()
    assert db.exec(select(Assessment)).one().status != "complete"


def test_contradicting_answers_are_refused_by_the_answer_to_change(client, auth, db, world, started):
    refused = save(auth, world, "prevention", {"falls_last_year": "yes", "falls_count": "0"})
    assert refused.status_code == 400
    assert "Enter how many falls (1 or more)" in refused.get_data(as_text=True)
    assert section_version(db, "prevention") == 0
    assert save(auth, world, "prevention", {"falls_last_year": "yes", "falls_count": "2"}).status_code in (200, 302)


def test_completing_needs_a_future_review_date_and_records_who(client, auth, db, world, started):
    write_required_sections(db, started, world.nurse)
    url = f"{BASE.format(world.person.id)}/complete"
    past = date.today() - timedelta(days=1)
    refused = auth.post(url, {"version": "1", "review_due-day": past.day, "review_due-month": past.month, "review_due-year": past.year})
    assert refused.status_code == 400
    due = date.today() + timedelta(days=90)
    done = auth.post(url, {"version": "1", "review_due-day": due.day, "review_due-month": due.month, "review_due-year": due.year})
    assert done.status_code == 302
    db.expire_all()
    assessment = db.exec(select(Assessment)).one()
    assert assessment.status == "complete" and assessment.completed_by_id == world.nurse.id and assessment.review_due_on == due
    again = auth.post(url, {"version": "1", "review_due-day": due.day, "review_due-month": due.month, "review_due-year": due.year})
    assert again.status_code == 409  # a stale completion is refused


def test_the_network_lead_reads_but_cannot_write(client, auth, db, world, started):
    auth.sign_out()
    auth.sign_in("lead")
    assert client.get(BASE.format(world.person.id)).status_code == 200
    page = client.get(BASE.format(world.person.id)).get_data(as_text=True)
    assert "/sections/perspective/edit" not in page  # no edit offered
    assert client.get(f"{BASE.format(world.person.id)}/sections/perspective/edit").status_code == 403
    assert save(auth, world, "perspective", {"what_matters": "x"}).status_code == 403
    assert section_version(db, "perspective") == 0


@pytest.mark.parametrize("username", ["outsider", "otherlead", "admin", "coordinator"])
def test_people_outside_the_care_team_are_refused_and_audited(client, auth, db, world, started, username):
    auth.sign_out()
    auth.sign_in(username)
    before = db.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.outcome == AuditOutcome.refused)).one()
    assert client.get(BASE.format(world.person.id)).status_code == 403
    assert client.get(f"{BASE.format(world.person.id)}/history").status_code == 403
    assert save(auth, world, "perspective", {"what_matters": "x"}).status_code == 403
    after = db.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.outcome == AuditOutcome.refused)).one()
    assert after - before == 3
    assert section_version(db, "perspective") == 0


def test_the_page_runs_a_fixed_number_of_queries_however_many_saves(client, auth, db, world, started, count_queries):
    save(auth, world, "perspective", {"what_matters": "one"})
    with count_queries() as few:
        assert client.get(BASE.format(world.person.id)).status_code == 200
    for version in range(1, 12):
        save(auth, world, "perspective", {"what_matters": f"save {version}"}, version=version)
    save(auth, world, "physical", BARTHEL_LOW)
    save(auth, world, "relationships", {"loneliness": "never"})
    with count_queries() as many:
        assert client.get(BASE.format(world.person.id)).status_code == 200
    assert many.count == few.count, (few.count, many.count)
    with count_queries() as history_few:
        client.get(f"{BASE.format(world.person.id)}/history")
    save(auth, world, "perspective", {"what_matters": "once more"}, version=12)
    with count_queries() as history_more:
        client.get(f"{BASE.format(world.person.id)}/history")
    assert history_more.count == history_few.count


def test_the_history_of_a_completion_reads_in_words_not_stored_values(client, auth, db, world, started):
    write_required_sections(db, started, world.nurse)
    due = date(2099, 10, 28)
    auth.post(
        f"{BASE.format(world.person.id)}/complete",
        {"version": "1", "review_due-day": due.day, "review_due-month": due.month, "review_due-year": due.year},
    )
    history = client.get(f"{BASE.format(world.person.id)}/history").get_data(as_text=True)
    assert "Marked complete" in history
    revision = db.exec(select(AssessmentRevision).where(AssessmentRevision.section_key == "status")).one()
    page = client.get(f"{BASE.format(world.person.id)}/history/{revision.id}").get_data(as_text=True)
    assert "28 October 2099" in page and "Complete" in page
    assert "2099-10-28" not in page and ">complete<" not in page


def test_after_a_refused_completion_saving_sections_in_place_keeps_the_summary_true(client, auth, db, world, started):
    """ "Write these sections first" is swapped in again with each save made in place, listing only
    those still unwritten, and goes once none is; a page that did not show it gets no summary swapped."""
    due = date.today() + timedelta(days=90)
    refused = auth.post(
        f"{BASE.format(world.person.id)}/complete",
        {"version": "1", "review_due-day": due.day, "review_due-month": due.month, "review_due-year": due.year},
    )
    page = refused.get_data(as_text=True)
    assert 'name="sections_error_shown" value="yes"' in page
    assert 'hx-include="#sections-error-shown"' in page  # the sections' forms send it
    shown = {"sections_error_shown": "yes"}

    first = save(auth, world, "perspective", {**REQUIRED_ANSWERS["perspective"], **shown}, htmx=True).get_data(as_text=True)
    errors = first[first.index('<div id="page-errors" hx-swap-oob="true">') :]
    errors = errors[: errors.index('id="sections-error-shown"')]
    assert "Write these sections before completing the assessment: Clinical background" in errors
    assert "perspective" not in errors
    assert 'href="#complete-sections"' in errors

    for key in ("clinical", "physical", "mental_health"):
        assert save(auth, world, key, {**REQUIRED_ANSWERS[key], **shown}, htmx=True).status_code == 200
    last = save(auth, world, "safety", {**REQUIRED_ANSWERS["safety"], **shown}, htmx=True).get_data(as_text=True)
    errors = last[last.index('<div id="page-errors" hx-swap-oob="true">') :]
    errors = errors[: errors.index("</div>")]
    assert "There is a problem" not in errors and "nhsuk-error-summary" not in errors
    assert 'name="sections_error_shown" value=""' in errors  # later saves swap nothing

    again = save(auth, world, "safety", {"lives_alone": "no", "sections_error_shown": ""}, version=1, htmx=True)
    assert again.status_code == 200 and 'id="page-errors"' not in again.get_data(as_text=True)
