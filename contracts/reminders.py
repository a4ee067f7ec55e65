"""The daily renewal job: expire or auto-renew ended terms, mark those entering the window, send reminders.

Exactly once per contract, offset and term: the RenewalReminder row (unique on those three) is written
and committed before any email. Delivery claims the rows it sends (a conditional update), writes each
address on them as soon as its email is out, and stamps `sent_at`: a second run, a duplicated task or a
concurrent worker finds nothing left to send, and a retry after a mail failure skips who was reached.

The cost does not follow the number of reminders: the rows are written in one insert, and a delivery
job sends a few customers' reminders with their recipients read at once, one mail connection, and one
write per email.
"""

from collections import defaultdict
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import ContractStatus, RenewalReminder
from contracts.selectors import (
    contracts_due_for_reminder,
    contracts_past_end,
    contracts_to_mark_expiring,
)
from contracts.services import contract_renew, contract_transition
from csol.core.emails import portal_url, send_templated_email
from csol.core.models import Membership, Role
from csol.core.selectors import customers_contacts, customers_partner_contacts

# Customers whose reminders one delivery job sends.
DELIVERY_BATCH = 25


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
    """Write the reminder row of every contract due one, in one insert; a row another run wrote first
    is skipped (the rows are then written one by one)."""
    due = [
        (contract.pk, contract.reminder_offset, contract.end_date)
        for contract in contracts_due_for_reminder(today=today, offsets=offsets)
    ]

    def row(contract_id, offset, end):
        return RenewalReminder(contract_id=contract_id, offset_days=offset, term_end=end)

    try:
        with transaction.atomic():
            return RenewalReminder.objects.bulk_create([row(*key) for key in due], batch_size=2000)
    except IntegrityError:
        created = []
        for key in due:
            reminder = row(*key)
            try:
                with transaction.atomic():
                    reminder.save()
            except IntegrityError:
                continue
            created.append(reminder)
        return created


def unsent_reminder_batches(*, customers_per_batch: int = DELIVERY_BATCH) -> list[list[int]]:
    """Reminder ids not yet sent (this run's and any left by a failed delivery), a few customers' a batch."""
    by_customer: dict[int, list[int]] = defaultdict(list)
    rows = RenewalReminder.objects.filter(sent_at__isnull=True).values_list("contract__customer_id", "id")
    for customer_id, reminder_id in rows.order_by("contract__customer_id", "id"):
        by_customer[customer_id].append(reminder_id)
    ids = list(by_customer.values())
    return [
        [reminder_id for batch in ids[start : start + customers_per_batch] for reminder_id in batch]
        for start in range(0, len(ids), customers_per_batch)
    ]


class _Audience:
    """Who may receive the renewal reminders of a set of customers, read at once (four queries)."""

    def __init__(self, customer_ids):
        self.admins = customers_contacts(customer_ids=customer_ids, roles=[Role.ADMINISTRATOR])
        self.partners = customers_partner_contacts(customer_ids=customer_ids)
        self.members = set(
            Membership.objects.filter(
                customer_id__in=list(customer_ids), is_active=True, user__is_active=True
            ).values_list("customer_id", "user_id")
        )

    def recipients(self, customer, reminders) -> dict:
        """User → the reminders they receive: administrators and partner users all of them, a contract's
        contacts its own."""
        everyone = self.admins.get(customer.pk, []) + self.partners.get(customer.pk, [])
        by_user = {user.pk: (user, list(reminders)) for user in everyone}
        for reminder in reminders:
            for contact in reminder.contract.contacts.all():
                if (customer.pk, contact.pk) not in self.members:
                    continue  # a contact who left the company receives nothing
                user, items = by_user.setdefault(contact.pk, (contact, []))
                if reminder not in items:
                    items.append(reminder)
        return {user: items for user, items in by_user.values() if items}




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
        .order_by("contract__customer_id", "contract__end_date", "contract__number")
    )


def renewal_reminders_deliver(*, reminder_ids: list[int]) -> int:
    """Email the due reminders of a few customers, each recipient in their language; returns emails sent.

    Each address is written on its reminders right after its email goes out (one update per email),
    so a retry after a mail failure sends only to those not reached yet.
    """
    reminders = _claim(reminder_ids)
    if not reminders:
        return 0
    by_customer: dict[int, list[RenewalReminder]] = defaultdict(list)
    for reminder in reminders:
        by_customer[reminder.contract.customer_id].append(reminder)
    audience = _Audience(list(by_customer))
    done: list[int] = []
    sent = 0
    connection = get_connection()
    try:
        for mine in by_customer.values():
            customer = mine[0].contract.customer
            recipients = audience.recipients(customer, mine)
            for user, items in sorted(recipients.items(), key=lambda pair: pair[0].email):
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
                        "link": portal_url("contracts:renewals", language=language),
                    },
                    connection=connection,
                )
                sent += 1
                for reminder in items:
                    reminder.recipients = "\n".join(filter(None, [reminder.recipients, user.email]))
                RenewalReminder.objects.bulk_update(items, ["recipients"])
            done += [reminder.pk for reminder in mine]
    except Exception:
        # Let the retry (ReliableTask) take the rest at once rather than after the claim timeout.
        unsent = [reminder.pk for reminder in reminders if reminder.pk not in done]
        RenewalReminder.objects.filter(pk__in=unsent, sent_at__isnull=True).update(claimed_at=None)
        raise
    finally:
        connection.close()
        RenewalReminder.objects.filter(pk__in=done).update(sent_at=timezone.now(), claimed_at=None)
    return sent
