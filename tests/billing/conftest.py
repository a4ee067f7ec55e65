import pytest

from csol.core.models import Role
from tests.conftest import signed_in
from tests.factories import member


@pytest.fixture
def ap_user(customer):
    """An accounts-payable user of `customer`."""
    return member(customer, Role.ACCOUNTS_PAYABLE, email="ap@acme.example", language="fr")


@pytest.fixture
def viewer_user(customer):
    """A read-only user of `customer`: sees invoices, may not dispute nor change options."""
    return member(customer, Role.VIEWER, email="viewer@acme.example", language="fr")


@pytest.fixture
def ap_client(ap_user):
    return signed_in(ap_user)


@pytest.fixture
def viewer_client(viewer_user):
    return signed_in(viewer_user)
