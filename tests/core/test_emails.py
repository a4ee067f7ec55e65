"""The core's email helpers: absolute portal links in the reader's language, and sent-once rows."""

import smtplib

import pytest
from django.core import mail

from csol.core.emails import portal_url, send_once
from orders.models import OrderEmail, OrderEventKind, OrderStatus
from tests.orders.factories import advance, make_order

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language, prefix", [("fr", "/fr/"), ("en", "/en/")])
def test_portal_url_is_absolute_and_in_the_readers_language(settings, language, prefix):
    settings.CSOL_PORTAL_URL = "https://portal.csol.example/"
    assert portal_url("orders:detail", language=language, number="SO-1") == (
        f"https://portal.csol.example{prefix}orders/SO-1/"
    )


@pytest.fixture
def event(customer, customer_user, agent):
    order = advance(make_order(customer, actor=customer_user), OrderStatus.VALIDATED, actor=agent)
    return order.events.get(kind=OrderEventKind.STATUS, to_status=OrderStatus.VALIDATED)


def _send(event, to="a@example.com"):
    return send_once(
        OrderEmail(event=event, recipient=to, language="en"),
        to=[to],
        template="orders/emails/validated",
        language="en",
        context={"order": event.order, "event": event, "url": "https://x/"},
    )


def test_send_once_sends_then_skips(event):
    assert _send(event) is True
    assert _send(event) is False
    assert len(mail.outbox) == 1 and OrderEmail.objects.filter(event=event).count() == 1


def test_a_failed_send_leaves_no_row_so_a_retry_sends(event, monkeypatch):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        _send(event)
    assert not OrderEmail.objects.filter(event=event).exists()
    monkeypatch.undo()
    assert _send(event) is True and len(mail.outbox) == 1
