"""Who may see which leads, customers and opportunities.

Sales reps see their own leads, customers and opportunities (and the lead pool, to claim from
it); managers see those of the teams they manage and every lead nobody owns (to dispatch it);
admins and analysts see everything. One place decides,
as SQL conditions for lists and as checks for single records, so that a list never shows what
a detail page would refuse.
"""

from __future__ import annotations

from sqlalchemy import exists, false, or_, select, true

from .. import db
from ..errors import Forbidden
from ..models.customer import Account, Opportunity
from ..models.lead import Lead, Team, TeamMember
from ..models.user import User


def sees_everything(user: User) -> bool:
    """Admins, analysts (they study all of it) and the sales director (who heads all of it)
    read every lead, customer and deal; what they may change is decided elsewhere."""
    return user.has_role("admin", "analyst", "sales_director")


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
    unowned = Lead.owner.is_(None) if user.has_role("manager") else Lead.status == "pool"
    return or_(Lead.owner.in_(people), Lead.team.in_(keys) if keys else false(), unowned)


def account_scope(user: User):
    """SQL condition: the customers the user may see: theirs (or their team's), and those
    where they (or their people) own a deal or a lead, whoever owns the customer."""
    if sees_everything(user):
        return true()
    keys, people = managed_people(user)
    return or_(Account.owner.in_(people), Account.team.in_(keys) if keys else false(),
               exists().where(Opportunity.account_id == Account.id,
                              Opportunity.owner.in_(people)),
               exists().where(Lead.account_id == Account.id, Lead.owner.in_(people)))


def opportunity_scope(user: User):
    """SQL condition: the opportunities the user may see: their own, and a manager's people's
    or teams' (the deal's team, so the manager keeps it in sight after its owner moves on)."""
    if sees_everything(user):
        return true()
    keys, people = managed_people(user)
    return or_(Opportunity.owner.in_(people), Opportunity.team.in_(keys) if keys else false())


def can_see_lead(user: User, lead: Lead) -> bool:
    if sees_everything(user) or lead.status == "pool":
        return True
    if lead.owner is None and user.has_role("manager"):
        return True  # a lead routing left unowned: a manager dispatches it
    keys, people = managed_people(user)
    return lead.owner in people or (lead.team in keys)


def can_see_account(user: User, account: Account) -> bool:
    if sees_everything(user):
        return True
    return db.session().scalar(select(Account.id).where(Account.id == account.id,
                                                        account_scope(user))) is not None


def can_see_opportunity(user: User, opportunity: Opportunity) -> bool:
    if sees_everything(user):
        return True
    keys, people = managed_people(user)
    return opportunity.owner in people or opportunity.team in keys


def require_lead(user: User, lead: Lead) -> Lead:
    if not can_see_lead(user, lead):
        raise Forbidden("this lead belongs to someone else")
    return lead


def require_account(user: User, account: Account) -> Account:
    if not can_see_account(user, account):
        raise Forbidden("this customer belongs to someone else")
    return account


def require_opportunity(user: User, opportunity: Opportunity) -> Opportunity:
    if not can_see_opportunity(user, opportunity):
        raise Forbidden("this opportunity belongs to someone else")
    return opportunity
