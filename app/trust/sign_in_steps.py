"""What a person still owes once their password is right, before OnePlan opens to them: a new
password of their own if an administrator chose the one they have. Until then the session reaches
only that step's page and sign-out (app/trust/views.py sends every other request there)."""

from enum import StrEnum
from typing import Optional

from models import User


class Step(StrEnum):
    change_password = "change_password"


def owed(user: User) -> Optional[Step]:
    """The first step `user` still owes in this session, or None when they are fully signed in."""
    if user.must_change_password:
        return Step.change_password
    return None
