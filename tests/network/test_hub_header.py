"""Hub staff reach their caseload from the site header, and only they see the link; the kept header
follows the agency becoming a hub (whether it is one is part of the header's key)."""

import re

from models import AgencyKind, HubNetwork, Profession
from tests import factories
from tests.network import test_hubs

world = test_hubs.world  # a frailty hub serving two networks, and one of its nurses


def _hub_link(html: str) -> bool:
    return bool(re.search(r'<a[^>]*href="/hub"[^>]*>\s*Hub caseload', html))


def test_hub_staff_have_a_hub_caseload_link_and_others_do_not(client, auth, db, world):
    auth.sign_in("hubnurse")
    home = client.get("/").get_data(as_text=True)
    assert _hub_link(home)
    caseload = client.get("/hub").get_data(as_text=True)
    assert re.search(r'href="/hub"[^>]*aria-current="true"', caseload)  # the link is marked as where they are
    auth.sign_out()
    for username in ("nurse", "lead", "coordinator", "admin"):
        auth.sign_in(username)
        assert not _hub_link(client.get("/").get_data(as_text=True)), username
        auth.sign_out()


def test_the_link_appears_once_the_agency_becomes_a_hub(client, auth, db, world):
    falls = factories.agency(db, AgencyKind.therapy, name="Falls Service")
    factories.user(db, falls, profession=Profession.physiotherapist, username="fallsphysio")
    db.commit()
    auth.sign_in("fallsphysio")
    assert not _hub_link(client.get("/").get_data(as_text=True))
    assert client.get("/hub").status_code == 403
    db.add(HubNetwork(hub_agency_id=falls.id, network_id=world.network.id))
    db.commit()
    assert _hub_link(client.get("/").get_data(as_text=True))
    assert client.get("/hub").status_code == 200
