"""Shared personas: a customer user, a user of another customer, a partner, an agent.

Domain apps add their own fixtures in tests/<app>/conftest.py.
"""

import os

import pytest
from django.test import Client, override_settings

from csol.core.models import Role
from tests.factories import (
    CustomerFactory,
    PartnerAuthorisationFactory,
    PartnerFactory,
    SiteFactory,
    UserFactory,
    member,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _default_language():
    # A request to an /en/ page leaves English active in the thread; each test starts from the default.
    from django.utils import translation

    translation.activate("fr")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    # Cached values (invoice list totals, lookup counters) are keyed by database ids, which a
    # rolled-back test hands out again: each test starts with an empty cache.
    from django.core.cache import caches

    for alias in caches:
        caches[alias].clear()
    yield
    for alias in caches:
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Each test writes private files (PDFs, attachments) to its own folder.
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def customer(db):
    customer = CustomerFactory(number="C-900001", legal_name="Acme Québec inc.", province="QC")
    SiteFactory(customer=customer, name="Siège", city="Montréal", postal_code="H2X 1Y4")
    return customer


@pytest.fixture
def other_customer(db):
    customer = CustomerFactory(number="C-900002", legal_name="Other Co. Ltd.", province="ON")
    SiteFactory(customer=customer, name="Head office")
    return customer


@pytest.fixture
def customer_user(customer):
    """An administrator of `customer`."""
    return member(customer, Role.ADMINISTRATOR, email="admin@acme.example", language="fr")


@pytest.fixture
def other_user(other_customer):
    """An administrator of another customer: sees none of `customer`'s data."""
    return member(other_customer, Role.ADMINISTRATOR, email="admin@other.example")


@pytest.fixture
def partner(db):
    return PartnerFactory(name="Maple Test Partner")


@pytest.fixture
def partner_user(partner, other_customer):
    """A partner user authorised for `other_customer` only (all scopes)."""
    PartnerAuthorisationFactory(partner=partner, customer=other_customer)
    return UserFactory(email="partner@maple.example", partner=partner)


@pytest.fixture
def agent(db):
    from csol.core.services.desks import desk_groups_sync
    from django.contrib.auth.models import Group

    desk_groups_sync()
    user = UserFactory(email="agent@csol.example", is_staff=True)
    user.groups.set(Group.objects.all())
    return user


@pytest.fixture
def redis_cache(worker_id, settings):
    """The default cache on Redis, as in production (the test is skipped without REDIS_URL)."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs Redis (REDIS_URL), as in CI")
    base = os.environ["REDIS_URL"].rsplit("/", 1)[0]
    # clear() empties the whole Redis database: one database per test process (-n 2 in CI).
    worker = int(worker_id[2:]) if worker_id.startswith("gw") else 0
    caches = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"{base}/{14 + worker % 2}",
            "KEY_PREFIX": f"csol-test-{worker_id}",
        },
    }
    with override_settings(CACHES=caches, SESSION_ENGINE="django.contrib.sessions.backends.cached_db"):
        from django.core.cache import cache

        cache.clear()
        yield
        cache.clear()


def signed_in(user, *, verified=None) -> Client:
    """A client signed in as `user`; agents (and `verified=True`) have passed two-step verification."""
    client = Client()
    client.force_login(user)
    if verified or (verified is None and user.is_staff):
        verify_second_factor(client, user)
    return client


def verify_second_factor(client, user):
    """Give the user an authenticator app and mark the client's session as verified with it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="authenticator", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@pytest.fixture
def customer_client(customer_user):
    return signed_in(customer_user)


@pytest.fixture
def other_client(other_user):
    return signed_in(other_user)


@pytest.fixture
def partner_client(partner_user):
    return signed_in(partner_user)


@pytest.fixture
def agent_client(agent):
    return signed_in(agent)


@pytest.fixture
def admin_client(admin_user):
    """pytest-django's superuser client, past two-step verification like every agent."""
    return signed_in(admin_user)
