"""Home pages that point to the work (issue 16): new allocations first on My work, urgent before routine,
with their clock and why the person was referred; the single point of access's queue figures; the
referral that brought a person in shown on their record."""

from datetime import UTC, datetime, timedelta

from app.front_door import clocks
from models import Referral, ReferralStatus, Urgency
from tests import factories
from tests.factories import World, team_member


def allocate(db, world, person, urgency, reason, received):
    referral = Referral(
        person_id=person.id,
        source="gp",
        referrer_name="Dr Rao",
        reason=reason,
        requested_urgency=urgency,
        urgency=urgency,
        status=ReferralStatus.accepted,
        received_at=received,
        due_by=clocks.due_by(received, urgency),
        decided_at=received,
        network_id=world.network.id,
        key_worker_id=world.nurse.id,
    )
    db.add(referral)
    db.commit()
    if person.id != world.person.id:
        team_member(db, person, world.nursing, world.nurse, key_worker=True)
    return referral


def test_my_work_puts_the_urgent_allocation_first_with_its_clock(client, auth, db):
    world = World(db)
    now = datetime.now(UTC)
    routine = factories.person(db, world.practice, given_name="Brenda", family_name="Abbott")
    allocate(db, world, routine, Urgency.routine, "Help with shopping.", now - timedelta(days=2))
    allocate(db, world, world.person, Urgency.urgent, "Fell twice this week; lives alone.", now - timedelta(minutes=30))

    auth.sign_in("nurse")
    page = client.get("/").get_data(as_text=True)
    allocations = page[page.index("New allocations") : page.index("My caseload")]
    assert allocations.index("LOVELACE") < allocations.index("ABBOTT")
    assert "Urgent" in allocations and "left" in allocations
    assert "Fell twice this week; lives alone." in allocations


def test_the_record_shows_the_referral_that_brought_the_person_in(client, auth, db):
    world = World(db)
    referral = allocate(db, world, world.person, Urgency.urgent, "Fell twice this week; lives alone.", datetime.now(UTC))
    auth.sign_in("nurse")
    page = client.get(f"/people/{world.person.id}").get_data(as_text=True)
    assert "How Ada came to us" in page
    assert "Fell twice this week; lives alone." in page
    assert f'href="/referrals/{referral.id}"' in page
    assert "&lt;br&gt;" not in page


def test_the_single_point_of_access_home_shows_its_queue(client, auth, db):
    world = factories.ListedWorld(db)
    auth.sign_in(world.coordinator.username)
    page = client.get("/").get_data(as_text=True)
    assert "The referral queue" in page
    assert "1 waiting to be triaged" in page


def test_the_single_point_of_access_home_has_no_empty_caseload(client, auth, db):
    world = factories.ListedWorld(db)
    auth.sign_in(world.coordinator.username)
    page = client.get("/").get_data(as_text=True)
    assert "on its caseload" not in page and "My caseload" not in page
