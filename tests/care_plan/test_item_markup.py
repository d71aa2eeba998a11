"""A plan's actions and goals write their tags and attribution in place (a macro call a tag costs
more than the tag on a plan of 100 actions): what they write is what the shared macros make."""

from datetime import datetime
from types import SimpleNamespace

import pytest

from models import ActionStatus, GoalStatus

AT = datetime(2026, 3, 4, 9, 30)


def _stamp(changed: bool, writer: bool):
    return SimpleNamespace(
        changed=changed,
        writer=SimpleNamespace(full_name="Ann Nurse") if writer else None,
        agency=SimpleNamespace(name="Community nursing & more") if writer else None,
        at=AT,
    )


def _macros(app):
    return app.jinja_env.get_template("care_plan/_macros.html").module


@pytest.mark.parametrize("status", list(ActionStatus))
@pytest.mark.parametrize("overdue, changed, writer", [(False, False, True), (True, True, True), (False, True, False)])
def test_an_action_shows_the_tags_and_attribution_the_macros_make(app, status, overdue, changed, writer):
    stamp = _stamp(changed, writer)
    action = SimpleNamespace(
        id=7, description="Wash & dress", status=status, frequency=None, start_on=None, due_on=None, status_reason=None, version=2
    )
    item = SimpleNamespace(action=action, stamp=stamp, owner=SimpleNamespace(name="Social care"), owner_user=None, overdue=overdue)
    with app.test_request_context("/"):
        macros = _macros(app)
        html = app.jinja_env.get_template("care_plan/_action.html").render(
            item=item, person=SimpleNamespace(id=3), may_edit=False, record=None, current_user=None
        )
        tags = str(macros.action_status(action, overdue)) + str(macros.changed_tag(stamp))
        attribution = str(macros.attribution(stamp))
    assert f'<p class="nhsuk-body-s nhsuk-u-margin-bottom-1">\n    {tags}\n  </p>' in html
    assert f'<p class="nhsuk-body-s app-attribution nhsuk-u-margin-bottom-1">{attribution}</p>' in html


@pytest.mark.parametrize("status", list(GoalStatus))
@pytest.mark.parametrize("changed, writer", [(False, True), (True, True), (True, False)])
def test_a_goal_shows_the_tags_and_attribution_the_macros_make(app, status, changed, writer):
    stamp = _stamp(changed, writer)
    goal = SimpleNamespace(id=5, goal="Walk to the shop", person_words=False, status=status, target_on=None)
    with app.test_request_context("/"):
        macros = _macros(app)
        html = app.jinja_env.get_template("care_plan/_goal.html").render(
            item=SimpleNamespace(goal=goal, stamp=stamp), person=SimpleNamespace(id=3, given_name="Ada"), may_edit=False
        )
        tags = str(macros.goal_status(goal)) + str(macros.changed_tag(stamp))
        attribution = str(macros.attribution(stamp))
    assert f'<p class="nhsuk-body-s nhsuk-u-margin-bottom-1">\n    {tags}\n  </p>' in html
    assert f'<p class="nhsuk-body-s app-attribution nhsuk-u-margin-bottom-1">{attribution}</p>' in html
