"""The shared care plan's rules, without HTTP: commands built from values (no form), one numbered
history, no lost updates, changes marked for whoever has not marked them seen, actions only for the
care team, and who is told what. The domain flushes; these tests commit where a request would."""

from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from app.care_plan import commands as plans
from app.care_plan import handshake, read_model
from app.care_plan.commands import AddItem, AdoptNeeds, DismissSuggestion, EditItem, MarkSeen, MoveAction, SavePart
from app.work import workload
from models import (
    ActionStatus,
    AuditEvent,
    CarePlan,
    CarePlanAction,
    CarePlanNeed,
    CarePlanPart,
    CarePlanRevision,
    Notification,
    PlanItemType,
    SuggestedNeed,
    SuggestionStatus,
)
from tests.factories import PlanWorld, team_member


@pytest.fixture
def world(db):
    return PlanWorld(db)


ITEM_IDS = ("need_id", "owner_agency_id", "owner_user_id")


def item(item_type, **values) -> AddItem:
    """A command to add an item: its answers as the form engine stores them (dates as ISO text)."""
    ids = {k: values.pop(k) for k in ITEM_IDS if k in values}
    return AddItem(PlanItemType(item_type), {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}, **ids)


def add(db, world, item_type, by=None, **values):
    result = plans.add_item(db, world.plan, world.person, item(item_type, **values), by or world.nurse)
    assert result.ok, (result.errors, result.refused)
    db.commit()
    return result.item


def edit(db, world, row, seen_version, by=None, **values):
    command = item(row.__class__.__name__.removeprefix("CarePlan").lower(), **values)
    result = plans.edit_item(
        db,
        world.plan,
        world.person,
        EditItem(command.item_type, row.id, command.answers, seen_version, command.owner_agency_id, command.owner_user_id),
        by or world.nurse,
    )
    db.commit()
    return result


def save_part(db, world, part_key, seen_version, by=None, **answers):
    result = plans.save_part(db, world.plan, world.person, SavePart(part_key, answers, seen_version), by or world.nurse)
    db.commit()
    return result


def move(db, world, action, transition, by, seen_version, reason=None):
    result = plans.move_action(db, world.plan, world.person, MoveAction(action.id, transition, reason, seen_version), by)
    db.commit()
    return result


def look(db, world, user):
    """What `user` sees now, without marking it seen."""
    db.expire_all()
    return read_model.view(db, world.person.id, user)


def mark_seen(db, world, user, version=None):
    """The user marks the plan seen, as it was at `version` (by default, as it is now)."""
    plan = read_model.plan_for(db, world.person.id)
    recorded = plans.mark_seen(db, plan, MarkSeen(plan.version if version is None else version), user)
    db.commit()
    return recorded


def test_opening_a_plan_twice_keeps_one_plan_with_every_part(db, world):
    again = plans.open_plan(db, world.person, world.nurse)
    db.commit()
    assert again.id == world.plan.id and db.exec(select(func.count()).select_from(CarePlan)).one() == 1
    keys = {p.part_key for p in db.exec(select(CarePlanPart))}
    assert keys == {"about_me", "contingency", "advance_care", "agreement"}


def test_every_change_takes_the_next_plan_version_and_keeps_an_immutable_revision(db, world):
    need = add(db, world, "need", need="Help with washing", status="active")
    add(db, world, "goal", goal="Wash myself again", status="proposed", need_id=need.id)
    action = add(db, world, "action", description="Morning call", owner_agency_id=world.social_care.id, need_id=need.id)
    save_part(db, world, "about_me", 0, what_matters="My cat")
    move(db, world, action, handshake.Transition.accept, world.social_worker, action.version)
    revisions = db.exec(select(CarePlanRevision).order_by(CarePlanRevision.plan_version)).all()
    assert [r.plan_version for r in revisions] == [2, 3, 4, 5, 6]
    assert [r.item_type for r in revisions] == ["need", "goal", "action", "part", "action"]
    assert revisions[-1].values["status"] == "accepted" and revisions[-1].changed == ["status"]
    assert revisions[-1].saved_by_id == world.social_worker.id and revisions[-1].saved_agency_id == world.social_care.id
    db.expire_all()
    assert db.get(CarePlan, world.plan.id).version == 6


