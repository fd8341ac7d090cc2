"""GET /api/notifications and friends: my inbox, read / unread, my channel preferences."""


def put(api, path, **kwargs):
    return api.client.put(path, headers=api._headers(), **kwargs)


def fill_inbox(notices):
    for n in range(3):
        notices.notify(["alice"], "message", {"subject": f"news {n}", "body": "b"})
    notices.notify(["bob"], "message", {"subject": "for bob", "body": "b"})


def test_my_inbox_lists_unread_first_then_newest(api, notices):
    fill_inbox(notices)
    alice = api.as_("alice")
    first = alice.get("/api/notifications").json
    assert [n["title"] for n in first["items"]] == ["news 2", "news 1", "news 0"]
    assert (first["total"], first["unread"]) == (3, 3)
    oldest = first["items"][-1]
    read = alice.post(f"/api/notifications/{oldest['id']}/read")
    assert read.status_code == 200 and read.json["read"] is True and read.json["read_at"]
    listed = alice.get("/api/notifications").json
    assert [n["title"] for n in listed["items"]] == ["news 2", "news 1", "news 0"]
    alice.post(f"/api/notifications/{listed['items'][0]['id']}/read")
    listed = alice.get("/api/notifications").json
    assert [n["title"] for n in listed["items"]] == ["news 1", "news 2", "news 0"]
    assert listed["unread"] == 1
    unread = alice.get("/api/notifications?unread=true").json
    assert [n["title"] for n in unread["items"]] == ["news 1"] and unread["total"] == 1
    paged = alice.get("/api/notifications?per_page=2&page=2").json
    assert [n["title"] for n in paged["items"]] == ["news 0"] and paged["total"] == 3


def test_read_all_marks_only_my_notifications(api, notices):
    fill_inbox(notices)
    response = api.as_("alice").post("/api/notifications/read-all")
    assert response.status_code == 200 and response.json == {"marked": 3}
    assert api.as_("alice").get("/api/notifications").json["unread"] == 0
    assert api.as_("alice").post("/api/notifications/read-all").json == {"marked": 0}
    assert api.as_("bob").get("/api/notifications").json["unread"] == 1


def test_somebody_elses_notification_is_403_and_a_missing_one_404(api, notices):
    fill_inbox(notices)
    bobs = api.as_("bob").get("/api/notifications").json["items"][0]["id"]
    response = api.as_("alice").post(f"/api/notifications/{bobs}/read")
    assert response.status_code == 403 and response.json["error"] == "forbidden"
    assert api.as_("admin").post(f"/api/notifications/{bobs}/read").status_code == 403
    assert api.as_("bob").get("/api/notifications").json["unread"] == 1
    response = api.as_("alice").post("/api/notifications/99999/read")
    assert response.status_code == 404 and response.json["error"] == "not_found"
    assert api.get("/api/notifications").status_code == 401


def test_preferences_switch_channels_on_and_off(api, notices, smtp_server):
    alice = api.as_("alice")
    assert alice.get("/api/notifications/preferences").json == {
        "inapp": True, "email": True, "sms": False}
    response = put(alice, "/api/notifications/preferences", json={"email": False, "sms": True})
    assert response.status_code == 200
    assert response.json == {"inapp": True, "email": False, "sms": True}
    assert put(alice, "/api/notifications/preferences",
               json={"inapp": False}).json == {"inapp": False, "email": False, "sms": True}
    bad = put(alice, "/api/notifications/preferences", json={"fax": True})
    assert bad.status_code == 422 and "fax" in bad.json["fields"]
    notices.notify(["alice", "bob"], "message", {"subject": "s", "body": "b"})
    assert alice.get("/api/notifications").json["total"] == 0
    assert [r["recipient"] for r in notices.outbox("email")] == ["bob@example.com"]
