"""Who may see which leads and customers.

Sales reps see their own leads and customers (and the lead pool, to claim from it); managers
see those of the teams they manage; admins and analysts see everything. One place decides,
as SQL conditions for lists and as checks for single records, so that a list never shows what
a detail page would refuse.
"""

from __future__ import annotations

from sqlalchemy import false, or_, select, true

from .. import db
from ..errors import Forbidden
from ..models.customer import Account
from ..models.lead import Lead, Team, TeamMember
from ..models.user import User


def sees_everything(user: User) -> bool:
    return user.has_role("admin", "analyst")


def managed_people(user: User) -> tuple[set[str], set[str]]:
    """(team keys, usernames) of the teams the user manages (with the user themself)."""
    if not user.has_role("manager"):
        return set(), {user.username}
    teams = list(db.session().scalars(select(Team).where(Team.manager_username == user.username)))
    keys = {team.key for team in teams}
    people = {user.username}
    if teams:
        people |= set(db.session().scalars(select(TeamMember.username).where(
            TeamMember.team_id.in_([team.id for team in teams]))))
    return keys, people


def lead_scope(user: User):
    """SQL condition: the leads the user may see."""
    if sees_everything(user):
        return true()
    keys, people = managed_people(user)
    return or_(Lead.owner.in_(people), Lead.team.in_(keys) if keys else false(),
               Lead.status == "pool")


def account_scope(user: User):
    """SQL condition: the customers the user may see."""
    if sees_everything(user):
        return true()
    keys, people = managed_people(user)
    return or_(Account.owner.in_(people), Account.team.in_(keys) if keys else false())


def can_see_lead(user: User, lead: Lead) -> bool:
    if sees_everything(user) or lead.status == "pool":
        return True
    keys, people = managed_people(user)
    return lead.owner in people or (lead.team in keys)


def can_see_account(user: User, account: Account) -> bool:
    if sees_everything(user):
        return True
    keys, people = managed_people(user)
    return account.owner in people or (account.team in keys)


def require_lead(user: User, lead: Lead) -> Lead:
    if not can_see_lead(user, lead):
        raise Forbidden("this lead belongs to someone else")
    return lead


def require_account(user: User, account: Account) -> Account:
    if not can_see_account(user, account):
        raise Forbidden("this customer belongs to someone else")
    return account
