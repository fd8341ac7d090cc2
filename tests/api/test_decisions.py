"""POST /api/decisions/<id>/evaluate: analysts test a table without running a process."""

import pytest


@pytest.fixture
def discount_route(api):
    api.deploy("dmn/discount_route.dmn")


def evaluate(api, inputs, user="ana"):
    return api.as_(user).post("/api/decisions/discount_route/evaluate", json={"inputs": inputs})


@pytest.mark.parametrize("inputs, rule, approver, maximum", [
    ({"amount": 30000, "region": "west_china"}, "small_deal", "sales_director", 10),
    ({"amount": 80000, "region": "east_china"}, "big_deal_east", "legal_director", 15),
    ({"amount": 80000, "region": "south_china"}, "big_deal_elsewhere", "finance_director", 5),
    ({"amount": 50000, "region": "north_china"}, "big_deal_east", "legal_director", 15),
])
def test_the_table_picks_the_rule_feel_cells_and_all(api, discount_route, inputs, rule,
                                                     approver, maximum):
    response = evaluate(api, inputs)
    assert response.status_code == 200
    assert response.json["matched_rules"] == [rule]
    assert response.json["outputs"] == {"approver": approver, "max_discount": maximum}
    assert response.json["version"] == 1
    assert response.json["hit_policy"] == "UNIQUE"


def test_no_matching_rule_gives_empty_outputs(api, discount_route):
    response = evaluate(api, {"amount": 2_000_000, "region": "south_china"})
    assert response.status_code == 200
    assert response.json["matched_rules"] == []
    assert response.json["outputs"] == {"approver": None, "max_discount": None}


def test_a_missing_input_is_422_naming_it(api, discount_route):
    response = evaluate(api, {"amount": 1000})
    assert response.status_code == 422
    assert "region" in response.json["message"]


def test_an_unknown_decision_is_404(api):
    response = api.as_("ana").post("/api/decisions/nope/evaluate", json={"inputs": {}})
    assert response.status_code == 404


def test_the_request_needs_inputs(api, discount_route):
    assert api.as_("ana").post("/api/decisions/discount_route/evaluate",
                               json={}).status_code == 422
    assert api.as_("ana").post("/api/decisions/discount_route/evaluate",
                               json={"inputs": [1]}).status_code == 422
    assert api.client.post("/api/decisions/discount_route/evaluate",
                           json={"inputs": {}}).status_code == 401


def test_a_unique_table_with_two_matching_rules_says_so(api):
    overlapping = (FIXTURE_DMN.replace("&lt; 50000", "&lt; 90000"))
    api.deploy_text({"discount_route.dmn": overlapping})
    response = evaluate(api, {"amount": 60000, "region": "east_china"})
    assert response.status_code == 422
    assert "small_deal" in response.json["message"] and "big_deal_east" in response.json[
        "message"]


def test_the_latest_deployed_version_answers(api, discount_route):
    api.deploy_text({"discount_route.dmn": FIXTURE_DMN.replace(
        '<text>"sales_director"</text>', '<text>"sam"</text>')})
    response = evaluate(api, {"amount": 100, "region": "east_china"})
    assert response.json["version"] == 2
    assert response.json["outputs"]["approver"] == "sam"


from pathlib import Path  # noqa: E402

FIXTURE_DMN = (Path(__file__).parent.parent / "fixtures/dmn/discount_route.dmn").read_text()
