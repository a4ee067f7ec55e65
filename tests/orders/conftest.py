import pytest
from django.utils import translation

from csol.core.models import Role
from tests.factories import member


@pytest.fixture
def buyer(customer):
    return member(customer, Role.BUYER, email="buyer@acme.example", language="en")


@pytest.fixture
def viewer_user(customer):
    """A read-only member of `customer`."""
    return member(customer, Role.VIEWER, email="viewer@acme.example")


@pytest.fixture
def english():
    """Service messages in English (the project default is French)."""
    with translation.override("en"):
        yield