def test_a_stale_part_save_is_a_conflict_showing_both_and_changes_nothing(db, world):
    save_part(db, world, "about_me", 0, what_matters="Seeing my grandson")
    stale = save_part(db, world, "about_me", 0, by=world.social_worker, what_matters="My garden")
    assert stale.conflict is not None
    assert stale.conflict.yours["what_matters"] == "My garden" and stale.conflict.theirs["what_matters"] == "Seeing my grandson"
    assert stale.conflict.writer.id == world.nurse.id and stale.conflict.version == 1
    db.expire_all()
    part = db.exec(select(CarePlanPart).where(CarePlanPart.part_key == "about_me")).one()
    assert part.answers["what_matters"] == "Seeing my grandson"
    assert db.exec(select(func.count()).select_from(CarePlanRevision)).one() == 1
    reconciled = save_part(db, world, "about_me", stale.conflict.version, by=world.social_worker, what_matters="Grandson and garden")
    assert reconciled.ok and reconciled.item.answers["what_matters"] == "Grandson and garden"


def test_a_stale_item_save_is_a_conflict_too(db, world):
    goal = add(db, world, "goal", goal="Walk to the shop", status="proposed")
    assert edit(db, world, goal, 1, goal="Walk to the shop by spring", status="active").ok
    stale = edit(db, world, goal, 1, by=world.social_worker, goal="Walk to church", status="proposed")
    assert (
        stale.conflict
        and stale.conflict.theirs["goal"] == "Walk to the shop by spring"
        and stale.conflict.yours["goal"] == "Walk to church"
    )


def test_saving_the_agreement_sets_the_plans_agreed_and_review_dates(db, world):
    review = date.today() + timedelta(days=90)
    result = save_part(
        db, world, "agreement", 0, agreed_on=date.today().isoformat(), agreed_how="in_person", review_due_on=review.isoformat()
    )
    assert result.ok
    db.expire_all()
    plan = db.get(CarePlan, world.plan.id)
    assert plan.agreed_on == date.today() and plan.review_due_on == review


def test_changes_by_others_since_i_last_looked_are_marked_with_who_made_them(db, world):
    mark_seen(db, world, world.nurse)
    goal = add(db, world, "goal", goal="Walk to the shop", status="proposed", by=world.social_worker)
    mine = add(db, world, "goal", goal="Sleep better", status="proposed", by=world.nurse)
    record = look(db, world, world.nurse)
    marked = {g.goal.id: g.stamp for g in record.other.goals}
    assert marked[goal.id].changed and marked[goal.id].writer.id == world.social_worker.id
    assert marked[goal.id].agency.id == world.social_care.id
    assert not marked[mine.id].changed  # my own change is not news to me
    assert record.changed_count == 1
    assert look(db, world, world.nurse).changed_count == 1  # reading the plan again leaves the marks
    mark_seen(db, world, world.nurse, record.plan.version)
    assert look(db, world, world.nurse).changed_count == 0  # once marked seen, no longer marked


def test_nothing_is_marked_until_someone_first_marks_the_plan_seen(db, world):
    add(db, world, "goal", goal="Walk to the shop", status="proposed", by=world.social_worker)
    record = look(db, world, world.nurse)
    assert record.seen_version is None and record.changed_count == 0


def test_marking_an_older_version_seen_keeps_newer_changes_marked(db, world):
    mark_seen(db, world, world.nurse)
    add(db, world, "goal", goal="Walk to the shop", status="proposed", by=world.social_worker)
    shown = look(db, world, world.nurse).plan.version  # the nurse's page shows this one change
    add(db, world, "goal", goal="Sleep better", status="proposed", by=world.social_worker)
    assert mark_seen(db, world, world.nurse, shown) == shown
    record = look(db, world, world.nurse)
    assert record.changed_count == 1 and [g.goal.goal for g in record.other.goals if g.stamp.changed] == ["Sleep better"]


