from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from models.clock import utc_now

NHS_NUMBER_NOT_KNOWN = "Not known"


def format_nhs_number(nhs_number: Optional[str], *, in_sentence: bool = False) -> str:
    """Show a stored 10-digit NHS number the way people read it: 999 123 4567, or "Not known" where
    it stands alone as a value (a summary list, a table cell) and "not known" after words such as
    "NHS number" in a caption or sentence."""
    if not nhs_number:
        return NHS_NUMBER_NOT_KNOWN.lower() if in_sentence else NHS_NUMBER_NOT_KNOWN
    return f"{nhs_number[:3]} {nhs_number[3:6]} {nhs_number[6:]}"


class Person(SQLModel, table=True):
    """The one record for a person."""

    __tablename__ = "person"
    __table_args__ = (CheckConstraint("length(nhs_number) = 10", name="ck_person_nhs_number_length"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    # None when not (yet) known: not registered with a GP, newly arrived, awaiting a trace. Unique
    # all the same: NULLs are distinct, so any number of people can be without one.
    nhs_number: Optional[str] = Field(default=None, max_length=10, unique=True)
    given_name: str = Field(max_length=80)
    family_name: str = Field(max_length=80)
    # Lower-cased copies so name search can use an index on every database.
    given_name_key: str = Field(max_length=80, index=True)
    family_name_key: str = Field(max_length=80, index=True)
    date_of_birth: date = Field(index=True)
    address_line_1: str = Field(max_length=120)
    address_line_2: Optional[str] = Field(default=None, max_length=120)
    town: str = Field(max_length=80)
    postcode: str = Field(max_length=8)
    # Postcode without spaces, upper case, for search.
    postcode_key: str = Field(max_length=8, index=True)
    phone: Optional[str] = Field(default=None, max_length=40)
    gp_practice_id: Optional[int] = Field(default=None, foreign_key="agency.id", index=True)
    communication_needs: Optional[str] = Field(default=None, max_length=500)
    next_of_kin_name: Optional[str] = Field(default=None, max_length=120)
    next_of_kin_relationship: Optional[str] = Field(default=None, max_length=60)
    next_of_kin_phone: Optional[str] = Field(default=None, max_length=40)
    carer_name: Optional[str] = Field(default=None, max_length=120)
    carer_phone: Optional[str] = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utc_now)

    @property
    def display_nhs_number(self) -> str:
        """The NHS number as a value standing alone: "999 123 4567" or "Not known"."""
        return format_nhs_number(self.nhs_number)

    @property
    def nhs_number_in_sentence(self) -> str:
        """The NHS number after "NHS number" in a caption or sentence: "999 123 4567" or "not known"."""
        return format_nhs_number(self.nhs_number, in_sentence=True)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"
