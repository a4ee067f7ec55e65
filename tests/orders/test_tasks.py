import pytest
from django.core import mail

from csol.core.models import Role
from orders import services
from orders.models import OrderEmail, OrderEvent, OrderEventKind, OrderStatus
from orders.tasks import order_event_notify
from tests.factories import CustomerFactory, SiteFactory, member
from tests.orders.factories import advance, make_order, ship_all, tomorrow_at

pytestmark = pytest.mark.django_db
S = OrderStatus


def test_validated_email_after_commit_in_french_for_quebec(
    customer, customer_user, agent, django_capture_on_commit_callbacks
):
    order = make_order(customer, actor=customer_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.order_transition(order=order, to=S.VALIDATED, actor=agent)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [customer_user.email]
    assert message.subject == f"Commande {order.number} validée"
    assert "a été validée" in message.body


def test_nothing_sent_before_commit(customer, customer_user, agent, django_capture_on_commit_callbacks):
    order = make_order(customer, actor=customer_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.order_transition(order=order, to=S.VALIDATED, actor=agent)
    assert mail.outbox == [] and len(callbacks) == 1


def test_english_customer_gets_english(agent):
    customer = CustomerFactory(province="ON")
    SiteFactory(customer=customer)
    buyer = member(customer, Role.BUYER, language="fr")  # the customer's language decides
    order = advance(make_order(customer, actor=buyer), S.VALIDATED, actor=agent)
    event = order.events.get(kind=OrderEventKind.STATUS, to_status=S.VALIDATED)
    assert order_event_notify(event.id) == 1
    assert mail.outbox[-1].subject == f"Order {order.number} validated"


def test_email_sent_once_per_event_even_when_task_runs_twice(customer, customer_user, agent):
    order = advance(make_order(customer, actor=customer_user), S.VALIDATED, actor=agent)
    event = order.events.get(kind=OrderEventKind.STATUS, to_status=S.VALIDATED)
    assert order_event_notify(event.id) == 1
    assert order_event_notify(event.id) == 0
    assert len(mail.outbox) == 1
    assert OrderEmail.objects.filter(event=event).count() == 1


def test_viewers_are_not_order_contacts(customer, customer_user, viewer_user, buyer, agent):
    order = advance(make_order(customer, actor=customer_user), S.VALIDATED, actor=agent)
    event = order.events.get(kind=OrderEventKind.STATUS, to_status=S.VALIDATED)
    order_event_notify(event.id)
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([customer_user.email, buyer.email])


def test_shipped_delivered_and_window_emails(
    customer, customer_user, agent, django_capture_on_commit_callbacks
):
    order = advance(make_order(customer, actor=customer_user), S.SCHEDULED, actor=agent)
    with django_capture_on_commit_callbacks(execute=True):
        window = services.delivery_window_propose(
            order=order, starts_at=tomorrow_at(9), ends_at=tomorrow_at(11), actor=agent
        )
    assert mail.outbox[-1].subject == f"Plage de livraison de la commande {order.number}"
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_window_accept(window=window, actor=customer_user, site_contact_name="Lise")
    # The customer's answer reaches the CSO desk as well.
    assert {m.to[0] for m in mail.outbox[-2:]} == {customer_user.email, "cso@csol.example"}
    with django_capture_on_commit_callbacks(execute=True):
        shipment = ship_all(order, actor=agent)
    assert mail.outbox[-1].subject == f"L'expédition {shipment.number} est en route"
    assert "Purolator" in mail.outbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        services.shipment_deliver(shipment=shipment, actor=agent)
    assert mail.outbox[-1].subject == f"Commande {order.number} livrée"
    kinds = list(OrderEmail.objects.values_list("event__kind", "event__to_status").order_by("id"))
    assert ("shipment_shipped", "") in kinds and ("status", "delivered") in kinds
    # "Shipped" status itself is not emailed again: one email per shipment is enough.
    assert ("status", "shipped") not in kinds


def test_task_quietly_ignores_missing_or_silent_events(customer, customer_user):
    order = make_order(customer, actor=customer_user)
    created = OrderEvent.objects.get(order=order, kind=OrderEventKind.CREATED)
    assert order_event_notify(created.id) == 0
    assert order_event_notify(999999) == 0
    assert mail.outbox == []
