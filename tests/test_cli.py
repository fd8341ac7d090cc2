"""The `crm` command line."""

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent


def test_init_db_migrates_and_deploys_the_process_folders(app):
    app.config["DEPLOY_ON_START"] = True
    app.config["PROCESS_DIRS"] = f"{ROOT / 'bpmn'}:{ROOT / 'dmn'}"
    result = app.test_cli_runner().invoke(args=["init-db", "--no-demo"])
    assert result.exit_code == 0, result.output
    assert "process visit_report v1 (created)" in result.output
    again = app.test_cli_runner().invoke(args=["init-db"])
    assert "process visit_report v1 (unchanged)" in again.output


def test_deploy_prints_versions_and_fails_clearly(app):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["deploy", str(FIXTURES / "bpmn/parallel_review.bpmn")])
    assert ok.exit_code == 0, ok.output
    assert "process parallel_review v1 (created)" in ok.output
    bad = FIXTURES.parent / "fixtures/bpmn/approval.bpmn"  # its form is not deployed
    failed = runner.invoke(args=["deploy", str(bad)])
    assert failed.exit_code != 0
    assert "approval.bpmn" in failed.output and "review" in failed.output
    assert "form 'approval'" in failed.output


def test_user_add_creates_a_user_who_can_sign_in(app, client):
    result = app.test_cli_runner().invoke(
        args=["user", "add", "zoe", "--role", "sales", "--role", "manager",
              "--password", "secret1", "--name", "Zoe Sun"])
    assert result.exit_code == 0, result.output
    token = client.post("/api/auth/token", json={"username": "zoe", "password": "secret1"})
    assert token.status_code == 200
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token.json['token']}"})
    assert me.json["roles"] == ["sales", "manager"]
    assert me.json["display_name"] == "Zoe Sun"


def test_user_add_refuses_a_duplicate_and_an_unknown_role(app):
    runner = app.test_cli_runner()
    duplicate = runner.invoke(args=["user", "add", "alice", "--role", "sales",
                                    "--password", "secret1"])
    assert duplicate.exit_code != 0 and "exists" in duplicate.output
    unknown = runner.invoke(args=["user", "add", "zed", "--role", "pirate",
                                  "--password", "secret1"])
    assert unknown.exit_code != 0 and "pirate" in unknown.output


def test_demo_creates_missing_demo_users_only(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "demo users created" not in result.output  # the fixture made them already
