import pytest
from django.utils import translation

from csol.core.models import Role
from tests.factories import member


@pytest.fixture(autouse=True)
def _french_urls():
    # reverse() gives /fr/... like the default language of the site.
    with translation.override("fr"):
        yield


@pytest.fixture
def colleague(customer):
    """A non-administrator of `customer`: sees only their own requests."""
    return member(customer, Role.BUYER, email="buyer@acme.example", language="fr")
