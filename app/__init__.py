"""The Flask application factory."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, g, request

from . import config
from .api.errors import from_unexpected
from .db import Database

READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=None)
    app.config.update(config.from_environment())
    if test_config:
        app.config.update(test_config)
    config.check(app.config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = config.instance_secret(Path(app.config["INSTANCE_DIR"]))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: "
                                                   "%(message)s")
    if app.config["DATABASE_URL"].startswith("sqlite:///"):
        Path(app.config["DATABASE_URL"].removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True)
    for noisy in ("spiff", "alembic.runtime.plugins", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    app.extensions["crm_db"] = Database(app.config["DATABASE_URL"], app.config["SQL_ECHO"])
    _unit_of_work_per_request(app)

    from .api import init_api
    from .cli import register_commands

    init_api(app)
    register_commands(app)
    from .pages import public_forms, surveys

    app.register_blueprint(public_forms.bp)
    app.register_blueprint(surveys.bp)
    from .web import init_web

    init_web(app)
    if app.config["TRUSTED_PROXIES"]:  # client addresses (rate limits) from X-Forwarded-For
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"])
    return app


def database(app: Flask) -> Database:
    return app.extensions["crm_db"]


def _unit_of_work_per_request(app: Flask) -> None:
    """One transaction per request: committed before the response leaves, if it succeeded."""

    @app.before_request
    def open_unit_of_work():
        g.unit_of_work = database(app).begin(write=request.method not in READ_METHODS)

    @app.after_request
    def finish_unit_of_work(response):
        work = g.pop("unit_of_work", None)
        if work is not None:
            try:
                work.finish(success=response.status_code < 400)
            except Exception as exc:  # a failed commit must not look like a success
                return from_unexpected(exc)
        return response

    @app.teardown_request
    def abandon_unit_of_work(_exc):
        work = g.pop("unit_of_work", None)
        if work is not None:
            work.finish(success=False)
