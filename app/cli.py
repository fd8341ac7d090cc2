"""The `crm` command: serve, init-db, deploy, scheduler, demo, user add, client add."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from . import migrate
from .errors import DomainError
from .models.user import ROLES
from .services.users import SCOPES as CLIENT_SCOPES


def _db():
    return current_app.extensions["crm_db"]


def _fail(error: DomainError) -> None:
    details = error.details.get("problems")
    message = error.message
    if details:
        message += "\n" + "\n".join(
            f"  {p['file']}:{p.get('line') or '-'} [{p.get('element_id') or '-'}] {p['reason']}"
            for p in details)
    raise click.ClickException(message)


def init_database(app: Flask, *, deploy: bool = True, demo: bool = False) -> None:
    """Apply migrations, deploy bpmn/, dmn/ and templates/, and (demo) create the demo
    users."""
    from .services import catalog, deployments, teams, users

    migrate.upgrade(app.config["DATABASE_URL"])
    db = app.extensions["crm_db"]
    with db.unit_of_work() as session:
        if demo:
            created = users.ensure_demo_users()
            if created:
                click.echo(f"demo users created (password 'demo'): {', '.join(created)}")
            teams_created = teams.ensure_demo_teams()
            if teams_created:
                click.echo(f"demo teams created: {', '.join(teams_created)}")
            catalog_created = catalog.seed_demo_catalog(session)
            if catalog_created:
                click.echo(f"demo catalogue created: {', '.join(catalog_created)}")
        if deploy and app.config["DEPLOY_ON_START"]:
            paths = [Path(p) for p in app.config["PROCESS_DIRS"].split(os.pathsep) if p]
            try:
                result = deployments.deploy_directories([p for p in paths if p.exists()],
                                                        source="startup")
            except DomainError as error:
                _fail(error)
            _echo_deployment(result)
            _deploy_templates(Path(app.config["DOCUMENT_TEMPLATE_DIR"]))


def _deploy_templates(folder: Path) -> None:
    """The shipped document templates (templates/*.docx), in the start-up's unit of work."""
    from .services import doc_templates

    if not folder.is_dir():
        return
    try:
        deployed = doc_templates.deploy_directory(folder)
    except DomainError as error:
        _fail(error)
    for key, version, created in deployed:
        click.echo(f"document template {key} v{version} "
                   f"({'created' if created else 'unchanged'})")


def _echo_deployment(result: dict) -> None:
    for kind in ("processes", "decisions", "forms"):
        for item in result.get(kind, []):
            key = item.get("key") or item.get("decision_id")
            click.echo(f"{kind[:-1] if kind != 'processes' else 'process'} {key} "
                       f"v{item['version']} ({item['status']})")
    for warning in result.get("warnings", []):
        click.echo(f"warning: {warning['file']} [{warning['element_id']}] {warning['reason']}")


def register_commands(app: Flask) -> None:
    @app.cli.command("init-db")
    @click.option("--demo/--no-demo", default=None, help="Also create the demo users.")
    @with_appcontext
    def init_db(demo):
        """Create or upgrade the schema and deploy the process folders."""
        init_database(current_app, demo=demo if demo is not None else current_app.config["DEMO"])
        click.echo(f"database ready: {_safe_url(current_app.config['DATABASE_URL'])}")

    @app.cli.command("deploy")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
    @with_appcontext
    def deploy(paths):
        """Deploy .bpmn, .dmn and form .json files (or folders of them)."""
        from .services import deployments

        with _db().unit_of_work():
            try:
                result = deployments.deploy_directories([Path(p) for p in paths], source="cli")
            except DomainError as error:
                _fail(error)
        _echo_deployment(result)

    @app.cli.command("demo")
    @with_appcontext
    def demo():
        """Create the demo users (password 'demo') and deploy the demo processes."""
        init_database(current_app, demo=True)

    @app.cli.command("scheduler")
    @with_appcontext
    def scheduler():
        """Run the timer scheduler in the foreground (production, beside gunicorn)."""
        from .scheduler import run_forever

        run_forever(current_app._get_current_object())

    @app.cli.command("serve")
    @click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"))
    @click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int)
    @click.option("--demo/--no-demo", default=None, help="Create the demo users.")
    @click.option("--scheduler/--no-scheduler", default=True,
                  help="Tick the timer scheduler in this process.")
    @with_appcontext
    def serve(host, port, demo, scheduler):
        """Set up the database and serve (embedded default: SQLite, one process)."""
        from werkzeug.serving import run_simple

        app = current_app._get_current_object()
        init_database(app, demo=demo if demo is not None else app.config["DEMO"])
        if scheduler:
            from .scheduler import start_in_background

            start_in_background(app)
        click.echo(f"serving on http://{host}:{port} (API docs: /api/docs)")
        run_simple(host, port, app, threaded=True, use_reloader=False)

    @app.cli.group("user")
    def user():
        """Manage users."""

    @user.command("add")
    @click.argument("username")
    @click.option("--role", "roles", multiple=True, required=True,
                  type=click.Choice(ROLES), help="Repeat for several roles.")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--name", default="", help="Display name.")
    @click.option("--email", default=None)
    @with_appcontext
    def user_add(username, roles, password, name, email):
        """Add a user with one or more roles."""
        from .services import users

        with _db().unit_of_work():
            try:
                users.create(username, password, list(roles), display_name=name, email=email)
            except DomainError as error:
                _fail(error)
        click.echo(f"user {username} added with roles {', '.join(roles)}")

    @app.cli.group("client")
    def client():
        """Manage API clients (machines with scoped tokens)."""

    @client.command("add")
    @click.argument("name")
    @click.option("--scope", "scopes", multiple=True, required=True,
                  type=click.Choice(CLIENT_SCOPES), help="Repeat for several scopes.")
    @click.option("--name", "display_name", default="", help="Display name.")
    @with_appcontext
    def client_add(name, scopes, display_name):
        """Add an API client and print its token (shown once; it does not expire)."""
        from .services import users

        with _db().unit_of_work():
            try:
                _user, token = users.create_client(name, list(scopes),
                                                   display_name=display_name)
            except DomainError as error:
                _fail(error)
        click.echo(f"API client {name} added with scopes {', '.join(scopes)}; its token "
                   "(shown once, store it now):")
        click.echo(token)

    @client.command("token")
    @click.argument("name")
    @click.option("--scope", "scopes", multiple=True, required=True,
                  type=click.Choice(CLIENT_SCOPES), help="Repeat for several scopes.")
    @with_appcontext
    def client_token(name, scopes):
        """Print another token for an API client (to rotate: switch, then revoke the old)."""
        from .services import users

        with _db().unit_of_work():
            try:
                token = users.issue_client_token(name, list(scopes))
            except DomainError as error:
                _fail(error)
        click.echo(token)

    @client.command("revoke")
    @click.argument("name")
    @with_appcontext
    def client_revoke(name):
        """Revoke every token of an API client."""
        from .services import users

        with _db().unit_of_work():
            try:
                count = users.revoke_client_tokens(name)
            except DomainError as error:
                _fail(error)
        click.echo(f"{count} token(s) of {name} revoked")

    @app.cli.command("db-revision")
    @click.argument("message")
    @with_appcontext
    def db_revision(message):
        """(developers) Autogenerate an Alembic migration from the models."""
        migrate.revision(current_app.config["DATABASE_URL"], message)

    @app.cli.command("openapi")
    @with_appcontext
    def openapi():
        """Print the OpenAPI document."""
        click.echo(json.dumps(current_app.extensions["flask-smorest"]["apis"][""]["spec"]
                              .to_dict(), indent=2))


def _safe_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def main() -> None:
    from . import create_app

    cli = FlaskGroup(create_app=create_app, add_default_commands=False,
                     help="The sales workflow service.")
    cli.main(prog_name="crm")
