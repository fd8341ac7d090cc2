"""The JSON API under /api: blueprints, the OpenAPI document (/api/openapi.json) and docs."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, send_from_directory
from flask_smorest import Api

from . import errors

BEARER = {"type": "http", "scheme": "bearer"}


class CrmApi(Api):
    def _register_error_handlers(self):
        errors.register(self._app)

    def handle_http_exception(self, error):  # the OpenAPI docs pages use it too
        return errors.from_http(error)


def _swagger_assets() -> Blueprint:
    """Swagger UI from the installed package, so /api/docs works without internet."""
    import swagger_ui_bundle

    folder = Path(swagger_ui_bundle.swagger_ui_path)
    blueprint = Blueprint("swagger_assets", __name__)

    @blueprint.get("/api/docs/assets/<path:filename>")
    def asset(filename: str):
        return send_from_directory(folder, filename, max_age=86400)

    return blueprint


def init_api(app) -> Api:
    app.config.update(
        API_TITLE="Sales workflow service",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/api/docs/assets/",
        API_SPEC_OPTIONS={
            "security": [{"bearerAuth": []}],
            "components": {"securitySchemes": {"bearerAuth": BEARER}},
            "info": {"description": "BPMN-driven sales workflows: deploy processes, run "
                                    "instances, work human tasks. Authenticate with POST "
                                    "/api/auth/token, then send 'Authorization: Bearer "
                                    "<token>'."},
        },
    )
    api = CrmApi(app)
    from . import (
        admin,
        auth_routes,
        capture,
        catalog,
        contracts,
        customers,
        decisions,
        deployments,
        documents,
        incidents,
        instances,
        leads,
        messages,
        notifications,
        pipeline,
        quotes,
        reports_process,
        reports_sales,
        tasks,
        teams,
        templates_api,
        tickets,
    )

    for module in (auth_routes, deployments, instances, incidents, tasks, messages, decisions,
                   notifications, capture, leads, teams, customers, pipeline, catalog, quotes,
                   contracts, documents, templates_api, tickets, reports_sales, reports_process,
                   admin):
        api.register_blueprint(module.blp)
    app.register_blueprint(_swagger_assets())
    return api
