from datetime import datetime
from typing import Optional

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from models.clock import utc_now

# The two kinds of account a person's own pages have: the person, and a carer they nominated.
PERSON = "person"
CARER = "carer"


class PersonInvitation(SQLModel, table=True):
    """An invitation code a key worker (or the SPA) gives a person, or a carer the person nominated:
    only its SHA-256 is kept, it works once, and only until it expires or is cancelled."""

    __tablename__ = "person_invitation"

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=16)  # PERSON or CARER
    code_hash: str = Field(max_length=64, unique=True)
    carer_name: Optional[str] = Field(default=None, max_length=120)
    # What the person shares with this carer: the plan, or the plan and the assessment.
    shares_assessment: bool = Field(default=False)
    created_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    created_by_account_id: Optional[int] = Field(default=None)  # the person, inviting their carer
    created_at: datetime = Field(default_factory=utc_now)
    expires_at: datetime
    used_at: Optional[datetime] = Field(default=None)
    cancelled_at: Optional[datetime] = Field(default=None)


class PersonAccount(SQLModel, table=True):
    """A person's own account, or their carer's, apart from staff accounts: it opens only the
    person's own pages (/my), never a staff page. `subject` is who the identity provider says
    signed in (here the account's own username; an NHS login `sub` later)."""

    __tablename__ = "person_account"

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=16)  # PERSON or CARER
    username: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=255)
    full_name: str = Field(max_length=120)
    shares_assessment: bool = Field(default=False)
    invitation_id: Optional[int] = Field(default=None, foreign_key="person_invitation.id")
    failed_sign_ins: int = Field(default=0)
    locked_at: Optional[datetime] = Field(default=None)
    # A carer's access ends the moment the person withdraws it.
    withdrawn_at: Optional[datetime] = Field(default=None)
    totp_secret: Optional[str] = Field(default=None, max_length=64)
    totp_confirmed_at: Optional[datetime] = Field(default=None)
    totp_last_step: Optional[int] = Field(default=None)
    # The plan version this account last looked at, for "what has changed since I last looked".
    seen_plan_version: int = Field(default=0)
    created_at: datetime = Field(default_factory=utc_now)


class PersonSession(SQLModel, table=True):
    """A signed-in session of a person's (or carer's) account: the cookie holds a random id whose
    SHA-256 is kept here, as for staff."""

    __tablename__ = "person_session"

    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    account_id: int = Field(foreign_key="person_account.id", index=True)
    started_at: datetime = Field(default_factory=utc_now)
    last_seen_at: datetime = Field(default_factory=utc_now)
    ended_at: Optional[datetime] = Field(default=None)
    second_factor_at: Optional[datetime] = Field(default=None)


class PersonNote(SQLModel, table=True):
    """Words from the person or their carer that are not part of the plan's own text: a comment or a
    question on an action, a note from my carer, a question about an entry in who has looked at
    my record (which reaches the network lead's review list)."""

    __tablename__ = "person_note"

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    account_id: int = Field(foreign_key="person_account.id")
    kind: str = Field(max_length=24)  # comment, question, carer_note, access_question
    action_id: Optional[int] = Field(default=None, foreign_key="care_plan_action.id")
    audit_seq: Optional[int] = Field(default=None)  # the access-log entry asked about
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utc_now)
    answered_at: Optional[datetime] = Field(default=None)
    answered_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