def test_marking_seen_never_goes_back_nor_beyond_the_plan(db, world):
    add(db, world, "goal", goal="Walk to the shop", status="proposed", by=world.social_worker)
    now = look(db, world, world.nurse).plan.version
    assert mark_seen(db, world, world.nurse, now + 1000) == now  # a version the plan never had
    mark_seen(db, world, world.nurse, 1)  # an old page, marked seen late
    assert look(db, world, world.nurse).seen_version == now


def test_an_action_can_only_be_given_to_an_agency_in_the_care_team(db, world):
    outside = plans.add_item(
        db, world.plan, world.person, item("action", description="Bath board", owner_agency_id=world.therapy.id), world.nurse
    )
    assert "add it to the care team first" in outside.errors["owner_agency_id"]
    assert db.exec(select(func.count()).select_from(CarePlanAction)).one() == 0
    team_member(db, world.person, world.therapy, role="Occupational therapy")
    assert add(db, world, "action", description="Bath board", owner_agency_id=world.therapy.id).owner_agency_id == world.therapy.id


def test_a_named_practitioner_must_work_for_the_owning_agency(db, world):
    wrong = plans.add_item(
        db,
        world.plan,
        world.person,
        item("action", description="Visit", owner_agency_id=world.social_care.id, owner_user_id=world.nurse.id),
        world.nurse,
    )
    assert "works for Adult Social Care" in wrong.errors["owner_user_id"]


def test_a_new_action_is_requested_of_its_agency_and_the_agency_is_told(db, world):
    action = add(db, world, "action", description="Care Act assessment", owner_agency_id=world.social_care.id)
    assert action.status is ActionStatus.requested and action.requested_by_id == world.nurse.id
    told = db.exec(select(Notification).where(Notification.kind == "action_requested")).one()
    assert told.agency_id == world.social_care.id and told.user_id is None and "Care Act assessment" in told.message


def test_declining_needs_a_reason_and_tells_the_requester_and_key_worker_why(db, world):
    action = add(db, world, "action", description="Care Act assessment", owner_agency_id=world.social_care.id)
    no_reason = move(db, world, action, handshake.Transition.decline, world.social_worker, 1, "  ")
    assert no_reason.errors == {"reason": "Enter a reason for declining this action"}
    declined = move(db, world, action, handshake.Transition.decline, world.social_worker, 1, "No capacity until March")
    assert declined.ok and declined.item.status is ActionStatus.declined and declined.item.status_reason == "No capacity until March"
    told = db.exec(select(Notification).where(Notification.kind == "action_declined")).all()
    assert [n.user_id for n in told] == [world.nurse.id] and "No capacity until March" in told[0].message


def test_only_the_owning_agency_can_accept(db, world):
    action = add(db, world, "action", description="Care Act assessment", owner_agency_id=world.social_care.id)
    result = move(db, world, action, handshake.Transition.accept, world.nurse, 1)
    assert result.forbidden and action.status is ActionStatus.requested


def test_a_move_on_an_action_someone_else_already_moved_is_refused(db, world):
    action = add(db, world, "action", description="Care Act assessment", owner_agency_id=world.social_care.id)
    colleague = move(db, world, action, handshake.Transition.accept, world.social_worker, 1)
    assert colleague.ok
    again = move(db, world, action, handshake.Transition.decline, world.social_worker, 1, "Too busy")
    assert again.refused and "it is now accepted" in again.refused
    db.expire_all()
    assert db.get(CarePlanAction, action.id).status is ActionStatus.accepted


def test_giving_a_declined_action_to_another_agency_requests_it_afresh(db, world):
    team_member(db, world.person, world.therapy, role="Occupational therapy")
    action = add(db, world, "action", description="Bath board", owner_agency_id=world.social_care.id)
    move(db, world, action, handshake.Transition.decline, world.social_worker, 1, "Not ours")
    moved = edit(db, world, action, 2, description="Bath board", owner_agency_id=world.therapy.id)
    assert moved.ok and moved.item.status is ActionStatus.requested and moved.item.status_reason is None
    assert db.exec(select(Notification).where(Notification.kind == "action_requested", Notification.agency_id == world.therapy.id)).first()


