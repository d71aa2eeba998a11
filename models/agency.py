from typing import Optional

from sqlmodel import Field, SQLModel

from models.enums import AgencyKind, enum_column


class Agency(SQLModel, table=True):
    """An organisation that takes part in care; a GP practice belongs to one network."""

    __tablename__ = "agency"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=160, unique=True)
    kind: AgencyKind = Field(sa_column=enum_column(AgencyKind, "agency_kind", index=True))
    network_id: Optional[int] = Field(default=None, foreign_key="network.id", index=True)
    phone: Optional[str] = Field(default=None, max_length=40)
    # The organisation's ODS code (NHS Organisation Data Service), how other systems name it.
    ods_code: Optional[str] = Field(default=None, max_length=12, unique=True)
