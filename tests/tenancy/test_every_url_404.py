"""Another customer's object is a 404 on every customer-facing URL, for every kind of outsider.

Table-driven from the URL resolver (see registry.py): each pattern with arguments gets an object of
`customer` from its builder, then a user of another customer, a partner not authorised for
`customer`, and a partner whose authorisation was revoked each request it and must get a 404. A view
that only accepts POST is posted to (its 405 on GET would prove nothing). Finally the owner (an agent, for
back-office actions) requests the same URL and must NOT get a 404, which proves the object existed
and the outsiders' 404 came from the tenancy rule.
"""

import pytest
from django.utils import timezone

from tests.conftest import signed_in
from tests.factories import PartnerAuthorisationFactory, PartnerFactory, UserFactory
from tests.tenancy.registry import (
    OBJECT_URLS,
    SHARED_URLS,
    Owner,
    build_kwargs,
    customer_facing_patterns,
    patterns_with_args,
    registry_agent,
    url_for,
)

pytestmark = pytest.mark.django_db

OUTSIDERS = ["other_user", "partner_user", "revoked_partner_user"]


@pytest.fixture
def revoked_partner_user(customer):
    """A partner whose authorisation for `customer` was revoked this morning: revocation is immediate."""
    partner = PartnerFactory(name="Former Partner Inc.")
    PartnerAuthorisationFactory(partner=partner, customer=customer, revoked_at=timezone.now())
    return UserFactory(email="former@partner.example", partner=partner)


def _sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and "/login/" in response["Location"]


def _request(client, url):
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    return response


CUSTOMER_OBJECT_PATTERNS = [p for p in patterns_with_args() if p.view_name not in SHARED_URLS]


@pytest.mark.parametrize("pattern", CUSTOMER_OBJECT_PATTERNS, ids=lambda p: p.view_name)
def test_another_customers_object_is_404(pattern, request, customer, customer_user):
    if pattern.view_name not in OBJECT_URLS:
        pytest.fail(
            f"No factory for {pattern.view_name} ({pattern.route}, kwargs {pattern.kwargs}): "
            "add a builder to OBJECT_URLS in tests/tenancy/registry.py"
        )
    # Given an object of `customer`
    kwargs = build_kwargs(pattern, Owner(customer=customer, user=customer_user))
    url = url_for(pattern.view_name, kwargs, "fr")

    # When each outsider requests it, then it does not exist for them
    agent_only = OBJECT_URLS[pattern.view_name].agent_only
    for persona in OUTSIDERS:
        response = _request(signed_in(request.getfixturevalue(persona)), url)
        if agent_only and _sent_to_sign_in(response):
            # Back-office views guarded by staff_member_required send anyone else to the sign-in
            # page before any lookup: the same answer whatever the id, so nothing leaks either.
            continue
        assert response.status_code == 404, f"{persona} got {response.status_code} on {url}"

    # and the owner (an agent, for the back-office actions) does reach it: the 404s above came from
    # the tenancy rule, not from a builder making a wrong object
    insider = registry_agent() if OBJECT_URLS[pattern.view_name].agent_only else customer_user
    response = _request(signed_in(insider), url)
    assert response.status_code != 404, f"{insider} got a 404 on {url}: the builder makes a wrong object"


def test_resolver_walk_finds_the_portal_and_skips_the_back_office():
    names = {p.view_name for p in customer_facing_patterns()}
    assert {"portal:dashboard", "accounts:team", "accounts:member_edit"} <= names
    assert not any(name.startswith("admin:") for name in names)
    assert "set_language" not in names  # outside the language prefix


def test_table_has_no_stale_entries():
    # An entry for a view that no longer exists would hide a renamed view from the test above.
    names = {p.view_name for p in patterns_with_args()}
    known = set(OBJECT_URLS) | set(SHARED_URLS)
    assert known <= names, sorted(known - names)
