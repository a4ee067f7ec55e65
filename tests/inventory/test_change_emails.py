"""Change requests: the reporting administrator is emailed the decision once, in their language."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction

from csol.core.models import Membership
from csol.core.tenancy import viewer_for
from inventory.models import ChangeKind, ChangeRequestEmail, ChangeStatus
from inventory.services import change_request_approve, change_request_reject, change_request_submit
from inventory.tasks import change_request_decision_email
from tests.factories import SiteFactory
from tests.inventory.factories import RecordFactory

pytestmark = pytest.mark.django_db


def _report(user, record, **kwargs):
    fields = {"kind": ChangeKind.DECOMMISSION, "message": "Retiré en mars"} | kwargs
    return change_request_submit(viewer=viewer_for(user), record=record, **fields)


def test_approval_is_emailed_once_in_french_after_commit(
    customer, customer_user, agent, django_capture_on_commit_callbacks
):
    record = RecordFactory(customer=customer, serial_number="78EM001")
    laval = SiteFactory(customer=customer, name="Usine de Laval")
    change = _report(customer_user, record, kind=ChangeKind.MOVE, new_site=laval)
    assert mail.outbox == []  # reporting sends nothing
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change_request_approve(change=change, actor=agent, note="Vérifié avec le site")
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [customer_user.email]
    assert message.subject == f"Votre demande de changement pour {record} est approuvée"
    assert "Déplacé vers un autre emplacement" in message.body and "Vérifié avec le site" in message.body
    assert f"/fr/installed-base/{record.pk}/" in message.body
    # A retried or duplicated task sends nothing more.
    assert change_request_decision_email.apply(args=[change.pk]).get() is False
    assert len(mail.outbox) == 1
    assert ChangeRequestEmail.objects.get().event == ChangeStatus.APPROVED


def test_rejection_is_emailed_with_the_reason_in_english(
    other_customer, other_user, agent, django_capture_on_commit_callbacks
):
    record = RecordFactory(customer=other_customer, serial_number="78EM002")
    change = _report(other_user, record)
    with django_capture_on_commit_callbacks(execute=True):
        change_request_reject(change=change, actor=agent, note="Still covered & billed at that site.")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == f"Your change to {record} is rejected"
    assert "Still covered & billed at that site." in message.body  # plain text: not escaped
    assert "Still covered &amp; billed at that site." in message.alternatives[0][0]
    assert "The record stays as it was." in message.body


def test_a_rejection_needs_a_reason(customer, customer_user, agent):
    change = _report(customer_user, RecordFactory(customer=customer, serial_number="78EM003"))
    with pytest.raises(ValidationError) as refused:
        change_request_reject(change=change, actor=agent, note="  ")
    assert refused.value.code == "reason"
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING


def test_an_administrator_who_left_is_not_told(
    customer, customer_user, agent, django_capture_on_commit_callbacks
):
    change = _report(customer_user, RecordFactory(customer=customer, serial_number="78EM004"))
    Membership.objects.filter(user=customer_user).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        change_request_approve(change=change, actor=agent)
    assert mail.outbox == [] and not ChangeRequestEmail.objects.exists()


def test_a_rolled_back_decision_sends_nothing(
    customer, customer_user, agent, django_capture_on_commit_callbacks
):
    change = _report(customer_user, RecordFactory(customer=customer, serial_number="78EM005"))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        change_request_approve(change=change, actor=agent)
        raise RuntimeError
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING and mail.outbox == []
