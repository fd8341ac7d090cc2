"""Leads captured through the API as the page, browser and API tests need them (a module of
its own: test modules cannot import a conftest)."""


def capture_lead(api, person: str = "alice", **values) -> dict:
    """A lead captured through the API by ``person``; by default one the shipped routing
    table gives to alice (East China, manufacturing: Shanghai team A, least loaded)."""
    body = {"name": "Wang Wei", "company": "Acme Shanghai", "phone": "138 0013 8000",
            "region": "east_china", "industry": "manufacturing", "company_size": 120,
            "budget": "50000", "product_interest": "erp", **values}
    response = api.as_(person).post("/api/leads", json=body)
    assert response.status_code == 201, response.json
    return response.json
