from datetime import datetime
from typing import Optional

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from models.clock import utc_now
from models.enums import Labelled, enum_column


class PalliativeStage(Labelled):
    """Where a person on the palliative care register is: the stage the network plans their care by."""

    stable = "stable", "Stable (months to a year)"
    unstable = "unstable", "Unstable or deteriorating (months)"
    deteriorating = "deteriorating", "Deteriorating (weeks)"
    dying = "dying", "Last days of life"


class AnticipatoryMedicines(Labelled):
    """Anticipatory ("just in case") medicines for the end of life, and whether they are in the home."""

    not_needed_yet = "not_needed_yet", "Not needed yet"
    prescribed = "prescribed", "Prescribed, not yet in the home"
    in_home = "in_home", "In the home"
    not_known = "not_known", "Not known"


class PalliativeEntry(SQLModel, table=True):
    """A person on their network's palliative care register. Their preferred places of care and of
    death and their ReSPECT or DNACPR form are in their care plan's advance care part; the register
    adds the stage and the medicines in the home."""

    __tablename__ = "palliative_entry"

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    stage: PalliativeStage = Field(sa_column=enum_column(PalliativeStage, "palliative_stage", length=16))
    anticipatory_medicines: AnticipatoryMedicines = Field(sa_column=enum_column(AnticipatoryMedicines, "anticipatory_medicines", length=16))
    medicines_note: Optional[str] = Field(default=None, sa_column=Column(Text))
    added_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    added_at: datetime = Field(default_factory=utc_now)
    updated_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    updated_at: datetime = Field(default_factory=utc_now)
    removed_at: Optional[datetime] = Field(default=None)
    version: int = Field(default=1)
