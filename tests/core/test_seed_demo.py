import pytest
from django.core.management import call_command

from csol.core.models import Customer, Membership, PartnerAuthorisation, User

pytestmark = pytest.mark.django_db


def _counts():
    return (Customer.objects.count(), User.objects.count(), Membership.objects.count(), PartnerAuthorisation.objects.count())


def test_seed_demo_creates_the_personas_and_is_idempotent():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    first = _counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert _counts() == first
    boreal = Customer.objects.get(legal_name="Boréal Instruments inc.")
    assert boreal.province == "QC" and boreal.language == "fr"
    assert Membership.objects.get(user__email="comptes@boreal.example").role == "ap"
    partner = User.objects.get(email="partner@maplesi.example")
    authorised = set(PartnerAuthorisation.objects.filter(partner=partner.partner).values_list("customer__number", flat=True))
    assert authorised == {"C-100002", "C-100003"}
    agent = User.objects.get(email="agent@csol.example")
    assert agent.is_staff and agent.groups.count() == 5
    assert User.objects.get(email="admin@csol.example").is_superuser
    assert agent.check_password("csol-demo-2026")