def test_a_done_action_can_no_longer_be_changed(db, world):
    action = add(db, world, "action", description="Visit", owner_agency_id=world.social_care.id)
    move(db, world, action, handshake.Transition.accept, world.social_worker, 1)
    move(db, world, action, handshake.Transition.complete, world.social_worker, 2)
    result = edit(db, world, action, 3, description="Visit again", owner_agency_id=world.social_care.id)
    assert result.refused and "done" in result.refused


def test_plan_changes_tell_each_team_member_once_until_they_read_it(db, world):
    add(db, world, "goal", goal="One", status="proposed", by=world.social_worker)
    add(db, world, "goal", goal="Two", status="proposed", by=world.social_worker)
    items = db.exec(select(Notification).where(Notification.kind == plans.PLAN_CHANGED)).all()
    assert [(n.user_id, n.agency_id) for n in items] == [(world.nurse.id, None)]  # not the social worker who made them
    assert "Goal added: Two" in items[0].message


def test_adopting_suggestions_links_each_need_to_its_finding_and_each_can_be_adopted_once(db, world):
    from app.assessment import service

    assessment = service.open_assessment(db, world.person, world.nurse)
    db.flush()
    suggestion = SuggestedNeed(
        assessment_id=assessment.id,
        person_id=world.person.id,
        rule_key="falls_prevention",
        need="Falls prevention",
        reason="A fall in the last year",
        section_key="prevention",
        source="falls_last_year",
        answer="Any falls in the last 12 months: Yes",
    )
    db.add(suggestion)
    db.commit()
    chosen = AdoptNeeds(((suggestion.id, "Help to stop falling"),))
    first = plans.adopt_needs(db, world.plan, world.person, chosen, world.nurse).item
    db.commit()
    assert [n.need for n in first.added] == ["Help to stop falling"] and first.added[0].suggested_need_id == suggestion.id
    second = plans.adopt_needs(db, world.plan, world.person, chosen, world.social_worker).item
    db.commit()
    assert second.added == () and [s.id for s in second.skipped] == [suggestion.id]
    assert db.exec(select(func.count()).select_from(CarePlanNeed)).one() == 1
    db.expire_all()
    assert db.get(SuggestedNeed, suggestion.id).status is SuggestionStatus.adopted


def test_adopting_needs_a_choice_and_words_for_each_chosen_need(db, world):
    suggestion = _suggestion(db, world)
    assert plans.adopt_needs(db, world.plan, world.person, AdoptNeeds(()), world.nurse).errors == {
        "choices": "Select at least one suggested need to add to the plan"
    }
    no_words = plans.adopt_needs(db, world.plan, world.person, AdoptNeeds(((suggestion.id, "  "),)), world.nurse)
    assert no_words.errors == {f"need-{suggestion.id}": "Enter the need in the words to use in the plan"}
    assert db.exec(select(func.count()).select_from(CarePlanNeed)).one() == 0


def test_a_suggestion_is_set_aside_once(db, world):
    suggestion = _suggestion(db, world)
    first = plans.dismiss_suggestion(db, world.person, DismissSuggestion(suggestion.id), world.nurse)
    assert first.ok and first.item.status is SuggestionStatus.dismissed
    again = plans.dismiss_suggestion(db, world.person, DismissSuggestion(suggestion.id), world.nurse)
    assert again.refused and not again.ok
    db.commit()
    assert db.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "dismiss_suggested_need")).one() == 1


def _suggestion(db, world) -> SuggestedNeed:
    from app.assessment import service

    assessment = service.open_assessment(db, world.person, world.nurse)
    db.flush()
    suggestion = SuggestedNeed(
        assessment_id=assessment.id,
        person_id=world.person.id,
        rule_key="falls_prevention",
        need="Falls prevention",
        reason="A fall in the last year",
        section_key="prevention",
        source="falls_last_year",
        answer="Any falls in the last 12 months: Yes",
    )
    db.add(suggestion)
    db.commit()
    return suggestion


