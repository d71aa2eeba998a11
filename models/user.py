from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

from models.clock import utc_now
from models.enums import Profession, Role, enum_column


class User(SQLModel, table=True):
    """A member of staff: one agency, one role, one profession."""

    __tablename__ = "user_account"

    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=255)
    full_name: str = Field(max_length=120)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    role: Role = Field(sa_column=enum_column(Role, "role"))
    profession: Profession = Field(sa_column=enum_column(Profession, "profession"))
    # The network a network lead leads, or a practitioner's home network.
    network_id: Optional[int] = Field(default=None, foreign_key="network.id", index=True)
    is_active: bool = Field(default=True)
    failed_sign_ins: int = Field(default=0)
    last_failed_sign_in_at: Optional[datetime] = Field(default=None)
    # Set after too many failures in a row; only an administrator can unlock the account.
    locked_at: Optional[datetime] = Field(default=None)
    # An administrator chose the password: its owner must choose their own at their next sign-in.
    must_change_password: bool = Field(default=False)
    # The second factor (an authenticator app, RFC 6238): its shared secret once confirmed by a code,
    # the last time step accepted (a code works once), and wrong codes in a row.
    totp_secret: Optional[str] = Field(default=None, max_length=64)
    totp_confirmed_at: Optional[datetime] = Field(default=None)
    totp_last_step: Optional[int] = Field(default=None)
    failed_second_factors: int = Field(default=0)
    created_at: datetime = Field(default_factory=utc_now)
