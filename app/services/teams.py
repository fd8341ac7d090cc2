"""Sales teams and their members: the data routing strategies work on."""

from __future__ import annotations

from sqlalchemy import select

from .. import db
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..models.lead import Team, TeamMember
from ..models.user import User
from . import clock, users

DEMO_TEAMS = (
    ("shanghai_a", "Shanghai team A", "mia", ["alice", "bob"]),
    ("product_experts", "Product experts", "mia", ["carol", "dave"]),
)


def get(key: str) -> Team:
    team = db.session().scalar(select(Team).where(Team.key == key))
    if team is None:
        raise NotFound(f"team {key!r} does not exist")
    return team


def find(key: str | None) -> Team | None:
    if not key:
        return None
    return db.session().scalar(select(Team).where(Team.key == key))


def all_teams() -> list[Team]:
    return list(db.session().scalars(select(Team).order_by(Team.key)))


def managed(key: str, user: User) -> Team:
    """The team, for changes by its own manager or an admin (members, weights, caps, leave)."""
    team = get(key)
    if not user.has_role("admin") and team.manager_username != user.username:
        raise Forbidden(f"only the manager of team {key} ({team.manager_username or 'none'}) "
                        "or an admin changes it")
    return team


def _require_user(username: str | None, field: str) -> None:
    if username and users.find(username) is None:
        raise Invalid(f"{field}: user {username!r} does not exist",
                      fields={field: [f"unknown user {username!r}"]})


def create(key: str, *, name: str = "", manager: str | None = None,
           team_lead: str | None = None, members: list[dict] | None = None) -> Team:
    if find(key) is not None:
        raise Conflict(f"team {key!r} exists")
    _require_user(manager, "manager")
    _require_user(team_lead, "team_lead")
    team = Team(key=key, name=name or key, manager_username=manager, lead_username=team_lead,
                created_at=clock.now())
    db.session().add(team)
    for member in members or []:
        add_member(team, **member)
    db.session().flush()
    return team


def update(team: Team, user: User, **changes) -> Team:
    if "manager" in changes and changes["manager"] != team.manager_username \
            and not user.has_role("admin"):
        raise Forbidden("only admins change a team's manager")
    for field in ("manager", "team_lead"):
        if field in changes:
            _require_user(changes[field], field)
    if "name" in changes:
        team.name = changes["name"]
    if "manager" in changes:
        team.manager_username = changes["manager"]
    if "team_lead" in changes:
        team.lead_username = changes["team_lead"]
    return team


def add_member(team: Team, username: str, *, weight: int = 1, daily_cap: int | None = None,
               on_leave: bool = False) -> TeamMember:
    _require_user(username, "username")
    if any(m.username == username for m in team.members):
        raise Conflict(f"{username} is already in team {team.key}")
    if weight < 1 or (daily_cap is not None and daily_cap < 0):
        raise Invalid("weight is at least 1 and daily_cap at least 0",
                      fields={"weight": ["at least 1"], "daily_cap": ["at least 0"]})
    position = max((m.position for m in team.members), default=-1) + 1
    member = TeamMember(username=username, position=position, weight=weight,
                        daily_cap=daily_cap, on_leave=on_leave)
    team.members.append(member)
    return member


def update_member(team: Team, username: str, **changes) -> TeamMember:
    member = next((m for m in team.members if m.username == username), None)
    if member is None:
        raise NotFound(f"{username} is not in team {team.key}")
    for field in ("weight", "daily_cap", "on_leave"):
        if field in changes:
            setattr(member, field, changes[field])
    return member


def remove_member(team: Team, username: str) -> None:
    member = next((m for m in team.members if m.username == username), None)
    if member is None:
        raise NotFound(f"{username} is not in team {team.key}")
    team.members.remove(member)


def ensure_demo_teams() -> list[str]:
    """The article's teams, for demo mode (the demo users must exist)."""
    created = []
    for key, name, manager, members in DEMO_TEAMS:
        if find(key) is None:
            create(key, name=name, manager=manager, team_lead=members[0],
                   members=[{"username": m} for m in members])
            created.append(key)
    return created


def team_of(username: str) -> str | None:
    """The key of the (first) team the user is a member of."""
    return db.session().scalar(select(Team.key).join(TeamMember, TeamMember.team_id == Team.id)
                               .where(TeamMember.username == username)
                               .order_by(Team.key).limit(1))
