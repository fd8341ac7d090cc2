"""Settings that would only fail later are refused when the app starts."""

import pytest

from app import create_app


@pytest.mark.parametrize("setting, value", [("NOTIFY_TIMEZONE", "Asia/Beijing"),
                                            ("NOTIFY_TIMEZONE", "+08:00"),
                                            ("SMTP_TLS", "maybe")])
def test_a_bad_setting_stops_the_start(setting, value, database_url):
    with pytest.raises(ValueError, match=setting.replace("NOTIFY_", "CRM_NOTIFY_")):
        create_app({"DATABASE_URL": database_url, setting: value})


def test_a_real_time_zone_is_accepted(database_url):
    app = create_app({"DATABASE_URL": database_url, "NOTIFY_TIMEZONE": "Asia/Shanghai"})
    assert app.config["NOTIFY_TIMEZONE"] == "Asia/Shanghai"
    app.extensions["crm_db"].dispose()


def test_without_a_secret_key_every_worker_shares_the_one_kept_in_the_instance(
        database_url, tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"DATABASE_URL": database_url, "INSTANCE_DIR": str(tmp_path)})
    second = create_app({"DATABASE_URL": database_url, "INSTANCE_DIR": str(tmp_path)})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    for app in (first, second):
        app.extensions["crm_db"].dispose()


def test_a_secret_key_in_the_environment_wins(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    app = create_app({"DATABASE_URL": database_url, "INSTANCE_DIR": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()
    app.extensions["crm_db"].dispose()
