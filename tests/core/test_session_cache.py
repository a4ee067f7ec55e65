"""With a shared cache (Redis in production), a page reads its session from the cache, not the database."""

import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import signed_in

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL), as in CI"),
]


def test_settings_choose_cached_sessions_only_for_a_shared_cache():
    from django.conf import settings

    expected = "cached_db" if settings.CACHE_IS_SHARED else ".db"
    assert settings.SESSION_ENGINE.endswith(expected)


def test_page_costs_no_session_query_and_sign_out_ends_the_session(redis_cache, customer_user):
    client = signed_in(customer_user)
    assert client.get("/en/orders/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/en/orders/").status_code == 200
    tables = " ".join(query["sql"] for query in queries.captured_queries)
    assert "django_session" not in tables and "core_membership" not in tables
    assert client.post("/en/accounts/sign-out/").status_code == 302
    assert client.get("/en/orders/").status_code == 302  # signed out everywhere: cache and database
