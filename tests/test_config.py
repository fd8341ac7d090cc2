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
