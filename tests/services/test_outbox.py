"""The outbox: messages leave after the commit, failures retry with backoff, nothing twice."""

import threading

from local_servers import HttpServer, SmtpServer, free_port

from app.services import outbox


def minutes_between(a, b) -> float:
    return round((b - a).total_seconds() / 60, 1)


def test_an_smtp_server_that_is_down_is_retried_with_backoff_until_it_is_back(
        app, api, notices):
    port = free_port()  # nothing listens there yet
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS="none")
    notices.notify(["alice"], "message", {"subject": "s", "body": "b"})
    [row] = notices.outbox()
    assert notices.deliver() == 0
    [row] = notices.outbox()
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert "ConnectionRefusedError" in row["last_error"]
    assert notices.deliver() == 0  # not again before its time
    assert len(notices.attempts(row["id"])) == 1
    api.advance_clock("PT61S")
    assert notices.deliver() == 0
    [again] = notices.outbox()
    assert again["attempts"] == 2
    assert minutes_between(notices.attempts(row["id"])[1]["at"], again["next_attempt_at"]) == 2

    server = SmtpServer(port=port).start()
    try:
        api.advance_clock("PT2M1S")
        assert notices.deliver() == 1
    finally:
        server.stop()
    [sent] = notices.outbox()
    assert (sent["status"], sent["attempts"], sent["last_error"]) == ("sent", 3, None)
    assert [a["ok"] for a in notices.attempts(row["id"])] == [False, False, True]
    assert len(server.received) == 1


def test_a_webhook_answering_500_is_given_up_after_the_last_attempt(app, api, notices):
    server = HttpServer(status=500, answer={"error": "down"}).start()
    try:
        app.config.update(WEBHOOK_URLS=[f"{server.url}/hook"], OUTBOX_MAX_ATTEMPTS=4)
        notices.notify(["alice"], "message", {"subject": "s", "body": "b"},
                       channels=["webhook"])
        waits = []
        for _ in range(4):
            assert notices.deliver() == 0
            [row] = notices.outbox()
            if row["status"] == "pending":
                waits.append(minutes_between(notices.attempts(row["id"])[-1]["at"],
                                             row["next_attempt_at"]))
            api.advance_clock("PT9M")
        assert waits == [1, 2, 4]
        assert (row["status"], row["attempts"]) == ("failed", 4)
        attempts = notices.attempts(row["id"])
        assert len(attempts) == 4 and not any(a["ok"] for a in attempts)
        assert "HTTP 500" in attempts[0]["detail"]
        assert notices.deliver() == 0
        assert len(server.received) == 4
    finally:
        server.stop()


def test_two_schedulers_delivering_at_once_never_send_a_message_twice(app, notices):
    server = SmtpServer(delay=0.05).start()
    try:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TLS="none")
        for n in range(12):
            notices.notify([f"email:c{n}@example.com"], "message",
                           {"subject": f"#{n}", "body": "b"})
        counts, errors = [], []
        start = threading.Barrier(2)

        def deliver():
            try:
                start.wait()
                counts.append(notices.deliver())
            except Exception as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=deliver) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert sum(counts) == 12
        assert sorted(m.subject for m in server.received) == sorted(f"#{n}" for n in range(12))
        rows = notices.outbox()
        assert all(r["status"] == "sent" and r["attempts"] == 1 for r in rows)
        assert all(len(notices.attempts(r["id"])) == 1 for r in rows)
    finally:
        server.stop()


def test_a_claim_left_by_a_killed_scheduler_expires_and_the_message_still_goes(
        app, api, notices, smtp_server):
    notices.notify(["bob"], "message", {"subject": "s", "body": "b"})
    with app.app_context(), app.extensions["crm_db"].unit_of_work():
        assert outbox.claim_next("killed-scheduler") is not None  # ...and it never reports
    assert notices.deliver() == 0
    api.advance_clock("PT6M")
    assert notices.deliver() == 1
    assert len(smtp_server.received) == 1
    [row] = notices.outbox()
    assert row["status"] == "sent" and row["claimed_by"] is None
