from typing import Optional

from sqlmodel import Field, SQLModel


class Network(SQLModel, table=True):
    """One of the GP-led multidisciplinary networks, with its hub."""

    __tablename__ = "network"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    hub_name: str = Field(max_length=120)
