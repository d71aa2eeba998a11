"""The directory: networks, agencies and the staff list that administrators keep.

Plain functions over a session. Validators return (clean values, errors by field id);
creators add the row and its audit event in one transaction and commit.
"""
import re
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.trust import accounts
from app.trust import audit
from app.web import fields
from models import Agency, AgencyKind, Network, Role, User

AGENCY_NAME_MAX = 160
NETWORK_NAME_MAX = 120
HUB_NAME_MAX = 120
PHONE_MAX = 40
USERS_SHOWN = 200

# A UK or international number as people write it: digits and spaces, perhaps a leading +.
_PHONE = re.compile(r"\+?[0-9 ]*[0-9][0-9 ]*")


class DuplicateName(Exception):
    """Another request created a row with the same name between our check and our commit."""


# --- networks ---------------------------------------------------------------------------


def validate_new_network(session: Session, form) -> tuple[dict, dict]:
    """A network needs a name no other network has (ignoring case) and the name of its hub."""
    errors: dict[str, str] = {}
    name = fields.text(form, "name", "the network's name", errors, required=True, max_length=NETWORK_NAME_MAX)
    if name and "name" not in errors and _name_taken(session, Network, name):
        errors["name"] = "There is already a network with that name"
    hub_name = fields.text(form, "hub_name", "the hub's name", errors, required=True, max_length=HUB_NAME_MAX)
    return {"name": name, "hub_name": hub_name}, errors


def create_network(session: Session, clean: dict, created_by: Optional[User]) -> Network:
    """Add a network from validated values, with its audit event, in one transaction."""
    network = Network(name=clean["name"], hub_name=clean["hub_name"])
    return _add(session, network, "create_network", "network", created_by)


# --- agencies ---------------------------------------------------------------------------


def validate_new_agency(session: Session, form) -> tuple[dict, dict]:
    """An agency needs a unique name and a kind; a GP practice must belong to a network
    (other agencies may); the phone number, if given, is digits and spaces with an optional +."""
    errors: dict[str, str] = {}
    name = fields.text(form, "name", "the agency's name", errors, required=True, max_length=AGENCY_NAME_MAX)
    if name and "name" not in errors and _name_taken(session, Agency, name):
        errors["name"] = "There is already an agency with that name"

    kind = fields.choice(form, "kind", AgencyKind, "Select the kind of agency", errors)

    network_id = fields.whole_number(form, "network_id", "Select a network", errors, required=False)
    if network_id is not None and session.get(Network, network_id) is None:
        errors["network_id"] = "Select a network"
        network_id = None
    if kind is AgencyKind.gp_practice and network_id is None and "network_id" not in errors:
        errors["network_id"] = "Select the network this GP practice belongs to"

    phone = fields.text(form, "phone", "the phone number", errors, max_length=PHONE_MAX)
    if phone and "phone" not in errors and not _PHONE.fullmatch(phone):
        errors["phone"] = "Phone number must only include numbers and spaces, with an optional + at the start"

    return {"name": name, "kind": kind, "network_id": network_id, "phone": phone}, errors


def create_agency(session: Session, clean: dict, created_by: Optional[User]) -> Agency:
    """Add an agency from validated values, with its audit event, in one transaction."""
    agency = Agency(name=clean["name"], kind=clean["kind"], network_id=clean.get("network_id"), phone=clean.get("phone"))
    return _add(session, agency, "create_agency", "agency", created_by)


# --- staff accounts ---------------------------------------------------------------------


def add_user(session: Session, clean: dict, hasher, created_by: Optional[User]) -> User:
    """Create an account validated by accounts.validate_new_user, audited, and commit it."""
    try:
        user = accounts.create_user(session, clean, hasher, created_by=created_by)
        session.commit()
    except IntegrityError as error:
        session.rollback()
        raise DuplicateName(clean["username"]) from error
    return user


# --- reading the directory --------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    agencies: int
    networks: int
    users: int
    active_users: int


def counts(session: Session) -> Counts:
    return Counts(
        agencies=session.exec(select(func.count()).select_from(Agency)).one(),
        networks=session.exec(select(func.count()).select_from(Network)).one(),
        users=session.exec(select(func.count()).select_from(User)).one(),
        active_users=session.exec(select(func.count()).select_from(User).where(User.is_active)).one(),
    )


def agencies(session: Session, kind: Optional[AgencyKind] = None) -> list[tuple[Agency, Optional[Network]]]:
    """Every agency (of one kind, if given) with its network, by name."""
    query = select(Agency, Network).join(Network, Agency.network_id == Network.id, isouter=True).order_by(Agency.name)
    if kind is not None:
        query = query.where(Agency.kind == kind)
    return list(session.exec(query))


def networks(session: Session) -> list[Network]:
    return list(session.exec(select(Network).order_by(Network.name)))


def networks_with_practices(session: Session) -> list[tuple[Network, int]]:
    """Every network with the number of GP practices in it."""
    practices = func.count(Agency.id)
    query = (
        select(Network, practices)
        .join(Agency, (Agency.network_id == Network.id) & (Agency.kind == AgencyKind.gp_practice), isouter=True)
        .group_by(Network.id)
        .order_by(Network.name)
    )
    return [(network, count) for network, count in session.exec(query)]


def all_agencies(session: Session) -> list[Agency]:
    return list(session.exec(select(Agency).order_by(Agency.name)))


@dataclass(frozen=True)
class StaffList:
    rows: list  # (User, Agency, Optional[Network])
    total: int

    @property
    def not_shown(self) -> int:
        return self.total - len(self.rows)


def users(
    session: Session, agency_id: Optional[int] = None, role: Optional[Role] = None, limit: int = USERS_SHOWN
) -> StaffList:
    """Staff accounts (of one agency and/or role, if given) by username, at most `limit` of them."""
    conditions = []
    if agency_id is not None:
        conditions.append(User.agency_id == agency_id)
    if role is not None:
        conditions.append(User.role == role)
    total = session.exec(select(func.count()).select_from(User).where(*conditions)).one()
    query = (
        select(User, Agency, Network)
        .join(Agency, User.agency_id == Agency.id)
        .join(Network, User.network_id == Network.id, isouter=True)
        .where(*conditions)
        .order_by(User.username)
        .limit(limit)
    )
    return StaffList(rows=list(session.exec(query)), total=total)


# --- shared -----------------------------------------------------------------------------


def _name_taken(session: Session, model, name: str) -> bool:
    return session.exec(select(model.id).where(func.lower(model.name) == name.lower()).limit(1)).first() is not None


def _add(session: Session, row, action: str, record_type: str, created_by: Optional[User]):
    session.add(row)
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        raise DuplicateName(row.name) from error
    audit.record(session, action, user=created_by, record_type=record_type, record_id=row.id, detail=row.name)
    session.commit()
    return row
