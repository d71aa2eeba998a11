"""Who may change a contact on the timeline: only the agency that recorded it (access.py)."""

from app.trust import access
from models import Role, User


def staff(agency_id):
    return User(username="x", full_name="X", role=Role.practitioner, agency_id=agency_id, password_hash="x")


def test_the_recording_agency_may_change_its_contact():
    assert access.may_change_contact(staff(3), 3)


def test_another_agency_may_not():
    assert not access.may_change_contact(staff(4), 3)


def test_staff_with_no_agency_may_change_no_contact():
    assert not access.may_change_contact(staff(None), 3)
    assert not access.may_change_contact(staff(None), None)


def test_the_refusal_says_who_may():
    assert access.ONLY_ITS_AGENCY == "Only the agency that recorded a contact can change it."
