"""The referral queue writes each row's clock and tags in place (a macro call a tag costs more than
the tag on a queue of 100 rows): what it writes is what front_door/_macros.html's macros make."""

from datetime import UTC, datetime

import pytest

from app.front_door.clocks import Clock, response_standards
from app.front_door.triage import QueueFilters, QueueRow
from app.front_door.views import queue_row
from models import ReferralStatus, Urgency


@pytest.mark.parametrize("status", list(ReferralStatus))
@pytest.mark.parametrize("urgency", list(Urgency))
def test_a_queue_row_shows_the_clock_and_tags_the_macros_make(app, status, urgency):
    standards = response_standards()
    clock = Clock("Overdue by 2 hours & more", "overdue", True)
    row = QueueRow(
        referral_id=7,
        due_by=datetime(2026, 3, 4, 9, 30, tzinfo=UTC),
        family_name="O'Brien",
        given_name="Ada <Lou>",
        nhs_number="999 123 4567",
        urgency=urgency.value,
        urgency_label=standards[urgency].label,
        source_label="GP",
        network_name=None,
        status=status.value,
        status_label=status.label,
        clock=clock,
    )
    with app.test_request_context("/referrals"):
        macros = app.jinja_env.get_template("front_door/_macros.html").module
        template = app.jinja_env.get_template("front_door/queue.html")
        context = template.new_context(
            {"rows": [row], "total": 1, "now": datetime(2026, 3, 4, 9, 0, tzinfo=UTC), "filters": QueueFilters(), "queue_row": queue_row}
        )
        html = "".join(template.blocks["queue"](context))
        clock_text = str(macros.clock_text(clock))
        urgency_tag = str(macros.urgency_tag(urgency, standards))
        status_tag = str(macros.status_tag(status))
    assert f'aria-hidden="true">Due </span>{clock_text}<br>' in html
    assert f'aria-hidden="true">Urgency </span>{urgency_tag}</td>' in html
    assert f'aria-hidden="true">Status </span>{status_tag}</td>' in html
    assert "O&#39;BRIEN, Ada &lt;Lou&gt;</a>" in html
    assert 'aria-hidden="true">Network </span>Not known</td>' in html
