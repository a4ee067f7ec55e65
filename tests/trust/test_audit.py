"""Audit trail: who changed which customer's data and when; sign-ins; denied accesses; immutability."""

import pytest
from celery import shared_task
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from csol.audit.models import AuditAction, AuditEvent
from csol.core.models import Membership, Role
from tests.conftest import signed_in
from tests.factories import PASSWORD, MembershipFactory, PartnerAuthorisationFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def _events(action, **filters):
    return AuditEvent.objects.filter(action=action, **filters)


def test_role_change_through_the_team_page_is_recorded_with_its_author(
    customer_client, customer_user, customer
):
    colleague = member(customer, Role.BUYER, email="buyer@acme.example")
    membership = Membership.objects.get(user=colleague)
    response = customer_client.post(f"/fr/accounts/team/{membership.pk}/", {"role": Role.VIEWER})
    assert response.status_code == 302

    event = _events(AuditAction.UPDATE, content_type__model="membership", object_id=str(membership.pk)).get()
    assert event.content_type == ContentType.objects.get_for_model(Membership)
    assert event.actor == customer_user
    assert event.actor_label == "admin@acme.example"
    assert event.customer_id == customer.pk
    assert event.changes == {"role": [Role.BUYER, Role.VIEWER]}
    assert event.ip == "127.0.0.1"
    assert event.source == "web"


def test_a_save_that_changes_nothing_is_silent(customer):
    membership = MembershipFactory(customer=customer)
    membership.save()
    assert not _events(AuditAction.UPDATE).exists()


def test_creation_and_deletion_are_recorded_with_the_customer(customer, partner):
    authorisation = PartnerAuthorisationFactory(partner=partner, customer=customer, can_order=False)
    ct = ContentType.objects.get_for_model(authorisation)
    created = _events(AuditAction.CREATE, content_type=ct, object_id=str(authorisation.pk)).get()
    assert created.customer_id == customer.pk
    assert created.changes["can_order"] == [None, False]
    assert created.actor_label == "system"  # no request: a script or the shell
    pk = authorisation.pk
    authorisation.delete()
    deleted = _events(AuditAction.DELETE, content_type=ct, object_id=str(pk)).get()
    assert deleted.customer_id == customer.pk
    assert "→" in deleted.object_repr


def test_passwords_never_reach_the_trail(customer):
    user = member(customer, email="who@acme.example")
    user.set_password("Another-long-passw0rd")
    user.save()
    for event in AuditEvent.objects.filter(object_id=str(user.pk)):
        assert "password" not in event.changes


@shared_task(name="tests.trust.deactivate_membership")
def deactivate_membership(membership_id):
    membership = Membership.objects.get(pk=membership_id)
    membership.is_active = False
    membership.save(update_fields=["is_active"])


def test_changes_made_by_background_tasks_are_attributed_to_the_system(customer):
    membership = MembershipFactory(customer=customer)
    deactivate_membership.apply(args=[membership.pk])
    event = _events(AuditAction.UPDATE, content_type__model="membership", object_id=str(membership.pk)).get()
    assert (event.actor_id, event.actor_label, event.source) == (None, "system", "task")
    assert event.changes == {"is_active": [True, False]}


def test_sign_in_and_failed_sign_in_are_recorded(client, customer_user):
    client.post("/en/accounts/sign-in/", {"username": "admin@acme.example", "password": "wrong-password-123"})
    failed = _events(AuditAction.SIGN_IN_FAILED).get()
    assert failed.actor_label == "admin@acme.example"
    assert failed.actor_id is None
    assert "wrong-password" not in str(failed.changes)

    response = client.post("/en/accounts/sign-in/", {"username": "admin@acme.example", "password": PASSWORD})
    assert response.status_code == 302
    signed = _events(AuditAction.SIGN_IN).get()
    assert signed.actor == customer_user
    assert signed.ip == "127.0.0.1"

    client.post("/en/accounts/sign-out/")
    assert _events(AuditAction.SIGN_OUT, actor=customer_user).exists()


def test_another_customers_object_is_a_recorded_denied_access(customer_client, customer_user, other_user):
    theirs = Membership.objects.get(user=other_user)
    response = customer_client.get(f"/fr/accounts/team/{theirs.pk}/")
    assert response.status_code == 404
    event = _events(AuditAction.ACCESS_DENIED).get()
    assert event.actor == customer_user
    assert event.path == f"/fr/accounts/team/{theirs.pk}/"
    assert event.changes == {"status": 404, "method": "GET"}


def test_anonymous_404s_are_not_recorded(client):
    assert client.get("/fr/no-such-page/").status_code == 404
    assert not _events(AuditAction.ACCESS_DENIED).exists()


