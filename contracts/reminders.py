"""The daily renewal job: expire or auto-renew ended terms, mark those entering the window, send reminders.

Exactly once per contract, offset and term: the RenewalReminder row (unique on those three) is written
and committed before any email. Delivery claims the rows it sends (a conditional update), writes each
address on them as soon as its email is out, and stamps `sent_at`: a second run, a duplicated task or a
concurrent worker finds nothing left to send, and a retry after a mail failure skips who was reached.
"""

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contracts.models import ContractStatus, RenewalReminder
from contracts.selectors import (
    contracts_due_for_reminder,
    contracts_past_end,
    contracts_to_mark_expiring,
)
from contracts.services import contract_renew, contract_transition
from csol.core.emails import send_templated_email
from csol.core.models import Membership, Role
from csol.core.selectors import customer_contacts, customer_partner_contacts


def contracts_roll(*, today: date, window_days: int) -> dict:
    """Ended terms renew automatically or expire; active terms inside the window become expiring."""
    counts = {"renewed": 0, "expired": 0, "expiring": 0}
    for contract in contracts_past_end(today=today):
        try:
            if contract.will_auto_renew:
                contract_renew(
                    contract=contract, actor=None, note=_("Renewed automatically at the end of the term")
                )
                counts["renewed"] += 1
            else:
                contract_transition(contract=contract, to=ContractStatus.EXPIRED, note=_("Term ended"))
                counts["expired"] += 1
        except ValidationError:
            continue  # another run moved it meanwhile
    for contract in contracts_to_mark_expiring(today=today, window_days=window_days):
        try:
            contract_transition(
                contract=contract, to=ContractStatus.EXPIRING, note=_("Renewal window opened")
            )
            counts["expiring"] += 1
        except ValidationError:
            continue
    return counts


def renewal_reminders_create(*, today: date, offsets: list[int]) -> list[RenewalReminder]:
    """Write the reminder row of every contract due one; a row another run wrote first is skipped."""
    created = []
    for contract in contracts_due_for_reminder(today=today, offsets=offsets):
        try:
            with transaction.atomic():
                created.append(
                    RenewalReminder.objects.create(
                        contract=contract, offset_days=contract.reminder_offset, term_end=contract.end_date
                    )
                )
        except IntegrityError:
            continue
    return created


def unsent_reminder_batches() -> dict[int, list[int]]:
    """Reminder ids not yet sent, by customer: this run's and any left by a failed delivery."""
    batches: dict[int, list[int]] = defaultdict(list)
    rows = RenewalReminder.objects.filter(sent_at__isnull=True).values_list("contract__customer_id", "id")
    for customer_id, reminder_id in rows.order_by("contract__customer_id", "id"):
        batches[customer_id].append(reminder_id)
    return dict(batches)


def _recipients(customer, reminders) -> dict:
    """User → the reminders they receive: administrators and partner users all, contacts their contracts."""
    everyone = customer_contacts(customer=customer, roles=[Role.ADMINISTRATOR]) + customer_partner_contacts(
        customer=customer
    )
    by_user = {user.pk: (user, list(reminders)) for user in everyone}
    active_members = set(
        Membership.objects.filter(customer=customer, is_active=True, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )
    for reminder in reminders:
        for contact in reminder.contract.contacts.all():
            if contact.pk not in active_members:
                continue  # a contact who left the company receives nothing
            user, items = by_user.setdefault(contact.pk, (contact, []))
            if reminder not in items:
                items.append(reminder)
    return {user: items for user, items in by_user.values() if items}


def _portal_link(language: str) -> str:
    with translation.override(language):
        return getattr(settings, "CSOL_PORTAL_URL", "").rstrip("/") + reverse("contracts:renewals")


CLAIM_TIMEOUT = timedelta(minutes=15)


def _claim(reminder_ids: list[int]) -> list[RenewalReminder]:
    """Take the unsent reminders of the batch for this run: a conditional UPDATE is the lock, so a
    concurrent or duplicated delivery of the same batch finds nothing to send."""
    now = timezone.now()
    claimable = RenewalReminder.objects.filter(pk__in=reminder_ids, sent_at__isnull=True).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)
    )
    with transaction.atomic():
        ids = list(claimable.select_for_update().values_list("pk", flat=True))
        RenewalReminder.objects.filter(pk__in=ids).update(claimed_at=now)
    return list(
        RenewalReminder.objects.filter(pk__in=ids)
        .select_related("contract", "contract__customer")
        .prefetch_related("contract__contacts")
        .order_by("contract__end_date", "contract__number")
    )


def renewal_reminders_deliver(*, reminder_ids: list[int]) -> int:
    """Email one customer's due reminders, each recipient in their language; returns emails sent.

    Each address is written on the reminders right after its email goes out, so a retry after a mail
    failure sends only to those not reached yet.
    """
    reminders = _claim(reminder_ids)
    if not reminders:
        return 0
    customer = reminders[0].contract.customer
    mine = [r for r in reminders if r.contract.customer_id == customer.pk]
    ids = [r.pk for r in reminders]
    sent = 0
    try:
        for user, items in sorted(_recipients(customer, mine).items(), key=lambda pair: pair[0].email):
            if all(user.email in r.recipients.split() for r in items):
                continue  # reached by an earlier, interrupted delivery
            language = user.language or customer.language
            send_templated_email(
                to=[user.email],
                template="contracts/emails/renewal_reminder",
                language=language,
                context={
                    "customer": customer,
                    "recipient": user,
                    "reminders": items,
                    "link": _portal_link(language),
                },
            )
            sent += 1
            for reminder in items:
                reminder.recipients = "\n".join(filter(None, [reminder.recipients, user.email]))
                RenewalReminder.objects.filter(pk=reminder.pk).update(recipients=reminder.recipients)
    except Exception:
        # Let the retry (ReliableTask) take the batch again at once rather than after the claim timeout.
        RenewalReminder.objects.filter(pk__in=ids, sent_at__isnull=True).update(claimed_at=None)
        raise
    RenewalReminder.objects.filter(pk__in=ids).update(sent_at=timezone.now(), claimed_at=None)
    return sent
