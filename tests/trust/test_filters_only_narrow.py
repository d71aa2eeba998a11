"""Filters are choices inside what a user may see, never the access rule: on every list page with
filters, no combination of them (empty, "all", another agency's or network's id, nonsense) shows a
person the user may not list. The referral queue has its own such test (tests/front_door)."""

from datetime import UTC, datetime, timedelta

import pytest

from models import AccessGrant, AgencyKind
from tests import factories
from tests.factories import ListedWorld

FILTERS = ["", "?status=all", "?status=all&mine=", "?mine=yes&status=all", "?status=done&page=2", "?status=nonsense&page=-1"]


@pytest.fixture
def world(db):
    return ListedWorld(db)


def _shows_the_person(world, body: str) -> bool:
    flat = body.replace(" ", "")
    return any(word in flat for word in ("LOVELACE", "Lovelace", world.person.nhs_number))


@pytest.mark.parametrize("query", FILTERS)
def test_a_worklist_never_lists_another_agencys_people_whatever_the_filters(client, auth, db, world, query):
    """The world's action belongs to the nursing team: a practitioner of another agency never sees it."""
    therapy = factories.agency(db, AgencyKind.therapy)
    factories.user(db, therapy, username="therapist")
    auth.sign_in("therapist")
    for headers in ({}, {"HX-Request": "true"}):
        assert not _shows_the_person(world, client.get("/worklist" + query, headers=headers).get_data(as_text=True)), (query, headers)


@pytest.mark.parametrize("query", ["", "?show=reviewed", "?show=all", f"?network={999}"])
def test_break_glass_reviews_never_list_another_networks_people_whatever_the_filters(client, auth, db, world, query):
    now = datetime.now(UTC)
    db.add(
        AccessGrant(
            user_id=world.outsider.id,
            agency_id=world.social_care.id,
            person_id=world.person.id,
            reason_code="other",
            reason_text="Reviewed already",
            granted_at=now - timedelta(hours=5),
            expires_at=now - timedelta(hours=4),
            reviewed_at=now,
            reviewed_by_id=world.lead.id,
        )
    )
    db.commit()
    auth.sign_in("otherlead")
    assert not _shows_the_person(world, client.get("/break-glass-reviews" + query).get_data(as_text=True)), query
    auth.sign_out()
    auth.sign_in("lead")  # the person's own network's lead does see them
    assert _shows_the_person(world, client.get("/break-glass-reviews?show=reviewed").get_data(as_text=True))
