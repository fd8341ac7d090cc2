"""Sales teams and their members (the data routing works on)."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..services import teams
from .auth import current_user, login_required
from .lead_schemas import MemberRequest, MemberUpdate, TeamRequest, TeamSchema, TeamUpdate

blp = Blueprint("teams", __name__, url_prefix="/api/teams",
                description="Sales teams: members, weights, caps, leave")


@blp.get("")
@login_required()
@blp.response(200, TeamSchema(many=True))
def all_teams():
    return teams.all_teams()


@blp.post("")
@login_required("admin")
@blp.arguments(TeamRequest)
@blp.response(201, TeamSchema)
def create(body):
    """A new team (admins)."""
    return teams.create(body["key"], name=body.get("name", ""), manager=body.get("manager"),
                        team_lead=body.get("team_lead"), members=body["members"])


@blp.get("/<key>")
@login_required()
@blp.response(200, TeamSchema)
def get(key: str):
    return teams.get(key)


@blp.patch("/<key>")
@login_required("manager")
@blp.arguments(TeamUpdate)
@blp.response(200, TeamSchema)
def update(body, key: str):
    """Rename the team or change its lead (its manager or an admin); its manager (admins)."""
    user = current_user()
    return teams.update(teams.managed(key, user), user, **body)


@blp.post("/<key>/members")
@login_required("manager")
@blp.arguments(MemberRequest)
@blp.response(201, TeamSchema)
def add_member(body, key: str):
    """A new member (the team's manager or an admin)."""
    team = teams.managed(key, current_user())
    teams.add_member(team, **body)
    return team


@blp.patch("/<key>/members/<username>")
@login_required("manager")
@blp.arguments(MemberUpdate)
@blp.response(200, TeamSchema)
def update_member(body, key: str, username: str):
    """A member's weight, daily cap or leave (the team's manager or an admin)."""
    team = teams.managed(key, current_user())
    teams.update_member(team, username, **body)
    return team


@blp.delete("/<key>/members/<username>")
@login_required("manager")
@blp.response(200, TeamSchema)
def remove_member(key: str, username: str):
    """Take a member out of the team (the team's manager or an admin)."""
    team = teams.managed(key, current_user())
    teams.remove_member(team, username)
    return team
