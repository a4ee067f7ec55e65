import pytest

pytestmark = pytest.mark.django_db


def test_root_sends_visitor_to_their_language(client):
    # Given a visitor whose browser prefers English, when they open /, then they land under /en/.
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-CA,en;q=0.9")
    assert response.status_code == 302
    assert response["Location"] == "/en/"


def test_dashboard_renders_for_customer_user(customer_client, customer):
    response = customer_client.get("/fr/")
    assert response.status_code == 200
    assert customer.legal_name in response.content.decode()