def test_review_reminders_go_to_the_key_worker_once_per_review_date(db, world):
    plan = db.get(CarePlan, world.plan.id)
    plan.review_due_on = date.today() - timedelta(days=3)
    db.add(plan)
    db.commit()
    assert workload.remind_reviews(db, world.nurse, date.today()) == 1
    db.commit()
    assert workload.remind_reviews(db, world.nurse, date.today()) == 0
    assert workload.remind_reviews(db, world.social_worker, date.today()) == 0  # not their plan to lead
    plan.review_due_on = date.today() - timedelta(days=1)
    db.add(plan)
    db.commit()
    assert workload.remind_reviews(db, world.nurse, date.today()) == 1


# --- Commands checked whatever way they come in: no form involved ------------------------------


def test_a_part_command_is_checked_as_a_form_would_be(db, world):
    result = plans.save_part(
        db,
        world.plan,
        world.person,
        SavePart("agreement", {"agreed_on": "2026-02-31", "agreed_how": "by_pigeon", "review_due_on": "not a date"}, 0),
        world.nurse,
    )
    assert set(result.errors) == {"agreed_on-day", "agreed_how", "review_due_on-day"}
    assert "must be a real date" in result.errors["agreed_on-day"] and "Select one of the options" in result.errors["agreed_how"]
    assert plans.save_part(db, world.plan, world.person, SavePart("secrets", {}, 0), world.nurse).errors
    db.commit()
    assert db.exec(select(func.count()).select_from(CarePlanRevision)).one() == 0


def test_an_item_command_is_checked_whatever_way_it_came_in(db, world):
    bad = plans.add_item(
        db,
        world.plan,
        world.person,
        AddItem(
            PlanItemType.action,
            {"description": "x" * 5000, "start_on": "2027-03-10", "due_on": "2027-03-01"},
            need_id=999999,
            owner_agency_id=world.social_care.id,
            owner_user_id=world.ot.id,
        ),
        world.nurse,
    )
    assert set(bad.errors) == {"description", "due_on-day", "need_id", "owner_user_id"}
    assert bad.errors["need_id"] == "Select a need from this plan"
    contact = plans.add_item(db, world.plan, world.person, AddItem(PlanItemType.contact, {"kind": "cousin", "name": None}), world.nurse)
    assert set(contact.errors) == {"kind", "name"}
    db.commit()
    assert db.exec(select(func.count()).select_from(CarePlanRevision)).one() == 0


def test_an_item_of_another_plan_cannot_be_changed_or_moved(db, world):
    from tests.factories import care_plan, person

    other = person(db, world.practice, given_name="Grace")
    other_plan = care_plan(db, other, world.nurse)
    goal = plans.add_item(db, other_plan, other, item("goal", goal="Not Ada's", status="active"), world.nurse).item
    db.commit()
    assert edit(db, world, goal, 1, goal="Taken over", status="active").refused
    assert plans.move_action(db, world.plan, world.person, MoveAction(goal.id, handshake.Transition.accept, None, 1), world.nurse).refused
    db.expire_all()
    assert db.get(type(goal), goal.id).goal == "Not Ada's"


def test_a_conflict_undoes_only_its_own_plan_version_and_keeps_the_requests_other_work(db, world):
    """Two saves in one transaction, the second stale: the first is kept, the plan history has no gap."""
    first = plans.save_part(db, world.plan, world.person, SavePart("about_me", {"what_matters": "My cat"}, 0), world.nurse)
    stale = plans.save_part(db, world.plan, world.person, SavePart("about_me", {"what_matters": "My dog"}, 0), world.social_worker)
    assert first.ok and stale.conflict is not None and stale.conflict.theirs["what_matters"] == "My cat"
    assert world.plan.version == 2 and not db.dirty
    db.commit()
    db.expire_all()
    assert db.get(CarePlan, world.plan.id).version == 2
    assert [r.plan_version for r in db.exec(select(CarePlanRevision))] == [2]


def test_a_reason_of_500_characters_is_taken_and_501_refused(db, world):
    action = add(db, world, "action", description="Care Act assessment", owner_agency_id=world.social_care.id)
    too_long = move(db, world, action, handshake.Transition.decline, world.social_worker, 1, "x" * 501)
    assert too_long.errors == {"reason": "Reason must be 500 characters or fewer"}
    declined = move(db, world, action, handshake.Transition.decline, world.social_worker, 1, "x" * 500)
    assert declined.ok and declined.item.status_reason == "x" * 500