def test_events_cannot_be_changed_or_deleted(customer):
    MembershipFactory(customer=customer)
    event = AuditEvent.objects.first()
    event.object_repr = "forged"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(object_repr="forged")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


@pytest.mark.postgres
def test_postgresql_refuses_raw_updates_of_the_trail(customer):
    from django.db import transaction
    from django.db.utils import InternalError

    MembershipFactory(customer=customer)
    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET object_repr = 'forged'")


@pytest.fixture
def superuser_client(db):
    return signed_in(UserFactory(email="root@csol.example", is_staff=True, is_superuser=True))


def test_nobody_may_add_change_or_delete_events_in_the_admin(superuser_client, customer):
    MembershipFactory(customer=customer)
    event = AuditEvent.objects.first()
    base = "/en/admin/audit/auditevent/"
    assert superuser_client.get(base).status_code == 200
    assert superuser_client.get(f"{base}add/").status_code == 403
    assert superuser_client.post(f"{base}{event.pk}/change/", {"object_repr": "forged"}).status_code == 403
    assert superuser_client.get(f"{base}{event.pk}/delete/").status_code == 403
    page = superuser_client.get(f"{base}{event.pk}/change/")
    assert page.status_code == 200  # view only
    assert 'name="_save"' not in page.content.decode()


def test_admin_filters_by_customer_and_by_object(agent_client, customer, other_customer):
    mine = MembershipFactory(customer=customer)
    theirs = MembershipFactory(customer=other_customer)
    base = "/en/admin/audit/auditevent/"
    # The audit keeps each object's name as it read when the change happened (the active language then).
    mine_name, theirs_name = str(mine), str(theirs)

    page = agent_client.get(f"{base}?customer={customer.pk}").content.decode()
    assert mine_name in page and theirs_name not in page

    ct = ContentType.objects.get_for_model(Membership).pk
    response = agent_client.get(f"{base}?content_type__id__exact={ct}&object_id={theirs.pk}")
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == list(AuditEvent.objects.for_object(theirs))

    found = agent_client.get(f"{base}?q={other_customer.number}")
    assert {e.customer_id for e in found.context["cl"].result_list} == {other_customer.pk}


def test_audited_change_pages_link_to_their_trail(superuser_client, customer):
    page = superuser_client.get(f"/en/admin/core/customer/{customer.pk}/change/").content.decode()
    assert f"/en/admin/audit/auditevent/?customer={customer.pk}" in page
    assert "object_id=" in page


def test_sign_in_does_not_record_a_change_of_the_user(client, customer_user):
    client.post("/en/accounts/sign-in/", {"username": customer_user.email, "password": PASSWORD})
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE, content_type__model="user").exists()


def test_saving_some_fields_records_only_those_that_changed(customer):
    customer.payment_terms_days = 45
    customer.legal_name = "Renamed inc."
    customer.save(update_fields=["payment_terms_days"])
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, content_type__model="customer")
    assert event.changes == {"payment_terms_days": [30, 45]}


def test_rows_written_in_bulk_are_recorded_as_saves_record_them(customer):
    from csol.audit.recorder import record_created, record_updated, stored_values
    from csol.core.models import Site

    def site(name):
        return Site(customer=customer, name=name, street="1 rue du Port", city="Laval", province="QC")

    def changes(obj, action):
        return AuditEvent.objects.for_object(obj).get(action=action).changes

    saved = site("Entrepôt A")
    saved.save()
    [bulk] = Site.objects.bulk_create([site("Entrepôt B")])
    record_created([bulk])
    assert changes(bulk, AuditAction.CREATE) == {
        **changes(saved, AuditAction.CREATE),
        "name": [None, "Entrepôt B"],
    }
    assert AuditEvent.objects.for_object(bulk).get(action=AuditAction.CREATE).customer_id == customer.pk

    fields = ["city", "postal_code"]
    before = {bulk.pk: stored_values(bulk, fields)}
    for obj in (saved, bulk):
        obj.city, obj.postal_code = "Gatineau", "J8X 1A1"
    saved.save(update_fields=fields)
    Site.objects.bulk_update([bulk], fields)
    record_updated([bulk], fields, before)
    assert changes(bulk, AuditAction.UPDATE) == changes(saved, AuditAction.UPDATE)
    assert changes(bulk, AuditAction.UPDATE)["city"] == ["Laval", "Gatineau"]
    # Written again with the same values: silent, as a save() is.
    record_updated([bulk], fields, {bulk.pk: stored_values(bulk, fields)})
    assert AuditEvent.objects.for_object(bulk).filter(action=AuditAction.UPDATE).count() == 1
