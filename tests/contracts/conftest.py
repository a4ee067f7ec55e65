import pytest

from tests.contracts.factories import ContractFactory


@pytest.fixture
def contract(customer):
    return ContractFactory(customer=customer, number="CT-900001")


@pytest.fixture
def other_contract(other_customer):
    return ContractFactory(customer=other_customer, number="CT-900002")
