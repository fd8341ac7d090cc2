"""Each channel against a real local server: SMTP (aiosmtpd), webhook and SMS gateway (HTTP)."""

import base64
import hashlib
import hmac

import pytest
from local_servers import HttpServer, SmtpServer

from app.notifications.channels import sms


def test_an_email_reaches_the_smtp_server_with_recipient_subject_and_body(
        notices, smtp_server):
    notices.notify(["alice"], "message", {"subject": "Quote Q-17 is ready",
                                          "body": "Please send it to ACME today."})
    assert notices.deliver() == 1
    [mail] = smtp_server.received
    assert mail.rcpt_tos == ["alice@example.com"]
    assert mail.mail_from == "crm@example.com"
    assert mail.message["To"] == "alice@example.com"
    assert mail.subject == "Quote Q-17 is ready"
    assert mail.body.strip() == "Please send it to ACME today."
    [row] = notices.outbox("email")
    assert row["status"] == "sent" and row["attempts"] == 1


def test_a_chinese_user_gets_the_email_in_chinese(notices, smtp_server):
    notices.set_user("alice", language="zh-CN", display_name="王丽")
    notices.set_user("bob", language="en", display_name="Bob Li")
    notices.notify(["alice", "bob"], "approval_requested",
                   {"title": "华东区年度合同", "requester": "sam", "amount": "120000"})
    assert notices.deliver() == 2
    mails = {m.rcpt_tos[0]: m for m in smtp_server.received}
    chinese = mails["alice@example.com"]
    assert chinese.subject == "审批请求：华东区年度合同"
    assert chinese.body.strip() == "王丽，您好：\n\nsam 请求审批“华东区年度合同”。\n金额：120000"
    assert b"=?utf-8?" in chinese.raw.split(b"\r\n\r\n")[0].lower()  # an encoded header
    english = mails["bob@example.com"]
    assert english.subject == "Approval requested: 华东区年度合同"
    assert english.body.startswith("Hello Bob Li,\n\nsam asks for approval of 华东区年度合同.")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_uses_the_configured_user_and_password(app, notices):
    server = SmtpServer(login=("crm", "s3cret")).start()
    try:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TLS="none",
                          SMTP_USER="crm", SMTP_PASSWORD="s3cret")
        notices.notify(["bob"], "message", {"subject": "hi", "body": "there"})
        assert notices.deliver() == 1
        assert server.logins == ["crm"] and server.received[0].mail_from == "crm"
    finally:
        server.stop()


def test_email_is_off_when_smtp_host_is_unset(notices):
    assert notices.notify(["alice"], "message", {"subject": "s", "body": "b"}) == 1
    assert notices.outbox() == []


def test_a_webhook_receives_robot_style_json(app, notices, http_server):
    app.config["WEBHOOK_URLS"] = [f"{http_server.url}/robot/send?access_token=abc"]
    notices.notify(["alice", "bob"], "message", {"subject": "Deal won", "body": "ACME signed"},
                   channels=["webhook"])
    assert notices.deliver() == 1  # one post per notify call, not one per person
    [request] = http_server.received
    assert request.path == "/robot/send" and request.query == {"access_token": "abc"}
    assert request.json == {"msgtype": "text", "text": {"content": "Deal won\nACME signed"}}
    assert request.headers["Content-Type"].startswith("application/json")


def test_a_webhook_secret_signs_the_url_the_dingtalk_way(app, notices, http_server):
    app.config.update(WEBHOOK_URLS=[f"{http_server.url}/robot/send?access_token=abc"],
                      WEBHOOK_SECRET="SEC123")
    notices.notify(["role:sales"], "message", {"subject": "新线索", "body": "来自官网"},
                   channels=["webhook"])
    assert notices.deliver() == 1
    [request] = http_server.received
    assert request.json["text"]["content"] == "新线索\n来自官网"
    timestamp, sign = request.query["timestamp"], request.query["sign"]
    expected = base64.b64encode(hmac.new(b"SEC123", f"{timestamp}\nSEC123".encode(),
                                         hashlib.sha256).digest()).decode()
    assert sign == expected and request.query["access_token"] == "abc"


def test_webhooks_are_only_for_the_messages_that_ask_for_them(app, notices, http_server):
    app.config["WEBHOOK_URLS"] = [f"{http_server.url}/robot"]
    notices.notify(["alice"], "message", {"subject": "Your bonus", "body": "private"})
    notices.deliver()
    assert http_server.received == []
    app.config["WEBHOOK_EVENTS"] = ["message"]
    notices.notify(["alice"], "message", {"subject": "Team news", "body": "public"})
    notices.deliver()
    assert [r.json["text"]["content"] for r in http_server.received] == ["Team news\npublic"]


def test_a_webhook_answering_a_nonzero_errcode_is_a_failed_delivery(app, notices):
    server = HttpServer(answer={"errcode": 310000, "errmsg": "keywords not in content"}).start()
    try:
        app.config["WEBHOOK_URLS"] = [f"{server.url}/robot"]
        notices.notify(["alice"], "message", {"subject": "s", "body": "b"},
                       channels=["webhook"])
        assert notices.deliver() == 0
        [row] = notices.outbox("webhook")
        assert row["status"] == "pending" and "310000" in row["last_error"]
    finally:
        server.stop()


def test_the_local_sms_provider_records_messages_for_people_who_want_sms(app, notices):
    app.config["SMS_PROVIDER"] = "local"
    notices.set_user("alice", phone="+8613800138000")
    notices.set_user("bob", phone="+8613900139000")
    with app.app_context(), app.extensions["crm_db"].unit_of_work():
        from app.services import notifications, users

        notifications.set_preferences(users.find("alice"), {"sms": True})
    notices.notify(["alice", "bob", "phone:+8613700137000"], "message",
                   {"subject": "Visit tomorrow 9:00", "body": "long text"})
    assert notices.deliver() == 2  # bob has not turned SMS on (it is off by default)
    assert sorted((m.phone, m.text) for m in sms.recorded(app)) == [
        ("+8613700137000", "Visit tomorrow 9:00"), ("+8613800138000", "Visit tomorrow 9:00")]


def test_the_http_sms_provider_posts_its_template_to_the_gateway(app, notices, http_server):
    app.config.update(SMS_PROVIDER="http", SMS_HTTP_URL=f"{http_server.url}/sms",
                      SMS_HTTP_TEMPLATE='{"to": "{phone}", "content": "【CRM】{text}", '
                                        '"sign": "crm"}',
                      SMS_HTTP_HEADERS='{"X-Api-Key": "k-1"}')
    notices.notify(["phone:+8613800138000"], "message", {"subject": '报价 "Q-1" 已批准'})
    assert notices.deliver() == 1
    [request] = http_server.received
    assert request.path == "/sms" and request.headers["X-Api-Key"] == "k-1"
    assert request.json == {"to": "+8613800138000", "content": '【CRM】报价 "Q-1" 已批准',
                            "sign": "crm"}
