"""What a person still owes once their password is right, before OnePlan opens to them: their
second factor (an authenticator code) if they have one; a new password of their own if an
administrator chose the one they have; then setting up a second factor if they have none. Until
then the session reaches only that step's page and sign-out (app/trust/views.py sends every other
request there).

Setting up a second factor is skipped only when the app runs with the demo configuration
(`SECOND_FACTOR_DEMO_SKIP`, set by ONEPLAN_DEMO=1, refused in production); an account that has
one is asked for it whatever the configuration."""

from enum import StrEnum
from typing import Optional

from models import StaffSession, User


class Step(StrEnum):
    second_factor = "second_factor"
    change_password = "change_password"
    set_up_second_factor = "set_up_second_factor"


def owed(user: User, staff_session: Optional[StaffSession], *, second_factor_required: bool) -> Optional[Step]:
    """The first step `user` still owes in this session (None for a session not yet started), or
    None when they are fully signed in."""
    if user.totp_confirmed_at is not None and (staff_session is None or staff_session.second_factor_at is None):
        return Step.second_factor
    if user.must_change_password:
        return Step.change_password
    if user.totp_confirmed_at is None and second_factor_required:
        return Step.set_up_second_factor
    return None
