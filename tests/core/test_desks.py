import pytest
from django.contrib.auth.models import Group

from csol.core.services.desks import DESK_GROUP_NAMES, desk_groups_sync
from tests.conftest import signed_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _agent_in(desk):
    desk_groups_sync()
    user = UserFactory(is_staff=True)
    user.groups.set([Group.objects.get(name=DESK_GROUP_NAMES[desk])])
    return user


def test_every_desk_has_a_group_with_its_apps_permissions():
    groups = desk_groups_sync()
    assert set(groups) == set(DESK_GROUP_NAMES)
    billing = groups["billing"]
    assert billing.permissions.filter(content_type__app_label="billing", codename="change_invoice").exists()
    assert not billing.permissions.filter(content_type__app_label="contracts").exists()


def test_billing_agent_cannot_edit_contracts():
    agent = _agent_in("billing")
    assert agent.has_perm("billing.change_invoice")
    assert not agent.has_perm("contracts.change_contract")
    client = signed_in(agent)
    assert client.get("/en/admin/core/customer/add/").status_code == 403


def test_desk_agents_may_view_but_not_change_customers():
    agent = _agent_in("orders")
    assert agent.has_perm("core.view_customer")
    assert not agent.has_perm("core.change_customer")


def test_sync_is_idempotent():
    desk_groups_sync()
    desk_groups_sync()
    assert Group.objects.filter(name__in=DESK_GROUP_NAMES.values()).count() == len(DESK_GROUP_NAMES)


def test_desk_recipients_are_the_desks_active_agents_in_their_language(settings):
    from csol.core.selectors import desk_recipients

    settings.CSOL_DESK_EMAILS = {}
    billing = _agent_in("billing")
    billing.language = "fr"
    billing.save(update_fields=["language"])
    gone = _agent_in("billing")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    _agent_in("orders")
    assert desk_recipients(desk="billing") == [(billing.email, "fr")]


def test_desk_recipients_prefer_the_desks_mailbox_and_never_lose_a_notice(settings):
    from csol.core.selectors import desk_recipients

    settings.CSOL_DESK_EMAILS = {"billing": "Billing@csol.example"}
    _agent_in("billing")
    assert desk_recipients(desk="billing") == [("billing@csol.example", "fr")]
    # A desk with neither a mailbox nor an agent: the supplier's address.
    assert desk_recipients(desk="contracts") == [(settings.CSOL_SUPPLIER["email"], "fr")]
