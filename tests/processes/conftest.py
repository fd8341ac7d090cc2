"""The shipped processes, deployed as `crm init-db` deploys them."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shipped(app):
    from app.services import deployments

    with app.app_context(), app.extensions["crm_db"].unit_of_work():
        result = deployments.deploy_directories([ROOT / "bpmn", ROOT / "dmn"])
    assert result["warnings"] == []
    return result
