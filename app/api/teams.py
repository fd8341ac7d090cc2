"""Sales teams and their members (the data routing works on)."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..services import teams
from .auth import login_required
from .lead_schemas import MemberRequest, MemberUpdate, TeamRequest, TeamSchema, TeamUpdate

blp = Blueprint("teams", __name__, url_prefix="/api/teams",
                description="Sales teams: members, weights, caps, leave")


@blp.get("")
@login_required()
@blp.response(200, TeamSchema(many=True))
def all_teams():
    return teams.all_teams()


@blp.post("")
@login_required("manager")
@blp.arguments(TeamRequest)
@blp.response(201, TeamSchema)
def create(body):
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
    return teams.update(teams.get(key), **body)


@blp.post("/<key>/members")
@login_required("manager")
@blp.arguments(MemberRequest)
@blp.response(201, TeamSchema)
def add_member(body, key: str):
    team = teams.get(key)
    teams.add_member(team, **body)
    return team


@blp.patch("/<key>/members/<username>")
@login_required("manager")
@blp.arguments(MemberUpdate)
@blp.response(200, TeamSchema)
def update_member(body, key: str, username: str):
    team = teams.get(key)
    teams.update_member(team, username, **body)
    return team


@blp.delete("/<key>/members/<username>")
@login_required("manager")
@blp.response(200, TeamSchema)
def remove_member(key: str, username: str):
    team = teams.get(key)
    teams.remove_member(team, username)
    return team
