"""A worklist's items made once per shape (app/work/markup.py) are, byte for byte, what
work/_work_item.html renders for each: every status, overdue or not, with and without each part an
item may show, and words that need escaping or shortening."""

import itertools
import re
from datetime import date, timedelta

import pytest
from flask import render_template

from app.work import markup
from app.work.workload import ActionRow, NeedRow, PersonRow, UserName, WorkItem
from models import ActionStatus
from tests.care_plan.test_plan_commands import add
from tests.factories import PlanWorld

TODAY = date(2026, 12, 1)
WORDS = [
    "Weekly visit",
    "Help with \"bathing\" & <dressing> at Mrs O'Brien's",
    "A very long description of what the agency will do for the person, with more words than its short name keeps",
    "x" * 61,  # past the short name's limit by less than its leeway
    "x" * 70 + " " + "y" * 10,  # past it, with nothing to break at before the limit
    "Line one\nline two <b>",
    "Ünïcödé & émigré façade",
    "Braces {id} and {{ csrf_token }} and a lone } or {",  # the kept text is a format string: values are never read as one
]


def item(n: int, status: ActionStatus, overdue: bool, need: bool, named: bool, frequency: bool, due: bool, reason: bool) -> WorkItem:
    words = WORDS[n % len(WORDS)]
    action = ActionRow(
        id=1000 + n,
        person_id=70 + n % 3,
        version=1 + n % 4,
        description=words,
        status=status,
        frequency=f"Twice a day <{n}> & more" if frequency else None,
        due_on=TODAY + timedelta(days=n % 40 - 20) if due else None,
        status_reason=f"We don't do that <here> & {words}" if reason else None,
    )
    person = PersonRow(70 + n % 3, f"Ada{n} & <Co>", f"O'Love<lace> {words[:20]}", "9990001234" if n % 2 else None)
    return WorkItem(
        action,
        person,
        NeedRow(5, f"Washing & <dressing> {n}") if need else None,
        UserName(9, f'Sam "Social" O\'Worker {n}') if named else None,
        overdue,
    )


ALL_SHAPES = [
    item(n, *shape)
    for n, shape in enumerate(itertools.product(list(ActionStatus), [False, True], *[[False, True]] * 5))
    if not (shape[1] and not shape[0].is_open)  # only what is still to do is ever overdue
]


@pytest.fixture
def page(app):
    """A request of a signed-in practitioner's worklist, to render in (its CSRF token, its addresses)."""
    app.extensions.pop("oneplan_worklist_shapes", None)
    with app.test_request_context("/worklist"):
        yield
    app.extensions.pop("oneplan_worklist_shapes", None)


def test_every_shape_of_item_is_made_as_the_template_renders_it(page):
    made = markup.rows(ALL_SHAPES)
    assert made is not None and len(made) == len(ALL_SHAPES)
    for each, row in zip(ALL_SHAPES, made, strict=True):
        assert str(row) == render_template(markup.TEMPLATE, item=each), markup.shape(each)


def test_a_shape_made_once_serves_items_with_other_words_and_ids(page):
    first = item(0, ActionStatus.requested, True, True, True, True, True, False)
    markup.rows([first])
    kept = markup.shape(first)
    others = [item(n, ActionStatus.requested, True, True, True, True, True, False) for n in range(1, 15)]
    assert {markup.shape(other) for other in others} == {kept}
    assert [str(row) for row in markup.rows(others) or []] == [render_template(markup.TEMPLATE, item=other) for other in others]


def test_each_shape_is_made_from_the_template_once(page, monkeypatch):
    rendered = []
    real = markup.render_template
    monkeypatch.setattr(markup, "render_template", lambda *args, **kwargs: rendered.append(1) or real(*args, **kwargs))
    items = [item(n, ActionStatus.accepted, False, True, False, True, True, False) for n in range(30)]
    markup.rows(items)
    markup.rows(items)
    assert len(rendered) == 1


def test_without_fast_rendering_the_page_includes_the_template_item_by_item(app, page):
    app.config["FAST_RENDERING"] = False
    assert markup.rows(ALL_SHAPES[:3]) is None


# A CSRF token and a script's nonce: each request has its own.
TOKEN = re.compile(r'[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}|nonce="[^"]*"')


def test_the_worklist_page_is_the_same_made_once_per_shape_as_item_by_item(app, client, auth, db):
    world = PlanWorld(db)
    for n, words in enumerate(WORDS):
        add(
            db,
            world,
            "action",
            description=words,
            owner_agency_id=world.social_care.id,
            frequency="Daily & <nightly>" if n % 2 else None,
            owner_user_id=world.social_worker.id if n % 3 else None,
            due_on=date.today() + timedelta(days=n - 3) if n % 4 else None,
        )
    auth.sign_in("socialworker")
    kept = client.get("/worklist?status=all").get_data(as_text=True)
    app.config["FAST_RENDERING"] = False
    one_by_one = client.get("/worklist?status=all").get_data(as_text=True)
    assert "Daily &amp; &lt;nightly&gt;" in kept and kept.count('class="app-plan-item"') == len(WORDS)
    assert TOKEN.search(kept) and TOKEN.sub("token", kept) == TOKEN.sub("token", one_by_one)
