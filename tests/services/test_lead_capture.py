"""The capture service: lead checks, normal forms, merging, public form files, rate limits."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.errors import Invalid
from app.services import lead_capture, rate_limits
from app.services.forms import FormDefinitionError, parse_form


@pytest.fixture
def work(app):
    """A unit of work to call services in (rolled back unless the test commits it)."""
    with app.app_context(), app.extensions["crm_db"].unit_of_work() as session:
        yield session


# -- checks and normal forms -----------------------------------------------------------------

@pytest.mark.parametrize("raw, normal", [
    ("13800138000", "+8613800138000"),
    ("+86 138-0013-8000", "+8613800138000"),
    ("0086 13800138000", "+8613800138000"),
    ("+44 20 7946 0958", "+442079460958"),
    ("+86 10 6552 9988", "+861065529988"),
    ("010-6552 9988", "+861065529988"),
    ("+86 (0)571 8888 1234", "+8657188881234"),
    ("12800138000", None),
    ("+86 128 0013 8000", None),
    ("021 6552 99", None),
    ("", None),
])
def test_phones_normalise_to_one_form_duplicates_are_found_by(raw, normal):
    assert lead_capture.normalize_phone(raw) == normal


def test_emails_normalise_to_lower_case_without_spaces():
    assert lead_capture.normalize_email("  Li.Na@Example.COM ") == "li.na@example.com"
    assert lead_capture.normalize_email("li.na@") is None


def test_a_lead_is_typed_and_blank_values_are_absent():
    values = lead_capture.validate_lead({"name": "  Wang Wei ", "phone": "13800138000",
                                         "email": "", "company": None, "budget": 1000,
                                         "company_size": "12"})
    assert values == {"name": "Wang Wei", "phone": "13800138000", "budget": Decimal("1000.00"),
                      "company_size": 12}


def test_errors_say_where_a_mapped_value_came_from():
    with pytest.raises(Invalid) as caught:
        lead_capture.validate_lead({"name": "x", "phone": "123"},
                                   paths={"phone": "payload path 'content.phone'"})
    assert caught.value.fields["phone"][0].endswith("(from payload path 'content.phone')")
    assert caught.value.details["paths"] == {"phone": "payload path 'content.phone'"}


def test_values_are_made_json_for_touches_and_custom_fields():
    assert lead_capture.json_safe({"a": Decimal("1.50"), "b": [date(2026, 1, 2)], "c": 3}) == {
        "a": "1.50", "b": ["2026-01-02"], "c": 3}


def test_custom_values_must_be_finite():
    with pytest.raises(Invalid) as caught:
        lead_capture.validate_lead({"name": "x", "phone": "13800138000",
                                    "custom": {"score": float("nan")}})
    assert "custom" in caught.value.fields


# -- capture, merge --------------------------------------------------------------------------

def capture(values: dict, **options):
    return lead_capture.capture(lead_capture.validate_lead(values), source="api", **options)


def test_merging_fills_blank_fields_and_keeps_the_rest(work):
    first = capture({"name": "Wang", "phone": "13800138000", "custom": {"a": 1}})
    again = capture({"name": "Someone", "phone": "+86 13800138000", "company": "Acme",
                     "region": "north_china", "custom": {"a": 2, "b": 3}})
    assert again.merged and not again.created and again.lead is first.lead
    assert (first.lead.name, first.lead.company, first.lead.region) == (
        "Wang", "Acme", "north_china")
    assert first.lead.custom == {"a": 1, "b": 3}
    assert [t.source for t in first.lead.touches] == ["api", "api"]


def test_a_replayed_key_returns_the_first_outcome(work):
    capture({"name": "Wang", "phone": "13800138000"})
    merged = capture({"name": "Wang", "phone": "13800138000"}, idempotency_key="k")
    replay = capture({"name": "Other", "email": "o@example.com"}, idempotency_key="k")
    assert merged.merged and replay.merged and replay.replayed
    assert replay.lead.id == merged.lead.id
    assert len(merged.lead.touches) == 2


def test_without_a_user_the_response_shows_no_more_than_id_and_status(work):
    result = capture({"name": "Wang", "phone": "13800138000"})
    assert result.created and not result.merged
    assert result.full_view is False


# -- public form files -----------------------------------------------------------------------

def public_form(*fields, **public):
    names = fields or ({"name": "name"}, {"name": "phone"})
    return {"key": "site", "public": public, "fields": list(names)}


def test_a_public_form_defaults_its_source_to_web_form():
    form = parse_form(json.dumps(public_form(campaign="spring")).encode(), "site.json")
    assert form["public"] == {"source": "web_form", "campaign": "spring"}


@pytest.mark.parametrize("form, message", [
    (public_form(source="Web Form"), "'source' is a code"),
    (public_form(owner="alice"), "public: unknown keys ['owner']"),
    (public_form(campaign=7), "'campaign' is a string"),
    (public_form({"name": "name"}, {"name": "notes"}), "needs a 'name' field and a 'phone'"),
    (public_form({"name": "phone"}, {"name": "email"}), "needs a 'name' field"),
    (public_form({"name": "name"}, {"name": "phone"}, {"name": "company_website"}),
     "'company_website': the name is reserved"),
    (public_form({"name": "name"}, {"name": "phone"}, {"name": "at", "type": "datetime"}),
     "cannot use datetime fields"),
    ({"key": "site", "public": True, "fields": [{"name": "name"}]}, "'public' is an object"),
])
def test_a_public_form_file_that_could_not_capture_leads_is_refused(form, message):
    with pytest.raises(FormDefinitionError) as caught:
        parse_form(json.dumps(form).encode(), "site.json")
    assert message in str(caught.value)


def test_the_shipped_website_form_is_public_and_bilingual():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bpmn" / "forms" / "website_lead.json"
    form = parse_form(path.read_bytes(), path.name)
    assert form["public"]["source"] == "web_form"
    for field in form["fields"]:
        assert set(field["label"]) == {"en", "zh-CN"}, field["name"]


# -- rate limits -----------------------------------------------------------------------------

def test_ipv6_clients_count_per_64_and_mapped_ipv4_as_ipv4():
    bucket = rate_limits.client_bucket
    assert bucket("f", "2001:db8:1:2:aaaa::1") == bucket("f", "2001:db8:1:2:bbbb::9")
    assert bucket("f", "2001:db8:1:2::1") != bucket("f", "2001:db8:1:3::1")
    assert bucket("f", "::ffff:198.51.100.7") == bucket("f", "198.51.100.7") == "f:198.51.100.7"
    assert bucket("f", None) == "f:unknown"


def test_a_window_counts_up_to_its_limit_then_starts_afresh(app):
    start = datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC)
    with app.app_context():
        hits = [rate_limits.hit("t:1", limit=2, window_seconds=60,
                                now=start + timedelta(seconds=s)) for s in (0, 10, 20)]
        assert [h.allowed for h in hits] == [True, True, False]
        assert hits[2].retry_after == 40
        later = rate_limits.hit("t:1", limit=2, window_seconds=60,
                                now=start + timedelta(seconds=61))
        assert later.allowed and later.count == 1
        other = rate_limits.hit("t:2", limit=2, window_seconds=60, now=start)
        assert other.count == 1
