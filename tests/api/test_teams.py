"""Teams: who may create and change them, and what the API refuses."""

import pytest


@pytest.fixture
def max_(app):
    """A manager of no team."""
    from app.services import users

    with app.app_context(), app.extensions["crm_db"].unit_of_work():
        users.create("max", "demo", ["manager"])
    return "max"


def test_everyone_signed_in_reads_the_teams(api):
    teams = api.as_("alice").get("/api/teams").json
    assert [(t["key"], t["manager"]) for t in teams] == [("product_experts", "mia"),
                                                          ("shanghai_a", "mia")]
    assert [m["username"] for m in api.as_("alice").get("/api/teams/shanghai_a").json[
        "members"]] == ["alice", "bob"]
    assert api.as_("alice").get("/api/teams/nope").status_code == 404


def test_only_admins_create_teams_and_name_their_manager(api, max_):
    body = {"key": "beijing_b", "name": "Beijing team B", "manager": "max",
            "members": [{"username": "carol", "weight": 2}]}
    refused = api.as_("mia").post("/api/teams", json=body)
    assert refused.status_code == 403
    created = api.as_("admin").post("/api/teams", json=body)
    assert created.status_code == 201, created.json
    assert created.json["manager"] == "max"
    assert api.as_("admin").post("/api/teams", json=body).status_code == 409
    assert api.as_("mia").patch("/api/teams/shanghai_a", json={"manager": "max"}
                                ).status_code == 403
    moved = api.as_("admin").patch("/api/teams/shanghai_a", json={"manager": "max"})
    assert moved.status_code == 200 and moved.json["manager"] == "max"


def test_a_teams_manager_changes_its_members_and_other_managers_cannot(api, max_):
    changed = api.as_("mia").patch("/api/teams/shanghai_a/members/bob",
                                   json={"weight": 3, "daily_cap": 5, "on_leave": True})
    assert changed.status_code == 200, changed.json
    bob = next(m for m in changed.json["members"] if m["username"] == "bob")
    assert (bob["weight"], bob["daily_cap"], bob["on_leave"]) == (3, 5, True)
    assert api.as_("mia").patch("/api/teams/shanghai_a", json={"team_lead": "bob"}
                                ).json["team_lead"] == "bob"
    for method, path, body in (
            ("patch", "/api/teams/shanghai_a/members/bob", {"weight": 1}),
            ("post", "/api/teams/shanghai_a/members", {"username": "carol"}),
            ("delete", "/api/teams/shanghai_a/members/bob", None),
            ("patch", "/api/teams/shanghai_a", {"name": "mine now"})):
        response = getattr(api.as_("max"), method)(path, json=body)
        assert response.status_code == 403, (method, path)
        assert "only the manager of team shanghai_a (mia)" in response.json["message"]
    assert api.as_("alice").patch("/api/teams/shanghai_a/members/bob",
                                  json={"weight": 1}).status_code == 403
    assert api.as_("admin").delete("/api/teams/shanghai_a/members/bob").status_code == 200


def test_bad_team_changes_name_the_field(api):
    mia = api.as_("mia")
    weight = mia.patch("/api/teams/shanghai_a/members/bob", json={"weight": 0})
    assert weight.status_code == 422 and "weight" in weight.json["fields"]
    unknown = mia.post("/api/teams/shanghai_a/members", json={"username": "ghost"})
    assert unknown.status_code == 422 and "ghost" in unknown.json["message"]
    twice = mia.post("/api/teams/shanghai_a/members", json={"username": "bob"})
    assert twice.status_code == 409
    missing = mia.patch("/api/teams/shanghai_a/members/carol", json={"weight": 2})
    assert missing.status_code == 404
    lead = mia.patch("/api/teams/shanghai_a", json={"team_lead": "ghost"})
    assert lead.status_code == 422 and "team_lead" in lead.json["fields"]
    bad_key = api.as_("admin").post("/api/teams", json={"key": "Bad Key"})
    assert bad_key.status_code == 422 and "key" in bad_key.json["fields"]
